#include "metrics.h"

#include <charconv>
#include <cmath>

namespace kerasrt::server {
namespace {

std::vector<double> latency_bounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}
std::vector<double> size_bounds() { return {1, 2, 4, 8, 16, 32, 64, 128, 256}; }

std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

}  // namespace

std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out += name + "_bucket{" + labels + sep + "le=\"" + le + "\"} " + std::to_string(cumulative) +
           "\n";
  }
  out += name + "_sum{" + labels + "} " + number(sum_.load(std::memory_order_relaxed)) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count_.load(std::memory_order_relaxed)) +
         "\n";
}

ModelMetrics::ModelMetrics()
    : request_seconds(latency_bounds()),
      queue_seconds(latency_bounds()),
      compute_seconds(latency_bounds()),
      batch_rows(size_bounds()),
      batch_requests(size_bounds()) {}

ModelMetrics& Metrics::model(const std::string& name, int64_t version) {
  std::lock_guard lock(mutex_);
  auto& slot = models_[{name, version}];
  if (!slot) slot = std::make_unique<ModelMetrics>();
  return *slot;
}

void Metrics::http_request(const std::string& endpoint, int status, double seconds) {
  std::atomic<uint64_t>* counter;
  Histogram* histogram;
  {
    std::lock_guard lock(mutex_);
    auto& slot = http_counts_[{endpoint, status}];
    if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
    counter = slot.get();
    auto& h = http_seconds_[endpoint];
    if (!h) h = std::make_unique<Histogram>(latency_bounds());
    histogram = h.get();
  }
  counter->fetch_add(1, std::memory_order_relaxed);
  histogram->observe(seconds);
}

void Metrics::model_load(const std::string& name, int64_t version, bool ok) {
  std::lock_guard lock(mutex_);
  ++loads_[{name, version, ok}];
}

void Metrics::add_gauge_source(std::function<void(std::string&)> source) {
  std::lock_guard lock(mutex_);
  gauges_.push_back(std::move(source));
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(16384);
  const auto header = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  const auto each_model = [&](const auto& body) {
    for (const auto& [key, m] : models_) {
      const std::string labels =
          "model=\"" + label_value(key.first) + "\",version=\"" + std::to_string(key.second) + "\"";
      body(labels, *m);
    }
  };
  header("kerasrt_model_requests_total", "counter",
         "Inference requests that reached a model version.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    out += "kerasrt_model_requests_total{" + l + "} " + std::to_string(m.requests.load()) + "\n";
  });
  header("kerasrt_model_request_errors_total", "counter",
         "Inference requests answered with an error.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    out +=
        "kerasrt_model_request_errors_total{" + l + "} " + std::to_string(m.errors.load()) + "\n";
  });
  header("kerasrt_model_requests_rejected_total", "counter",
         "Inference requests refused because the model's queue was full.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    out += "kerasrt_model_requests_rejected_total{" + l + "} " + std::to_string(m.rejected.load()) +
           "\n";
  });
  header("kerasrt_model_inferences_total", "counter", "Predict calls (one per batch).");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    out +=
        "kerasrt_model_inferences_total{" + l + "} " + std::to_string(m.inferences.load()) + "\n";
  });
  header("kerasrt_model_rows_total", "counter", "Rows (instances) predicted.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    out += "kerasrt_model_rows_total{" + l + "} " + std::to_string(m.rows.load()) + "\n";
  });
  header("kerasrt_model_request_duration_seconds", "histogram",
         "Request received to response ready, per model version.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    m.request_seconds.render(out, "kerasrt_model_request_duration_seconds", l);
  });
  header("kerasrt_model_queue_duration_seconds", "histogram",
         "Time a request waited in the model's batching queue.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    m.queue_seconds.render(out, "kerasrt_model_queue_duration_seconds", l);
  });
  header("kerasrt_model_compute_duration_seconds", "histogram",
         "Duration of one predict call (one batch).");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    m.compute_seconds.render(out, "kerasrt_model_compute_duration_seconds", l);
  });
  header("kerasrt_model_batch_size", "histogram", "Rows per predict call.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    m.batch_rows.render(out, "kerasrt_model_batch_size", l);
  });
  header("kerasrt_model_batch_requests", "histogram", "Requests merged into one predict call.");
  each_model([&](const std::string& l, const ModelMetrics& m) {
    m.batch_requests.render(out, "kerasrt_model_batch_requests", l);
  });
  header("kerasrt_model_loads_total", "counter", "Model version loads, by outcome.");
  for (const auto& [key, count] : loads_)
    out += "kerasrt_model_loads_total{model=\"" + label_value(std::get<0>(key)) + "\",version=\"" +
           std::to_string(std::get<1>(key)) + "\",outcome=\"" +
           (std::get<2>(key) ? "ok" : "failed") + "\"} " + std::to_string(count) + "\n";
  header("kerasrt_http_requests_total", "counter", "HTTP requests by endpoint and status code.");
  for (const auto& [key, count] : http_counts_)
    out += "kerasrt_http_requests_total{endpoint=\"" + key.first + "\",code=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count->load()) + "\n";
  header("kerasrt_http_request_duration_seconds", "histogram",
         "HTTP request received to response ready, by endpoint.");
  for (const auto& [endpoint, h] : http_seconds_)
    h->render(out, "kerasrt_http_request_duration_seconds", "endpoint=\"" + endpoint + "\"");
  for (const auto& gauge : gauges_) gauge(out);
  return out;
}

}  // namespace kerasrt::server
