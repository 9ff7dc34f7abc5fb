#include "layers/config.h"

#include <algorithm>
#include <cmath>

#include "core/shape.h"

namespace kerasrt {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

int64_t as_int(const Json& value, const char* key) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
      return static_cast<int64_t>(d);
  }
  throw Error(std::string("config '") + key + "' must be an integer, got " + value.dump());
}

}  // namespace

bool LayerConfig::has(const char* key) const {
  auto it = json_.find(key);
  return it != json_.end() && !it->is_null();
}

const Json& LayerConfig::at(const char* key) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) throw Error(std::string("config has no '") + key + "'");
  return *it;
}

int64_t LayerConfig::get_int(const char* key) const { return as_int(at(key), key); }

int64_t LayerConfig::get_int(const char* key, int64_t fallback) const {
  return has(key) ? get_int(key) : fallback;
}

double LayerConfig::get_float(const char* key, double fallback) const {
  if (!has(key)) return fallback;
  const Json& value = at(key);
  if (!value.is_number())
    throw Error(std::string("config '") + key + "' must be a number, got " + value.dump());
  return value.get<double>();
}

bool LayerConfig::get_bool(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  const Json& value = at(key);
  if (!value.is_boolean())
    throw Error(std::string("config '") + key + "' must be true or false, got " + value.dump());
  return value.get<bool>();
}

std::string LayerConfig::get_string(const char* key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  const Json& value = at(key);
  if (!value.is_string())
    throw Error(std::string("config '") + key + "' must be a string, got " + value.dump());
  return value.get<std::string>();
}

std::string LayerConfig::get_choice(const char* key, std::initializer_list<const char*> allowed,
                                    const std::string& fallback) const {
  const std::string value = lower(get_string(key, fallback));
  std::string options;
  for (const char* option : allowed) {
    if (value == option) return value;
    options += options.empty() ? "" : ", ";
    options += option;
  }
  throw Error(std::string("config '") + key + "' is '" + value + "'; supported: " + options);
}

std::vector<int64_t> LayerConfig::get_ints(const char* key, size_t count,
                                           std::optional<int64_t> fallback) const {
  if (!has(key)) {
    if (!fallback) at(key);  // throws "config has no ..."
    return std::vector<int64_t>(count, *fallback);
  }
  const Json& value = at(key);
  if (!value.is_array()) return std::vector<int64_t>(count, as_int(value, key));
  if (value.size() != count)
    throw Error(std::string("config '") + key + "' must have " + std::to_string(count) +
                " values, got " + value.dump());
  std::vector<int64_t> out;
  for (const Json& item : value) out.push_back(as_int(item, key));
  return out;
}

std::vector<int64_t> LayerConfig::get_int_list(const char* key) const {
  const Json& value = at(key);
  if (!value.is_array())
    throw Error(std::string("config '") + key + "' must be a list, got " + value.dump());
  std::vector<int64_t> out;
  for (const Json& item : value) out.push_back(item.is_null() ? kAnyDim : as_int(item, key));
  return out;
}

bool LayerConfig::channels_first() const {
  return get_choice("data_format", {"channels_last", "channels_first"}, "channels_last") ==
         "channels_first";
}

}  // namespace kerasrt
