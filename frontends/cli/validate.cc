// `kerasrt validate MODEL`: loads a model file that may be hostile in a child process under
// resource limits, and reports to the parent what happened. The HDF5 and zip libraries are not
// hardened against crafted files (see SECURITY.md): whatever they do, the parent survives and
// says so.
//
// The child: address-space limit (setrlimit RLIMIT_AS), CPU-time limit (RLIMIT_CPU), no core
// dumps, no files written (RLIMIT_FSIZE 0), few file descriptors; it loads the model with the
// given Limits, predicts once on zeros (batch 1) when every other input dimension is known, and
// writes a JSON report to a pipe. The parent waits with a wall-clock timeout and kills the child
// when it runs over.
//
// Exit status: 0 the model is valid, 1 it was refused with an error, 2 bad arguments,
// 3 the child crashed, ran out of a resource limit or timed out.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KERASRT_VALIDATE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define KERASRT_VALIDATE_SANITIZED 1
#endif
#endif

namespace kerasrt::cli {
namespace {

using Json = nlohmann::json;

struct Settings {
  ModelArgs model;
  bool json = false;
  bool predict = true;
  uint64_t memory_mb = 0;  // 0: chosen from the file size
  int cpu_seconds = 60;
  double timeout_seconds = 120;
};

uint64_t number(const std::string& flag, const std::string& text) {
  try {
    size_t used = 0;
    const unsigned long long value = std::stoull(text, &used);
    if (used == text.size() && text[0] != '-') return value;
  } catch (const std::exception&) {
  }
  throw UsageError(flag + " needs a non-negative whole number, got '" + text + "'");
}

// --max-file-bytes N, ... : one flag per Limits field.
void limit_flags(Args& args, Limits& limits){
#define KERASRT_LIMIT_FLAG(field)                                                              \
  {                                                                                            \
    std::string flag = "--" #field;                                                            \
    for (char& c : flag)                                                                       \
      if (c == '_') c = '-';                                                                   \
    const std::string text = args.value(flag);                                                 \
    if (!text.empty()) limits.field = static_cast<decltype(limits.field)>(number(flag, text)); \
  }
    KERASRT_LIMIT_FLAG(max_file_bytes) KERASRT_LIMIT_FLAG(max_total_parameters)
        KERASRT_LIMIT_FLAG(max_tensor_elements) KERASRT_LIMIT_FLAG(max_workspace_bytes)
            KERASRT_LIMIT_FLAG(max_graph_nodes) KERASRT_LIMIT_FLAG(max_nesting_depth)
                KERASRT_LIMIT_FLAG(max_json_bytes) KERASRT_LIMIT_FLAG(max_json_depth)
                    KERASRT_LIMIT_FLAG(max_string_bytes) KERASRT_LIMIT_FLAG(max_name_bytes)
                        KERASRT_LIMIT_FLAG(max_zip_entries)
                            KERASRT_LIMIT_FLAG(max_zip_expanded_bytes)
#undef KERASRT_LIMIT_FLAG
}

Json shapes_json(const std::vector<TensorInfo>& tensors) {
  Json out = Json::array();
  for (const TensorInfo& t : tensors) {
    Json shape = Json::array();
    for (int64_t d : t.shape) shape.push_back(d == kAnyDim ? Json() : Json(d));
    out.push_back({{"name", t.name}, {"shape", shape}, {"dtype", dtype_name(t.dtype)}});
  }
  return out;
}

// Predicts once on zeros (empty strings for string inputs), batch 1, when every other input
// dimension is known.
Json dry_run(const Model& model) {
  std::vector<Tensor> inputs;
  for (const TensorInfo& info : model.inputs()) {
    std::vector<int64_t> shape = info.shape;
    if (!shape.empty() && shape[0] == kAnyDim) shape[0] = 1;
    int64_t count = 1;
    for (int64_t d : shape) {
      if (d == kAnyDim)
        return {{"status", "skipped"},
                {"reason", "input '" + info.name + "' has unknown dimensions"}};
      count *= d;
      if (count > (int64_t{1} << 26))
        return {{"status", "skipped"}, {"reason", "input '" + info.name + "' is large"}};
    }
    // Strings: empty ones, the text counterpart of zeros.
    inputs.push_back(
        info.dtype == DType::kString
            ? Tensor::of_strings(shape, std::vector<std::string>(static_cast<size_t>(count)))
            : Tensor(shape));
  }
  try {
    const std::vector<Tensor> outputs = model.predict(inputs);
    int64_t non_finite = 0;
    for (const Tensor& t : outputs)
      for (float v : t.values()) non_finite += !std::isfinite(v);
    return {{"status", "ok"}, {"non_finite_outputs", non_finite}};
  } catch (const Error& e) {
    return {{"status", "error"}, {"error", e.what()}};
  }
}

[[noreturn]] void child(const Settings& settings, int out) {
  // Resource limits first: everything after this may be hostile-driven.
  const auto limit = [](int resource, rlim_t value) {
    rlimit r{value, value};
    setrlimit(resource, &r);
  };
  limit(RLIMIT_CORE, 0);
  limit(RLIMIT_FSIZE, 0);
  limit(RLIMIT_NOFILE, 256);
  rlimit cpu{static_cast<rlim_t>(settings.cpu_seconds),
             static_cast<rlim_t>(settings.cpu_seconds) + 1};
  setrlimit(RLIMIT_CPU, &cpu);
#ifndef KERASRT_VALIDATE_SANITIZED
  limit(RLIMIT_AS, static_cast<rlim_t>(settings.memory_mb) << 20);
#endif
  Json report;
  int status = 0;
  try {
    const Model model = open_model(settings.model);
    const ModelSummary& s = model.summary();
    report = {{"status", "valid"},
              {"class_name", s.class_name},
              {"keras_version", s.keras_version},
              {"format", s.format},
              {"layers", s.layers.size()},
              {"total_params", s.total_params},
              {"inputs", shapes_json(model.inputs())},
              {"outputs", shapes_json(model.outputs())}};
    if (settings.predict) {
      report["predict"] = dry_run(model);
      if (report["predict"]["status"] == "error") {
        report["status"] = "invalid";
        report["error"] = report["predict"]["error"];
        status = 1;
      }
    }
  } catch (const Error& e) {
    report = {{"status", "invalid"}, {"error", e.what()}};
    status = 1;
  } catch (const std::exception& e) {
    report = {{"status", "invalid"}, {"error", std::string("unexpected error: ") + e.what()}};
    status = 1;
  }
  const std::string text = report.dump();
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = write(out, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(out);
  _exit(status);
}

std::string signal_name(int signal) {
  const char* name = strsignal(signal);
  return std::string(name ? name : "signal") + " (" + std::to_string(signal) + ")";
}

}  // namespace

int validate(const std::vector<std::string>& raw_args) {
  Args args(raw_args);
  Settings settings;
  settings.json = args.flag("--json");
  settings.predict = !args.flag("--no-predict");
  const std::string memory = args.value("--memory-mb");
  const std::string cpu = args.value("--cpu-seconds");
  const std::string timeout = args.value("--timeout");
  settings.model = model_args(args);
  limit_flags(args, settings.model.options.limits);
  const std::vector<std::string> positionals = args.positionals();
  if (positionals.size() != 1) throw UsageError("needs exactly one MODEL file");
  settings.model.model = positionals[0];
  if (!cpu.empty())
    settings.cpu_seconds = static_cast<int>(std::max<uint64_t>(1, number("--cpu-seconds", cpu)));
  if (!timeout.empty())
    settings.timeout_seconds =
        static_cast<double>(std::max<uint64_t>(1, number("--timeout", timeout)));
  if (!memory.empty()) {
    settings.memory_mb = std::max<uint64_t>(64, number("--memory-mb", memory));
  } else {
    // Room for the file, its weights as float32 and the libraries: 2 GiB + 3x the file.
    std::error_code error;
    uint64_t bytes = std::filesystem::file_size(settings.model.model, error);
    if (error) bytes = 0;
    if (!settings.model.weights.empty())
      bytes += std::filesystem::file_size(settings.model.weights, error);
    settings.memory_mb = 2048 + 3 * (bytes >> 20);
  }

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw Error("cannot create a pipe for the child process");
  std::fflush(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) throw Error("cannot start the child process");
  if (pid == 0) {
    close(pipe_fds[0]);
    child(settings, pipe_fds[1]);
  }
  close(pipe_fds[1]);

  // Read the report until the child closes the pipe or the time is up.
  std::string text;
  bool timed_out = false;
  for (;;) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const int wait_ms = static_cast<int>(std::max(0.0, settings.timeout_seconds - elapsed) * 1000);
    pollfd fd{pipe_fds[0], POLLIN, 0};
    const int ready = poll(&fd, 1, wait_ms);
    if (ready == 0) {
      timed_out = true;
      break;
    }
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    char buffer[4096];
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    if (text.size() < (size_t{1} << 24)) text.append(buffer, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Json report = Json::parse(text, nullptr, false);
  if (report.is_discarded() || !report.is_object()) report = Json::object();
  std::string problem;
  if (timed_out) {
    problem = "the child process timed out after " +
              std::to_string(static_cast<int>(settings.timeout_seconds)) +
              " s (--timeout) and was killed";
    report["status"] = "timeout";
  } else if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    problem = signal == SIGXCPU ? "the child process ran out of CPU time (" +
                                      std::to_string(settings.cpu_seconds) + " s, --cpu-seconds)"
              : signal == SIGKILL
                  ? "the child process was killed (CPU time limit of " +
                        std::to_string(settings.cpu_seconds) +
                        " s, or the system ran out of memory)"
                  : "the child process crashed with " + signal_name(signal) +
                        " while loading: the file is malformed in a way a library did not survive";
    report["status"] = "crashed";
    report["signal"] = signal;
  } else if (!report.contains("status")) {
    problem = "the child process exited with status " +
              std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
              " without a report (out of memory under --memory-mb " +
              std::to_string(settings.memory_mb) + "?)";
    report["status"] = "crashed";
  }
  if (!problem.empty()) report["error"] = problem;
  if (report.value("status", "") == "invalid" &&
      report.value("error", "").find("out of memory") != std::string::npos)
    report["error"] = report.value("error", "") + " (under the child's limit of " +
                      std::to_string(settings.memory_mb) + " MiB of address space: --memory-mb)";
  report["file"] = settings.model.model;
  report["seconds"] = std::round(seconds * 1000) / 1000;
  report["memory_limit_mb"] = settings.memory_mb;
#ifdef KERASRT_VALIDATE_SANITIZED
  report["memory_limit_mb"] =
      nullptr;  // address-space limits and sanitizer shadow memory do not mix
#endif

  const std::string verdict = report.value("status", "crashed");
  if (settings.json) {
    std::cout << report.dump(2) << "\n";
  } else if (verdict == "valid") {
    std::string line = "valid: " + settings.model.model + " (" + report.value("class_name", "") +
                       ", Keras " + report.value("keras_version", "?") + ", " +
                       report.value("format", "") + "), " +
                       std::to_string(report.value("layers", 0)) + " layers, " +
                       std::to_string(report.value("total_params", int64_t{0})) + " parameters";
    if (report.contains("predict")) {
      const Json& predict = report["predict"];
      line += "; predict on zeros: " + predict.value("status", "");
      if (predict.contains("reason")) line += " (" + predict.value("reason", "") + ")";
      if (predict.value("non_finite_outputs", 0) > 0)
        line +=
            " (" + std::to_string(predict.value("non_finite_outputs", 0)) + " non-finite outputs)";
    }
    std::cout << line << "\n";
  } else {
    std::cout << verdict << ": " << report.value("error", "") << "\n";
  }
  return verdict == "valid" ? 0 : verdict == "invalid" ? 1 : 3;
}

}  // namespace kerasrt::cli
