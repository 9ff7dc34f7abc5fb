// Dynamic batching: one queue per served model version, one pool of compute workers for all.
//
// A request becomes a Job (its inputs in the model's input order, batch first). Jobs wait in
// their model version's BatchQueue. A free worker takes the first queue that is due: it holds
// `max_batch_size` rows, or its oldest job has waited `max_queue_delay`, or batching is off for
// it. The worker takes jobs from the front while their rows fit (at most max_batch_size, and
// at most its share of the queued rows when other workers are idle, so that they take the
// rest) and their non-batch dimensions match the first job's, concatenates them along the batch
// axis, predicts once, and splits the outputs back by rows; each job's callback runs on that
// worker. While every worker is busy, queues fill, so batches grow with the load and stay small
// when the server is idle.
//
// Exactness: a row's result must not depend on the batch it was merged into. `check_batching`
// runs once per model version at load: it compares predicts of the same rows in batches of
// every size up to max_batch_size, bit for bit, and picks the mode (see BatchMode).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kerasrt/kerasrt.h"
#include "metrics.h"

namespace kerasrt::server {

using Clock = std::chrono::steady_clock;

struct BatchingConfig {
  bool enabled = true;      // merge concurrent requests (when the model allows it)
  int max_batch_size = 32;  // rows per merged predict call
  int64_t max_queue_delay_us =
      0;  // how long the oldest request may wait for company (0: take what is there)
  int max_queue_size = 256;  // requests waiting per model version; more answer 429
};

enum class BatchMode {
  kMerge,      // rows are independent of the batch they are in: merge freely
  kPadSingle,  // every batch of >= 2 rows agrees, a lone row alone differs: a batch of one row
               // is predicted as 2 rows (the row twice), so the answer never depends on timing
  kOff,        // batch dimension fixed, or results depend on the batch: one request per call
};
const char* batch_mode_name(BatchMode mode);

// Decides the mode for `model` and batches of up to `max_batch_size` rows (see above):
// predicts N = max_batch_size random rows (short random words for string inputs) at once, then the
// first B rows for every B < N (or, when that would take over a second, for B = 1, 2, 3, 4, 5, 7,
// 8, 9, 15, 16, 17, 31, 33, 63, N - 1) and every row alone, and compares each row bit for bit.
// `reason` says why when not kMerge.
BatchMode check_batching(const Model& model, int max_batch_size, std::string* reason);

struct JobResult {
  int status = 200;  // 200, or the HTTP status of the error
  std::string error;
  std::vector<Tensor> outputs;  // the model's outputs, this job's rows
  int batch_rows = 0;           // rows of the predict call this job was part of
  int batch_requests = 0;       // jobs merged into that call
  double queue_seconds = 0;
};

struct Job {
  std::vector<Tensor> inputs;  // model input order; dimension 0 = rows
  int64_t rows = 0;
  Clock::time_point enqueued;
  Clock::time_point deadline;             // answered 503 if still queued then
  std::function<void(JobResult&&)> done;  // runs on a worker thread, exactly once
};

class BatchQueue {
 public:
  BatchQueue(Model model, BatchingConfig config, BatchMode mode, ModelMetrics* metrics)
      : model_(std::move(model)), config_(config), mode_(mode), metrics_(metrics) {}
  const BatchingConfig& config() const { return config_; }
  BatchMode mode() const { return mode_; }
  bool merging() const {
    return config_.enabled && mode_ != BatchMode::kOff && config_.max_batch_size > 1;
  }
  size_t depth() const;  // jobs waiting (locks the scheduler)

 private:
  friend class Scheduler;
  Model model_;
  BatchingConfig config_;
  BatchMode mode_;
  ModelMetrics* metrics_;
  std::deque<std::unique_ptr<Job>> jobs_;  // guarded by the scheduler's mutex
  int64_t queued_rows_ = 0;
  bool active_ = false;  // in the scheduler's list of non-empty queues
  std::mutex* scheduler_mutex_ = nullptr;
};

class Scheduler {
 public:
  explicit Scheduler(int workers);
  ~Scheduler();  // stop(): finishes every queued job first
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  enum class Submit { kQueued, kQueueFull, kStopped };
  // On kQueued the job's callback will run; otherwise it never runs and the job is dropped.
  Submit submit(const std::shared_ptr<BatchQueue>& queue, std::unique_ptr<Job> job);
  void register_queue(const std::shared_ptr<BatchQueue>& queue);
  void stop();  // no new jobs; runs every queued job, then joins the workers
  size_t queued() const;
  int busy_workers() const { return busy_.load(); }
  int workers() const { return static_cast<int>(threads_.size()); }

 private:
  void work();
  void run_batch(BatchQueue& queue, std::vector<std::unique_ptr<Job>> jobs);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<BatchQueue>> active_;  // queues with waiting jobs, round robin
  bool stopping_ = false;
  std::atomic<int> busy_{0};
  std::vector<std::thread> threads_;
};

}  // namespace kerasrt::server
