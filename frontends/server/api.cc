#include "api.h"

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

namespace kerasrt::server {
namespace {

using Json = nlohmann::json;

struct ApiError {
  int status;
  std::string message;
};

// ---------------------------------------------------------------- writing numbers and tensors

// Shortest text that reads back as the same float. NaN and infinities as TensorFlow Serving
// writes them (JSON has no token for them; Python's json and proto3 JSON read these).
void append_float(std::string& out, float v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buffer[32];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, r.ptr);
  }
}

std::string quoted(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

// ------------------------------------------------------------------------------ base64

std::string base64_encode(const std::string& bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

// Standard or URL-safe alphabet (TF Serving's clients send either), padding optional; nullopt
// for anything else.
std::optional<std::string> base64_decode(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  for (int variant : {sodium_base64_VARIANT_ORIGINAL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING,
                      sodium_base64_VARIANT_URLSAFE, sodium_base64_VARIANT_URLSAFE_NO_PADDING}) {
    size_t length = 0;
    const char* end = nullptr;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                          text.size(), nullptr, &length, &end, variant) == 0 &&
        end == text.data() + text.size()) {
      out.resize(length);
      return out;
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------------------ writing tensors

// One string of a TF Serving answer: a JSON string, or {"b64": ...} for bytes that are not UTF-8
// and for outputs named "*_bytes" (TF Serving's convention for binary outputs).
void append_tf_string(std::string& out, const std::string& s, bool binary) {
  if (!binary) {
    try {
      out += Json(s).dump(-1, ' ', false, Json::error_handler_t::strict);
      return;
    } catch (const Json::type_error&) {  // not UTF-8
    }
  }
  out += "{\"b64\":\"" + base64_encode(s) + "\"}";
}

bool binary_name(const std::string& name) {
  return name.size() >= 6 && name.compare(name.size() - 6, 6, "_bytes") == 0;
}

// Nested lists of `rank` dimensions `shape` of tensor `t` from element `next` on (row-major); a
// scalar when the rank is 0. String elements as append_tf_string writes them.
void append_nested(std::string& out, const Tensor& t, const int64_t* shape, size_t rank,
                   int64_t& next, bool binary) {
  if (rank == 0) {
    const size_t i = static_cast<size_t>(next++);
    if (t.dtype() == DType::kString)
      append_tf_string(out, t.strings()[i], binary);
    else
      append_float(out, t.data()[i]);
    return;
  }
  out += '[';
  for (int64_t i = 0; i < shape[0]; ++i) {
    if (i) out += ',';
    append_nested(out, t, shape + 1, rank - 1, next, binary);
  }
  out += ']';
}

void append_tensor(std::string& out, const Tensor& t, const std::string& name) {
  int64_t next = 0;
  append_nested(out, t, t.shape().data(), t.shape().size(), next, binary_name(name));
}

// A KServe v2 "data" list: numbers, or strings (not UTF-8 bytes are replaced: binary_data
// outputs carry them exactly).
void append_flat(std::string& out, const Tensor& t) {
  out += '[';
  for (int64_t i = 0; i < t.size(); ++i) {
    if (i) out += ',';
    if (t.dtype() == DType::kString)
      out += quoted(t.strings()[static_cast<size_t>(i)]);
    else
      append_float(out, t.data()[i]);
  }
  out += ']';
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// The binary tensor data extension's bytes of a tensor: little-endian FP32, or for BYTES each
// element's 4-byte little-endian length and then its bytes.
void append_binary(std::string& out, const Tensor& t) {
  if (t.dtype() != DType::kString) {
    out.append(reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.size()) * 4);
    return;
  }
  for (const std::string& s : t.strings()) {
    const auto length = static_cast<uint32_t>(s.size());
    for (int b = 0; b < 4; ++b) out += static_cast<char>(length >> (8 * b) & 0xff);
    out += s;
  }
}

// ------------------------------------------------------------------------ reading tensors

// TF Serving's form of bytes in JSON: {"b64": "<base64>"}.
bool is_b64(const Json& v) {
  return v.is_object() && v.size() == 1 && v.contains("b64") && v["b64"].is_string();
}

// The elements of one input as they are read: numbers for a float input, strings for a string
// input (TF Serving also takes {"b64": "..."} objects there, for bytes that are not text).
struct Elements {
  Elements(DType dtype, bool b64) : text(dtype == DType::kString), allow_b64(b64) {}
  bool text;
  bool allow_b64;
  std::vector<float> numbers;
  std::vector<std::string> strings;

  int64_t size() const { return static_cast<int64_t>(text ? strings.size() : numbers.size()); }
  // A string costs 8 times a float before it holds anything: a smaller reservation.
  void reserve(size_t extra) {
    text ? strings.reserve(strings.size() + std::min<size_t>(extra, size_t{1} << 17))
         : numbers.reserve(numbers.size() + extra);
  }
  Tensor to_tensor(std::vector<int64_t> shape) && {
    if (text) return Tensor::of_strings(std::move(shape), std::move(strings));
    return Tensor(std::move(shape), std::move(numbers));
  }
  void add(const Json& v, const std::string& what) {
    if (v.is_array())
      throw ApiError{400, what + ": the nested lists are ragged (a list where a " +
                              (text ? "string" : "number") + " belongs)"};
    if (text) {
      if (v.is_string()) {
        strings.push_back(v.get<std::string>());
        return;
      }
      if (allow_b64 && is_b64(v)) {
        std::optional<std::string> bytes = base64_decode(v["b64"].get<std::string>());
        if (!bytes) throw ApiError{400, what + ": the \"b64\" value is not base64"};
        strings.push_back(std::move(*bytes));
        return;
      }
      throw ApiError{400, what + ": the model takes strings here" +
                              (allow_b64 ? std::string(" (or {\"b64\": base64 bytes})") : "") +
                              ", got " + v.type_name() + " " + v.dump().substr(0, 40)};
    }
    if (v.is_number_float())
      numbers.push_back(static_cast<float>(v.get<double>()));
    else if (v.is_number_integer())
      numbers.push_back(static_cast<float>(v.get<int64_t>()));
    else if (v.is_number_unsigned())
      numbers.push_back(static_cast<float>(v.get<uint64_t>()));
    else if (v.is_boolean())
      numbers.push_back(v.get<bool>() ? 1.0f : 0.0f);
    else
      throw ApiError{400, what + ": expected numbers, got " + std::string(v.type_name()) + " " +
                              v.dump().substr(0, 40)};
  }
};

// Walks a JSON value (nested lists, or a scalar) into row-major elements and its shape.
void flatten(const Json& value, std::vector<int64_t>& shape, Elements& out,
             const std::string& what) {
  shape.clear();
  const Json* probe = &value;
  while (probe->is_array()) {
    shape.push_back(static_cast<int64_t>(probe->size()));
    if (probe->empty()) break;
    probe = &(*probe)[0];
  }
  // The sizes along the first item of every level give the count only when the lists are not
  // ragged, which the walk checks; a few bytes of ragged lists can claim billions of values, so
  // the reservation is capped.
  constexpr int64_t kMaxReserve = int64_t{1} << 20;
  int64_t count = 1;
  for (int64_t d : shape) count = d != 0 && count > kMaxReserve / d ? kMaxReserve : count * d;
  out.reserve(static_cast<size_t>(std::min(count, kMaxReserve)));
  const std::function<void(const Json&, size_t)> walk = [&](const Json& v, size_t depth) {
    if (depth < shape.size()) {
      if (!v.is_array() || static_cast<int64_t>(v.size()) != shape[depth])
        throw ApiError{400, what +
                                ": the nested lists are ragged or mix lists and values (expected " +
                                std::to_string(shape[depth]) + " items at depth " +
                                std::to_string(depth) + ")"};
      for (const Json& item : v) walk(item, depth + 1);
      return;
    }
    out.add(v, what);
  };
  walk(value, 0);
}

// The model input called `name`, or a 400 that lists the model's inputs.
const TensorInfo& input_named(const std::vector<TensorInfo>& infos, const std::string& name) {
  for (const TensorInfo& info : infos)
    if (info.name == name) return info;
  std::string names;
  for (const TensorInfo& info : infos) names += (names.empty() ? "'" : ", '") + info.name + "'";
  throw ApiError{400, "unknown input '" + name + "': the model's inputs are " + names};
}

// Checks a tensor's shape against the model's input (kAnyDim matches anything).
void check_shape(const TensorInfo& info, const std::vector<int64_t>& shape) {
  if (!info.accepts(shape))
    throw ApiError{400, "input '" + info.name + "' has shape " + shape_text(shape) +
                            ", the model expects " + shape_text(info.shape) + " (-1: any size)"};
}

std::optional<int64_t> parse_version(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v <= 0)
    throw ApiError{404, "version '" + text + "' is not a version number"};
  return v;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Tensors have a handful of dimensions, and a request wraps them in two or three objects; deeper
// nesting is refused while parsing, before the recursive walks below (flatten) could exhaust the
// stack.
constexpr int kMaxJsonDepth = 64;

Json parse_json(const std::string& text) {
  try {
    return Json::parse(text, [](int depth, Json::parse_event_t, Json&) {
      if (depth > kMaxJsonDepth)
        throw ApiError{400,
                       "the JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels"};
      return true;
    });
  } catch (const Json::exception& e) {  // parse_error, and out_of_range for a number too large
    throw ApiError{400, std::string("malformed JSON: ") + e.what()};
  }
}

const char* tf_dtype(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "DT_FLOAT";
    case DType::kFloat64:
      return "DT_DOUBLE";
    case DType::kFloat16:
      return "DT_HALF";
    case DType::kInt32:
      return "DT_INT32";
    case DType::kInt64:
      return "DT_INT64";
    case DType::kBool:
      return "DT_BOOL";
    case DType::kString:
      return "DT_STRING";
  }
  return "DT_INVALID";
}

size_t datatype_bytes(const std::string& datatype) {
  if (datatype == "BOOL" || datatype == "INT8" || datatype == "UINT8") return 1;
  if (datatype == "INT16" || datatype == "UINT16" || datatype == "FP16") return 2;
  if (datatype == "INT32" || datatype == "UINT32" || datatype == "FP32") return 4;
  if (datatype == "INT64" || datatype == "UINT64" || datatype == "FP64") return 8;
  return 0;  // BYTES and unknown names
}

bool accepts(DType model, const std::string& datatype) {
  const std::string expected = v2_datatype(model);
  if (datatype == expected) return true;
  // Integer inputs (token ids): any integer type is exact as far as float32 can hold it.
  if (model == DType::kInt32 || model == DType::kInt64)
    return datatype == "INT8" || datatype == "INT16" || datatype == "INT32" ||
           datatype == "INT64" || datatype == "UINT8" || datatype == "UINT16" ||
           datatype == "UINT32" || datatype == "UINT64";
  return false;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ffu, bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {
      exponent = 127 - 15 + 1;
      while (!(mantissa & 0x400u)) {
        mantissa <<= 1;
        --exponent;
      }
      bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Little-endian binary tensor data of a v2 datatype into floats.
void decode_binary(const std::string& datatype, const char* p, int64_t count,
                   std::vector<float>& out) {
  out.resize(static_cast<size_t>(count));
  const auto each = [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < count; ++i) {
      T v;
      std::memcpy(&v, p + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
      out[static_cast<size_t>(i)] = static_cast<float>(v);
    }
  };
  if (datatype == "FP32")
    std::memcpy(out.data(), p, static_cast<size_t>(count) * 4);
  else if (datatype == "FP64")
    each(double{});
  else if (datatype == "INT8")
    each(int8_t{});
  else if (datatype == "INT16")
    each(int16_t{});
  else if (datatype == "INT32")
    each(int32_t{});
  else if (datatype == "INT64")
    each(int64_t{});
  else if (datatype == "UINT8" || datatype == "BOOL")
    each(uint8_t{});
  else if (datatype == "UINT16")
    each(uint16_t{});
  else if (datatype == "UINT32")
    each(uint32_t{});
  else if (datatype == "UINT64")
    each(uint64_t{});
  else if (datatype == "FP16")
    for (int64_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, p + i * 2, 2);
      out[static_cast<size_t>(i)] = half_to_float(h);
    }
}

// BYTES binary tensor data: each element a 4-byte little-endian length, then that many bytes.
void decode_binary_strings(const char* p, uint64_t size, int64_t count,
                           std::vector<std::string>& out, const std::string& what) {
  uint64_t at = 0;
  for (int64_t i = 0; i < count; ++i) {
    uint32_t length = 0;
    if (size - at < 4)
      throw ApiError{400, what + ": the BYTES data ends before element " + std::to_string(i)};
    for (int b = 3; b >= 0; --b) length = length << 8 | static_cast<unsigned char>(p[at + b]);
    at += 4;
    if (size - at < length)
      throw ApiError{400, what + ": BYTES element " + std::to_string(i) + " claims " +
                              std::to_string(length) + " bytes, " + std::to_string(size - at) +
                              " are left"};
    out.emplace_back(p + at, length);
    at += length;
  }
  if (at != size)
    throw ApiError{400, what + ": " + std::to_string(size - at) +
                            " bytes of BYTES data follow the last element of the shape"};
}

HttpResponse json_response(int status, std::string body, const std::string& endpoint) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.endpoint = endpoint;
  return r;
}

HttpResponse error_response(int status, const std::string& message, const std::string& endpoint) {
  HttpResponse r = json_response(status, error_body(message), endpoint);
  if (status == 429 || status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

// Splits "/a/b/c" into percent-decoded segments; the query string is dropped.
std::vector<std::string> segments(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string part =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) out.push_back(percent_decode(part));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

struct Inference {
  std::shared_ptr<const ServedVersion> served;
  std::vector<Tensor> inputs;
  int64_t rows = 0;
};

// Model inputs by name in model order, with the batch dimension checked across inputs.
Inference assemble(std::shared_ptr<const ServedVersion> served,
                   std::map<std::string, Tensor>&& named) {
  Inference out;
  out.served = std::move(served);
  const auto& infos = out.served->model.inputs();
  for (const auto& entry : named) input_named(infos, entry.first);
  for (const TensorInfo& info : infos)
    if (!named.count(info.name)) throw ApiError{400, "missing input '" + info.name + "'"};
  for (const TensorInfo& info : infos) {
    auto it = named.find(info.name);
    check_shape(info, it->second.shape());
    const int64_t rows = it->second.shape().empty() ? 1 : it->second.shape()[0];
    if (out.inputs.empty())
      out.rows = rows;
    else if (rows != out.rows)
      throw ApiError{400, "inputs disagree on the batch size: '" + infos[0].name + "' has " +
                              std::to_string(out.rows) + " rows, '" + info.name + "' has " +
                              std::to_string(rows)};
    out.inputs.push_back(std::move(it->second));
  }
  if (out.rows <= 0) throw ApiError{400, "the request has no rows (batch size 0)"};
  return out;
}

}  // namespace

std::string error_body(const std::string& message) { return "{\"error\":" + quoted(message) + "}"; }

std::string v2_datatype(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "FP32";
    case DType::kFloat64:
      return "FP64";
    case DType::kFloat16:
      return "FP16";
    case DType::kInt32:
      return "INT32";
    case DType::kInt64:
      return "INT64";
    case DType::kBool:
      return "BOOL";
    case DType::kString:
      return "BYTES";
  }
  return "FP32";
}

std::string tf_output_json(const Tensor& tensor, const std::string& output_name) {
  std::string out;
  append_tensor(out, tensor, output_name);
  return out;
}

std::string v2_output_data(const Tensor& tensor) {
  std::string out;
  append_flat(out, tensor);
  return out;
}

std::string v2_output_binary(const Tensor& tensor) {
  std::string out;
  append_binary(out, tensor);
  return out;
}

Api::Api(Repository& repository, Scheduler& scheduler, Metrics& metrics, ApiOptions options)
    : repository_(repository),
      scheduler_(scheduler),
      metrics_(metrics),
      options_(std::move(options)) {}

void Api::handle(HttpRequest&& request, Respond respond) {
  const std::vector<std::string> parts = segments(request.target);
  const std::string& method = request.method;
  std::string endpoint = "other";
  try {
    const auto need = [&](const char* allowed, const std::string& ep) {
      endpoint = ep;
      if (method != allowed) {
        HttpResponse r =
            error_response(405, "method " + method + " is not allowed here; use " + allowed, ep);
        r.headers.emplace_back("Allow", allowed);
        throw r;
      }
    };
    if (parts.size() == 1 && parts[0] == "metrics") {
      need("GET", "metrics");
      HttpResponse r = json_response(200, metrics_.render(), endpoint);
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      return respond(std::move(r));
    }
    // ---------------------------------------------------------------- TensorFlow Serving
    if (parts.size() >= 3 && parts[0] == "v1" && parts[1] == "models") {
      std::vector<std::string> p(parts.begin() + 2, parts.end());
      std::string verb;
      if (const size_t colon = p.back().rfind(':'); colon != std::string::npos) {
        verb = p.back().substr(colon + 1);
        p.back() = p.back().substr(0, colon);
      }
      bool metadata = false;
      if (verb.empty() && p.size() >= 2 && p.back() == "metadata") {
        metadata = true;
        p.pop_back();
      }
      std::string name, version;
      if (p.size() == 1) {
        name = p[0];
      } else if (p.size() == 3 && p[1] == "versions") {
        name = p[0];
        version = p[2];
      } else if (p.size() == 3 && p[1] == "labels") {
        throw ApiError{404,
                       "version labels are not supported by this server; use /versions/<number>"};
      } else {
        throw ApiError{404, "no such endpoint: " + request.target};
      }
      if (verb == "predict") {
        need("POST", "v1_predict");
        return tf_predict(std::move(request), name, version, respond);
      }
      if (verb == "classify" || verb == "regress") {
        endpoint = "v1_" + verb;
        throw ApiError{
            501,
            verb + " needs tf.Example signatures, which Keras models do not have; use :predict"};
      }
      if (!verb.empty()) throw ApiError{404, "unknown verb ':" + verb + "'"};
      if (metadata) {
        need("GET", "v1_metadata");
        return tf_metadata(name, version, respond);
      }
      need("GET", "v1_status");
      return tf_status(name, version, respond);
    }
    // ---------------------------------------------------------------- KServe v2
    if (!parts.empty() && parts[0] == "v2") {
      if (parts.size() == 1) {
        need("GET", "v2_server_metadata");
        Json body = {{"name", "kerasrt"},
                     {"version", options_.server_version},
                     {"extensions", {"binary_tensor_data"}}};
        return respond(json_response(200, body.dump(), endpoint));
      }
      if (parts.size() == 3 && parts[1] == "health" &&
          (parts[2] == "live" || parts[2] == "ready")) {
        need("GET", "v2_health_" + parts[2]);
        if (parts[2] == "live") return respond(json_response(200, "{\"live\":true}", endpoint));
        const bool ready = ready_.load();
        return respond(json_response(ready ? 200 : 503,
                                     ready ? "{\"ready\":true}" : "{\"ready\":false}", endpoint));
      }
      if (parts.size() >= 3 && parts[1] == "models") {
        std::vector<std::string> p(parts.begin() + 2, parts.end());
        std::string action;
        if (p.size() == 2 || p.size() == 4) {
          action = p.back();
          p.pop_back();
        }
        std::string name = p[0], version;
        if (p.size() == 3 && p[1] == "versions")
          version = p[2];
        else if (p.size() != 1)
          throw ApiError{404, "no such endpoint: " + request.target};
        if (action.empty()) {
          need("GET", "v2_model_metadata");
          return v2_model_metadata(name, version, respond);
        }
        if (action == "ready") {
          need("GET", "v2_model_ready");
          return v2_model_ready(name, version, respond);
        }
        if (action == "infer") {
          need("POST", "v2_infer");
          return v2_infer(std::move(request), name, version, respond);
        }
        throw ApiError{404, "no such endpoint: " + request.target};
      }
    }
    throw ApiError{404, "no such endpoint: " + request.target};
  } catch (const ApiError& e) {
    respond(error_response(e.status, e.message, endpoint));
  } catch (HttpResponse& r) {
    respond(std::move(r));
  }
}

// ------------------------------------------------------------------ TensorFlow Serving: status

void Api::tf_status(const std::string& name, const std::string& version, Respond& respond) {
  const std::optional<int64_t> wanted = parse_version(version);
  const std::vector<VersionStatus> all = repository_.status(name);
  if (all.empty()) throw ApiError{404, "Could not find any versions of model " + name};
  Json list = Json::array();
  for (const VersionStatus& s : all) {
    if (wanted && s.version != *wanted) continue;
    list.push_back(
        {{"version", std::to_string(s.version)},
         {"state", s.state},
         {"status",
          {{"error_code", s.error.empty() ? "OK" : "UNKNOWN"}, {"error_message", s.error}}}});
  }
  if (list.empty()) throw ApiError{404, "Could not find version " + version + " of model " + name};
  respond(json_response(200, Json{{"model_version_status", list}}.dump(), "v1_status"));
}

// ---------------------------------------------------------------- TensorFlow Serving: metadata

void Api::tf_metadata(const std::string& name, const std::string& version, Respond& respond) {
  const auto found = repository_.find(name, parse_version(version));
  if (!found.served) throw ApiError{found.status, found.error};
  const Model& model = found.served->model;
  const auto tensors = [](const std::vector<TensorInfo>& infos) {
    Json out = Json::object();
    for (const TensorInfo& info : infos) {
      Json dims = Json::array();
      for (int64_t d : info.shape) dims.push_back({{"size", std::to_string(d)}, {"name", ""}});
      out[info.name] = {{"dtype", tf_dtype(info.dtype)},
                        {"tensor_shape", {{"dim", dims}, {"unknown_rank", false}}},
                        {"name", info.name}};
    }
    return out;
  };
  Json signature = {{"inputs", tensors(model.inputs())},
                    {"outputs", tensors(model.outputs())},
                    {"method_name", "tensorflow/serving/predict"}};
  Json body = {
      {"model_spec",
       {{"name", name},
        {"signature_name", ""},
        {"version", std::to_string(found.served->version)}}},
      {"metadata", {{"signature_def", {{"signature_def", {{"serving_default", signature}}}}}}}};
  respond(json_response(200, body.dump(), "v1_metadata"));
}

// ---------------------------------------------------------------- TensorFlow Serving: predict

namespace {

template <typename Encode>
void submit(Scheduler& scheduler, Inference&& inference, const ApiOptions& options,
            Clock::time_point received, const std::string& endpoint, Respond respond,
            Encode encode) {
  const std::shared_ptr<const ServedVersion> served = inference.served;
  ModelMetrics* metrics = served->metrics;
  metrics->requests.fetch_add(1, std::memory_order_relaxed);
  auto job = std::make_unique<Job>();
  job->inputs = std::move(inference.inputs);
  job->rows = inference.rows;
  job->enqueued = Clock::now();
  job->deadline =
      job->enqueued + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(options.request_timeout_seconds));
  job->done = [served, metrics, received, endpoint, respond, encode](JobResult&& result) mutable {
    HttpResponse r;
    if (result.status == 200) {
      try {
        r = encode(*served, result);
      } catch (const std::exception& e) {
        r = error_response(500, std::string("internal error encoding the answer: ") + e.what(),
                           endpoint);
      }
    } else {
      r = error_response(result.status, result.error, endpoint);
    }
    r.endpoint = endpoint;
    r.model = served->name;
    r.version = served->version;
    r.batch_rows = result.batch_rows;
    r.batch_requests = result.batch_requests;
    r.queue_seconds = result.queue_seconds;
    if (r.status != 200) metrics->errors.fetch_add(1, std::memory_order_relaxed);
    metrics->request_seconds.observe(
        std::chrono::duration<double>(Clock::now() - received).count());
    respond(std::move(r));
  };
  const std::string name = served->name;
  const int64_t version = served->version;
  switch (scheduler.submit(served->queue, std::move(job))) {
    case Scheduler::Submit::kQueued:
      return;
    case Scheduler::Submit::kQueueFull: {
      metrics->rejected.fetch_add(1, std::memory_order_relaxed);
      metrics->errors.fetch_add(1, std::memory_order_relaxed);
      HttpResponse r =
          error_response(429,
                         "model '" + name + "' version " + std::to_string(version) + " has " +
                             std::to_string(served->queue->config().max_queue_size) +
                             " requests queued (max_queue_size); retry later",
                         endpoint);
      r.model = name;
      r.version = version;
      return respond(std::move(r));
    }
    case Scheduler::Submit::kStopped: {
      metrics->errors.fetch_add(1, std::memory_order_relaxed);
      HttpResponse r = error_response(503, "the server is shutting down", endpoint);
      r.model = name;
      r.version = version;
      return respond(std::move(r));
    }
  }
}

}  // namespace

void Api::tf_predict(HttpRequest&& request, const std::string& name, const std::string& version,
                     Respond& respond) {
  if (!accepting_.load()) throw ApiError{503, "the server is shutting down"};
  const auto found = repository_.find(name, parse_version(version));
  if (!found.served) throw ApiError{found.status, found.error};
  const Model& model = found.served->model;
  const Json body = parse_json(request.body);
  request.body.clear();
  if (!body.is_object()) throw ApiError{400, "the request body must be a JSON object"};
  if (body.contains("signature_name")) {
    const Json& s = body["signature_name"];
    if (!s.is_string()) throw ApiError{400, "signature_name must be a string"};
    if (s != "serving_default" && s != "")
      throw ApiError{400, "Serving signature name: \"" + s.get<std::string>() +
                              "\" not found in signature def (this model has \"serving_default\")"};
  }
  const bool has_instances = body.contains("instances"), has_inputs = body.contains("inputs");
  if (has_instances == has_inputs)
    throw ApiError{
        400, has_instances
                 ? "the request has both \"instances\" and \"inputs\"; give one"
                 : "the request needs \"instances\" (row format) or \"inputs\" (columnar format)"};
  const auto& infos = model.inputs();
  std::map<std::string, Tensor> named;
  if (has_instances) {
    const Json& instances = body["instances"];
    if (!instances.is_array() || instances.empty())
      throw ApiError{400, "\"instances\" must be a non-empty list"};
    // Objects name the inputs, except {"b64": ...}, which is a value.
    const auto names_inputs = [](const Json& instance) {
      return instance.is_object() && !is_b64(instance);
    };
    const bool objects = names_inputs(instances[0]);
    if (!objects && infos.size() != 1)
      throw ApiError{400, "the model has " + std::to_string(infos.size()) +
                              " inputs: each instance must be an object {input name: value}"};
    for (const TensorInfo& info : infos) {
      Elements values(info.dtype, true);
      std::vector<int64_t> row_shape, shape;
      for (size_t i = 0; i < instances.size(); ++i) {
        const Json& instance = instances[i];
        if (names_inputs(instance) != objects)
          throw ApiError{
              400, "instances mix objects and plain values (instance " + std::to_string(i) + ")"};
        const Json* value = &instance;
        const std::string what =
            "instance " + std::to_string(i) + (objects ? " input '" + info.name + "'" : "");
        if (objects) {
          if (!instance.contains(info.name))
            throw ApiError{400,
                           "instance " + std::to_string(i) + " lacks input '" + info.name + "'"};
          value = &instance[info.name];
          for (const auto& [key, v] : instance.items()) {
            bool known = false;
            for (const TensorInfo& other : infos) known = known || other.name == key;
            if (!known)
              throw ApiError{400,
                             "instance " + std::to_string(i) + " has unknown input '" + key + "'"};
          }
        }
        std::vector<int64_t> this_shape;
        flatten(*value, this_shape, values, what);
        if (i == 0)
          row_shape = this_shape;
        else if (this_shape != row_shape)
          throw ApiError{400,
                         what + " has shape " + shape_text(this_shape) + ", instance 0 has " +
                             shape_text(row_shape) +
                             " (instances must agree; use the columnar \"inputs\" form otherwise)"};
      }
      shape.push_back(static_cast<int64_t>(instances.size()));
      shape.insert(shape.end(), row_shape.begin(), row_shape.end());
      named.emplace(info.name, std::move(values).to_tensor(std::move(shape)));
    }
  } else {
    const Json& inputs = body["inputs"];
    if (inputs.is_object() && !is_b64(inputs)) {
      for (const auto& [key, value] : inputs.items()) {
        std::vector<int64_t> shape;
        Elements values(input_named(infos, key).dtype, true);
        flatten(value, shape, values, "input '" + key + "'");
        named.emplace(key, std::move(values).to_tensor(std::move(shape)));
      }
    } else {
      if (infos.size() != 1)
        throw ApiError{400, "the model has " + std::to_string(infos.size()) +
                                " inputs: \"inputs\" must be an object {input name: value}"};
      std::vector<int64_t> shape;
      Elements values(infos[0].dtype, true);
      flatten(inputs, shape, values, "\"inputs\"");
      named.emplace(infos[0].name, std::move(values).to_tensor(std::move(shape)));
    }
  }
  Inference inference = assemble(found.served, std::move(named));
  const bool rows_form = has_instances;
  submit(scheduler_, std::move(inference), options_, request.received, "v1_predict",
         std::move(respond), [rows_form](const ServedVersion& served, JobResult& result) {
           const auto& outs = served.model.outputs();
           std::string body;
           size_t bytes = 64;
           for (const Tensor& t : result.outputs) bytes += static_cast<size_t>(t.size()) * 14;
           body.reserve(bytes);
           if (rows_form) {
             body += "{\"predictions\":";
             if (outs.size() == 1) {
               append_tensor(body, result.outputs[0], outs[0].name);
             } else {
               body += '[';
               const int64_t rows = result.outputs[0].shape()[0];
               for (int64_t r = 0; r < rows; ++r) {
                 body += r ? ",{" : "{";
                 for (size_t o = 0; o < outs.size(); ++o) {
                   const Tensor& t = result.outputs[o];
                   int64_t next = r * (t.size() / t.shape()[0]);
                   body += (o ? "," : "") + quoted(outs[o].name) + ":";
                   append_nested(body, t, t.shape().data() + 1, t.shape().size() - 1, next,
                                 binary_name(outs[o].name));
                 }
                 body += '}';
               }
               body += ']';
             }
           } else {
             body += "{\"outputs\":";
             if (outs.size() == 1) {
               append_tensor(body, result.outputs[0], outs[0].name);
             } else {
               body += '{';
               for (size_t o = 0; o < outs.size(); ++o) {
                 body += (o ? "," : "") + quoted(outs[o].name) + ":";
                 append_tensor(body, result.outputs[o], outs[o].name);
               }
               body += '}';
             }
           }
           body += '}';
           return json_response(200, std::move(body), "v1_predict");
         });
}

// ------------------------------------------------------------------------ KServe v2: metadata

void Api::v2_model_metadata(const std::string& name, const std::string& version, Respond& respond) {
  const auto found = repository_.find(name, parse_version(version));
  if (!found.served) throw ApiError{found.status, found.error};
  const auto tensors = [](const std::vector<TensorInfo>& infos) {
    Json out = Json::array();
    for (const TensorInfo& info : infos)
      out.push_back(
          {{"name", info.name}, {"datatype", v2_datatype(info.dtype)}, {"shape", info.shape}});
    return out;
  };
  Json versions = Json::array();
  for (int64_t v : repository_.available_versions(name)) versions.push_back(std::to_string(v));
  Json body = {
      {"name", name},
      {"versions", versions},
      {"platform", "keras"},
      {"inputs", tensors(found.served->model.inputs())},
      {"outputs", tensors(found.served->model.outputs())},
      {"parameters",
       {{"version", std::to_string(found.served->version)}, {"batching", found.served->batching}}}};
  respond(json_response(200, body.dump(), "v2_model_metadata"));
}

void Api::v2_model_ready(const std::string& name, const std::string& version, Respond& respond) {
  const auto found = repository_.find(name, parse_version(version));
  if (!found.served && found.status == 404) throw ApiError{404, found.error};
  const bool ready = found.served != nullptr;
  respond(json_response(ready ? 200 : 503, Json{{"name", name}, {"ready", ready}}.dump(),
                        "v2_model_ready"));
}

// --------------------------------------------------------------------------- KServe v2: infer

void Api::v2_infer(HttpRequest&& request, const std::string& name, const std::string& version,
                   Respond& respond) {
  if (!accepting_.load()) throw ApiError{503, "the server is shutting down"};
  const auto found = repository_.find(name, parse_version(version));
  if (!found.served) throw ApiError{found.status, found.error};
  const Model& model = found.served->model;

  // Binary tensor data extension: the JSON header is the first Inference-Header-Content-Length
  // bytes of the body, the tensors' bytes follow in the order of the inputs that have them.
  size_t json_length = request.body.size();
  if (auto it = request.headers.find("inference-header-content-length");
      it != request.headers.end()) {
    uint64_t n = 0;
    const auto r = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
    if (r.ec != std::errc() || r.ptr != it->second.data() + it->second.size() ||
        n > request.body.size())
      throw ApiError{400, "Inference-Header-Content-Length '" + it->second +
                              "' is not a length within the body (" +
                              std::to_string(request.body.size()) + " bytes)"};
    json_length = static_cast<size_t>(n);
  }
  const Json body = parse_json(request.body.substr(0, json_length));
  if (!body.is_object()) throw ApiError{400, "the request body must be a JSON object"};
  std::optional<std::string> id;
  if (body.contains("id")) {
    if (!body["id"].is_string()) throw ApiError{400, "\"id\" must be a string"};
    id = body["id"].get<std::string>();
  }
  bool binary_default = false;
  if (body.contains("parameters")) {
    const Json& parameters = body["parameters"];
    if (!parameters.is_object()) throw ApiError{400, "\"parameters\" must be an object"};
    if (parameters.contains("binary_data_output")) {
      if (!parameters["binary_data_output"].is_boolean())
        throw ApiError{400, "binary_data_output must be true or false"};
      binary_default = parameters["binary_data_output"].get<bool>();
    }
  }
  if (!body.contains("inputs") || !body["inputs"].is_array() || body["inputs"].empty())
    throw ApiError{400, "\"inputs\" must be a non-empty list of tensors"};

  const auto& infos = model.inputs();
  std::map<std::string, Tensor> named;
  size_t binary_offset = json_length;
  for (const Json& input : body["inputs"]) {
    if (!input.is_object() || !input.contains("name") || !input["name"].is_string())
      throw ApiError{400, "every input needs a \"name\""};
    const std::string input_name = input["name"].get<std::string>();
    const TensorInfo* info = nullptr;
    for (const TensorInfo& i : infos)
      if (i.name == input_name) info = &i;
    if (!info) {
      std::string names;
      for (const TensorInfo& i : infos) names += (names.empty() ? "'" : ", '") + i.name + "'";
      throw ApiError{400, "unexpected inference input '" + input_name + "' for model '" + name +
                              "' (its inputs: " + names + ")"};
    }
    if (named.count(input_name)) throw ApiError{400, "input '" + input_name + "' given twice"};
    if (!input.contains("datatype") || !input["datatype"].is_string())
      throw ApiError{400, "input '" + input_name + "' needs a \"datatype\""};
    const std::string datatype = input["datatype"].get<std::string>();
    if (!accepts(info->dtype, datatype))
      throw ApiError{400, "input '" + input_name + "' has datatype " + datatype +
                              ", the model expects " + v2_datatype(info->dtype)};
    if (!input.contains("shape") || !input["shape"].is_array())
      throw ApiError{400, "input '" + input_name + "' needs a \"shape\" (a list of sizes)"};
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (const Json& d : input["shape"]) {
      if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<int64_t>() >= 0))
        throw ApiError{400, "input '" + input_name + "': the shape must hold sizes >= 0"};
      const int64_t size = d.get<int64_t>();
      if (size > (int64_t{1} << 40) || (size && count > (int64_t{1} << 40) / size))
        throw ApiError{400, "input '" + input_name + "': the shape is too large"};
      shape.push_back(size);
      count *= size;
    }
    check_shape(*info, shape);
    Elements values(info->dtype, false);
    const Json* parameters = input.contains("parameters") ? &input["parameters"] : nullptr;
    if (parameters && parameters->is_object() && parameters->contains("binary_data_size")) {
      const Json& size_json = (*parameters)["binary_data_size"];
      if (!size_json.is_number_integer() || size_json.get<int64_t>() < 0)
        throw ApiError{400, "input '" + input_name + "': binary_data_size must be a byte count"};
      const uint64_t size = size_json.get<uint64_t>();
      if (input.contains("data"))
        throw ApiError{400, "input '" + input_name + "' has both \"data\" and binary_data_size"};
      if (datatype != "BYTES" && size != static_cast<uint64_t>(count) * datatype_bytes(datatype))
        throw ApiError{400,
                       "input '" + input_name + "': binary_data_size " + std::to_string(size) +
                           " does not match shape " + shape_text(shape) + " of " + datatype + " (" +
                           std::to_string(static_cast<uint64_t>(count) * datatype_bytes(datatype)) +
                           " bytes)"};
      if (size > request.body.size() - binary_offset)
        throw ApiError{400, "input '" + input_name + "': the body ends before its " +
                                std::to_string(size) + " bytes of binary data"};
      const char* data = request.body.data() + binary_offset;
      if (values.text)
        decode_binary_strings(data, size, count, values.strings, "input '" + input_name + "'");
      else
        decode_binary(datatype, data, count, values.numbers);
      binary_offset += static_cast<size_t>(size);
    } else {
      if (!input.contains("data"))
        throw ApiError{400, "input '" + input_name + "' has no \"data\""};
      std::vector<int64_t> data_shape;
      flatten(input["data"], data_shape, values, "input '" + input_name + "' data");
      if (values.size() != count)
        throw ApiError{400, "input '" + input_name + "': shape " + shape_text(shape) + " holds " +
                                std::to_string(count) + " values, the data has " +
                                std::to_string(values.size())};
    }
    named.emplace(input_name, std::move(values).to_tensor(std::move(shape)));
  }
  if (binary_offset != request.body.size())
    throw ApiError{400, std::to_string(request.body.size() - binary_offset) +
                            " bytes of binary data after the JSON header belong to no input"};

  // Requested outputs, in the order asked; all of them, in model order, by default.
  const auto& outs = model.outputs();
  std::vector<std::pair<size_t, bool>> wanted;  // output index, binary
  if (body.contains("outputs")) {
    if (!body["outputs"].is_array()) throw ApiError{400, "\"outputs\" must be a list"};
    for (const Json& o : body["outputs"]) {
      if (!o.is_object() || !o.contains("name") || !o["name"].is_string())
        throw ApiError{400, "every requested output needs a \"name\""};
      const std::string output_name = o["name"].get<std::string>();
      size_t index = outs.size();
      for (size_t i = 0; i < outs.size(); ++i)
        if (outs[i].name == output_name) index = i;
      if (index == outs.size())
        throw ApiError{
            400, "unexpected inference output '" + output_name + "' for model '" + name + "'"};
      bool binary = binary_default;
      if (o.contains("parameters") && o["parameters"].is_object()) {
        const Json& p = o["parameters"];
        if (p.contains("binary_data")) {
          if (!p["binary_data"].is_boolean())
            throw ApiError{400, "binary_data must be true or false"};
          binary = p["binary_data"].get<bool>();
        }
        if (p.contains("classification"))
          throw ApiError{400, "the classification extension is not supported"};
      }
      wanted.emplace_back(index, binary);
    }
  } else {
    for (size_t i = 0; i < outs.size(); ++i) wanted.emplace_back(i, binary_default);
  }

  Inference inference = assemble(found.served, std::move(named));
  request.body.clear();
  submit(scheduler_, std::move(inference), options_, request.received, "v2_infer",
         std::move(respond), [id, wanted](const ServedVersion& served, JobResult& result) {
           const auto& outs = served.model.outputs();
           std::string header = "{\"model_name\":" + quoted(served.name) + ",\"model_version\":\"" +
                                std::to_string(served.version) + "\"";
           if (id) header += ",\"id\":" + quoted(*id);
           header += ",\"outputs\":[";
           std::string binary;
           for (size_t k = 0; k < wanted.size(); ++k) {
             const auto [index, as_binary] = wanted[k];
             const Tensor& t = result.outputs[index];
             header += (k ? ",{" : "{");
             header += "\"name\":" + quoted(outs[index].name) + ",\"datatype\":\"" +
                       (t.dtype() == DType::kString ? "BYTES" : "FP32") + "\",\"shape\":[";
             for (size_t d = 0; d < t.shape().size(); ++d)
               header += (d ? "," : "") + std::to_string(t.shape()[d]);
             header += "]";
             if (as_binary) {
               const size_t start = binary.size();
               append_binary(binary, t);
               header += ",\"parameters\":{\"binary_data_size\":" +
                         std::to_string(binary.size() - start) + "}}";
             } else {
               header += ",\"data\":";
               append_flat(header, t);
               header += "}";
             }
           }
           header += "]}";
           HttpResponse r;
           if (!binary.empty()) {
             r.headers.emplace_back("Inference-Header-Content-Length",
                                    std::to_string(header.size()));
             r.content_type = "application/octet-stream";
             r.body = std::move(header) + binary;
           } else {
             r.body = std::move(header);
           }
           return r;
         });
}

}  // namespace kerasrt::server
