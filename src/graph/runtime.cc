#include "graph/runtime.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>

#include "core/helper_threads.h"
#include "core/limits.h"
#include "core/shape.h"
#include "graph/intra_op_threads.h"
#include "graph/optimize.h"

namespace kerasrt::detail {
namespace {

// Plans are small, but a server fed every batch size from 1 to N would grow the cache
// without bound; past this many we start over (workspaces keep the plans they use alive).
constexpr size_t kMaxCachedSchedules = 64;
// Idle workspaces kept for reuse; beyond that, a finished call frees its memory.
constexpr size_t kMaxPooledWorkspaces = 256;

// Half of one core's share of the last-level cache (the other half left to weights and
// whatever else runs), from sysfs; 8 MB when it does not say. (sysconf's cache sizes are the
// host's on a VM.)
int64_t cache_share() {
  static const int64_t bytes = [] {
    int64_t best = int64_t{8} << 20;
    for (int index = 0, level = 0;; ++index) {
      const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
      std::ifstream level_file(dir + "/level"), size_file(dir + "/size"),
          shared_file(dir + "/shared_cpu_list");
      int this_level = 0;
      int64_t kib = 0;
      std::string unit, shared;
      if (!(level_file >> this_level) || !(size_file >> kib >> unit) || !(shared_file >> shared))
        break;
      if (this_level < level || unit != "K") continue;
      // "0-1,4" -> 3 CPUs sharing the cache.
      int64_t cpus = 0;
      std::istringstream ranges(shared);
      for (std::string range; std::getline(ranges, range, ',');) {
        long first = 0, last = 0;
        const int read = std::sscanf(range.c_str(), "%ld-%ld", &first, &last);
        cpus += read == 2 && last >= first ? last - first + 1 : 1;
      }
      level = this_level;
      best = kib * 1024 / std::max<int64_t>(cpus, 1) / 2;
    }
    return best;
  }();
  return bytes;
}

// The number of slices a batch is split into over `threads` cores: one per core, unless the
// model's largest layer (its inputs and outputs) for a core's share of the samples would not
// stay in a core's share of the last-level cache. Then each core gets as many slices as it takes
// for them to fit (down to one sample each), and the cores take them in turn: every layer then
// works in cache, where a large slice streams each layer's activations through memory. Measured
// at batch 32 on 2 cores (AMD EPYC, 32 MB L3): MobileNetV2 438 -> 558 samples/s with 1-sample
// slices, ResNet50 55.0 -> 57.1. Models whose layers are small (MLP, MNIST CNN, LSTM) keep one
// slice per core: smaller slices would only re-read their weights more often (the MLP's
// throughput halves with 4-sample slices).
int64_t slice_count(const Graph& graph, const Plan& whole, int64_t batch, int threads) {
  int64_t largest = 0;  // bytes a layer reads and writes for the whole batch
  for (const Node& node : graph.nodes) {
    int64_t bytes = 0;
    for (const auto* ids : {&node.inputs, &node.outputs})
      for (const int t : *ids)
        bytes += num_elements(whole.shapes[static_cast<size_t>(t)]) * int64_t{sizeof(float)};
    largest = std::max(largest, bytes);
  }
  const int64_t per_sample = std::max<int64_t>(largest / batch, 1);
  const int64_t fitting = std::max<int64_t>(cache_share() / per_sample, 1);  // samples
  const int64_t share = ceil_div(batch, threads);
  const int64_t per_core = ceil_div(share, fitting);
  return std::min(batch, threads * per_core);
}

// A plan's memory against the limits, before any of it is allocated.
void check_plan_limits(const Graph& graph, const Plan& plan, const Limits& limits) {
  for (const Node& node : graph.nodes)
    for (int t : node.outputs)
      if (num_elements(plan.shapes[static_cast<size_t>(t)]) > limits.max_tensor_elements)
        check_tensor_elements(plan.shapes[static_cast<size_t>(t)], limits,
                              "the output of layer '" + node.name + "'");
  check_limit(static_cast<uint64_t>(plan.arena_floats) * sizeof(float), limits.max_workspace_bytes,
              "max_workspace_bytes", "the memory this call needs", "bytes");
}

std::vector<Dims> with_batch(std::vector<Dims> shapes, int64_t batch) {
  for (Dims& shape : shapes) shape[0] = batch;
  return shapes;
}

}  // namespace

struct Runtime::Workspace {
  float* arena = nullptr;
  int64_t capacity = 0;  // floats

  // Returns the floats it grew by.
  int64_t reserve(int64_t floats) {
    if (floats <= capacity) return 0;
    const int64_t before = capacity;
    ::operator delete[](arena, std::align_val_t(64));
    arena = nullptr;
    capacity = 0;
    arena = static_cast<float*>(
        ::operator new[](static_cast<size_t>(floats) * sizeof(float), std::align_val_t(64)));
    capacity = floats;
    return floats - before;
  }
  ~Workspace() { ::operator delete[](arena, std::align_val_t(64)); }
};

void Runtime::WorkspaceDeleter::operator()(Workspace* w) const { delete w; }

Runtime::Runtime(Graph graph, LoadOptions options, std::string file)
    : graph_(optimize_graph(std::move(graph))), options_(options), file_(std::move(file)) {
  splittable_ = std::none_of(graph_.nodes.begin(), graph_.nodes.end(),
                             [](const Node& node) { return node.layer->mixes_batch(); });
  float_only_ = graph_.float_only();
}

std::shared_ptr<const Runtime::Schedule> Runtime::schedule_for(
    const std::vector<Dims>& shapes) const {
  {
    std::lock_guard<std::mutex> lock(schedules_mutex_);
    auto it = schedules_.find(shapes);
    if (it != schedules_.end()) return it->second;
  }
  // Planning runs outside the lock; two threads may plan the same shapes once each.
  std::shared_ptr<const Schedule> schedule = make_schedule(shapes);
  std::lock_guard<std::mutex> lock(schedules_mutex_);
  if (schedules_.size() >= kMaxCachedSchedules) schedules_.clear();
  return schedules_.emplace(shapes, std::move(schedule)).first->second;
}

std::shared_ptr<const Runtime::Schedule> Runtime::make_schedule(
    const std::vector<Dims>& shapes) const {
  const int threads = std::max(1, options_.intra_op_threads);
  auto schedule = std::make_shared<Schedule>();
  const auto output_shapes = [&](const Plan& plan) {
    std::vector<Dims> out;
    for (int t : graph_.outputs) out.push_back(plan.shapes[static_cast<size_t>(t)]);
    return out;
  };

  // Split the batch when every input and output has it as its first axis (and the model never
  // combines samples): each slice's outputs are then rows of the call's outputs.
  int64_t batch = shapes.empty() || shapes[0].empty() ? -1 : shapes[0][0];
  for (const Dims& shape : shapes)
    if (shape.empty() || shape[0] != batch) batch = -1;
  if (threads > 1 && splittable_ && batch >= 2) {
    const Plan whole = make_plan(graph_, shapes, /*prepare=*/false);
    check_plan_limits(graph_, whole, options_.limits);
    schedule->output_shapes = output_shapes(whole);
    const auto rows_of = [](const std::vector<Dims>& outs, int64_t rows) {
      return std::all_of(outs.begin(), outs.end(),
                         [&](const Dims& s) { return !s.empty() && s[0] == rows; });
    };
    if (rows_of(schedule->output_shapes, batch)) {
      const int64_t count = slice_count(graph_, whole, batch, threads);
      IntraOpThreads one(1);
      std::map<int64_t, std::shared_ptr<const Plan>> plans;  // by slice size
      bool ok = true;
      for (int64_t s = 0, begin = 0; s < count && ok; ++s) {
        const int64_t size = batch / count + (s < batch % count ? 1 : 0);
        auto& plan = plans[size];
        if (!plan) {
          plan = std::make_shared<const Plan>(make_plan(graph_, with_batch(shapes, size)));
          ok = rows_of(output_shapes(*plan), size);
        }
        schedule->slices.push_back({begin, size, plan});
        begin += size;
      }
      if (ok) {
        schedule->threads = 1;
        return schedule;
      }
      schedule->slices.clear();
    }
  }

  IntraOpThreads inside(threads);
  auto plan = std::make_shared<const Plan>(make_plan(graph_, shapes));
  check_plan_limits(graph_, *plan, options_.limits);
  schedule->output_shapes = output_shapes(*plan);
  schedule->slices = {{0, batch, std::move(plan)}};
  schedule->threads = threads;
  return schedule;
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
  count_workspace(1, 0);
  return WorkspacePtr(new Workspace);
}

void Runtime::release(WorkspacePtr workspace) const {
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (pool_.size() < kMaxPooledWorkspaces) {
      pool_.push_back(std::move(workspace));
      return;
    }
  }
  count_workspace(-1, -workspace->capacity * static_cast<int64_t>(sizeof(float)));
}

void Runtime::count_workspace(int64_t workspaces, int64_t bytes) const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  stats_.workspaces += workspaces;
  stats_.bytes = static_cast<uint64_t>(static_cast<int64_t>(stats_.bytes) + bytes);
  stats_.peak_workspaces = std::max(stats_.peak_workspaces, stats_.workspaces);
  stats_.peak_bytes = std::max(stats_.peak_bytes, stats_.bytes);
}

WorkspaceStats Runtime::workspace_stats() const {
  std::lock_guard<std::mutex> lock(stats_mutex_);
  return stats_;
}

void Runtime::check_inputs(std::span<const TensorView> inputs) const {
  const auto& expected = graph_.input_info;
  if (inputs.size() != expected.size())
    throw Error("the model takes " + std::to_string(expected.size()) + " input(s), got " +
                std::to_string(inputs.size()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo& info = expected[i];
    const Dims& got = inputs[i].shape;
    if (!info.accepts(got))
      throw Error("input '" + info.name + "' must have shape " + to_string(info.shape) + ", got " +
                  to_string(got));
    if (num_elements(got) > options_.limits.max_tensor_elements)
      check_tensor_elements(got, options_.limits, "input '" + info.name + "'");
    const bool strings = info.dtype == DType::kString;
    if (strings ? inputs[i].data != nullptr : inputs[i].strings != nullptr)
      throw Error("input '" + info.name + "' takes " + (strings ? "strings" : "numbers") +
                  ", got " + (strings ? "numbers" : "strings"));
    if (num_elements(got) > 0 &&
        (strings ? inputs[i].strings == nullptr : inputs[i].data == nullptr))
      throw Error("input '" + info.name + "' has no data");
  }
}

std::vector<Dims> Runtime::check_feeds(std::span<const TensorView> feeds) const {
  std::vector<Dims> shapes;
  shapes.reserve(feeds.size());
  for (size_t i = 0; i < feeds.size(); ++i) {
    const Dims& got = feeds[i].shape;
    shapes.push_back(got);
    const Feed& feed = graph_.feeds[i];
    if (!feed.encoder) continue;  // a model input, which check_inputs() has checked
    const Dims& want = graph_.static_shapes[static_cast<size_t>(graph_.inputs[i])];
    const std::string what = "the output of layer '" + feed.encoder->name + "'";
    if (!fits(got, want))
      throw Error(what + " must have shape " + to_string(want) + ", got " + to_string(got));
    if (num_elements(got) > options_.limits.max_tensor_elements)
      check_tensor_elements(got, options_.limits, what);
  }
  return shapes;
}

void Runtime::run_plan(const Plan& plan, std::span<const TensorView> inputs,
                       const std::vector<float*>& outputs) const {
  WorkspacePtr workspace = acquire();
  // Never a null arena, even when all is empty.
  if (const int64_t grown = workspace->reserve(std::max<int64_t>(plan.arena_floats, 16)))
    count_workspace(0, grown * static_cast<int64_t>(sizeof(float)));

  const auto address = [&](int tensor) -> float* {
    const Plan::Storage& s = plan.storage[static_cast<size_t>(tensor)];
    // Model inputs are read-only caller memory; no layer writes to its inputs.
    // An empty input may come without data; layers still get a valid pointer (memcpy(dst, nullptr,
    // 0) is UB).
    static constexpr float kEmptyInput = 0.0f;  // never written: no layer writes its inputs
    if (s.model_input >= 0) {
      const float* data = inputs[static_cast<size_t>(s.model_input)].data;
      return const_cast<float*>(data ? data : &kEmptyInput);
    }
    return workspace->arena + s.offset;
  };

  std::vector<ConstTensor> in_views;
  std::vector<MutTensor> out_views;
  for (size_t n = 0; n < graph_.nodes.size(); ++n) {
    const Node& node = graph_.nodes[n];
    if (node.layer->aliases_input()) continue;
    in_views.clear();
    out_views.clear();
    for (int t : node.inputs) in_views.push_back({address(t), plan.shapes[static_cast<size_t>(t)]});
    for (int t : node.outputs)
      out_views.push_back({address(t), plan.shapes[static_cast<size_t>(t)]});
    float* scratch = plan.scratch[n] >= 0 ? workspace->arena + plan.scratch[n] : nullptr;
    try {
      node.layer->run({in_views, out_views, scratch, plan.prepared[n].get()});
    } catch (const Error& e) {
      throw e.in_layer(node.name + " (" + node.class_name + ")");
    }
  }

  for (size_t i = 0; i < graph_.outputs.size(); ++i) {
    const int t = graph_.outputs[i];
    const int64_t size = num_elements(plan.shapes[static_cast<size_t>(t)]);
    if (size > 0) std::memcpy(outputs[i], address(t), static_cast<size_t>(size) * sizeof(float));
  }
  release(std::move(workspace));
}

std::vector<Tensor> Runtime::predict(std::span<const TensorView> inputs) const {
  try {
    const HelperThreads::Busy busy;
    check_inputs(inputs);
    return float_only_ ? run_graph(inputs) : predict_with_strings(inputs);
  } catch (const Error& e) {
    throw e.in_file(file_);
  } catch (const std::bad_alloc&) {
    throw Error("out of memory while predicting", "", file_);
  }
}

std::vector<Tensor> Runtime::predict_with_strings(std::span<const TensorView> inputs) const {
  const auto at_edge = [](const StringEdge& edge, auto&& step) {
    try {
      return step();
    } catch (const Error& e) {
      throw e.in_layer(edge.name + " (" + edge.class_name + ")");
    }
  };
  std::vector<Tensor> encoded;
  encoded.reserve(graph_.feeds.size());  // the views below point into these tensors
  std::vector<TensorView> feeds;
  for (const Feed& feed : graph_.feeds) {
    const TensorView& input = inputs[static_cast<size_t>(feed.model_input)];
    if (!feed.encoder) {
      feeds.push_back(input);
      continue;
    }
    const size_t count = static_cast<size_t>(num_elements(input.shape));
    encoded.push_back(at_edge(*feed.encoder, [&] {
      return feed.encoder->layer->string_encoder()->encode({input.strings, count}, input.shape);
    }));
    feeds.push_back(TensorView::of(encoded.back()));
  }
  std::vector<Tensor> outputs = run_graph(feeds);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::optional<StringEdge>& decoder = graph_.decoders[i];
    if (!decoder) continue;
    std::vector<std::string> strings(static_cast<size_t>(outputs[i].size()));
    at_edge(*decoder, [&] {
      decoder->layer->string_decoder()->decode(outputs[i].values(), strings);
      return 0;
    });
    outputs[i] = Tensor::of_strings(outputs[i].shape(), std::move(strings));
  }
  return outputs;
}

std::vector<Tensor> Runtime::run_graph(std::span<const TensorView> inputs) const {
  const std::vector<Dims> shapes = check_feeds(inputs);
  const std::shared_ptr<const Schedule> schedule = schedule_for(shapes);

  std::vector<Tensor> outputs;
  outputs.reserve(schedule->output_shapes.size());
  for (const Dims& shape : schedule->output_shapes) outputs.emplace_back(shape);
  if (schedule->slices.size() == 1) {
    std::vector<float*> out;
    out.reserve(outputs.size());
    for (Tensor& t : outputs) out.push_back(t.data());
    const IntraOpThreads threads(schedule->threads);
    run_plan(*schedule->slices[0].plan, inputs, out);
    return outputs;
  }

  const IntraOpThreads threads(1);
  HelperThreads::instance().run(static_cast<int>(schedule->slices.size()), [&](int s) {
    const Schedule::Slice& slice = schedule->slices[static_cast<size_t>(s)];
    std::vector<TensorView> views;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const int64_t row = shapes[i][0] > 0 ? num_elements(shapes[i]) / shapes[i][0] : 0;
      TensorView view{inputs[i].data ? inputs[i].data + slice.begin * row : nullptr, shapes[i]};
      view.shape[0] = slice.count;
      views.push_back(std::move(view));
    }
    std::vector<float*> out;
    for (Tensor& t : outputs) {
      const int64_t row = t.shape()[0] > 0 ? t.size() / t.shape()[0] : 0;
      out.push_back(t.data() + slice.begin * row);
    }
    run_plan(*slice.plan, views, out);
  });
  return outputs;
}

}  // namespace kerasrt::detail
