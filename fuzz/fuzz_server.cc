// The request parsers of `kerasrt serve`: routing, TensorFlow Serving REST bodies (row and
// columnar forms), KServe v2 bodies with and without the binary tensor data extension, all the
// way through a model's batching queue and predict, as the HTTP layer hands them to the Api.
//
// Input: "METHOD TARGET\nBINARY_HEADER_LENGTH\nBODY". The second line is the value of the
// Inference-Header-Content-Length header (absent when empty). Served models, all with batching
// on, so merged batches and their splitting are exercised too: an MLP
// (examples/models/mlp.keras), a two-input, two-output model, and two text models from the
// fixtures: "words" (StringLookup: strings in, ids out) and "tokens" (its inverse: ids in,
// strings out), for JSON strings, {"b64": ...} and KServe BYTES in both directions.
//
// Checks beyond the sanitizers: respond is called exactly once, with an HTTP status the
// protocols allow, and every JSON answer (or binary answer's JSON header) parses.
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api.h"
#include "batcher.h"
#include "metrics.h"
#include "repository.h"

namespace {

using namespace kerasrt::server;

struct Served {
  Scheduler scheduler{1};
  Metrics metrics;
  std::unique_ptr<Repository> repository;
  std::unique_ptr<Api> api;

  Served() {
    RepositoryOptions options;
    options.files = {
        {"mlp", KERASRT_SOURCE_DIR "/examples/models/mlp.keras"},
        {"multi", KERASRT_SOURCE_DIR "/tests/fixtures/graph_multi_io/model.keras"},
        {"words", KERASRT_SOURCE_DIR "/tests/fixtures/lookup_string_int/model.keras"},
        {"tokens", KERASRT_SOURCE_DIR "/tests/fixtures/lookup_string_invert/model.keras"}};
    repository = std::make_unique<Repository>(options, scheduler, metrics);
    repository->load_initial();
    api = std::make_unique<Api>(*repository, scheduler, metrics, ApiOptions{});
    api->set_ready(true);
  }
};

Served& served() {
  static Served* instance = new Served();  // never destroyed: libFuzzer exits from anywhere
  return *instance;
}

// Whether `text` is JSON once the non-finite numbers TensorFlow Serving writes (NaN, Infinity,
// -Infinity) are read as numbers.
bool is_json(std::string text) {
  for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
    const std::string_view t(token);
    for (size_t at = text.find(t); at != std::string::npos; at = text.find(t, at))
      text.replace(at, t.size(), "0");
  }
  return nlohmann::json::accept(text);
}

bool allowed_status(int status) {
  switch (status) {
    case 200:
    case 400:
    case 404:
    case 405:
    case 413:
    case 429:
    case 500:
    case 501:
    case 503:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t line1 = input.find('\n');
  if (line1 == std::string_view::npos) return 0;
  const size_t line2 = input.find('\n', line1 + 1);
  if (line2 == std::string_view::npos) return 0;
  const std::string_view request_line = input.substr(0, line1);
  const size_t space = request_line.find(' ');
  if (space == std::string_view::npos) return 0;

  HttpRequest request;
  request.method = std::string(request_line.substr(0, space));
  request.target = std::string(request_line.substr(space + 1));
  const std::string_view binary_header = input.substr(line1 + 1, line2 - line1 - 1);
  if (!binary_header.empty())
    request.headers["inference-header-content-length"] = std::string(binary_header);
  request.body = std::string(input.substr(line2 + 1));
  request.received = Clock::now();

  auto answered = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> answer = answered->get_future();
  auto calls = std::make_shared<std::atomic<int>>(0);
  served().api->handle(std::move(request), [answered, calls](HttpResponse&& response) {
    if (calls->fetch_add(1) != 0) {
      std::fprintf(stderr, "respond called twice\n");
      std::abort();
    }
    answered->set_value(std::move(response));
  });
  const HttpResponse response = answer.get();
  if (!allowed_status(response.status)) {
    std::fprintf(stderr, "unexpected HTTP status %d: %s\n", response.status, response.body.c_str());
    std::abort();
  }
  std::string json = response.body;
  if (response.content_type == "application/octet-stream") {  // v2 binary: JSON header first
    size_t header = 0;
    for (const auto& [name, value] : response.headers)
      if (name == "Inference-Header-Content-Length") header = std::stoul(value);
    json = json.substr(0, header);
  }
  if (response.content_type.rfind("text/plain", 0) != 0 && !is_json(json)) {
    std::fprintf(stderr, "answer is not JSON: %s\n", response.body.c_str());
    std::abort();
  }
  return 0;
}
