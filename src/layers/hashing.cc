// Hashing (keras/src/layers/preprocessing/hashing.py): a numeric value is cast to
// int64 (truncated, as tf.cast does), written in decimal (tf.as_string) and hashed as TensorFlow's
// string hashes do: FarmHash's Fingerprint64 (tf.strings.to_hash_bucket_fast), or with a salt
// SipHash-2-4 keyed by the two salt words (tf.strings.to_hash_bucket_strong), modulo the bins.
// A mask value takes bin 0 and shifts the others up by one. A string input is hashed as it is
// (its UTF-8 bytes), before the graph runs (see StringEncoder in layers/layer.h).
#include "layers/hashing.h"

#include <farmhash.h>
#include <sodium.h>

#include <cmath>
#include <cstring>

#include "layers/category_output.h"

namespace kerasrt {

uint64_t hash_bucket(std::string_view text, uint64_t bins, const std::optional<HashSalt>& salt) {
  uint64_t hash;
  if (salt) {
    // highwayhash's SipHash takes the key as two uint64 words: bytes key[0] then key[1], little
    // endian, which is how libsodium reads its 16-byte key.
    unsigned char key[crypto_shorthash_siphash24_KEYBYTES];
    for (int i = 0; i < 8; ++i) {
      key[i] = static_cast<unsigned char>(salt->first >> (8 * i));
      key[8 + i] = static_cast<unsigned char>(salt->second >> (8 * i));
    }
    unsigned char out[crypto_shorthash_siphash24_BYTES];
    crypto_shorthash_siphash24(out, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size(), key);
    hash = 0;
    for (int i = 7; i >= 0; --i) hash = (hash << 8) | out[i];
  } else {
    hash = util::Fingerprint64(text.data(), text.size());
  }
  return hash % bins;
}

namespace {

// Bins are emitted as float32 ids: beyond 2^24 they would no longer be exact.
constexpr int64_t kMaxBins = int64_t{1} << 24;

// Keras's mask_value: an integer for numeric inputs, a string for string inputs.
struct MaskValue {
  std::string text;
  std::optional<int64_t> integer;
};

class Hashing final : public IdPerElementLayer, public StringEncoder {
 public:
  Hashing(int64_t bins, std::optional<MaskValue> mask, std::optional<HashSalt> salt,
          CategoryOutputSpec output)
      : IdPerElementLayer(std::move(output)), bins_(bins), mask_(std::move(mask)), salt_(salt) {}

  // A string mask_value cannot match a number; an integer one cannot match a string (Keras's
  // tf.equal would refuse to compare them).
  bool numeric_input() const override { return !mask_ || mask_->integer.has_value(); }
  const StringEncoder* string_encoder() const override {
    return !mask_ || !mask_->integer ? this : nullptr;
  }
  Dims encoded_shape(const Dims& input) const override { return output().output_shape(input); }
  Tensor encode(std::span<const std::string> strings,
                std::span<const int64_t> shape) const override {
    std::vector<float> ids(strings.size());
    for (size_t i = 0; i < strings.size(); ++i)
      ids[i] = bin_of(strings[i], mask_ && strings[i] == mask_->text);
    return output().encode_ids(std::move(ids), shape);
  }

 private:
  // A number: cast to int64, then hashed as its decimal text.
  float id_of(float v) const override {
    // tf.cast of NaN, an infinity or a value beyond int64 to int64 is undefined behaviour.
    if (!std::isfinite(v) || std::fabs(v) >= 9.2e18f)
      throw Error("cannot hash the value " + std::to_string(v) +
                  " (Keras casts it to int64 first)");
    const int64_t value = static_cast<int64_t>(v);  // truncation, as tf.cast
    return bin_of(std::to_string(value), mask_ && value == mask_->integer);
  }

  // A mask value takes bin 0 and shifts the others up by one (with more than one bin).
  float bin_of(std::string_view text, bool is_mask) const {
    const bool masking = mask_ && bins_ > 1;
    if (masking && is_mask) return 0.0f;
    const uint64_t bins = static_cast<uint64_t>(masking ? bins_ - 1 : bins_);
    return static_cast<float>(hash_bucket(text, bins, salt_) + (masking ? 1 : 0));
  }

  int64_t bins_;
  std::optional<MaskValue> mask_;
  std::optional<HashSalt> salt_;
};

uint64_t salt_word(const Json& value) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0)
    throw Error("config 'salt' must hold non-negative integers, got " + value.dump());
  return value.get<uint64_t>();
}

}  // namespace

std::unique_ptr<Layer> make_hashing(const BuildContext& ctx) {
  expect_inputs(ctx, 1);
  const LayerConfig& config = ctx.config;
  const int64_t bins = config.get_int("num_bins");
  if (bins <= 0 || bins > kMaxBins)
    throw Error("config 'num_bins' must be in [1, 2^24], got " + std::to_string(bins));
  std::optional<MaskValue> mask;
  if (config.has("mask_value") && !config.json().at("mask_value").is_null()) {
    const Json& value = config.json().at("mask_value");
    if (value.is_number_integer())
      mask = MaskValue{std::to_string(value.get<int64_t>()), value.get<int64_t>()};
    else if (value.is_string())
      mask = MaskValue{value.get<std::string>(), std::nullopt};
    else
      throw Error("config 'mask_value' must be an integer or a string, got " + value.dump());
  }
  std::optional<HashSalt> salt;
  if (config.has("salt") && !config.json().at("salt").is_null()) {
    const Json& value = config.json().at("salt");
    if (value.is_array() && value.size() == 2)
      salt = HashSalt{salt_word(value[0]), salt_word(value[1])};
    else if (value.is_number_integer())
      salt = HashSalt{salt_word(value), salt_word(value)};
    else
      throw Error("config 'salt' must be an integer or a list of two, got " + value.dump());
  }
  if (sodium_init() < 0) throw Error("libsodium failed to initialise");
  const CategoryOutputSpec output(config, "int", bins, ctx.keras_major);
  auto layer = std::make_unique<Hashing>(bins, mask, salt, output);
  layer->output_shapes(ctx.input_shapes);
  return layer;
}

}  // namespace kerasrt
