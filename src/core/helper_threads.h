// kerasrt's helper threads, shared by every model in the process: usable_cores() - 1 threads that
// sleep on a condition variable until work comes: run() splits work into tasks (the slices of a
// predict call's batch; while loading, the pieces of the HDF5 heap check, the model config beside
// the weights, the layers' weight packing), offer() hands over one task the caller does not wait
// for at once (closing the HDF5 file while the graph is built), post() one it never waits for
// (unmapping the model file once the load is done). A helper takes a task only while
// fewer kerasrt threads (callers inside kerasrt, helpers running a task) are busy than there are
// cores, so helpers add no threads beyond the cores however many callers there are, and a caller
// whose helpers do not come runs every task itself. An idle helper first watches for new work for a
// moment (while a core is free) before it sleeps: waking a sleeping thread costs tens of
// microseconds on a VM, as much as a small model's call, and a caller in latency mode calls again
// right away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>

namespace kerasrt {

class HelperThreads {
 public:
  static HelperThreads& instance();

  // A thread doing kerasrt work for the lifetime of the guard.
  class Busy {
   public:
    Busy() { busy().fetch_add(1, std::memory_order_relaxed); }
    ~Busy() { busy().fetch_sub(1, std::memory_order_relaxed); }
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;
  };

  // Runs task(i) for each i in [0, count), the calling thread included, and returns once all
  // have finished; rethrows the exception of the lowest i whose task threw, so that an input
  // with several faults gets the same error on every run. Helpers run tasks with OpenMP limited
  // to one thread.
  void run(int count, const std::function<void(int)>& task);

 private:
  struct Job;

 public:
  // A task offered to the helpers while the offering thread goes on with its own work.
  class Offer {
   public:
    Offer(Offer&&) = default;
    Offer& operator=(Offer&&) = delete;
    ~Offer() noexcept;
    // Returns once the task has run: here and now if no helper has taken it. Rethrows its
    // exception.
    void wait();

   private:
    friend class HelperThreads;
    Offer(HelperThreads* helpers, std::shared_ptr<Job> job)
        : helpers_(helpers), job_(std::move(job)) {}
    HelperThreads* helpers_;
    std::shared_ptr<Job> job_;
  };
  // The Offer must be waited for (its destructor waits) before anything the task uses goes.
  Offer offer(std::function<void()> task);

  // A task nobody waits for: a helper runs it when one is free, here and now when there are no
  // helpers. It must not throw. For what a finished load no longer needs, such as unmapping the
  // model's file (MobileNetV2's 14.6 MB: about 1 ms), done after the load has returned.
  void post(std::function<void()> task);

 private:
  struct Job {
    std::function<void(int)> owned_task;  // an offer's or a post's
    const std::function<void(int)>* task = nullptr;
    int count = 0;
    std::atomic<int> next{0}, finished{0};
    std::mutex error_mutex;
    std::exception_ptr error;  // of task error_index
    int error_index = 0;
  };

  explicit HelperThreads(int cores) : cores_(cores), helpers_(cores - 1) {}
  static std::atomic<int>& busy();
  void start();
  // Puts `job` where helpers take its tasks; with finish(), the two ends of run() and offer().
  void enqueue(const std::shared_ptr<Job>& job);
  // Runs the job's untaken tasks on the calling thread, waits for the others and rethrows.
  void finish(const std::shared_ptr<Job>& job);
  static void work(Job& job, int i);
  void loop();
  void remove(const std::shared_ptr<Job>& job);  // under mutex_
  // Spins for a while for a queued job, only while a core is free (the spin must not take a
  // core from a caller).
  void watch_for_jobs() const;

  const int cores_;
  const int helpers_;
  std::once_flag started_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> jobs_;  // tasks not all taken yet
  std::atomic<int> queued_{0};             // jobs_.size(), readable without the lock
  int sleeping_ = 0;                       // helpers waiting on wake_; under mutex_
};

}  // namespace kerasrt
