"""TensorFlow's string hashes in plain Python, for the references of layers that hash text
(StringLookup's OOV ids, Hashing): tf.strings.to_hash_bucket_fast is FarmHash's Fingerprint64
(farmhashna::Hash64), tf.strings.to_hash_bucket_strong is SipHash-2-4 keyed by two 64-bit words.
Both are written from their published descriptions and checked below against the outputs
TensorFlow's and Keras's documentation print."""

MASK64 = (1 << 64) - 1


# ----------------------------------------------------------------- FarmHash Fingerprint64

_K0, _K1, _K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F


def _rot(v, s):
    return ((v >> s) | (v << (64 - s))) & MASK64


def _f64(b, i):
    return int.from_bytes(b[i:i + 8], "little")


def _len16(u, v, mul):
    a = ((u ^ v) * mul) & MASK64
    a ^= a >> 47
    b = ((v ^ a) * mul) & MASK64
    b ^= b >> 47
    return (b * mul) & MASK64


def fingerprint64(text):
    """farmhashna::Hash64 for up to 64 bytes (the lengths these fixtures hash)."""
    b = text.encode("utf-8")
    n = len(b)
    assert n <= 64, "fingerprint64 here covers tokens of up to 64 bytes"
    mul = (_K2 + n * 2) & MASK64
    if n == 0:
        return _K2
    if n < 4:
        y = (b[0] + (b[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (b[n - 1] << 2)) & 0xFFFFFFFF
        v = ((y * _K2) ^ (z * _K0)) & MASK64
        return ((v ^ (v >> 47)) * _K2) & MASK64
    if n < 8:
        a = int.from_bytes(b[0:4], "little")
        return _len16((n + (a << 3)) & MASK64, int.from_bytes(b[n - 4:n], "little"), mul)
    if n <= 16:
        a = (_f64(b, 0) + _K2) & MASK64
        c = _f64(b, n - 8)
        return _len16((_rot(c, 37) * mul + a) & MASK64, ((_rot(a, 25) + c) * mul) & MASK64, mul)
    a = (_f64(b, 0) * _K1 if n <= 32 else _f64(b, 0) * _K2) & MASK64
    bb = _f64(b, 8)
    c = (_f64(b, n - 8) * mul) & MASK64
    d = (_f64(b, n - 16) * _K2) & MASK64
    y = (_rot((a + bb) & MASK64, 43) + _rot(c, 30) + d) & MASK64
    z = _len16(y, (a + _rot((bb + _K2) & MASK64, 18) + c) & MASK64, mul)
    if n <= 32:
        return z
    e = (_f64(b, 16) * mul) & MASK64
    f = _f64(b, 24)
    g = ((y + _f64(b, n - 32)) * mul) & MASK64
    h = ((z + _f64(b, n - 24)) * mul) & MASK64
    return _len16((_rot((e + f) & MASK64, 43) + _rot(g, 30) + h) & MASK64,
                  (e + _rot((f + a) & MASK64, 18) + g) & MASK64, mul)


# tf.strings.to_hash_bucket_fast's documented example, and keras.layers.Hashing(num_bins=3)'s.
assert [fingerprint64(s) % 3 for s in ("Hello", "TensorFlow", "2.x")] == [0, 2, 2]
assert [fingerprint64(s) % 3 for s in "ABCDE"] == [1, 0, 1, 1, 2]
# StringLookup(vocabulary=["a", "b", "c", "d"], num_oov_indices=2): "m" -> 0, "z" -> 1.
assert [fingerprint64(s) % 2 for s in "mz"] == [0, 1]


# ----------------------------------------------------------------- SipHash-2-4

def siphash24(text, key):
    """SipHash-2-4 of the UTF-8 bytes of `text` under the 128-bit key given as two words
    (k0, k1): 2 compression rounds per 8-byte block, 4 finalization rounds."""
    b = text.encode("utf-8")
    k0, k1 = key
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261,
         k1 ^ 0x7465646279746573]

    def rounds(n):
        for _ in range(n):
            v[0] = (v[0] + v[1]) & MASK64
            v[1] = _rot_left(v[1], 13) ^ v[0]
            v[0] = _rot_left(v[0], 32)
            v[2] = (v[2] + v[3]) & MASK64
            v[3] = _rot_left(v[3], 16) ^ v[2]
            v[0] = (v[0] + v[3]) & MASK64
            v[3] = _rot_left(v[3], 21) ^ v[0]
            v[2] = (v[2] + v[1]) & MASK64
            v[1] = _rot_left(v[1], 17) ^ v[2]
            v[2] = _rot_left(v[2], 32)

    whole = len(b) // 8 * 8
    for i in range(0, whole, 8):
        m = int.from_bytes(b[i:i + 8], "little")
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    last = int.from_bytes(b[whole:], "little") | ((len(b) & 0xFF) << 56)
    v[3] ^= last
    rounds(2)
    v[0] ^= last
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _rot_left(x, s):
    return ((x << s) | (x >> (64 - s))) & MASK64


# keras.layers.Hashing(num_bins=3, salt=[133, 137]) and salt=133 ([133, 133]) on "A".."E".
assert [siphash24(s, (133, 137)) % 3 for s in "ABCDE"] == [1, 2, 1, 0, 2]
assert [siphash24(s, (133, 133)) % 3 for s in "ABCDE"] == [0, 0, 2, 1, 0]
