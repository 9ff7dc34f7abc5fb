#include "log.h"

#include <atomic>
#include <chrono>
#include <ctime>

namespace kerasrt::server {
namespace {

std::atomic<bool> quiet_events{false};

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buffer;
}

}  // namespace

JsonLog::JsonLog(const std::string& where) {
  if (where.empty() || where == "off") return;
  if (where == "-" || where == "stdout") {
    file_ = stdout;
  } else if (where == "stderr") {
    file_ = stderr;
  } else {
    file_ = std::fopen(where.c_str(), "a");
    if (!file_) throw std::runtime_error("cannot open the log file " + where);
    owned_ = true;
  }
}

JsonLog::~JsonLog() {
  if (owned_ && file_) std::fclose(file_);
}

void JsonLog::write(nlohmann::json record) {
  if (!file_) return;
  nlohmann::json line = {{"ts", timestamp()}};
  line.update(record);
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

void log_event(const std::string& level, const std::string& message, nlohmann::json fields) {
  if (quiet_events.load()) return;
  nlohmann::json line = {{"ts", timestamp()}, {"level", level}, {"msg", message}};
  line.update(fields);
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

void set_event_log_quiet(bool quiet) { quiet_events.store(quiet); }

}  // namespace kerasrt::server
