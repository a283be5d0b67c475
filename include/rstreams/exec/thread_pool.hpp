#pragma once

#include <rstreams/core/scheduler.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>

#include <algorithm>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace rstreams {

/// A pool of worker threads that runs the concurrent parts of pipelines: `run(p, pool)`.
/// Threads are reused across runs. Since a segment task may block on its channel for the
/// whole run, a task never waits behind another: when every worker is busy the pool starts
/// one more thread (so `size()` may grow beyond the initial count; it never shrinks before
/// the pool is destroyed). The destructor finishes queued tasks and joins every thread.
///
/// Forms: `thread_pool pool;` (one worker per hardware thread) · `thread_pool pool(n)`
/// Requires: n >= 1 (else config_error).
class thread_pool final : public executor {
 public:
  thread_pool() : thread_pool(std::max(1u, std::thread::hardware_concurrency())) {}
  template <std::integral I>
  explicit thread_pool(I threads) {
    const std::size_t n = detail::checked_limit("thread_pool", "the number of threads", threads);
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < n; ++i) add_worker();
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  ~thread_pool() override {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    ready_.notify_all();
    for (auto& t : workers_) t.join();
  }

  /// Runs `task` on an idle worker, or on a new one when none is idle.
  void execute(std::function<void()> task) override {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
      if (idle_ < tasks_.size()) add_worker();
    }
    ready_.notify_one();
  }

  /// The number of worker threads now.
  [[nodiscard]] std::size_t size() const {
    std::lock_guard lock(mutex_);
    return workers_.size();
  }

 private:
  void add_worker() {  // mutex_ held
    ++idle_;
    workers_.emplace_back([this] { work(); });
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [&] { return closing_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // closing, nothing left
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      --idle_;
      lock.unlock();
      task();  // scope tasks catch their own exceptions
      task = nullptr;
      lock.lock();
      ++idle_;
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> workers_;
  std::size_t idle_ = 0;
  bool closing_ = false;
};

}  // namespace rstreams
