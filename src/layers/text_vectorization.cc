// TextVectorization (keras/src/layers/preprocessing/text_vectorization.py, and tf.keras 2's
// layers/preprocessing/text_vectorization.py for older configs): each string is standardized,
// split into tokens, recombined into ngrams and looked up in a StringLookup vocabulary (mask
// token "", one OOV index "[UNK]": the shared IndexLookup), then written as padded id sequences
// ("int") or one multi_hot / count / tf_idf vector per string.
//
// TensorFlow's string ops fix the details:
// - standardize: tf.strings.lower without an encoding lowercases ASCII letters only; Keras's
//   punctuation regex is exactly Python's string.punctuation (32 ASCII characters), removed
//   byte by byte (none of them occurs inside a multi-byte UTF-8 sequence);
// - split "whitespace": tf.strings.split without a separator breaks at runs of the six ASCII
//   whitespace bytes (space, \t, \n, \v, \f, \r) and drops empty tokens, so U+00A0 and other
//   Unicode spaces stay inside a token; "character": one token per code point
//   (tf.strings.unicode_split), where malformed UTF-8 is refused rather than replaced by U+FFFD;
// - ngrams: for every row, the ngrams of each width in the order given (an integer n means
//   1..n), tokens joined by " ", none for a width longer than the row (tf.strings.ngrams
//   without padding).
// Callables for standardize or split are saved code: refused by name, never run.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.h"
#include "layers/index_lookup.h"

namespace kerasrt {
namespace {

// The floats one encode() call may make (1 GiB); the runtime's Limits are checked after the
// encoder, so the encoder bounds its own allocation first.
constexpr int64_t kMaxEncodedElements = int64_t{1} << 28;
// ngram widths (and how many): wider ngrams cost width x tokens per row.
constexpr size_t kMaxNgramWidths = 64;

enum class Split { kNone, kWhitespace, kCharacter };

bool is_tf_whitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_punctuation(char c) {
  static constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  return kPunctuation.find(c) != std::string_view::npos;
}

struct Standardize {
  bool lower = false, strip = false;

  void apply(std::string_view in, std::string& out) const {
    out.clear();
    for (char c : in) {
      if (strip && is_punctuation(c)) continue;
      out += lower && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
};

// Appends the tokens of `text` (views into it).
void split_text(Split split, std::string_view text, std::vector<std::string_view>& tokens) {
  if (split == Split::kWhitespace) {
    size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && is_tf_whitespace(text[i])) ++i;
      const size_t start = i;
      while (i < text.size() && !is_tf_whitespace(text[i])) ++i;
      if (i > start) tokens.push_back(text.substr(start, i - start));
    }
  } else if (split == Split::kCharacter) {
    utf8_code_points(text);  // throws for malformed UTF-8
    for (size_t i = 0; i < text.size();) {
      const auto lead = static_cast<unsigned char>(text[i]);
      const size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
      tokens.push_back(text.substr(i, length));
      i += length;
    }
  } else {
    tokens.push_back(text);
  }
}

class TextVectorization final : public Layer, public StringEncoder {
 public:
  TextVectorization(Standardize standardize, Split split, std::vector<int64_t> ngrams,
                    std::optional<int64_t> sequence_length, IndexLookup lookup)
      : standardize_(standardize),
        split_(split),
        ngrams_(std::move(ngrams)),
        sequence_length_(sequence_length),
        lookup_(std::move(lookup)) {}

  const StringEncoder* string_encoder() const override { return this; }

  std::vector<Dims> output_shapes(std::span<const Dims> inputs) const override {
    return {encoded_shape(inputs[0])};
  }

  void run(const RunContext&) const override {
    throw Error("TextVectorization reads strings and runs only on a model's string input");
  }

  Dims encoded_shape(const Dims& input) const override {
    const int64_t per_row = strings_per_row(input);
    const bool rank1_unsplit = split_ == Split::kNone && input.size() == 1;
    if (!is_int())
      return lookup_.output().output_shape({input[0], per_row == kAnyDim ? kAnyDim : 1});
    if (rank1_unsplit) return {input[0]};  // Keras's lookup of a (batch,) tensor: one id each
    if (sequence_length_) return {input[0], *sequence_length_};
    if (split_ != Split::kNone || per_row == kAnyDim) return {input[0], kAnyDim};
    return {input[0], ngram_count(per_row)};
  }

  Tensor encode(std::span<const std::string> strings,
                std::span<const int64_t> shape) const override {
    const Dims dims(shape.begin(), shape.end());
    const int64_t per_row = strings_per_row(dims);
    const int64_t rows = dims[0];
    std::string buffer;
    std::vector<std::string> texts;
    std::vector<std::string_view> tokens;
    // One row's tokens (views into `texts`).
    const auto tokenize = [&](int64_t row) {
      texts.resize(static_cast<size_t>(per_row));
      tokens.clear();
      for (int64_t j = 0; j < per_row; ++j) {
        standardize_.apply(strings[static_cast<size_t>(row * per_row + j)],
                           texts[static_cast<size_t>(j)]);
      }
      for (const std::string& text : texts) split_text(split_, text, tokens);
    };

    if (!is_int()) {
      const Dims out_shape = encoded_shape(dims);
      const int64_t depth = out_shape.back();
      check_size(rows, depth);
      Tensor out(out_shape);
      std::vector<float> ids;
      for (int64_t row = 0; row < rows; ++row) {
        tokenize(row);
        row_ids(tokens, ids, buffer, -1);
        const int64_t n = static_cast<int64_t>(ids.size());
        lookup_.output().encode(ids.data(), std::array<int64_t, 2>{1, n}, out.data() + row * depth);
      }
      return out;
    }

    Dims out_shape = encoded_shape(dims);
    int64_t length = out_shape.size() == 1 ? 1 : out_shape.back();
    if (length == kAnyDim) {
      // Padded to the longest row: count every row's ids first, allocate once.
      length = 0;
      for (int64_t row = 0; row < rows; ++row) {
        tokenize(row);
        length = std::max(length, ngram_count(static_cast<int64_t>(tokens.size())));
      }
      out_shape.back() = length;
    }
    check_size(rows, length);
    Tensor out(out_shape);
    std::vector<float> ids;
    for (int64_t row = 0; row < rows; ++row) {
      tokenize(row);
      row_ids(tokens, ids, buffer, length);
      std::copy(ids.begin(), ids.end(), out.data() + row * length);
    }
    return out;
  }

 private:
  bool is_int() const { return lookup_.output().is_int(); }

  // Strings that make one row of tokens: 1 when splitting ((batch,) or (batch, 1): Keras
  // squeezes the last axis), else the last axis (pre-split tokens).
  int64_t strings_per_row(const Dims& input) const {
    if (input.empty() || input.size() > 2)
      throw Error("takes strings of shape (batch,) or (batch, n), got " + to_string(input));
    if (split_ != Split::kNone) {
      if (input.size() == 2 && input[1] != 1 && input[1] != kAnyDim)
        throw Error(
            "splits strings of shape (batch,) or (batch, 1), as Keras does (it requires the "
            "last axis to be 1), got " +
            to_string(input));
      return 1;
    }
    if (input.size() == 1) {
      if (is_int() && (sequence_length_ || !ngrams_.empty()))
        throw Error(
            "without split, output_sequence_length and ngrams need strings of shape "
            "(batch, n): on a (batch,) input Keras would pad or combine across the batch");
      return 1;
    }
    return input[1];
  }

  // Ids for `n` tokens after ngrams.
  int64_t ngram_count(int64_t n) const {
    if (ngrams_.empty()) return n;
    int64_t count = 0;
    for (int64_t width : ngrams_) count += std::max<int64_t>(0, n - width + 1);
    return count;
  }

  // The ids of a row's ngrams, at most `limit` of them (-1: all), padded with 0 to `limit`.
  void row_ids(const std::vector<std::string_view>& tokens, std::vector<float>& ids,
               std::string& buffer, int64_t limit) const {
    ids.clear();
    const auto add = [&](std::string_view token) {
      if (limit >= 0 && static_cast<int64_t>(ids.size()) >= limit) return false;
      ids.push_back(static_cast<float>(lookup_.id_of(token)));
      return true;
    };
    const int64_t n = static_cast<int64_t>(tokens.size());
    if (ngrams_.empty()) {
      for (std::string_view token : tokens)
        if (!add(token)) break;
    }
    for (int64_t width : ngrams_) {
      for (int64_t start = 0; start + width <= n; ++start) {
        buffer.assign(tokens[static_cast<size_t>(start)]);
        for (int64_t k = 1; k < width; ++k)
          buffer.append(" ").append(tokens[static_cast<size_t>(start + k)]);
        if (!add(buffer)) break;
      }
    }
    if (limit >= 0) ids.resize(static_cast<size_t>(limit), 0.0f);
  }

  static void check_size(int64_t rows, int64_t per_row) {
    if (per_row > 0 && rows > kMaxEncodedElements / per_row)
      throw Error("the encoded text would have " + std::to_string(rows) + " x " +
                  std::to_string(per_row) + " values, more than the " +
                  std::to_string(kMaxEncodedElements) + " kerasrt allows one call");
  }

  Standardize standardize_;
  Split split_;
  std::vector<int64_t> ngrams_;  // widths; empty: tokens as they are
  std::optional<int64_t> sequence_length_;
  IndexLookup lookup_;
};

// A standardize or split value that is not one of Keras's names is a callable Keras saved by
// reference: say which, never look it up.
std::string saved_callable(const Json& value) {
  if (value.is_string()) return "'" + value.get<std::string>() + "'";
  if (value.is_object()) {
    for (const char* key : {"registered_name", "config", "class_name"})
      if (value.contains(key) && value.at(key).is_string())
        return "'" + value.at(key).get<std::string>() + "'";
  }
  return value.dump();
}

std::string option(const LayerConfig& config, const char* key, const std::string& fallback,
                   std::initializer_list<const char*> allowed) {
  if (!config.json().contains(key)) return fallback;
  const Json& value = config.json().at(key);
  if (value.is_null()) return "";
  if (value.is_string())
    for (const char* name : allowed)
      if (value.get<std::string>() == name) return name;
  throw Error(std::string("config '") + key + "' is the custom function " + saved_callable(value) +
              ": kerasrt does not run saved Python code");
}

std::vector<int64_t> ngram_widths(const LayerConfig& config) {
  if (!config.has("ngrams")) return {};
  const Json& value = config.json().at("ngrams");
  std::vector<int64_t> widths;
  if (value.is_number_integer()) {
    const int64_t n = value.get<int64_t>();
    if (n < 1 || n > static_cast<int64_t>(kMaxNgramWidths))
      throw Error("config 'ngrams' must be in [1, 64], got " + value.dump());
    for (int64_t w = 1; w <= n; ++w) widths.push_back(w);
    return widths;
  }
  if (!value.is_array() || value.empty() || value.size() > kMaxNgramWidths)
    throw Error("config 'ngrams' must be an integer or a list of 1 to 64 integers, got " +
                value.dump());
  for (const Json& w : value) {
    if (!w.is_number_integer() || w.get<int64_t>() < 1 ||
        w.get<int64_t>() > static_cast<int64_t>(kMaxNgramWidths))
      throw Error("config 'ngrams' holds the width " + w.dump() +
                  "; kerasrt takes widths in [1, 64]");
    widths.push_back(w.get<int64_t>());
  }
  return widths;
}

}  // namespace

std::unique_ptr<Layer> make_text_vectorization(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  if (config.get_bool("ragged", false))
    throw Error("config 'ragged' is true: ragged outputs are not supported");
  if (config.get_bool("sparse", false))
    throw Error("config 'sparse' is true: sparse outputs are not supported");
  const std::string encoding = config.get_string("encoding", "utf-8");
  if (encoding != "utf-8" && encoding != "UTF-8" && encoding != "utf8")
    throw Error("config 'encoding' is '" + encoding + "': kerasrt reads UTF-8 text only");

  const std::string standardize =
      option(config, "standardize", "lower_and_strip_punctuation",
             {"lower_and_strip_punctuation", "lower", "strip_punctuation"});
  Standardize how;
  how.lower = standardize == "lower" || standardize == "lower_and_strip_punctuation";
  how.strip = standardize == "strip_punctuation" || standardize == "lower_and_strip_punctuation";
  const std::string split_name = option(config, "split", "whitespace", {"whitespace", "character"});
  const Split split = split_name == "whitespace"  ? Split::kWhitespace
                      : split_name == "character" ? Split::kCharacter
                                                  : Split::kNone;

  // tf.keras 2's names for two modes.
  std::string mode = config.get_string("output_mode", "int");
  if (mode == "binary") mode = "multi_hot";
  if (mode == "tf-idf") mode = "tf_idf";
  if (mode != "int" && mode != "multi_hot" && mode != "count" && mode != "tf_idf")
    throw Error("config 'output_mode' is '" + mode +
                "'; TextVectorization supports int, multi_hot, count and tf_idf");
  std::optional<int64_t> sequence_length;
  if (config.has("output_sequence_length")) {
    if (mode != "int")
      throw Error("config 'output_sequence_length' is set, but output_mode is '" + mode + "'");
    sequence_length = config.get_int("output_sequence_length");
    if (*sequence_length < 0 || *sequence_length > kMaxEncodedElements)
      throw Error("config 'output_sequence_length' is out of range: " +
                  std::to_string(*sequence_length));
  }

  std::vector<int64_t> ngrams = ngram_widths(config);

  IndexLookupSettings settings;
  settings.mask_token = "";
  settings.oov_token = "[UNK]";
  settings.num_oov_indices = 1;
  if (config.has("max_tokens")) settings.max_tokens = config.get_int("max_tokens");
  settings.pad_to_max_tokens = config.get_bool("pad_to_max_tokens", false);
  settings.output_mode = mode;
  if (config.has("vocabulary")) {
    settings.vocabulary = config.json().at("vocabulary");
    if (settings.vocabulary.is_string())
      throw Error("config 'vocabulary' is a file path ('" + settings.vocabulary.get<std::string>() +
                  "'); kerasrt reads a vocabulary from the config or the .keras archive only");
  }
  if (config.has("idf_weights")) settings.idf_weights = config.json().at("idf_weights");

  auto layer = std::make_unique<TextVectorization>(how, split, std::move(ngrams), sequence_length,
                                                   IndexLookup(settings, ctx));
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
