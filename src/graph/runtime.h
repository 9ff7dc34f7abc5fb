// The loaded model behind kerasrt::Model: an immutable Graph (optimised once at load, see
// graph/optimize.h) plus the two synchronised caches predict needs (a schedule of memory plans
// per input shape, a pool of per-call workspaces).
//
// Threads (LoadOptions::intra_op_threads = N):
// - N = 1 (the default, throughput mode): a call runs on its caller's thread alone, with
//   OpenMP (oneDNN) limited to that one thread, so many concurrent callers each use one core.
// - N > 1 and a batch of 2 or more samples (latency mode): the batch is cut into min(N, batch)
//   slices of fixed sizes, or a multiple of N smaller ones when a model's largest layer would
//   not otherwise stay in cache (slice_count in runtime.cc); each slice runs the whole model
//   single-threaded on its own workspace.
//   The caller runs slices itself, and kerasrt's process-wide helper threads (cores - 1 of them,
//   core/helper_threads.h) take the others while fewer kerasrt threads are busy than
//   the machine has cores: with many concurrent callers the caller simply runs its slices
//   itself, so nothing is oversubscribed. The slices do not depend on who runs them, so
//   concurrent calls give bit-identical results.
// - N > 1 and one sample (or a model whose layers combine samples): oneDNN's OpenMP threads work
//   inside each layer (libgomp's threads wait for the next layer spinning for a while before
//   they sleep; OMP_WAIT_POLICY=passive, read by libgomp at process start, makes them sleep).
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
  WorkspaceStats workspace_stats() const;

 private:
  // predict() on the graph's float inputs (Graph::feeds), checked against the graph's shapes;
  // returns the graph's float outputs.
  std::vector<Tensor> run_graph(std::span<const TensorView> feeds) const;
  // The strings of a model with string inputs or outputs: the encoders' floats as graph
  // inputs, then the decoders' strings as outputs (see StringEncoder in layers/layer.h).
  std::vector<Tensor> predict_with_strings(std::span<const TensorView> inputs) const;
  struct Workspace;
  struct WorkspaceDeleter {
    void operator()(Workspace* w) const;
  };
  using WorkspacePtr = std::unique_ptr<Workspace, WorkspaceDeleter>;

  // How one call with given input shapes runs: its batch cut into slices (one slice: the whole
  // call), each with a plan, and the OpenMP threads inside a slice.
  struct Schedule {
    struct Slice {
      int64_t begin = 0, count = 0;  // samples [begin, begin + count) of the batch
      std::shared_ptr<const Plan> plan;
    };
    std::vector<Slice> slices;
    int threads = 1;
    std::vector<Dims> output_shapes;  // of the whole call
  };

  std::shared_ptr<const Schedule> schedule_for(const std::vector<Dims>& shapes) const;
  std::shared_ptr<const Schedule> make_schedule(const std::vector<Dims>& shapes) const;
  // Runs one plan on `inputs` (views already cut to the slice), writing each model output to
  // `outputs[i]`.
  void run_plan(const Plan& plan, std::span<const TensorView> inputs,
                const std::vector<float*>& outputs) const;
  WorkspacePtr acquire() const;
  void release(WorkspacePtr workspace) const;
  // The model's inputs against inputs(): count, shapes, dtypes, limits.
  void check_inputs(std::span<const TensorView> inputs) const;
  // The encoders' floats against the graph's static shapes; returns every feed's shape.
  std::vector<Dims> check_feeds(std::span<const TensorView> feeds) const;

  const Graph graph_;
  const LoadOptions options_;
  const std::string file_;
  bool splittable_ = false;  // no layer combines the samples of a batch
  bool float_only_ = true;   // Graph::float_only(): no strings at the edges

  mutable std::mutex schedules_mutex_;
  mutable std::map<std::vector<Dims>, std::shared_ptr<const Schedule>> schedules_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<WorkspacePtr> pool_;
  // Updated when a workspace is made, grows or is freed, never on a call that reuses one.
  mutable std::mutex stats_mutex_;
  mutable WorkspaceStats stats_;
  void count_workspace(int64_t workspaces, int64_t bytes) const;
};

}  // namespace kerasrt::detail
