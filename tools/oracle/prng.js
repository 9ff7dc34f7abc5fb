'use strict';
// Small seeded PRNG (mulberry32) so fixtures are reproducible bit for bit.
// Math.random is never used: every weight and input value of every fixture
// comes from this generator, seeded per case (fnv1a32 of the case name).

function fnv1a32(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
  }
  // uniform double in [0, 1), 32 bits of entropy
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  // float32 array of n values uniform in [lo, hi)
  uniform(n, lo, hi) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }
  // float32 array of n integers in [0, k)
  integers(n, k) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * k);
    return out;
  }
}

module.exports = {Rng, fnv1a32};
