// The loaded model behind kerasrt::Model: an immutable Graph plus the two synchronised caches
// predict needs (memory plans per input shape, a pool of per-call workspaces).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "graph/graph.h"
#include "graph/plan.h"

namespace kerasrt::detail {

class Runtime {
 public:
  Runtime(Graph graph, LoadOptions options, std::string file);

  const std::vector<TensorInfo>& inputs() const { return graph_.input_info; }
  const std::vector<TensorInfo>& outputs() const { return graph_.output_info; }
  const ModelSummary& summary() const { return graph_.summary; }
  const std::string& file() const { return file_; }

  std::vector<Tensor> predict(std::span<const TensorView> inputs) const;

 private:
  struct Workspace;
  struct WorkspaceDeleter {
    void operator()(Workspace* w) const;
  };
  using WorkspacePtr = std::unique_ptr<Workspace, WorkspaceDeleter>;

  std::shared_ptr<const Plan> plan_for(const std::vector<Dims>& shapes) const;
  WorkspacePtr acquire() const;
  void release(WorkspacePtr workspace) const;
  std::vector<Dims> check_inputs(std::span<const TensorView> inputs) const;

  const Graph graph_;
  const LoadOptions options_;
  const std::string file_;

  mutable std::mutex plans_mutex_;
  mutable std::map<std::vector<Dims>, std::shared_ptr<const Plan>> plans_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<WorkspacePtr> pool_;
};

}  // namespace kerasrt::detail
