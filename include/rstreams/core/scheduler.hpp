#pragma once
// Where the concurrent parts of a run execute (an executor, a scheduler), and the task
// machinery behind run_scope::spawn. Included by the concurrent stages (exec/), so that a run
// without them compiles none of it.

#include <rstreams/core/clock.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/owner.hpp>
#include <rstreams/core/executor.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/run_scope.hpp>

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

namespace detail {

/// The tasks of one scope: a count of those running (so that tasks may spawn more while the
/// scope waits), the threads started for them when there is no executor, and the first error.
// A template only so that a translation unit that includes this header without using it compiles
// none of its body (the umbrella's compile time: benchmarks/compile_time).
template <class = void>
class thread_task_group final : public task_group {
 public:
  ~thread_task_group() override { join(); }

  void spawn(executor* ex, std::function<void()> task) {
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
    if (ex != nullptr) {
      try {
        ex->execute(std::move(body));
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

  void join() override {
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

  std::exception_ptr take_error() override {
    std::lock_guard lock(mutex_);
    return std::exchange(error_, nullptr);
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t active_ = 0;
  std::vector<std::thread> threads_;
  std::exception_ptr error_;
};

template <class F>
void spawn_in(run_scope& scope, F&& task) {
  // Named through F, so that the class is made only where something spawns.
  using group = thread_task_group<std::void_t<F>>;
  task_group* tasks = scope.tasks_.load(std::memory_order_acquire);
  if (tasks == nullptr) {  // the first spawn; a task may spawn too, so several threads may race
    // The scope owns it once published.
    auto* fresh = new group();
    if (scope.tasks_.compare_exchange_strong(tasks, fresh, std::memory_order_acq_rel))
      tasks = fresh;
    else
      delete fresh;
  }
  static_cast<group*>(tasks)->spawn(scope.ex_, std::function<void()>(std::forward<F>(task)));
}

/// The scope a concurrent stage opens for itself when it is used outside a run (with_scope);
/// `reset` (also the destructor) stops and joins its tasks.
using owned_scope = owner<run_scope>;

/// The context a concurrent stage starts its parts with: the run's, or, when the stage is used
/// outside a run (no scope), one whose scope is `own`, opened here and linked to `ctx.stop`;
/// the stage destroys `own` (stopping and joining its tasks) before its upstream.
inline run_context with_scope(const run_context& ctx, owned_scope& own) {
  run_context inner = ctx;
  if (inner.scope == nullptr) {
    own = owned_scope(new run_scope(nullptr, ctx.stop));
    inner.scope = own.get();
    inner.stop = own->token();
  }
  return inner;
}

/// `run_scoped` with a deadline (run_until, run_for): a timer on the run's clock requests stop
/// when it passes; what is in flight still reaches the sink.
template <class P>
decltype(auto) run_scoped(P& p, executor* ex, const run_context& outer, clock::time_point deadline) {
  run_scope scope(ex, outer.stop);
  scope.spawn([&scope, clk = outer.clock, deadline] {
    if (clk->sleep_until(deadline, scope.token())) scope.request_stop();
  });
  return run_in_scope(p, scope, outer);
}

}  // namespace detail

}  // namespace rstreams
