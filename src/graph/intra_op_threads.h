// The calling thread's OpenMP thread count, set for a scope and then restored.
#pragma once

#include <omp.h>

#include <algorithm>

namespace kerasrt {

// Kernels inside one predict (and the weight re-layout at load) use the thread count kerasrt
// chose, whatever the caller's setting. Loading with more threads than asked for costs far more
// than it saves: each weight's re-layout is one short OpenMP region, and on a busy machine every
// region waits for a descheduled worker (MobileNetV2 took 0.9 s to load instead of 0.14 s).
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int threads) : previous_(omp_get_max_threads()) {
    omp_set_num_threads(std::max(1, threads));
  }
  ~IntraOpThreads() { omp_set_num_threads(previous_); }
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;

 private:
  int previous_;
};

}  // namespace kerasrt
