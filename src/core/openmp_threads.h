// How many threads one of kerasrt's own kernels may share an OpenMP parallel region among.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

#include "core/thread_sanitizer.h"

namespace kerasrt {

// The calling thread's OpenMP thread count (kerasrt sets it per predict: graph/intra_op_threads.h),
// or 1 in a ThreadSanitizer build. libgomp is not instrumented: its workers wait on futexes that
// TSan does not see, so it would report everything the caller and the workers of a region hand
// each other as a data race. (oneDNN's own regions run inside libdnnl, which TSan does not see
// at all.)
inline int openmp_threads() {
#ifdef KERASRT_THREAD_SANITIZER
  return 1;
#else
  return std::max(1, omp_get_max_threads());
#endif
}

// body(i) for every i in [0, count), shared among up to `threads` OpenMP threads (static
// schedule). With one thread, or one index, the caller runs the loop alone: an OpenMP region
// costs libgomp a team allocation per call even when it runs on one thread.
template <typename F>
void parallel_for(int threads, int64_t count, F&& body) {
  if (threads <= 1 || count <= 1) {
    for (int64_t i = 0; i < count; ++i) body(i);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t i = 0; i < count; ++i) body(i);
}

}  // namespace kerasrt
