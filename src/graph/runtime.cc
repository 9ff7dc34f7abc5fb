#include "graph/runtime.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "core/limits.h"

namespace kerasrt::detail {
namespace {

// Plans are small, but a server fed every batch size from 1 to N would grow the cache
// without bound; past this many we start over (workspaces keep the plans they use alive).
constexpr size_t kMaxCachedPlans = 64;
// Idle workspaces kept for reuse; beyond that, a finished call frees its memory.
constexpr size_t kMaxPooledWorkspaces = 256;

// Sets the caller's OpenMP thread count for the duration of one call, then restores it:
// kernels inside one predict use `intra_op_threads` threads, whatever the caller's setting.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int threads) : previous_(omp_get_max_threads()) { omp_set_num_threads(std::max(1, threads)); }
  ~IntraOpThreads() { omp_set_num_threads(previous_); }

 private:
  int previous_;
};

// A plan's memory against the limits, before any of it is allocated.
void check_plan_limits(const Graph& graph, const Plan& plan, const Limits& limits) {
  for (const Node& node : graph.nodes)
    for (int t : node.outputs)
      if (num_elements(plan.shapes[static_cast<size_t>(t)]) > limits.max_tensor_elements)
        check_tensor_elements(plan.shapes[static_cast<size_t>(t)], limits, "the output of layer '" + node.name + "'");
  check_limit(static_cast<uint64_t>(plan.arena_floats) * sizeof(float), limits.max_workspace_bytes, "max_workspace_bytes",
              "the memory this call needs", "bytes");
}

}  // namespace

struct Runtime::Workspace {
  std::shared_ptr<const Plan> plan;
  float* arena = nullptr;
  int64_t capacity = 0;  // floats

  void reserve(int64_t floats) {
    if (floats <= capacity) return;
    ::operator delete[](arena, std::align_val_t(64));
    arena = nullptr;
    capacity = 0;
    arena = static_cast<float*>(::operator new[](static_cast<size_t>(floats) * sizeof(float), std::align_val_t(64)));
    capacity = floats;
  }
  ~Workspace() { ::operator delete[](arena, std::align_val_t(64)); }
};

void Runtime::WorkspaceDeleter::operator()(Workspace* w) const { delete w; }

Runtime::Runtime(Graph graph, LoadOptions options, std::string file)
    : graph_(std::move(graph)), options_(options), file_(std::move(file)) {}

std::shared_ptr<const Plan> Runtime::plan_for(const std::vector<Dims>& shapes) const {
  {
    std::lock_guard<std::mutex> lock(plans_mutex_);
    auto it = plans_.find(shapes);
    if (it != plans_.end()) return it->second;
  }
  // Planning runs outside the lock; two threads may plan the same shape once each.
  auto plan = std::make_shared<const Plan>(make_plan(graph_, shapes));
  check_plan_limits(graph_, *plan, options_.limits);
  std::lock_guard<std::mutex> lock(plans_mutex_);
  if (plans_.size() >= kMaxCachedPlans) plans_.clear();
  return plans_.emplace(shapes, std::move(plan)).first->second;
}

Runtime::WorkspacePtr Runtime::acquire() const {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      WorkspacePtr workspace = std::move(pool_.back());
      pool_.pop_back();
      return workspace;
    }
  }
  return WorkspacePtr(new Workspace);
}

void Runtime::release(WorkspacePtr workspace) const {
  std::lock_guard<std::mutex> lock(pool_mutex_);
  if (pool_.size() < kMaxPooledWorkspaces) pool_.push_back(std::move(workspace));
}

std::vector<Dims> Runtime::check_inputs(std::span<const TensorView> inputs) const {
  const auto& expected = graph_.input_info;
  if (inputs.size() != expected.size())
    throw Error("the model takes " + std::to_string(expected.size()) + " input(s), got " + std::to_string(inputs.size()));
  std::vector<Dims> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Dims& want = expected[i].shape;
    const Dims& got = inputs[i].shape;
    bool ok = got.size() == want.size();
    for (size_t d = 0; ok && d < got.size(); ++d) ok = got[d] >= 0 && (want[d] == kAnyDim || want[d] == got[d]);
    if (!ok)
      throw Error("input '" + expected[i].name + "' must have shape " + to_string(want) + ", got " + to_string(got));
    if (num_elements(got) > options_.limits.max_tensor_elements)
      check_tensor_elements(got, options_.limits, "input '" + expected[i].name + "'");
    if (num_elements(got) > 0 && !inputs[i].data) throw Error("input '" + expected[i].name + "' has no data");
    shapes.push_back(got);
  }
  return shapes;
}

std::vector<Tensor> Runtime::predict(std::span<const TensorView> inputs) const {
  try {
    const std::vector<Dims> shapes = check_inputs(inputs);
    WorkspacePtr workspace = acquire();
    if (!workspace->plan || workspace->plan->shapes.empty() || !std::equal(shapes.begin(), shapes.end(),
        graph_.inputs.begin(), [&](const Dims& s, int t) { return workspace->plan->shapes[static_cast<size_t>(t)] == s; }))
      workspace->plan = plan_for(shapes);
    const Plan& plan = *workspace->plan;
    workspace->reserve(std::max<int64_t>(plan.arena_floats, 16));  // never a null arena, even when all is empty

    const auto address = [&](int tensor) -> float* {
      const Plan::Storage& s = plan.storage[static_cast<size_t>(tensor)];
      // Model inputs are read-only caller memory; no layer writes to its inputs.
      // An empty input may come without data; layers still get a valid pointer (memcpy(dst, nullptr, 0) is UB).
      static constexpr float kEmptyInput = 0.0f;  // never written: no layer writes its inputs
      if (s.model_input >= 0) {
        const float* data = inputs[static_cast<size_t>(s.model_input)].data;
        return const_cast<float*>(data ? data : &kEmptyInput);
      }
      return workspace->arena + s.offset;
    };

    IntraOpThreads threads(options_.intra_op_threads);
    std::vector<ConstTensor> in_views;
    std::vector<MutTensor> out_views;
    for (size_t n = 0; n < graph_.nodes.size(); ++n) {
      const Node& node = graph_.nodes[n];
      if (node.layer->aliases_input()) continue;
      in_views.clear();
      out_views.clear();
      for (int t : node.inputs) in_views.push_back({address(t), plan.shapes[static_cast<size_t>(t)]});
      for (int t : node.outputs) out_views.push_back({address(t), plan.shapes[static_cast<size_t>(t)]});
      float* scratch = plan.scratch[n] >= 0 ? workspace->arena + plan.scratch[n] : nullptr;
      try {
        node.layer->run({in_views, out_views, scratch});
      } catch (const Error& e) {
        throw e.in_layer(node.name + " (" + node.class_name + ")");
      }
    }

    std::vector<Tensor> outputs;
    for (int t : graph_.outputs) {
      Tensor out(plan.shapes[static_cast<size_t>(t)]);
      if (out.size() > 0) std::memcpy(out.data(), address(t), static_cast<size_t>(out.size()) * sizeof(float));
      outputs.push_back(std::move(out));
    }
    release(std::move(workspace));
    return outputs;
  } catch (const Error& e) {
    throw e.in_file(file_);
  } catch (const std::bad_alloc&) {
    throw Error("out of memory while predicting", "", file_);
  }
}

}  // namespace kerasrt::detail
