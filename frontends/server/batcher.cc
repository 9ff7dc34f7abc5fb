#include "batcher.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <type_traits>

namespace kerasrt::server {
namespace {

std::vector<int64_t> with_rows(std::vector<int64_t> shape, int64_t rows) {
  shape[0] = rows;
  return shape;
}

bool same_trailing(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  return a.size() == b.size() && std::equal(a.begin() + 1, a.end(), b.begin() + 1);
}

bool compatible(const Job& a, const Job& b) {
  for (size_t i = 0; i < a.inputs.size(); ++i)
    if (!same_trailing(a.inputs[i].shape(), b.inputs[i].shape()) ||
        a.inputs[i].dtype() != b.inputs[i].dtype())
      return false;
  return true;
}

// Rows [begin, end) of a batch-first tensor (float32 or strings).
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end) {
  const int64_t rows = t.shape().empty() ? 0 : t.shape()[0];
  const int64_t per_row = rows ? t.size() / rows : 0;
  if (t.dtype() == DType::kString)
    return Tensor::of_strings(with_rows(t.shape(), end - begin),
                              std::vector<std::string>(t.strings().begin() + begin * per_row,
                                                       t.strings().begin() + end * per_row));
  return Tensor(with_rows(t.shape(), end - begin),
                std::vector<float>(t.data() + begin * per_row, t.data() + end * per_row));
}

// The tensors' rows one after the other along the batch axis: `rows` of them in all.
Tensor join_rows(const std::vector<const Tensor*>& parts, int64_t rows) {
  const std::vector<int64_t> shape = with_rows(parts[0]->shape(), rows);
  const auto join = [&](const auto& elements) {
    std::remove_cvref_t<decltype(elements(*parts[0]))> out;
    out.reserve(
        static_cast<size_t>(parts[0]->size() / std::max<int64_t>(1, parts[0]->shape()[0]) * rows));
    for (const Tensor* t : parts) out.insert(out.end(), elements(*t).begin(), elements(*t).end());
    return out;
  };
  if (parts[0]->dtype() == DType::kString)
    return Tensor::of_strings(shape,
                              join([](const Tensor& t) -> const auto& { return t.strings(); }));
  return Tensor(shape, join([](const Tensor& t) -> const auto& { return t.values(); }));
}

bool rows_equal(const Tensor& a, int64_t a_row, const Tensor& b, int64_t b_row) {
  const int64_t a_per = a.shape()[0] ? a.size() / a.shape()[0] : 0;
  const int64_t b_per = b.shape()[0] ? b.size() / b.shape()[0] : 0;
  if (a_per != b_per || a.dtype() != b.dtype()) return false;
  if (a.dtype() == DType::kString)
    return std::equal(a.strings().begin() + a_row * a_per,
                      a.strings().begin() + (a_row + 1) * a_per,
                      b.strings().begin() + b_row * b_per);
  return std::memcmp(a.data() + a_row * a_per, b.data() + b_row * b_per,
                     static_cast<size_t>(a_per) * sizeof(float)) == 0;
}

// Random text for a string input: short lower-case words, some empty.
std::vector<std::string> random_words(size_t count, std::mt19937& rng) {
  std::uniform_int_distribution<int> length(0, 6), letter('a', 'z');
  std::vector<std::string> out(count);
  for (std::string& word : out)
    for (int n = length(rng); n > 0; --n) word += static_cast<char>(letter(rng));
  return out;
}

}  // namespace

const char* batch_mode_name(BatchMode mode) {
  switch (mode) {
    case BatchMode::kMerge:
      return "merge";
    case BatchMode::kPadSingle:
      return "merge, single rows padded to 2";
    case BatchMode::kOff:
      return "off";
  }
  return "?";
}

BatchMode check_batching(const Model& model, int max_batch_size, std::string* reason) {
  for (const TensorInfo& info : model.inputs())
    if (info.shape.empty() || info.shape[0] != kAnyDim) {
      *reason = "input '" + info.name + "' has a fixed batch dimension";
      return BatchMode::kOff;
    }
  for (const TensorInfo& info : model.outputs())
    if (info.shape.empty() || info.shape[0] != kAnyDim) {
      *reason = "output '" + info.name + "' has a fixed batch dimension";
      return BatchMode::kOff;
    }
  const int64_t n = std::max(2, std::min(max_batch_size, 256));
  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);  // both signs, as real inputs have
  std::vector<Tensor> x;
  for (const TensorInfo& info : model.inputs()) {
    std::vector<int64_t> shape = info.shape;
    int64_t count = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (d == 0)
        shape[d] = n;
      else if (shape[d] == kAnyDim)
        shape[d] = 3;
      count *= shape[d];
    }
    if (count > (int64_t{1} << 26)) {
      *reason = "input '" + info.name + "' is too large to check batching on";
      return BatchMode::kOff;
    }
    if (info.dtype == DType::kString) {
      x.push_back(Tensor::of_strings(shape, random_words(static_cast<size_t>(count), rng)));
      continue;
    }
    std::vector<float> values(static_cast<size_t>(count));
    for (float& v : values) v = uniform(rng);
    x.emplace_back(shape, std::move(values));
  }
  const auto rows_of = [&](int64_t begin, int64_t end) {
    std::vector<Tensor> out;
    for (const Tensor& t : x) out.push_back(slice_rows(t, begin, end));
    return out;
  };
  try {
    const Clock::time_point t0 = Clock::now();
    const std::vector<Tensor> full = model.predict(x);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    for (size_t o = 0; o < full.size(); ++o)
      if (full[o].shape().empty() || full[o].shape()[0] != n) {
        *reason = "output '" + model.outputs()[o].name + "' does not follow the batch dimension";
        return BatchMode::kOff;
      }
    std::vector<int64_t> sizes;
    if (seconds * static_cast<double>(n + 1) / 2 <= 1.0) {
      for (int64_t b = 1; b < n; ++b) sizes.push_back(b);
    } else {
      for (int64_t b : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63})
        if (b < n) sizes.push_back(b);
      if (n - 1 > sizes.back()) sizes.push_back(n - 1);
    }
    bool single_differs = false;
    for (int64_t b : sizes) {
      // The first b rows; every row alone (whether a lone row takes another path can depend on
      // its values, and one-row predicts are cheap); the last 2 rows.
      std::vector<int64_t> begins{0};
      if (b == 1)
        for (int64_t r = 1; r < n; ++r) begins.push_back(r);
      if (b == 2) begins.push_back(n - 2);
      for (int64_t begin : begins) {
        const std::vector<Tensor> part = model.predict(rows_of(begin, begin + b));
        for (size_t o = 0; o < full.size(); ++o)
          for (int64_t r = 0; r < b; ++r)
            if (!rows_equal(full[o], begin + r, part[o], r)) {
              if (b == 1) {
                single_differs = true;
                continue;
              }
              *reason = "a row's result depends on the batch it is in (output '" +
                        model.outputs()[o].name + "', " + std::to_string(b) + " rows against " +
                        std::to_string(n) + ")";
              return BatchMode::kOff;
            }
      }
    }
    if (single_differs) {
      *reason =
          "a 1-row predict differs in the last bits from the same row in a batch of 2 or more "
          "(the GEMM library takes a matrix-vector path for one row)";
      return BatchMode::kPadSingle;
    }
  } catch (const std::exception& e) {
    *reason = std::string("could not check batching: ") + e.what();
    return BatchMode::kOff;
  }
  reason->clear();
  return BatchMode::kMerge;
}

size_t BatchQueue::depth() const {
  if (!scheduler_mutex_) return jobs_.size();
  std::lock_guard lock(*scheduler_mutex_);
  return jobs_.size();
}

Scheduler::Scheduler(int workers) {
  for (int i = 0; i < std::max(1, workers); ++i) threads_.emplace_back([this] { work(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::register_queue(const std::shared_ptr<BatchQueue>& queue) {
  queue->scheduler_mutex_ = &mutex_;
}

Scheduler::Submit Scheduler::submit(const std::shared_ptr<BatchQueue>& queue,
                                    std::unique_ptr<Job> job) {
  std::lock_guard lock(mutex_);
  if (stopping_) return Submit::kStopped;
  if (static_cast<int>(queue->jobs_.size()) >= queue->config_.max_queue_size)
    return Submit::kQueueFull;
  queue->queued_rows_ += job->rows;
  queue->jobs_.push_back(std::move(job));
  if (!queue->active_) {
    queue->active_ = true;
    active_.push_back(queue);
  }
  wake_.notify_one();
  return Submit::kQueued;
}

size_t Scheduler::queued() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& q : active_) n += q->jobs_.size();
  return n;
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
}

void Scheduler::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (active_.empty()) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    const Clock::time_point now = Clock::now();
    Clock::time_point earliest = Clock::time_point::max();
    size_t chosen = active_.size();
    for (size_t i = 0; i < active_.size(); ++i) {
      const BatchQueue& q = *active_[i];
      const Job& front = *q.jobs_.front();
      const Clock::time_point due =
          front.enqueued + std::chrono::microseconds(q.config_.max_queue_delay_us);
      if (stopping_ || !q.merging() || q.queued_rows_ >= q.config_.max_batch_size || now >= due ||
          now >= front.deadline) {
        chosen = i;
        break;
      }
      earliest = std::min(earliest, std::min(due, front.deadline));
    }
    if (chosen == active_.size()) {
      wake_.wait_until(lock, earliest);
      continue;
    }
    std::shared_ptr<BatchQueue> queue = active_[chosen];
    active_.erase(active_.begin() + static_cast<std::ptrdiff_t>(chosen));
    std::vector<std::unique_ptr<Job>> batch;
    int64_t rows = queue->jobs_.front()->rows;
    batch.push_back(std::move(queue->jobs_.front()));
    queue->jobs_.pop_front();
    // Share what is queued among the idle workers (this one included): with a closed loop of
    // clients, one worker swallowing every waiting request would leave the others idle.
    const int64_t idle = std::max<int64_t>(1, static_cast<int64_t>(threads_.size()) - busy_.load());
    const int64_t limit =
        std::min<int64_t>(queue->config_.max_batch_size,
                          std::max<int64_t>(1, (queue->queued_rows_ + idle - 1) / idle));
    if (queue->merging())
      while (!queue->jobs_.empty() && rows + queue->jobs_.front()->rows <= limit &&
             compatible(*batch.front(), *queue->jobs_.front())) {
        rows += queue->jobs_.front()->rows;
        batch.push_back(std::move(queue->jobs_.front()));
        queue->jobs_.pop_front();
      }
    queue->queued_rows_ -= rows;
    if (queue->jobs_.empty())
      queue->active_ = false;
    else
      active_.push_back(queue);  // round robin between models
    if (!active_.empty()) wake_.notify_one();
    ++busy_;
    lock.unlock();
    run_batch(*queue, std::move(batch));
    batch.clear();
    queue.reset();
    lock.lock();
    --busy_;
  }
}

void Scheduler::run_batch(BatchQueue& queue, std::vector<std::unique_ptr<Job>> jobs) {
  const Clock::time_point start = Clock::now();
  std::vector<std::unique_ptr<Job>> live;
  for (auto& job : jobs) {
    if (start > job->deadline) {
      JobResult result;
      result.status = 503;
      result.error = "the request waited longer than the request timeout in the model's queue";
      result.queue_seconds = std::chrono::duration<double>(start - job->enqueued).count();
      job->done(std::move(result));
    } else {
      live.push_back(std::move(job));
    }
  }
  if (live.empty()) return;
  const Model& model = queue.model_;
  ModelMetrics* metrics = queue.metrics_;

  const auto finish = [&](Job& job, JobResult&& result) {
    result.queue_seconds = std::chrono::duration<double>(start - job.enqueued).count();
    if (metrics) metrics->queue_seconds.observe(result.queue_seconds);
    job.done(std::move(result));
  };
  // One predict call; returns false (and answers nobody) when a merged call failed and the jobs
  // must be run one by one to give each its own error.
  const auto run = [&](std::vector<Job*> group) -> bool {
    int64_t rows = 0;
    for (Job* job : group) rows += job->rows;
    const bool pad = queue.mode_ == BatchMode::kPadSingle && rows == 1 && queue.config_.enabled;
    const int64_t call_rows = pad ? 2 : rows;
    const Clock::time_point t0 = Clock::now();
    JobResult failure;
    try {
      std::vector<Tensor> outputs;
      if (group.size() == 1 && !pad) {
        outputs = model.predict(group[0]->inputs);
      } else {
        std::vector<Tensor> merged;
        for (size_t i = 0; i < group[0]->inputs.size(); ++i) {
          std::vector<const Tensor*> parts;
          for (Job* job : group) parts.push_back(&job->inputs[i]);
          if (pad) parts.push_back(&group[0]->inputs[i]);
          merged.push_back(join_rows(parts, call_rows));
        }
        outputs = model.predict(merged);
        for (const Tensor& t : outputs)
          if (t.shape().empty() || t.shape()[0] != call_rows) {
            if (group.size() > 1) return false;
            throw Error("an output does not follow the batch dimension");
          }
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      if (metrics) {
        metrics->inferences.fetch_add(1, std::memory_order_relaxed);
        metrics->rows.fetch_add(static_cast<uint64_t>(rows), std::memory_order_relaxed);
        metrics->compute_seconds.observe(seconds);
        metrics->batch_rows.observe(static_cast<double>(call_rows));
        metrics->batch_requests.observe(static_cast<double>(group.size()));
      }
      int64_t row = 0;
      for (Job* job : group) {
        JobResult result;
        result.batch_rows = static_cast<int>(call_rows);
        result.batch_requests = static_cast<int>(group.size());
        if (group.size() == 1 && !pad) {
          result.outputs = std::move(outputs);
        } else {
          for (const Tensor& t : outputs)
            result.outputs.push_back(slice_rows(t, row, row + job->rows));
        }
        row += job->rows;
        finish(*job, std::move(result));
      }
      return true;
    } catch (const Error& e) {
      if (group.size() > 1) return false;
      failure.status = 400;
      failure.error = e.what();
    } catch (const std::exception& e) {
      if (group.size() > 1) return false;
      failure.status = 500;
      failure.error = std::string("internal error: ") + e.what();
    }
    finish(*group[0], std::move(failure));
    return true;
  };

  std::vector<Job*> group;
  for (auto& job : live) group.push_back(job.get());
  if (!run(group))
    for (Job* job : group) run({job});
}

}  // namespace kerasrt::server
