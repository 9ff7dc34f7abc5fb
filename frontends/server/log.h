// Structured logs: one JSON object per line. Server events go to stderr; the access log goes
// where --access-log says (stdout by default, a file, or off).
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace kerasrt::server {

class JsonLog {
 public:
  // "-" = stdout, "stderr", "off" / "" = nothing, else a file appended to.
  explicit JsonLog(const std::string& where);
  ~JsonLog();
  JsonLog(const JsonLog&) = delete;
  JsonLog& operator=(const JsonLog&) = delete;
  bool enabled() const { return file_ != nullptr; }
  void write(nlohmann::json record);  // adds "ts" (RFC 3339, UTC, milliseconds)

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
};

// Server events (loads, failures, start, shutdown) on stderr.
void log_event(const std::string& level, const std::string& message,
               nlohmann::json fields = nlohmann::json::object());
// Silences log_event (tests).
void set_event_log_quiet(bool quiet);

}  // namespace kerasrt::server
