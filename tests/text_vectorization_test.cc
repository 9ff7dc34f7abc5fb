// keras.layers.TextVectorization: what kerasrt refuses, and tokenization checked against values
// printed in the Keras and TensorFlow documentation (cited per test). The fixtures
// (tools/oracle/text_vectorization_cases.py) cover the rest against a Python reference.
#include <gtest/gtest.h>

#include "layer_test_util.h"

namespace kerasrt::test {
namespace {

Json config(Json extra) {
  Json c = {{"name", "text_vectorization"}, {"trainable", true}};
  for (auto& [key, value] : extra.items()) c[key] = value;
  return c;
}

std::unique_ptr<Layer> build(const Json& extra, Dims input = {kAnyDim, 1}) {
  return build_layer("TextVectorization", config(extra), {input}, {}, 3);
}

// The layer's floats for `texts` of shape (batch, 1).
std::vector<float> encode(const Layer& layer, const std::vector<std::string>& texts,
                          std::vector<int64_t>* shape = nullptr) {
  const std::vector<int64_t> in{static_cast<int64_t>(texts.size()), 1};
  const Tensor out = layer.string_encoder()->encode(texts, in);
  if (shape) *shape = out.shape();
  return out.values();
}

TEST(TextVectorization, KerasDocstringAdaptExample) {
  // text_vectorization.py docstring: adapt(["foo bar", "bar baz", "baz bada boom"]) with
  // output_sequence_length=4 maps [["foo qux bar"], ["qux baz"]] to [[4, 1, 3, 0], [1, 2, 0, 0]].
  // adapt() orders by count, ties by token descending: baz, bar, foo, boom, bada.
  const auto layer = build({{"max_tokens", 5000},
                            {"output_mode", "int"},
                            {"output_sequence_length", 4},
                            {"vocabulary", {"baz", "bar", "foo", "boom", "bada"}}});
  std::vector<int64_t> shape;
  EXPECT_EQ(encode(*layer, {"foo qux bar", "qux baz"}, &shape),
            (std::vector<float>{4, 1, 3, 0, 1, 2, 0, 0}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 4}));
}

TEST(TextVectorization, LowercasesAsciiOnlyAsTfStringsLower) {
  // tf.strings.lower docs: "CamelCase string and ALL CAPS" -> "camelcase string and all caps";
  // without an encoding only ASCII letters change (StringLower's encoding "" is ASCII).
  const auto layer =
      build({{"standardize", "lower"},
             {"vocabulary", {"camelcase", "string", "and", "all", "caps", "écoute"}}});
  EXPECT_EQ(encode(*layer, {"CamelCase string and ALL CAPS", "Écoute écoute"}),
            (std::vector<float>{2, 3, 4, 5, 6, 1, 7, 0, 0, 0}));
}

TEST(TextVectorization, CharacterSplitAsTfStringsUnicodeSplit) {
  // tf.strings.unicode_split docs: [u"G\xf6\xf6dnight", u"\U0001f60a"] splits into
  // ["G", "ö", "ö", "d", "n", "i", "g", "h", "t"] and ["😊"].
  const auto layer = build({{"standardize", nullptr},
                            {"split", "character"},
                            {"vocabulary", {"G", "ö", "d", "n", "i", "g", "h", "t", "😊"}}});
  std::vector<int64_t> shape;
  EXPECT_EQ(encode(*layer, {"Göödnight", "😊"}, &shape),
            (std::vector<float>{2, 3, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 9}));
  EXPECT_ERROR(encode(*layer, {std::string("G\xc3")}), "malformed UTF-8");
}

TEST(TextVectorization, NgramsAsTfStringsNgrams) {
  // tf.strings.ngrams docs: ngrams(["A", "B", "C", "D"], 2) gives ["A B", "B C", "C D"].
  const auto layer =
      build({{"standardize", nullptr}, {"ngrams", {2}}, {"vocabulary", {"A B", "B C", "C D"}}});
  EXPECT_EQ(encode(*layer, {"A B C D"}), (std::vector<float>{2, 3, 4}));
  // ngrams=2 means widths 1 and 2: all unigrams first, then the bigrams.
  const auto both =
      build({{"standardize", nullptr}, {"ngrams", 2}, {"vocabulary", {"A", "B", "A B"}}});
  EXPECT_EQ(encode(*both, {"A B C"}), (std::vector<float>{2, 3, 1, 4, 1}));
}

TEST(TextVectorization, SplitsOnAsciiWhitespaceOnly) {
  // tf.strings.split(sep=None): runs of " \t\n\v\f\r"; U+00A0 is part of a token.
  const auto layer = build({{"vocabulary", {"a", "b", "a\u00a0b"}}});
  EXPECT_EQ(encode(*layer, {" a\t\n\v\f\rb  a\u00a0b "}), (std::vector<float>{2, 3, 4}));
}

TEST(TextVectorization, Refusals) {
  const Json vocab = {{"vocabulary", {"a"}}};
  EXPECT_ERROR(build({{"ragged", true}}), "ragged");
  EXPECT_ERROR(build({{"sparse", true}, {"output_mode", "multi_hot"}}), "sparse");
  EXPECT_ERROR(build({{"standardize", "my_package>custom_standardize"}}),
               "'my_package>custom_standardize'");
  EXPECT_ERROR(build({{"standardize",
                       {{"module", "builtins"},
                        {"class_name", "function"},
                        {"config", "custom_standardize"},
                        {"registered_name", "function"}}}}),
               "does not run saved Python code");
  EXPECT_ERROR(build({{"split", "my_package>custom_split"}}), "'my_package>custom_split'");
  EXPECT_ERROR(build({{"output_mode", "one_hot"}}), "'one_hot'");
  EXPECT_ERROR(build({{"output_mode", "bogus"}}), "'bogus'");
  EXPECT_ERROR(build({{"output_mode", "count"}, {"output_sequence_length", 4}}),
               "output_sequence_length");
  EXPECT_ERROR(build({{"ngrams", 0}}), "ngrams");
  EXPECT_ERROR(build({{"vocabulary", "/etc/vocab.txt"}}), "file path");
  EXPECT_ERROR(build(vocab, {kAnyDim, 3}), "(batch, 1)");
  EXPECT_ERROR(build({{"encoding", "latin-1"}}), "UTF-8");
}

TEST(TextVectorization, BoundsTheEncodedSize) {
  const auto layer = build({{"vocabulary", {"a"}}, {"output_sequence_length", 1 << 27}});
  EXPECT_ERROR(encode(*layer, {"a", "a", "a"}), "more than");
}

TEST(TextVectorization, CountsIntoVocabularySlots) {
  // multi_hot/count: slot 0 is OOV, the vocabulary follows; max_tokens pads the depth.
  const auto layer = build({{"output_mode", "count"},
                            {"max_tokens", 6},
                            {"pad_to_max_tokens", true},
                            {"vocabulary", {"a", "b"}}});
  std::vector<int64_t> shape;
  EXPECT_EQ(encode(*layer, {"a b a c", ""}, &shape),
            (std::vector<float>{1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(shape, (std::vector<int64_t>{2, 6}));
}

}  // namespace
}  // namespace kerasrt::test
