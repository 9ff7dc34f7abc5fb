// The two HTTP/REST protocols, independent of the HTTP library: TensorFlow Serving's REST API
// (/v1/...) and KServe v2 / the Open Inference Protocol (/v2/..., with the binary tensor data
// extension), plus /metrics. `handle` answers metadata requests at once and inference requests
// from a worker thread when their batch has run.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "batcher.h"
#include "metrics.h"
#include "repository.h"

namespace kerasrt::server {

struct HttpRequest {
  std::string method;  // GET, POST, ...
  std::string target;  // path and query, as received
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  Clock::time_point received;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // For the access log and metrics.
  std::string endpoint = "other";
  std::string model;
  int64_t version = 0;
  int batch_rows = 0;
  int batch_requests = 0;
  double queue_seconds = 0;
};

using Respond = std::function<void(HttpResponse&&)>;

struct ApiOptions {
  double request_timeout_seconds = 30;  // longest wait in a model's queue
  std::string server_version;
};

class Api {
 public:
  Api(Repository& repository, Scheduler& scheduler, Metrics& metrics, ApiOptions options);
  // Calls `respond` exactly once, on this thread or on a worker thread.
  void handle(HttpRequest&& request, Respond respond);

  void set_ready(bool ready) { ready_.store(ready); }                  // /v2/health/ready
  void set_accepting(bool accepting) { accepting_.store(accepting); }  // inference allowed
  bool ready() const { return ready_.load(); }

 private:
  void tf_status(const std::string& name, const std::string& version, Respond& respond);
  void tf_metadata(const std::string& name, const std::string& version, Respond& respond);
  void tf_predict(HttpRequest&& request, const std::string& name, const std::string& version,
                  Respond& respond);
  void v2_model_metadata(const std::string& name, const std::string& version, Respond& respond);
  void v2_model_ready(const std::string& name, const std::string& version, Respond& respond);
  void v2_infer(HttpRequest&& request, const std::string& name, const std::string& version,
                Respond& respond);

  Repository& repository_;
  Scheduler& scheduler_;
  Metrics& metrics_;
  ApiOptions options_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> accepting_{true};
};

// Helpers shared with the tests.
// JSON error body {"error": message}.
std::string error_body(const std::string& message);
// v2 datatype name of a model dtype (FP32, INT32, ..., BYTES for strings).
std::string v2_datatype(DType dtype);
// An output tensor in a TF Serving answer: nested lists of numbers or strings; a string that is
// not UTF-8, or any string of an output named "*_bytes" (TF Serving's convention), is written as
// {"b64": "<base64>"}.
std::string tf_output_json(const Tensor& tensor, const std::string& output_name);
// An output tensor in a KServe v2 answer: the flat "data" list (strings that are not UTF-8 have
// their bad bytes replaced by U+FFFD), and the binary tensor data bytes (FP32 little-endian; for
// BYTES, each element as a 4-byte little-endian length and then its bytes).
std::string v2_output_data(const Tensor& tensor);
std::string v2_output_binary(const Tensor& tensor);

}  // namespace kerasrt::server
