// `kerasrt serve`: parses the command line into ServerOptions and runs the server until SIGTERM.
#include <cmath>
#include <iostream>

#include "../cli/commands.h"
#include "server.h"

namespace kerasrt::cli {
namespace {

double seconds_flag(Args& args, const std::string& name, double fallback) {
  const std::string text = args.value(name);
  if (text.empty()) return fallback;
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v) && v >= 0) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(name + " needs a number of seconds >= 0, got '" + text + "'");
}

int64_t int_flag(Args& args, const std::string& name, int64_t fallback, int64_t minimum) {
  const std::string text = args.value(name);
  if (text.empty()) return fallback;
  try {
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= minimum) return v;
  } catch (const std::exception&) {
  }
  throw UsageError(name + " needs a whole number >= " + std::to_string(minimum) + ", got '" + text +
                   "'");
}

}  // namespace

int serve(const std::vector<std::string>& raw_args) {
  Args args(raw_args);
  server::ServerOptions o;
  server::RepositoryOptions& r = o.repository;
  r.directory = args.value("--model-repository");
  for (const std::string& spec : args.values("--model")) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw UsageError("--model needs NAME=PATH, got '" + spec + "'");
    r.files.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
  }
  if (r.directory.empty() && r.files.empty())
    throw UsageError("give --model-repository DIR or --model NAME=PATH");
  o.host = args.value("--host", "0.0.0.0");
  o.port = static_cast<int>(int_flag(args, "--port", 8501, 0));
  if (o.port > 65535) throw UsageError("--port must be at most 65535");
  o.workers = static_cast<int>(int_flag(args, "--workers", 0, 0));
  o.io_threads = static_cast<int>(int_flag(args, "--io-threads", 1, 1));
  r.load.intra_op_threads = static_cast<int>(int_flag(args, "--intra-op-threads", 1, 1));
  r.batching.max_batch_size = static_cast<int>(int_flag(args, "--max-batch-size", 32, 1));
  r.batching.max_queue_delay_us = int_flag(args, "--max-queue-delay-us", 0, 0);
  r.batching.max_queue_size = static_cast<int>(int_flag(args, "--max-queue-size", 256, 1));
  if (args.flag("--no-batching")) r.batching.enabled = false;
  for (const std::string& spec : args.values("--model-config")) {
    // NAME:key=value[,key=value...]
    const size_t colon = spec.find(':');
    if (colon == std::string::npos || colon == 0)
      throw UsageError("--model-config needs NAME:key=value[,key=value], got '" + spec + "'");
    auto& settings = r.model_config[spec.substr(0, colon)];
    std::string rest = spec.substr(colon + 1);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string item = rest.substr(0, comma);
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
      const size_t eq = item.find('=');
      if (eq == std::string::npos)
        throw UsageError("--model-config: '" + item + "' is not key=value");
      server::BatchingConfig probe;
      try {
        server::apply_batching_setting(probe, item.substr(0, eq), item.substr(eq + 1));
      } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--model-config: ") + e.what());
      }
      settings[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  r.version_policy = args.value("--version-policy", "latest");
  if (r.version_policy != "latest" && r.version_policy != "all")
    throw UsageError("--version-policy is latest or all");
  r.poll_seconds = seconds_flag(args, "--poll-seconds", 2.0);
  o.max_body_bytes =
      static_cast<uint64_t>(int_flag(args, "--max-body-bytes", int64_t{64} << 20, 1024));
  o.read_timeout_seconds = seconds_flag(args, "--read-timeout", 30);
  o.write_timeout_seconds = seconds_flag(args, "--write-timeout", 30);
  o.request_timeout_seconds = seconds_flag(args, "--request-timeout", 30);
  o.drain_timeout_seconds = seconds_flag(args, "--drain-timeout", 30);
  o.shutdown_delay_seconds = seconds_flag(args, "--shutdown-delay", 0);
  o.max_connections = static_cast<int>(int_flag(args, "--max-connections", 4096, 1));
  o.access_log = args.value("--access-log", "-");
  if (!args.positionals().empty()) throw UsageError("serve takes no positional arguments");
  return server::serve_until_signal(o);
}

}  // namespace kerasrt::cli
