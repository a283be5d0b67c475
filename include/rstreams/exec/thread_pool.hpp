#pragma once

#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>

#include <rstreams/core/error.hpp>

#include <algorithm>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace rstreams {

/// Options of a thread_pool. `max_threads` (0: the initial count) lets the pool start more
/// threads when every one is busy, up to that cap; the extra threads stay until the pool is
/// destroyed.
struct thread_pool_options {
  std::size_t max_threads = 0;
};

/// A pool of worker threads that runs the concurrent parts of pipelines: `run(p, pool)`.
/// Threads are reused across runs. A pool of n never runs more than n threads (or
/// `max_threads`, when growth is asked for). Each concurrent part of a run (an async boundary,
/// each parallel_map worker and its feeder, each merged source, a batch timer) holds a thread
/// for the whole run and may block on its channel, so a task is never queued behind another:
/// when no thread is free, `execute` throws a config_error naming the pool's size (a run then
/// fails with it at start). Size the pool for the largest run it drives. The destructor
/// finishes running tasks and joins every thread.
///
/// Forms: `thread_pool pool;` (one worker per hardware thread) · `thread_pool pool(n)` ·
/// `thread_pool pool(n, {.max_threads = m})`
/// Requires: n >= 1, max_threads 0 or >= n (else config_error).
/// (A template only so that a translation unit that includes this header without using it compiles
/// none of its body: the umbrella's compile time, benchmarks/compile_time. Use the name below.)
template <class = void>
class basic_thread_pool final : public executor {
 public:
  basic_thread_pool() : basic_thread_pool(std::max(1u, std::thread::hardware_concurrency())) {}
  template <std::integral I>
  explicit basic_thread_pool(I threads, thread_pool_options options = {}) {
    const std::size_t n = detail::checked_limit("thread_pool", "the number of threads", threads);
    if (options.max_threads != 0 && options.max_threads < n)
      throw config_error("rstreams::thread_pool: max_threads (" + std::to_string(options.max_threads) +
                         ") is below the initial number of threads (" + std::to_string(n) + ")");
    max_ = options.max_threads == 0 ? n : options.max_threads;
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < n; ++i) add_worker();
  }
  basic_thread_pool(const basic_thread_pool&) = delete;
  basic_thread_pool& operator=(const basic_thread_pool&) = delete;

  ~basic_thread_pool() override {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    ready_.notify_all();
    for (auto& t : workers_) t.join();
  }

  /// Runs `task` on an idle worker, or on a new one while below max_threads; else throws
  /// config_error. A worker whose task has just signalled its end is counted free a moment
  /// later, so execute waits briefly (up to 200 ms) for one before refusing.
  void execute(std::function<void()> task) override {
    {
      std::unique_lock lock(mutex_);
      if (idle_ <= tasks_.size()) {
        if (workers_.size() < max_) {
          add_worker();
        } else if (!freed_.wait_for(lock, std::chrono::milliseconds(200),
                                    [&] { return idle_ > tasks_.size(); })) {
          throw config_error("rstreams::thread_pool: all " + std::to_string(workers_.size()) +
                             " threads are busy with tasks that may block (each concurrent part of a run "
                             "holds one); give the pool more threads, or let it grow with "
                             "thread_pool(n, {.max_threads = m})");
        }
      }
      tasks_.push_back(std::move(task));
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
      freed_.notify_all();
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable freed_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> workers_;
  std::size_t idle_ = 0;
  std::size_t max_ = 0;
  bool closing_ = false;
};

/// A pool of worker threads (basic_thread_pool above).
using thread_pool = basic_thread_pool<>;

}  // namespace rstreams
