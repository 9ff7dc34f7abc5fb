// `kerasrt bench MODEL`: N concurrent callers, each predicting batch B on one shared Model, for
// S seconds after a warm-up. Reports throughput, latency percentiles, load time and peak RSS.
//
// Measurement rules (so that figures from different runs and machines compare):
// - The model file is read once into memory first (timed: `file_read_seconds`), so the load
//   that follows (`load_seconds`) sees a warm page cache, as a server restart would. After the
//   run the model is loaded once more (`reload_seconds`): the libraries' once-per-process
//   set-up is then done, as for a server loading a new version.
// - Warm-up: every caller predicts until the warm-up time has passed and it has made at least
//   one call; plans and workspaces are built there, not in the measured window.
// - A call counts when it starts inside the measured window; each caller's rate is its counted
//   calls over the time from the start of its first counted call to the end of its last, and the
//   throughput is the sum of the callers' rates. Every caller makes at least one counted call,
//   however long a call takes.
// - Latency percentiles are nearest-rank over every counted call of every caller.
// - Peak RSS is the process high-water mark (/proc/self/status VmHWM; getrusage where there is
//   no /proc).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <type_traits>

#include "commands.h"
#include "kerasrt/npy.h"

namespace kerasrt::cli {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int int_option(Args& args, const std::string& name, int fallback, int minimum) {
  const std::string text = args.value(name);
  if (text.empty()) return fallback;
  int value = 0;
  try {
    size_t used = 0;
    value = std::stoi(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw UsageError(name + " needs a whole number, got '" + text + "'");
  }
  if (value < minimum) throw UsageError(name + " must be at least " + std::to_string(minimum));
  return value;
}

double seconds_option(Args& args, const std::string& name, double fallback, bool allow_zero) {
  const std::string text = args.value(name);
  if (text.empty()) return fallback;
  double value = 0;
  try {
    size_t used = 0;
    value = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw UsageError(name + " needs a number of seconds, got '" + text + "'");
  }
  if (!std::isfinite(value) || value < 0 || (value == 0 && !allow_zero))
    throw UsageError(name + " must be " + (allow_zero ? "at least 0" : "more than 0"));
  return value;
}

// A field of /proc/self/status in bytes (VmRSS, VmHWM), 0 when unavailable.
uint64_t proc_status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  return 0;
}

// The high-water mark of this process image. Not getrusage's ru_maxrss where VmHWM exists:
// Linux carries ru_maxrss over execve, so it would include the RSS of whatever forked us (a
// Python driver, say) at fork time.
uint64_t peak_rss_bytes() {
  if (const uint64_t hwm = proc_status_bytes("VmHWM")) return hwm;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

// Reads the model's file(s) into memory once: the time it takes, and the size.
std::pair<double, uint64_t> read_files(const std::vector<std::string>& paths) {
  const auto start = Clock::now();
  uint64_t bytes = 0;
  std::vector<char> buffer;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw Error("cannot open the file", "", path);
    buffer.resize(static_cast<size_t>(in.tellg()));
    in.seekg(0);
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    bytes += buffer.size();
  }
  return {seconds_between(start, Clock::now()), bytes};
}

// Batch `batch` of rows of `given` cycled.
Tensor cycle_rows(const Tensor& given, std::vector<int64_t> shape, int batch) {
  const int64_t rows = given.shape()[0];
  const int64_t row = given.size() / rows;
  const auto cycled = [&](const auto& elements) {
    std::remove_cvref_t<decltype(elements)> out;
    out.reserve(static_cast<size_t>(row * batch));
    for (int64_t b = 0; b < batch; ++b)
      out.insert(out.end(), elements.begin() + (b % rows) * row,
                 elements.begin() + (b % rows + 1) * row);
    return out;
  };
  if (given.dtype() == DType::kString)
    return Tensor::of_strings(std::move(shape), cycled(given.strings()));
  return Tensor(std::move(shape), cycled(given.values()));
}

// One input of batch `batch`: rows of the given .npy cycled, or random values: uniform [0, 1)
// (valid token ids for Embedding inputs too: they truncate to 0), or for a string input short
// random lower-case words (mostly out of any vocabulary; lookups cost the same either way).
Tensor make_input(const TensorInfo& info, int batch, const std::string& npy, uint32_t seed) {
  std::vector<int64_t> shape = info.shape;
  if (shape.empty()) throw UsageError("input '" + info.name + "' has no batch dimension");
  shape[0] = batch;
  for (size_t d = 1; d < shape.size(); ++d)
    if (shape[d] == kAnyDim) {
      if (npy.empty())
        throw UsageError("input '" + info.name +
                         "' has a dimension the model leaves open; give --input " + info.name +
                         "=X.npy");
    }
  if (!npy.empty()) {
    const Tensor given = read_npy(npy);
    if (given.shape().size() != shape.size() || given.shape().empty() || given.shape()[0] < 1)
      throw UsageError(npy + ": needs shape (batch, ...) of rank " + std::to_string(shape.size()) +
                       " for input '" + info.name + "'");
    for (size_t d = 1; d < shape.size(); ++d) shape[d] = given.shape()[d];
    return cycle_rows(given, std::move(shape), batch);
  }
  std::mt19937 rng(seed);
  if (info.dtype == DType::kString) {
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    std::uniform_int_distribution<int> length(1, 8), letter('a', 'z');
    std::vector<std::string> words(static_cast<size_t>(count));
    for (std::string& word : words)
      for (int n = length(rng); n > 0; --n) word += static_cast<char>(letter(rng));
    return Tensor::of_strings(std::move(shape), std::move(words));
  }
  Tensor out(shape);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (int64_t i = 0; i < out.size(); ++i) out.data()[i] = uniform(rng);
  return out;
}

struct Caller {
  std::vector<double> latencies;  // seconds, counted calls only
  Clock::time_point first_start, last_end;
  std::atomic<uint64_t> warmup_calls{0};
  std::atomic<uint64_t> counted_calls{0};
  std::exception_ptr error;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank =
      static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

std::string megabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

int bench(const std::vector<std::string>& raw) {
  Args args(raw);
  const bool json = args.flag("--json");
  // `--threads` here is the number of concurrent callers; threads inside one call are
  // `--intra-op-threads` (take both before model_args, which reads --threads otherwise).
  const int callers = int_option(args, "--threads", 1, 1);
  const int intra_op_threads = int_option(args, "--intra-op-threads", 1, 1);
  const int batch = int_option(args, "--batch", 1, 1);
  const double seconds = seconds_option(args, "--seconds", 5.0, false);
  const double warmup = seconds_option(args, "--warmup", 1.0, true);
  const std::vector<std::string> input_args = args.values("--input");
  ModelArgs model_arguments = model_args(args);
  model_arguments.options.intra_op_threads = intra_op_threads;
  const auto rest = args.positionals();
  if (rest.size() != 1) throw UsageError("bench takes one MODEL");
  model_arguments.model = rest[0];

  // Load, timed after one plain read of the same bytes.
  std::vector<std::string> files = {model_arguments.model};
  if (!model_arguments.weights.empty()) files.push_back(model_arguments.weights);
  const auto [file_read_seconds, file_bytes] = read_files(files);
  const uint64_t rss_before_load = proc_status_bytes("VmRSS");
  const auto load_start = Clock::now();
  const Model model = open_model(model_arguments);
  const double load_seconds = seconds_between(load_start, Clock::now());
  const uint64_t rss_after_load = proc_status_bytes("VmRSS");

  // Inputs: NAME=X.npy or X.npy in the model's input order; random otherwise.
  const auto& infos = model.inputs();
  std::vector<std::string> npy(infos.size());
  size_t next_positional = 0;
  for (const std::string& arg : input_args) {
    const size_t eq = arg.find('=');
    bool named = false;
    if (eq != std::string::npos)
      for (size_t i = 0; i < infos.size(); ++i)
        if (infos[i].name == arg.substr(0, eq)) {
          npy[i] = arg.substr(eq + 1);
          named = true;
        }
    if (named) continue;
    if (next_positional >= infos.size())
      throw UsageError("more inputs given than the model has (" + std::to_string(infos.size()) +
                       ")");
    npy[next_positional++] = arg;
  }
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < infos.size(); ++i)
    inputs.push_back(make_input(infos[i], batch, npy[i], 1234u + static_cast<uint32_t>(i)));
  std::vector<TensorView> views;
  for (const Tensor& t : inputs) views.push_back(TensorView::of(t));

  // The callers.
  enum Phase : int { kWarmup, kMeasure, kStop };
  std::atomic<int> phase{kWarmup};
  Clock::time_point measure_start;  // written before phase becomes kMeasure
  std::vector<Caller> state(static_cast<size_t>(callers));
  const size_t expected_calls = static_cast<size_t>(std::min(1e6, 2000.0 * seconds)) + 16;
  for (Caller& c : state) c.latencies.reserve(expected_calls);
  std::mutex wake_mutex;
  std::condition_variable wake;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      Caller& me = state[static_cast<size_t>(i)];
      try {
        while (true) {
          const int at_start = phase.load(std::memory_order_acquire);
          if (failed.load() || (at_start == kStop && me.counted_calls.load() > 0)) break;
          const auto start = Clock::now();
          (void)model.predict(std::span<const TensorView>(views));
          const auto end = Clock::now();
          if (at_start == kWarmup) {
            me.warmup_calls.fetch_add(1);
          } else {
            if (me.latencies.empty()) me.first_start = start;
            me.last_end = end;
            me.latencies.push_back(seconds_between(start, end));
            me.counted_calls.fetch_add(1);
          }
          if (me.warmup_calls.load() == 1 || me.counted_calls.load() == 1) wake.notify_all();
        }
      } catch (...) {
        me.error = std::current_exception();
        failed.store(1);
        phase.store(kStop);
        wake.notify_all();
      }
    });
  }

  // Progress on stderr, four times a second, only for a person watching.
  const bool progress = isatty(fileno(stderr));
  const auto total_calls = [&](bool counted) {
    uint64_t n = 0;
    for (const Caller& c : state) n += counted ? c.counted_calls.load() : c.warmup_calls.load();
    return n;
  };
  const auto show = [&](const char* label, Clock::time_point since, double length, bool counted) {
    if (!progress) return;
    const double elapsed = seconds_between(since, Clock::now());
    const uint64_t calls = total_calls(counted);
    std::fprintf(stderr, "\r\033[Kbench %s %5.1f/%.1f s  %llu calls  %.1f samples/s", label,
                 std::min(elapsed, length), length, static_cast<unsigned long long>(calls),
                 elapsed > 0 ? static_cast<double>(calls) * batch / elapsed : 0.0);
    std::fflush(stderr);
  };
  const auto wait_until = [&](Clock::time_point deadline, const char* label,
                              Clock::time_point since, double length, bool counted, auto&& done) {
    while (!failed.load()) {
      const auto now = Clock::now();
      if (now >= deadline && done()) return;
      std::unique_lock<std::mutex> lock(wake_mutex);
      wake.wait_for(lock, std::chrono::milliseconds(250));
      show(label, since, length, counted);
    }
  };
  const auto all_callers = [&](bool counted) {
    return [&, counted] {
      for (const Caller& c : state)
        if ((counted ? c.counted_calls.load() : c.warmup_calls.load()) == 0) return false;
      return true;
    };
  };
  const auto warmup_start = Clock::now();
  wait_until(warmup_start +
                 std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup)),
             "warm-up", warmup_start, warmup, false, all_callers(false));
  measure_start = Clock::now();
  if (!failed.load()) phase.store(kMeasure, std::memory_order_release);
  wait_until(measure_start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(seconds)),
             "measure", measure_start, seconds, true, all_callers(true));
  phase.store(kStop);
  for (std::thread& t : threads) t.join();
  const double wall = seconds_between(measure_start, Clock::now());
  if (progress) std::fprintf(stderr, "\r\033[K");
  for (const Caller& c : state)
    if (c.error) std::rethrow_exception(c.error);

  // Results.
  std::vector<double> latencies;
  double calls_per_second = 0;
  uint64_t calls = 0;
  for (const Caller& c : state) {
    latencies.insert(latencies.end(), c.latencies.begin(), c.latencies.end());
    calls += c.latencies.size();
    const double span = seconds_between(c.first_start, c.last_end);
    if (span > 0) calls_per_second += static_cast<double>(c.latencies.size()) / span;
  }
  std::sort(latencies.begin(), latencies.end());
  double mean = 0;
  for (double l : latencies) mean += l;
  mean /= static_cast<double>(std::max<size_t>(1, latencies.size()));
  const uint64_t peak_rss = peak_rss_bytes();
  // The same file loaded a second time, after the peak is read (so the copy does not count in
  // it): what a server pays for a new model version once HDF5, oneDNN and the dynamic linker
  // have done their once-per-process set-up in the first load.
  double reload_seconds = 0;
  {
    const auto reload_start = Clock::now();
    const Model again = open_model(model_arguments);
    reload_seconds = seconds_between(reload_start, Clock::now());
  }
  const ModelSummary& summary = model.summary();
  const auto ms = [](double s) { return s * 1e3; };

  if (json) {
    const nlohmann::json out = {
        {"model", model_arguments.model},
        {"weights", model_arguments.weights},
        {"format", summary.format},
        {"params", summary.total_params},
        {"kernel_isa", kernel_isa()},
        {"threads", callers},
        {"intra_op_threads", intra_op_threads},
        {"batch", batch},
        {"warmup_seconds", warmup},
        {"seconds", seconds},
        {"elapsed_seconds", wall},
        {"calls", calls},
        {"samples", calls * static_cast<uint64_t>(batch)},
        {"calls_per_second", calls_per_second},
        {"samples_per_second", calls_per_second * batch},
        {"latency_ms",
         {{"p50", ms(percentile(latencies, 50))},
          {"p90", ms(percentile(latencies, 90))},
          {"p99", ms(percentile(latencies, 99))},
          {"mean", ms(mean)},
          {"min", ms(latencies.front())},
          {"max", ms(latencies.back())}}},
        {"load_seconds", load_seconds},
        {"reload_seconds", reload_seconds},
        {"file_bytes", file_bytes},
        {"file_read_seconds", file_read_seconds},
        {"rss_before_load_bytes", rss_before_load},
        {"rss_after_load_bytes", rss_after_load},
        {"peak_rss_bytes", peak_rss},
    };
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("model       %s (%s, %lld parameters)\n", model_arguments.model.c_str(),
              summary.format.c_str(), static_cast<long long>(summary.total_params));
  std::printf("kernels     %s\n", kernel_isa());
  std::printf("callers     %d concurrent x batch %d, %d intra-op thread%s each\n", callers, batch,
              intra_op_threads, intra_op_threads == 1 ? "" : "s");
  std::printf("load        %.4f s (reading the %s first took %.4f s; loading again: %.4f s)\n",
              load_seconds, megabytes(file_bytes).c_str(), file_read_seconds, reload_seconds);
  std::printf(
      "throughput  %.2f samples/s, %.2f calls/s (%llu calls in %.2f s after %.1f s warm-up)\n",
      calls_per_second * batch, calls_per_second, static_cast<unsigned long long>(calls), wall,
      warmup);
  std::printf(
      "latency     p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  (mean %.3f, min %.3f, max %.3f)\n",
      ms(percentile(latencies, 50)), ms(percentile(latencies, 90)), ms(percentile(latencies, 99)),
      ms(mean), ms(latencies.front()), ms(latencies.back()));
  std::printf("memory      peak RSS %s (%s before load, %s after load)\n",
              megabytes(peak_rss).c_str(), megabytes(rss_before_load).c_str(),
              megabytes(rss_after_load).c_str());
  return 0;
}

}  // namespace kerasrt::cli
