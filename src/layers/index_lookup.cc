// Keras's IndexLookup (keras/src/layers/preprocessing/index_lookup.py): the vocabulary as
// set_vocabulary() makes it (special tokens found at its front are dropped and re-added, repeats
// and misplaced special tokens refused), the lookup of _lookup_dense(), the inverse table, and
// the tf_idf weights padded as set_vocabulary() pads them.
#include "layers/index_lookup.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>

#include "layers/hashing.h"

namespace kerasrt {
namespace {

// Integer tokens travel as float32 too: beyond 2^24 they would not be exact.
constexpr int64_t kMaxExactInteger = int64_t{1} << 24;

std::string token_text(const Json& token) {
  return token.is_string() ? token.get<std::string>() : token.dump();
}

// A token for an error message (dump() would throw on an asset line that is not UTF-8).
std::string quoted(const Json& token) {
  return token.is_string() ? "'" + token.get<std::string>() + "'" : token.dump();
}

// Python's str.splitlines() after open()'s universal newlines, as load_assets() reads
// vocabulary.txt: \n, \r, \r\n, \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029 end a line.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  size_t i = 0;
  const auto end_line = [&](size_t skip) {
    lines.push_back(std::move(line));
    line.clear();
    i += skip;
  };
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
      end_line(2);
    else if (c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e))
      end_line(1);
    else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x85)
      end_line(2);
    else if (c == 0xe2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
             (static_cast<unsigned char>(text[i + 2]) == 0xa8 ||
              static_cast<unsigned char>(text[i + 2]) == 0xa9))
      end_line(3);
    else
      line.push_back(text[i++]);
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

// Python's int() of a vocabulary.txt line (surrounding whitespace, an optional sign, digits).
int64_t parse_integer_line(const std::string& line) {
  const size_t first = line.find_first_not_of(" \t");
  const size_t last = line.find_last_not_of(" \t");
  const std::string_view text =
      first == std::string::npos ? "" : std::string_view(line).substr(first, last - first + 1);
  const std::string_view digits = !text.empty() && text[0] == '+' ? text.substr(1) : text;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size())
    throw Error("vocabulary.txt line '" + line + "' is not an integer");
  return value;
}

Json token_setting(const LayerConfig& config, const char* key, const char* legacy_key,
                   const Json& fallback, bool string_keys) {
  const Json& json = config.json();
  Json token = fallback;
  if (json.contains(key))
    token = json.at(key);
  else if (json.contains(legacy_key))
    token = json.at(legacy_key);
  if (!token.is_null() && !(string_keys ? token.is_string() : token.is_number_integer()))
    throw Error(std::string("config '") + key + "' must be " +
                (string_keys ? "a string" : "an integer") + " or null, got " + token.dump());
  return token;
}

}  // namespace

int64_t lookup_integer_of(float value) {
  if (std::isnan(value)) throw Error("cannot look up NaN");
  if (std::fabs(value) >= 9.2e18f) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(value);
}

IndexLookupSettings IndexLookupSettings::from_config(const LayerConfig& config, bool string_keys) {
  IndexLookupSettings s;
  s.string_keys = string_keys;
  const Json& json = config.json();
  if (config.get_bool("sparse", false))
    throw Error("config 'sparse' is true: sparse outputs are not supported");
  if (string_keys) {
    std::string encoding = config.get_string("encoding", "utf-8");
    for (char& c : encoding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (encoding != "utf-8" && encoding != "utf8")
      throw Error("config 'encoding' is '" + encoding + "': only utf-8 is supported");
  } else {
    const std::string dtype = config.get_string("vocabulary_dtype", "int64");
    if (dtype != "int64" && dtype != "int32")
      throw Error("config 'vocabulary_dtype' must be int64 or int32, got '" + dtype + "'");
  }
  // tf.keras 2.4 named the special tokens mask_value and oov_value, and max_tokens max_values.
  s.mask_token = token_setting(config, "mask_token", "mask_value", nullptr, string_keys);
  s.oov_token = token_setting(config, "oov_token", "oov_value",
                              string_keys ? Json("[UNK]") : Json(-1), string_keys);
  s.num_oov_indices = config.get_int("num_oov_indices", 1);
  if (s.num_oov_indices < 0 || s.num_oov_indices > kMaxLookupIds)
    throw Error("config 'num_oov_indices' must be in [0, 2^24], got " +
                std::to_string(s.num_oov_indices));
  const char* max_key = config.has("max_tokens") ? "max_tokens" : "max_values";
  if (config.has(max_key)) {
    s.max_tokens = config.get_int(max_key);
    if (*s.max_tokens <= 1)
      throw Error("config 'max_tokens' must be greater than 1, got " +
                  std::to_string(*s.max_tokens));
  }
  s.pad_to_max_tokens = config.get_bool("pad_to_max_tokens", false);
  if (s.pad_to_max_tokens && !s.max_tokens)
    throw Error("config 'pad_to_max_tokens' is true without 'max_tokens'");
  if (s.pad_to_max_tokens && *s.max_tokens > kMaxLookupIds)
    throw Error("config 'max_tokens' is " + std::to_string(*s.max_tokens) +
                " with pad_to_max_tokens; more than 2^24 ids cannot travel as float32");
  s.invert = config.get_bool("invert", false);
  s.output_mode = config.get_choice(
      "output_mode", {"int", "one_hot", "multi_hot", "count", "tf_idf", "binary", "tf-idf"}, "int");
  if (s.output_mode == "binary") s.output_mode = "multi_hot";  // Keras's deprecated names
  if (s.output_mode == "tf-idf") s.output_mode = "tf_idf";
  if (s.invert && s.output_mode != "int")
    throw Error("config 'invert' is true with output_mode '" + s.output_mode +
                "': Keras inverts only output_mode 'int'");
  if (json.contains("vocabulary")) s.vocabulary = json.at("vocabulary");
  if (json.contains("idf_weights")) s.idf_weights = json.at("idf_weights");
  if (!s.idf_weights.is_null() && s.output_mode != "tf_idf")
    throw Error("config 'idf_weights' is set with output_mode '" + s.output_mode + "'");
  if (!string_keys)
    s.oov_method = config.get_choice("oov_method", {"floormod", "farmhash"}, "floormod");
  return s;
}

IndexLookup::IndexLookup(const IndexLookupSettings& settings, const BuildContext& ctx)
    : settings_(settings) {
  const IndexLookupSettings& s = settings_;
  const bool int_mode = s.output_mode == "int";
  oov_start_ = !s.mask_token.is_null() && int_mode ? 1 : 0;
  token_start_ = oov_start_ + s.num_oov_indices;

  // The vocabulary as given: the config's list, else the asset Keras 3's save_assets() wrote
  // (get_vocabulary(include_special_tokens=True), joined by newlines) for an adapted layer.
  std::vector<Json> given;
  const std::string* asset = nullptr;
  if (ctx.assets && ctx.assets->count("vocabulary.txt")) asset = &ctx.assets->at("vocabulary.txt");
  if (s.vocabulary.is_array()) {
    given.assign(s.vocabulary.begin(), s.vocabulary.end());
  } else if (asset) {
    std::vector<std::string> lines = split_lines(*asset);
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    for (const std::string& line : lines)
      given.push_back(s.string_keys ? Json(line) : Json(parse_integer_line(line)));
  } else if (s.vocabulary.is_string()) {
    throw Error("config 'vocabulary' is the file path '" + s.vocabulary.get<std::string>() +
                "' on the machine that saved the model, and the file has no vocabulary.txt "
                "asset; save the layer with its vocabulary as a list");
  } else if (!s.vocabulary.is_null()) {
    throw Error("config 'vocabulary' must be a list, got " + s.vocabulary.dump());
  } else {
    throw Error(
        "has no vocabulary: the config has none and the file no vocabulary.txt asset (an "
        "adapted lookup layer keeps its vocabulary only in a .keras archive)");
  }
  if (given.empty()) throw Error("has an empty vocabulary");
  if (static_cast<int64_t>(given.size()) > kMaxLookupIds)
    throw Error("vocabulary has " + std::to_string(given.size()) +
                " tokens; more than 2^24 ids cannot travel as float32");
  for (const Json& token : given)
    if (!(s.string_keys ? token.is_string() : token.is_number_integer()))
      throw Error(std::string("vocabulary token ") + token.dump() + " is not " +
                  (s.string_keys ? "a string" : "an integer"));

  // Special tokens at the front, in Keras's order, are the layer's own: drop them.
  bool found_special = static_cast<int64_t>(given.size()) >= token_start_;
  for (int64_t i = 0; found_special && i < token_start_; ++i)
    found_special = given[static_cast<size_t>(i)] == (i < oov_start_ ? s.mask_token : s.oov_token);
  const size_t first_token = found_special ? static_cast<size_t>(token_start_) : 0;

  size_ = static_cast<size_t>(token_start_) + given.size() - first_token;
  if (static_cast<int64_t>(size_) > kMaxLookupIds)
    throw Error("vocabulary has " + std::to_string(size_) +
                " ids; more than 2^24 ids cannot travel as float32");
  if (s.max_tokens && static_cast<int64_t>(size_) > *s.max_tokens)
    throw Error("vocabulary of " + std::to_string(size_) + " ids is larger than max_tokens " +
                std::to_string(*s.max_tokens));

  const auto check_exact = [&](const Json& token, const char* what) {
    if (!s.string_keys && !token.is_null() && std::llabs(token.get<int64_t>()) > kMaxExactInteger)
      throw Error(std::string(what) + " " + token.dump() +
                  " is beyond 2^24: integers travel as float32 and would not be exact");
  };
  check_exact(s.mask_token, "mask_token");
  check_exact(s.oov_token, "oov_token");
  if (s.invert && s.oov_token.is_null())
    throw Error("config 'invert' is true without an 'oov_token' for unknown ids");
  oov_string_ = token_text(s.oov_token);

  strings_.reserve(size_);
  for (int64_t id = 0; id < token_start_; ++id)
    strings_.push_back(token_text(id < oov_start_ ? s.mask_token : s.oov_token));
  if (!s.string_keys) {
    integers_.assign(static_cast<size_t>(token_start_),
                     s.oov_token.is_null() ? 0 : s.oov_token.get<int64_t>());
    if (oov_start_) integers_[0] = s.mask_token.get<int64_t>();
  }
  for (size_t i = first_token; i < given.size(); ++i) {
    const Json& token = given[i];
    const int64_t id = static_cast<int64_t>(strings_.size());
    if (token == s.mask_token)
      throw Error("vocabulary holds the mask token " + quoted(token) + " at index " +
                  std::to_string(i) + "; special tokens may only lead the vocabulary");
    if (s.invert && token == s.oov_token)
      throw Error("vocabulary holds the OOV token " + quoted(token) + " at index " +
                  std::to_string(i) + "; special tokens may only lead the vocabulary");
    bool fresh;
    if (s.string_keys) {
      fresh = string_ids_.emplace(token.get<std::string>(), id).second;
    } else {
      check_exact(token, "vocabulary token");
      fresh = integer_ids_.emplace(token.get<int64_t>(), id).second;
      integers_.push_back(token.get<int64_t>());
    }
    if (!fresh) throw Error("vocabulary repeats the token " + quoted(token));
    strings_.push_back(token_text(token));
  }
  if (!s.mask_token.is_null()) {
    if (s.string_keys)
      mask_string_ = s.mask_token.get<std::string>();
    else
      mask_integer_ = s.mask_token.get<int64_t>();
  }

  const int64_t depth = s.pad_to_max_tokens ? *s.max_tokens : static_cast<int64_t>(size_);
  std::vector<float> idf;
  if (s.output_mode == "tf_idf") {
    if (ctx.weights.has_next()) {
      // Keras 3 saves the padded weights it computed (save_own_variables), tf.keras 2 its
      // idf_weights variable: either is the whole list, one weight per output slot.
      idf = ctx.weights.take("idf_weights", {depth}, false);
    } else if (s.idf_weights.is_array()) {
      // set_vocabulary(): without special tokens in the given vocabulary, their slots get the
      // average weight; pad_to_max_tokens adds zeros behind.
      if (s.idf_weights.size() != given.size())
        throw Error("config 'idf_weights' has " + std::to_string(s.idf_weights.size()) +
                    " weights for a vocabulary of " + std::to_string(given.size()));
      std::vector<double> weights;
      for (const Json& w : s.idf_weights) {
        if (!w.is_number()) throw Error("config 'idf_weights' must hold numbers");
        weights.push_back(w.get<double>());
      }
      const double average = std::accumulate(weights.begin(), weights.end(), 0.0) /
                             static_cast<double>(weights.size());
      if (!found_special)
        idf.assign(static_cast<size_t>(token_start_), static_cast<float>(average));
      for (double w : weights) idf.push_back(static_cast<float>(w));
      idf.resize(static_cast<size_t>(depth), 0.0f);
    } else {
      throw Error(
          "output_mode 'tf_idf' needs idf weights, and neither the config nor the file has "
          "them");
    }
  }
  output_ = CategoryOutputSpec(s.output_mode, depth, ctx.keras_major, std::move(idf));
}

int64_t IndexLookup::id_of(std::string_view token) const {
  if (mask_string_ && token == *mask_string_) return oov_start_ ? 0 : kDropped;
  const auto found = string_ids_.find(std::string(token));
  if (found != string_ids_.end()) return found->second;
  if (settings_.num_oov_indices == 0)
    throw Error("the input '" + std::string(token) +
                "' is not in the vocabulary, and num_oov_indices is 0");
  if (settings_.num_oov_indices == 1) return oov_start_;
  return oov_start_ + static_cast<int64_t>(hash_bucket(
                          token, static_cast<uint64_t>(settings_.num_oov_indices), std::nullopt));
}

int64_t IndexLookup::id_of(int64_t token) const {
  if (mask_integer_ && token == *mask_integer_) return oov_start_ ? 0 : kDropped;
  const auto found = integer_ids_.find(token);
  if (found != integer_ids_.end()) return found->second;
  const int64_t n = settings_.num_oov_indices;
  if (n == 0)
    throw Error("the input " + std::to_string(token) +
                " is not in the vocabulary, and num_oov_indices is 0");
  if (n == 1) return oov_start_;
  if (settings_.oov_method == "farmhash")
    return oov_start_ + static_cast<int64_t>(hash_bucket(std::to_string(token),
                                                         static_cast<uint64_t>(n), std::nullopt));
  return oov_start_ + ((token % n) + n) % n;  // tf.math.floormod
}

// The inverse table maps the vocabulary's ids to their tokens and 0 to the mask token when
// there is one; everything else (OOV ids, ids beyond the vocabulary) to the OOV token.
const std::string& IndexLookup::string_of(int64_t id) const {
  const bool mask = id == 0 && !settings_.mask_token.is_null();
  if (!mask && (id < token_start_ || id >= static_cast<int64_t>(size_))) return oov_string_;
  return strings_[static_cast<size_t>(id)];
}

int64_t IndexLookup::integer_of(int64_t id) const {
  const bool mask = id == 0 && !settings_.mask_token.is_null();
  if (!mask && (id < token_start_ || id >= static_cast<int64_t>(size_)))
    return settings_.oov_token.get<int64_t>();
  return mask ? settings_.mask_token.get<int64_t>() : integers_[static_cast<size_t>(id)];
}

}  // namespace kerasrt
