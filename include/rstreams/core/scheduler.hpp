#pragma once
// Where the concurrent parts of a run execute (an executor), and the scope a run opens so
// that every task it started has finished before `run` returns.

#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams {

/// Runs tasks concurrently with the caller. A task may block for long (a segment loop waiting
/// on its channel), so an executor must give each task a thread of its own while it runs and
/// never queue a task behind a blocked one.
class executor {
 public:
  virtual ~executor() = default;
  virtual void execute(std::function<void()> task) = 0;
};

/// What `run(pipeline, s)` accepts: something that executes tasks (`s.execute(task)`), such as
/// `rstreams::thread_pool`.
template <class S>
concept scheduler = requires(std::remove_cvref_t<S>& s, std::function<void()> task) {
  s.execute(std::move(task));
};

namespace detail {
/// Adapts any scheduler to the executor interface the scope uses.
template <class S>
class executor_ref final : public executor {
 public:
  explicit executor_ref(S& s) noexcept : s_(&s) {}
  void execute(std::function<void()> task) override { s_->execute(std::move(task)); }

 private:
  S* s_;
};
}  // namespace detail

/// The structured-concurrency scope of one run. Stages that start concurrent work (async
/// boundaries, parallel stages, timers) `spawn` it here; the scope's stop token is the run's
/// (linked to the caller's), and `stop_and_join` (also the destructor) requests stop and waits
/// until every spawned task has returned. Without an executor each task gets a new thread,
/// joined by the scope.
class run_scope {
 public:
  explicit run_scope(executor* ex = nullptr, std::stop_token outer = {})
      : ex_(ex), link_(std::move(outer), requester{&stop_}) {}
  run_scope(const run_scope&) = delete;
  run_scope& operator=(const run_scope&) = delete;
  ~run_scope() { stop_and_join(); }

  /// Stops the sources: requested by the caller's token, a run-time limit, or the end of the run.
  [[nodiscard]] std::stop_token token() const noexcept { return stop_.get_token(); }
  void request_stop() noexcept { stop_.request_stop(); }

  /// Requested only when the run is over (after the sink finished, or on an error): segments
  /// that drain what is in flight after a stop (those fed by a channel) quit on this one.
  [[nodiscard]] std::stop_token cancel_token() const noexcept { return cancel_.get_token(); }

  /// Starts `task` concurrently. An exception escaping it is kept and rethrown by
  /// `rethrow_if_error` (stages normally hand their errors over themselves).
  void spawn(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      ++active_;
    }
    auto body = [this, t = std::move(task)]() mutable {
      {
        auto local = std::move(t);  // destroyed before the scope hears that the task ended
        try {
          local();
        } catch (...) {
          std::lock_guard lock(mutex_);
          if (!error_) error_ = std::current_exception();
        }
      }
      std::lock_guard lock(mutex_);
      --active_;
      done_.notify_all();
    };
    if (ex_ != nullptr) {
      try {
        ex_->execute(std::move(body));
      } catch (...) {
        std::lock_guard lock(mutex_);
        --active_;
        throw;
      }
    } else {
      std::lock_guard lock(mutex_);
      threads_.emplace_back(std::move(body));
    }
  }

  /// Waits until every spawned task has returned (without asking them to stop).
  void join() {
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return active_ == 0; });
    }
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  void stop_and_join() {
    request_stop();
    cancel_.request_stop();
    join();
  }

  void rethrow_if_error() {
    std::exception_ptr e;
    {
      std::lock_guard lock(mutex_);
      e = std::exchange(error_, nullptr);
    }
    if (e) std::rethrow_exception(e);
  }

 private:
  struct requester {
    std::stop_source* s;
    void operator()() const noexcept { s->request_stop(); }
  };
  executor* ex_;
  std::stop_source stop_;
  std::stop_source cancel_;
  std::stop_callback<requester> link_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t active_ = 0;
  std::vector<std::thread> threads_;
  std::exception_ptr error_;
};

}  // namespace rstreams
