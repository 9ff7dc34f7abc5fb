#include "core/helper_threads.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "kerasrt/kerasrt.h"

namespace kerasrt {
namespace {

void pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

}  // namespace

HelperThreads& HelperThreads::instance() {
  // Never destroyed: helper threads sleep in it until the process exits.
  static HelperThreads* helpers = new HelperThreads(usable_cores());
  return *helpers;
}

std::atomic<int>& HelperThreads::busy() {
  static std::atomic<int> count{0};
  return count;
}

void HelperThreads::run(int count, const std::function<void(int)>& task) {
  auto job = std::make_shared<Job>();
  job->task = &task;
  job->count = count;
  if (count > 1) enqueue(job);
  finish(job);
}

HelperThreads::Offer HelperThreads::offer(std::function<void()> task) {
  auto job = std::make_shared<Job>();
  job->owned_task = [task = std::move(task)](int) { task(); };
  job->task = &job->owned_task;
  job->count = 1;
  enqueue(job);
  return Offer(this, std::move(job));
}

void HelperThreads::post(std::function<void()> task) {
  if (helpers_ == 0) return task();
  auto job = std::make_shared<Job>();
  job->owned_task = [task = std::move(task)](int) { task(); };
  job->task = &job->owned_task;
  job->count = 1;
  enqueue(job);
}

void HelperThreads::Offer::wait() {
  if (!job_) return;
  const std::shared_ptr<Job> job = std::move(job_);
  helpers_->finish(job);
}

HelperThreads::Offer::~Offer() noexcept {
  try {
    wait();
  } catch (...) {  // an error nobody asked for: the owner did not wait
  }
}

void HelperThreads::enqueue(const std::shared_ptr<Job>& job) {
  if (helpers_ == 0) return;
  start();
  bool sleepers = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(job);
    queued_.fetch_add(1, std::memory_order_release);
    sleepers = sleeping_ > 0;
  }
  if (sleepers) wake_.notify_all();
}

void HelperThreads::finish(const std::shared_ptr<Job>& job) {
  while (true) {
    const int i = job->next.fetch_add(1);
    if (i >= job->count) break;
    work(*job, i);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    remove(job);
  }
  for (int done = job->finished.load(); done < job->count; done = job->finished.load())
    job->finished.wait(done);
  // The error leaves the job, which a helper may be the last to drop: the exception is then
  // freed by the thread that handles it, not by a helper while the caller reads it.
  if (job->error) std::rethrow_exception(std::exchange(job->error, nullptr));
}

void HelperThreads::start() {
  std::call_once(started_, [this] {
    for (int i = 0; i < helpers_; ++i) std::thread([this] { loop(); }).detach();
  });
}

void HelperThreads::work(Job& job, int i) {
  try {
    (*job.task)(i);
  } catch (...) {
    std::lock_guard<std::mutex> lock(job.error_mutex);
    if (!job.error || i < job.error_index) {
      job.error = std::current_exception();
      job.error_index = i;
    }
  }
  job.finished.fetch_add(1);
  job.finished.notify_all();
}

void HelperThreads::loop() {
  omp_set_num_threads(1);  // tasks run single-threaded
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (jobs_.empty()) {
      lock.unlock();
      watch_for_jobs();
      lock.lock();
      if (!jobs_.empty()) continue;
      ++sleeping_;
      wake_.wait(lock);
      --sleeping_;
      continue;
    }
    if (busy().load(std::memory_order_relaxed) >= cores_) {
      // Every core already runs kerasrt work: leave the slices to their caller, looking again
      // shortly (only while some call has slices waiting).
      wake_.wait_for(lock, std::chrono::microseconds(200));
      continue;
    }
    std::shared_ptr<Job> job = jobs_.front();
    const int i = job->next.fetch_add(1);
    if (i + 1 >= job->count) remove(job);  // nothing left to take
    if (i >= job->count) continue;
    const Busy busy;
    lock.unlock();
    work(*job, i);
    job.reset();
    lock.lock();
  }
}

void HelperThreads::remove(const std::shared_ptr<Job>& job) {
  const auto it = std::find(jobs_.begin(), jobs_.end(), job);
  if (it == jobs_.end()) return;
  jobs_.erase(it);
  queued_.fetch_sub(1, std::memory_order_relaxed);
}

void HelperThreads::watch_for_jobs() const {
  constexpr auto kWatch = std::chrono::microseconds(100);
  const auto until = std::chrono::steady_clock::now() + kWatch;
  while (queued_.load(std::memory_order_acquire) == 0 &&
         busy().load(std::memory_order_relaxed) < cores_) {
    for (int i = 0; i < 64; ++i) pause();
    if (std::chrono::steady_clock::now() >= until) return;
  }
}

}  // namespace kerasrt
