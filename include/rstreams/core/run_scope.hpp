#pragma once
// The scope every run opens, so that every task it started has finished before `run` returns.
// Kept light on purpose: most runs never spawn a task, so this header holds only the stop
// sources; the task machinery (threads, locks, std::function) lives in core/scheduler.hpp,
// which the concurrent stages include, and is created on the first spawn.

#include <atomic>
#include <exception>
#include <stop_token>
#include <utility>

namespace rstreams {

class executor;  // core/executor.hpp
class run_scope;

namespace detail {

/// The tasks a scope started. The one implementation is in core/scheduler.hpp; a scope only
/// waits for them and collects their first error through this interface.
class task_group {
 public:
  virtual ~task_group() = default;
  /// Waits until every task has returned.
  virtual void join() = 0;
  /// The first exception that escaped a task, once; null when none did.
  virtual std::exception_ptr take_error() = 0;
};

/// Defined in core/scheduler.hpp (include it, or an exec/ header, to spawn).
template <class F>
void spawn_in(run_scope& scope, F&& task);

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
  ~run_scope() {
    stop_and_join();
    delete tasks_.load(std::memory_order_acquire);
  }

  /// Stops the sources: requested by the caller's token, a run-time limit, or the end of the run.
  [[nodiscard]] std::stop_token token() const noexcept { return stop_.get_token(); }
  void request_stop() noexcept { stop_.request_stop(); }

  /// Requested only when the run is over (after the sink finished, or on an error): segments
  /// that drain what is in flight after a stop (those fed by a channel) quit on this one.
  [[nodiscard]] std::stop_token cancel_token() const noexcept { return cancel_.get_token(); }

  /// Starts `task` (a copyable callable) concurrently. An exception escaping it is kept and
  /// rethrown by `rethrow_if_error` (stages normally hand their errors over themselves).
  /// Defined with the task machinery: callers include core/scheduler.hpp.
  template <class F>
  void spawn(F&& task) {
    detail::spawn_in(*this, std::forward<F>(task));
  }

  /// Waits until every spawned task has returned (without asking them to stop).
  void join() {
    if (detail::task_group* tasks = tasks_.load(std::memory_order_acquire)) tasks->join();
  }

  void stop_and_join() {
    request_stop();
    cancel_.request_stop();
    join();
  }

  void rethrow_if_error() {
    detail::task_group* tasks = tasks_.load(std::memory_order_acquire);
    if (tasks == nullptr) return;
    if (std::exception_ptr e = tasks->take_error()) std::rethrow_exception(e);
  }

 private:
  template <class F>
  friend void detail::spawn_in(run_scope& scope, F&& task);

  struct requester {
    std::stop_source* s;
    void operator()() const noexcept { s->request_stop(); }
  };
  executor* ex_;
  std::stop_source stop_;
  std::stop_source cancel_;
  std::stop_callback<requester> link_;
  std::atomic<detail::task_group*> tasks_{nullptr};  // made by the first spawn, owned here
};

}  // namespace rstreams
