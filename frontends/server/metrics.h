// Prometheus metrics of the server: counters and histograms per model and version, HTTP
// counters per endpoint and status, rendered in the text exposition format (version 0.0.4).
// Every update is a relaxed atomic; the registry's mutex is taken only to find or create a
// series (once per model version and per new label set) and to render.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace kerasrt::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends `name_bucket{labels,le=...}`, `name_sum`, `name_count` lines.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

// The series of one model version.
struct ModelMetrics {
  ModelMetrics();
  std::atomic<uint64_t> requests{0};    // inference requests that reached the model
  std::atomic<uint64_t> errors{0};      // of those, answered with an error
  std::atomic<uint64_t> rejected{0};    // refused because the queue was full (429)
  std::atomic<uint64_t> inferences{0};  // predict calls (one per batch)
  std::atomic<uint64_t> rows{0};        // rows (instances) predicted
  Histogram request_seconds;            // request received -> response ready
  Histogram queue_seconds;              // enqueued -> taken into a batch
  Histogram compute_seconds;            // one predict call
  Histogram batch_rows;                 // rows per predict call
  Histogram batch_requests;             // requests merged per predict call
};

class Metrics {
 public:
  ModelMetrics& model(const std::string& name, int64_t version);
  void http_request(const std::string& endpoint, int status, double seconds);
  void model_load(const std::string& name, int64_t version, bool ok);
  // Gauges computed when scraped (queue depth, connections, readiness...).
  void add_gauge_source(std::function<void(std::string&)> source);
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int64_t>, std::unique_ptr<ModelMetrics>> models_;
  std::map<std::pair<std::string, int>, std::unique_ptr<std::atomic<uint64_t>>> http_counts_;
  std::map<std::string, std::unique_ptr<Histogram>> http_seconds_;
  std::map<std::tuple<std::string, int64_t, bool>, uint64_t> loads_;
  std::vector<std::function<void(std::string&)>> gauges_;
};

// Escapes a Prometheus label value.
std::string label_value(const std::string& text);

}  // namespace kerasrt::server
