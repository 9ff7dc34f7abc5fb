// The instruction sets kerasrt's own kernels are compiled for, function by function, beside the
// portable code: the default binary assumes none of them, and each kernel picks its body at run
// time from cpu_isa(). Include this instead of <immintrin.h>.
#pragma once

// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_ps(), which
// -Wmaybe-uninitialized (and, in some callers, -Wuninitialized) then reports: a known false
// positive. The pragma must come before the header's inline functions are seen.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

// What cpu_isa() calls avx512 (Skylake-SP and later, Zen 4) and avx2 (Haswell and later, Zen).
#define KRT_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
#define KRT_AVX2 __attribute__((target("avx2,fma")))
