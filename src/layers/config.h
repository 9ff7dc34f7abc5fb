// Typed, validated access to one layer's (normalised) Keras config. Every error names the key.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace kerasrt {

using Json = nlohmann::json;

class LayerConfig {
 public:
  explicit LayerConfig(const Json& json) : json_(json) {}

  const Json& json() const { return json_; }
  bool has(const char* key) const;  // present and not null

  int64_t get_int(const char* key) const;
  int64_t get_int(const char* key, int64_t fallback) const;
  double get_float(const char* key, double fallback) const;
  bool get_bool(const char* key, bool fallback) const;
  std::string get_string(const char* key, const std::string& fallback) const;
  // A string that must be one of `allowed` (compared lower-case; the result is lower-case).
  std::string get_choice(const char* key, std::initializer_list<const char*> allowed,
                         const std::string& fallback) const;
  // An int or a list of `count` ints (Keras accepts both for kernel_size, strides, ...).
  std::vector<int64_t> get_ints(const char* key, size_t count,
                                std::optional<int64_t> fallback = std::nullopt) const;
  // A list of ints of any length (may contain null -> kAnyDim).
  std::vector<int64_t> get_int_list(const char* key) const;
  // "channels_last" -> false, "channels_first" -> true.
  bool channels_first() const;

 private:
  const Json& at(const char* key) const;
  const Json& json_;
};

}  // namespace kerasrt
