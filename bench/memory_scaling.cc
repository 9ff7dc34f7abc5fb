// Memory scaling: resident memory of N threads predicting on ONE shared kerasrt::Model, against
// the per-thread-copy approach (N models loaded, one per thread: what a runtime without
// thread-safe predict forces on a server).
//
//   kerasrt_memory_scaling MODEL [--weights W] [--threads 1,4,16,64] [--batch B] [--calls C]
//   [--json]
//
// Every (mode, N) runs in a fresh child process (fork, before any thread exists), so each peak
// RSS is that configuration's own: the child loads the model (once, or N times), starts N
// threads that wait at a barrier, then each makes C predictions of batch B on zeros, and reports
// VmRSS after loading, the peak RSS (VmHWM) of loading and, separately, of the predicting phase
// (the mark is reset in between), and the heap in use (mallinfo2) after the run.
//
// One call's activations ("workspace": its intermediate tensors and scratch) are measured in a
// separate child, as the smallest Limits::max_workspace_bytes a predict passes (and, as a
// cross-check, the heap growth of the first predict); "beyond activations" for the shared model
// is then
//     peak_predicting(N) - peak_predicting(1) - (workspace_memory(N) - workspace_memory(1))
// which the target compares with 10% of the weights' size; workspace_memory is the
// model's own count of the workspaces it made (Model::workspace_stats().peak_bytes). A third child
// per N creates the same threads without predicting: what the threads cost by themselves
// (stacks, thread-local storage) is reported beside it.
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "kerasrt/kerasrt.h"

namespace {

using Json = nlohmann::json;

uint64_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  return 0;
}

uint64_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

struct Settings {
  std::string model, weights;
  std::vector<int> threads = {1, 4, 16, 64};
  int batch = 1;
  int calls = 3;
  bool json = false;
};

kerasrt::Model load(const Settings& s) {
  return s.weights.empty() ? kerasrt::Model::load(s.model)
                           : kerasrt::Model::load_json(s.model, s.weights);
}

std::vector<kerasrt::Tensor> zero_inputs(const kerasrt::Model& model, int batch) {
  std::vector<kerasrt::Tensor> inputs;
  for (const auto& info : model.inputs()) {
    std::vector<int64_t> shape = info.shape;
    shape[0] = batch;
    for (size_t d = 1; d < shape.size(); ++d)
      if (shape[d] == kerasrt::kAnyDim)
        throw kerasrt::Error("input '" + info.name + "' has an open dimension");
    inputs.emplace_back(shape);
  }
  return inputs;
}

// Runs in the child: one configuration, returns its JSON report.
Json run_child(const Settings& s, const std::string& mode, int n) {
  Json out = {{"mode", mode}, {"threads", n}};
  out["rss_start_bytes"] = status_bytes("VmRSS");
  if (mode == "workspace") {
    const kerasrt::Model model = load(s);
    const auto inputs = zero_inputs(model, s.batch);
    const uint64_t before = heap_in_use();
    (void)model.predict(inputs);
    out["first_call_heap_bytes"] = heap_in_use() - before;
    // The exact size of one call's memory, found through the public limit that bounds it
    // (Limits::max_workspace_bytes, checked when a call's memory plan is made): the smallest
    // limit a predict passes, to 1 KiB.
    uint64_t low = 0, high = uint64_t{1} << 40;  // low fails, high passes
    while (high - low > 1024) {
      const uint64_t mid = low + (high - low) / 2;
      kerasrt::LoadOptions options;
      options.limits.max_workspace_bytes = mid;
      const kerasrt::Model probe = s.weights.empty()
                                       ? kerasrt::Model::load(s.model, options)
                                       : kerasrt::Model::load_json(s.model, s.weights, options);
      try {
        (void)probe.predict(inputs);
        high = mid;
      } catch (const kerasrt::Error& e) {
        if (std::string(e.what()).find("max_workspace_bytes") == std::string::npos) throw;
        low = mid;
      }
    }
    out["workspace_bytes"] = high;
    const auto& summary = model.summary();
    out["params"] = summary.total_params;
    int64_t activations = 0;  // every layer output of one call, no buffer reuse: an upper bound
    for (const auto& layer : summary.layers)
      if (layer.depth == 0)
        for (const auto& shape : layer.output_shapes) {
          int64_t size = 1;
          for (int64_t d : shape) size *= d == kerasrt::kAnyDim ? s.batch : d;
          activations += size;
        }
    out["all_layer_outputs_bytes"] = activations * 4;
    return out;
  }
  std::vector<kerasrt::Model> models;
  const int copies = mode == "copies" ? n : 1;
  for (int i = 0; i < copies; ++i) models.push_back(load(s));
  const auto inputs = zero_inputs(models[0], s.batch);
  // One call per model first: the first call for a shape plans it (oneDNN primitives included),
  // outside any workspace; without this, N threads planning at once would count as N calls in
  // flight while holding no workspace yet.
  for (const kerasrt::Model& model : models) (void)model.predict(inputs);
  out["rss_loaded_bytes"] = status_bytes("VmRSS");
  out["heap_loaded_bytes"] = heap_in_use();
  out["peak_rss_load_bytes"] = status_bytes("VmHWM");
  // Reset the high-water mark (Linux >= 4.0), so that the next one is the predicting phase's own
  // (loading has a transient peak of its own: file buffers, weight conversion).
  {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
  }
  std::barrier start(n);
  std::atomic<int> in_flight{0}, most_in_flight{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      const kerasrt::Model& model = models[static_cast<size_t>(mode == "copies" ? i : 0)];
      start.arrive_and_wait();
      if (mode == "idle") return;  // the threads' own cost: stacks, thread-local storage
      for (int c = 0; c < s.calls; ++c) {
        // Calls in flight together: one workspace each (the model's pool only grows when every
        // pooled workspace is in use).
        const int now = in_flight.fetch_add(1) + 1;
        int most = most_in_flight.load();
        while (now > most && !most_in_flight.compare_exchange_weak(most, now)) {
        }
        (void)model.predict(inputs);
        in_flight.fetch_sub(1);
      }
    });
  for (auto& t : threads) t.join();
  out["most_calls_in_flight"] = most_in_flight.load();
  // The workspaces the model itself made (its own count, exact whatever the scheduling).
  const kerasrt::WorkspaceStats stats = models[0].workspace_stats();
  out["workspaces_peak"] = stats.peak_workspaces;
  out["workspace_peak_bytes"] = stats.peak_bytes;
  out["rss_end_bytes"] = status_bytes("VmRSS");
  out["peak_rss_predict_bytes"] = status_bytes("VmHWM");
  out["peak_rss_bytes"] = std::max(out["peak_rss_load_bytes"].get<uint64_t>(),
                                   out["peak_rss_predict_bytes"].get<uint64_t>());
  out["heap_end_bytes"] = heap_in_use();
  return out;
}

Json in_child(const Settings& s, const std::string& mode, int n) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    std::string text;
    int status = 0;
    try {
      text = run_child(s, mode, n).dump();
    } catch (const std::exception& e) {
      text = Json{{"error", e.what()}}.dump();
      status = 1;
    }
    const char* p = text.data();
    size_t left = text.size();
    while (left > 0) {
      const ssize_t w = write(fds[1], p, left);
      if (w <= 0) break;
      p += w;
      left -= static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(status);
  }
  close(fds[1]);
  std::string text;
  char buffer[4096];
  ssize_t r;
  while ((r = read(fds[0], buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(r));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (text.empty())
    throw std::runtime_error(mode + " x" + std::to_string(n) + ": the child died (status " +
                             std::to_string(status) + ")");
  Json out = Json::parse(text);
  if (out.contains("error"))
    throw std::runtime_error(mode + " x" + std::to_string(n) + ": " +
                             out["error"].get<std::string>());
  return out;
}

double mb(uint64_t bytes) { return static_cast<double>(bytes) / 1e6; }

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--weights" && has_value) {
      s.weights = argv[++i];
    } else if (arg == "--threads" && has_value) {
      s.threads.clear();
      std::string list = argv[++i];
      for (size_t p = 0; p <= list.size();) {
        const size_t comma = std::min(list.find(',', p), list.size());
        s.threads.push_back(std::atoi(list.substr(p, comma - p).c_str()));
        if (s.threads.back() < 1) {
          std::fprintf(stderr, "kerasrt_memory_scaling: bad --threads\n");
          return 2;
        }
        p = comma + 1;
      }
    } else if (arg == "--batch" && has_value) {
      s.batch = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--calls" && has_value) {
      s.calls = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--json") {
      s.json = true;
    } else if (s.model.empty() && arg[0] != '-') {
      s.model = arg;
    } else {
      std::fprintf(stderr,
                   "usage: kerasrt_memory_scaling MODEL [--weights W] [--threads 1,4,16,64] "
                   "[--batch B] [--calls C] [--json]\n");
      return 2;
    }
  }
  if (s.model.empty()) {
    std::fprintf(stderr, "kerasrt_memory_scaling: give a MODEL\n");
    return 2;
  }
  try {
    const Json workspace = in_child(s, "workspace", 1);
    const uint64_t ws = workspace["workspace_bytes"];
    const uint64_t weights_bytes = workspace["params"].get<uint64_t>() * 4;
    Json rows = Json::array();
    uint64_t shared_one = 0, idle_one = 0;
    for (int n : s.threads) {
      const Json shared = in_child(s, "shared", n);
      const Json copies = in_child(s, "copies", n);
      const Json idle = in_child(s, "idle", n);
      if (n == 1 || shared_one == 0) {
        shared_one = shared["peak_rss_predict_bytes"];
        idle_one = idle["peak_rss_predict_bytes"];
      }
      rows.push_back({{"threads", n}, {"shared", shared}, {"copies", copies}, {"idle", idle}});
    }
    // Beyond per-call activations, against 1 thread on the shared model: the peak RSS growth
    // less the growth of the workspaces the model made (Model::workspace_stats; N threads do not
    // always have N calls in flight at once, and a thread counted in flight may not hold one yet).
    uint64_t ws_one = 0;
    for (const Json& row : rows)
      if (row["threads"] == 1 || ws_one == 0) ws_one = row["shared"]["workspace_peak_bytes"];
    for (Json& row : rows) {
      const Json& shared = row["shared"];
      row["shared_workspaces_alive"] = shared["workspaces_peak"];
      const double extra = static_cast<double>(shared["peak_rss_predict_bytes"].get<uint64_t>()) -
                           static_cast<double>(shared_one) -
                           (static_cast<double>(shared["workspace_peak_bytes"].get<uint64_t>()) -
                            static_cast<double>(ws_one));
      row["shared_beyond_activations_bytes"] = extra;
      row["shared_beyond_activations_fraction_of_weights"] =
          extra / static_cast<double>(weights_bytes);
      // Of which the threads themselves (the same N threads, created and joined, no predict).
      const double threads_cost =
          static_cast<double>(row["idle"]["peak_rss_predict_bytes"].get<uint64_t>()) -
          static_cast<double>(idle_one);
      row["thread_creation_bytes"] = threads_cost;
      row["shared_beyond_activations_and_threads_bytes"] = extra - threads_cost;
      row["shared_beyond_activations_and_threads_fraction_of_weights"] =
          (extra - threads_cost) / static_cast<double>(weights_bytes);
    }
    const Json report = {{"model", s.model},
                         {"batch", s.batch},
                         {"calls_per_thread", s.calls},
                         {"weights_bytes", weights_bytes},
                         {"workspace_bytes", ws},
                         {"all_layer_outputs_bytes", workspace["all_layer_outputs_bytes"]},
                         {"first_call_heap_bytes", workspace["first_call_heap_bytes"]},
                         {"rows", rows}};
    if (s.json) {
      std::printf("%s\n", report.dump(2).c_str());
      return 0;
    }
    std::printf(
        "%s: weights %.1f MB, one call's workspace %.1f MB (batch %d), %d calls per thread\n\n",
        s.model.c_str(), mb(weights_bytes), mb(ws), s.batch, s.calls);
    std::printf(
        "| threads | one shared model: peak RSS | N models (one per thread): peak RSS | saving | "
        "shared: "
        "workspaces | shared: beyond activations | of which thread stacks |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Json& row : rows) {
      const double a = mb(row["shared"]["peak_rss_bytes"]), b = mb(row["copies"]["peak_rss_bytes"]);
      std::printf(
          "| %d | %.1f MB | %.1f MB | %.1f MB (%.0f%%) | %.0f | %+.1f MB (%.1f%% of weights) | "
          "%+.1f MB |\n",
          row["threads"].get<int>(), a, b, b - a, b > 0 ? 100.0 * (b - a) / b : 0.0,
          row["shared_workspaces_alive"].get<double>(),
          row["shared_beyond_activations_bytes"].get<double>() / 1e6,
          100.0 * row["shared_beyond_activations_fraction_of_weights"].get<double>(),
          row["thread_creation_bytes"].get<double>() / 1e6);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kerasrt_memory_scaling: %s\n", e.what());
    return 1;
  }
}
