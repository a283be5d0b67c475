#pragma once
// Where the concurrent parts of a run execute: the `executor` interface a run scope uses, the
// public `scheduler` concept that `run(p, s)` accepts, and the adapter from one to the other.
// Light (no threads): core/run.hpp includes it, so `run(p, my_scheduler)` needs nothing more.

#include <functional>
#include <type_traits>
#include <utility>

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

}  // namespace rstreams
