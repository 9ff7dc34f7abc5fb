// The vocabulary lookup shared by StringLookup, IntegerLookup and TextVectorization
// (keras/src/layers/preprocessing/index_lookup.py). Ids are laid out as Keras lays them out:
//   [mask token (output_mode "int" only)] [num_oov_indices OOV ids] [vocabulary tokens...]
// A token not in the vocabulary takes the OOV id (one OOV index), a hashed OOV id (several:
// FarmHash Fingerprint64 of a string, floormod of an integer), or is an error (none).
// The mask token maps to 0 in "int" mode and is dropped from the other encodings.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "layers/category_output.h"
#include "layers/layer.h"

namespace kerasrt {

// Ids travel as float32: more ids than this could not all be exact.
constexpr int64_t kMaxLookupIds = int64_t{1} << 24;

// What a lookup layer's config says, in one place, so that a layer whose config spells it
// differently (TextVectorization fixes the special tokens) fills it in itself.
struct IndexLookupSettings {
  bool string_keys = true;      // StringLookup/TextVectorization; false: IntegerLookup
  Json mask_token;              // null, or a string / integer token
  Json oov_token;               // null, or a string / integer token (used by invert)
  int64_t num_oov_indices = 1;  // >= 0
  std::optional<int64_t> max_tokens;
  bool pad_to_max_tokens = false;
  bool invert = false;
  std::string output_mode = "int";      // int, one_hot, multi_hot, count, tf_idf
  Json vocabulary;                      // null (then the archive's vocabulary.txt asset) or a list
  Json idf_weights;                     // null or a list (tf_idf only)
  std::string oov_method = "floormod";  // integer keys with num_oov_indices > 1

  // The settings of a StringLookup (string_keys) or IntegerLookup config, validated as Keras's
  // constructor validates them; refuses what kerasrt does not support (sparse, a vocabulary
  // file path, encodings other than UTF-8).
  static IndexLookupSettings from_config(const LayerConfig& config, bool string_keys);
};

// A float input (an integer token, or an id to invert) as Keras's cast to int64 makes it:
// truncated; a value beyond int64 becomes the smallest int64, which no vocabulary holds.
// Throws Error for NaN.
int64_t lookup_integer_of(float value);

class IndexLookup {
 public:
  // The vocabulary comes from settings.vocabulary, else from the `vocabulary.txt` asset Keras 3
  // saves beside the layer (ctx.assets); tf_idf weights from the layer's weights (Keras 3's
  // `idf_weights` variable) or settings.idf_weights. Throws Error for anything Keras would
  // refuse or kerasrt cannot do.
  IndexLookup(const IndexLookupSettings& settings, const BuildContext& ctx);

  const IndexLookupSettings& settings() const { return settings_; }
  // Ids the layer knows, special tokens included (Keras's vocabulary_size()).
  int64_t vocabulary_size() const { return static_cast<int64_t>(size_); }
  // The encoding of ids (output_mode with its depth: max_tokens when pad_to_max_tokens, else
  // vocabulary_size(); tf_idf multiplies counts by the idf weights).
  const CategoryOutputSpec& output() const { return output_; }

  // Forward lookup: the id of a token. The mask token gives 0 in "int" mode and kDropped in the
  // others (the encodings skip it). Throws Error naming the token when num_oov_indices is 0 and
  // the token is unknown.
  static constexpr int64_t kDropped = -1;
  int64_t id_of(std::string_view token) const;
  int64_t id_of(int64_t token) const;
  // Inverse lookup (invert): the token of an id; the mask token for id 0 when there is one, the
  // OOV token for OOV ids and ids outside the vocabulary.
  const std::string& string_of(int64_t id) const;
  int64_t integer_of(int64_t id) const;
  // The token list with special tokens (Keras's get_vocabulary()), as strings (integers in
  // decimal).
  const std::vector<std::string>& vocabulary() const { return strings_; }

 private:
  IndexLookupSettings settings_;
  int64_t oov_start_ = 0, token_start_ = 0;
  size_t size_ = 0;
  std::vector<std::string> strings_;  // every id's token (string keys, or decimal integers)
  std::vector<int64_t> integers_;     // every id's token (integer keys)
  std::unordered_map<std::string, int64_t> string_ids_;
  std::unordered_map<int64_t, int64_t> integer_ids_;
  std::string oov_string_;
  std::optional<std::string> mask_string_;
  std::optional<int64_t> mask_integer_;
  CategoryOutputSpec output_;
};

}  // namespace kerasrt
