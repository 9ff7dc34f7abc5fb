// The string hash behind keras.layers.Hashing, shared with its tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace kerasrt {

// SipHash's two 64-bit key words (Keras's `salt`).
using HashSalt = std::pair<uint64_t, uint64_t>;

// tf.strings.to_hash_bucket_fast(text, bins) without a salt (FarmHash Fingerprint64), or
// tf.strings.to_hash_bucket_strong(text, bins, key=salt) with one (SipHash-2-4).
uint64_t hash_bucket(std::string_view text, uint64_t bins, const std::optional<HashSalt>& salt);

}  // namespace kerasrt
