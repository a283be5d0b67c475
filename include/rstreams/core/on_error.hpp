#pragma once
// Per-stage error policies: what a stage does when its user function throws.
//
//   rs::transform(f)                                   fail (the default): the error leaves run
//   rs::transform(f, rs::on_error::skip{&skipped})     drop the element, count it
//   rs::transform(f, rs::on_error::retry{.attempts = 5, .backoff = 10ms})
//                                                      try again with exponential backoff and
//                                                      jitter on the run's clock; then fail
//   rs::transform(f, rs::on_error::retry{...}.then(rs::on_error::dead_letter{sink}))
//   rs::transform(f, rs::on_error::dead_letter{sink})  hand the element, the stage, the attempt
//                                                      count and the cause to `sink`; go on

#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_metrics.hpp>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

/// What a dead-letter sink receives for an element a stage gave up on.
template <class T>
struct dead_letter_record {
  T element;
  std::string stage;         ///< the operator's name, e.g. "transform"
  std::size_t position = 0;  ///< the stage's place in the pipeline
  std::size_t index = 0;     ///< the element's index at that stage's input
  std::size_t attempts = 0;  ///< how many times the function was called on it
  std::exception_ptr cause;  ///< the last error (a stage_error nesting the user's exception)
  std::string reason;        ///< the last error's message
};

namespace on_error {

/// The default: the first error stops the pipeline and leaves `run`.
struct fail {};

/// Drops an element whose function threw; counts the drops in `*counter` when given.
struct skip {
  std::atomic<std::size_t>* counter = nullptr;
};

template <class Then>
struct retry_then;

/// Calls the function again, up to `attempts` calls in all, waiting `backoff` before the
/// second, then `multiplier` times longer each time (at most `max_backoff`), each wait cut by up
/// to `jitter` (0..1) of itself at random. Waits use the run's clock and end on a stop request.
/// When every attempt failed, the last error leaves `run` (or goes where `.then(...)` says).
struct retry {
  int attempts = 3;
  std::chrono::nanoseconds backoff = std::chrono::milliseconds(10);
  double multiplier = 2.0;
  std::chrono::nanoseconds max_backoff = std::chrono::seconds(10);
  double jitter = 0.2;

  template <class Then>
  retry_then<Then> then(Then t) const {
    return {*this, std::move(t)};
  }
};

/// Hands the failed element and what happened to `sink`, a function taking
/// `dead_letter_record<T>&&`, and goes on with the next element.
template <class D>
struct dead_letter {
  D sink;
};
template <class D>
dead_letter(D) -> dead_letter<D>;

/// `retry{...}.then(skip{})` or `.then(dead_letter{...})`: what to do once the attempts run out.
template <class Then>
struct retry_then {
  retry first;
  Then then;
};

}  // namespace on_error

namespace detail {

template <class P>
inline constexpr bool is_error_policy_v = false;
template <>
inline constexpr bool is_error_policy_v<on_error::fail> = true;
template <>
inline constexpr bool is_error_policy_v<on_error::skip> = true;
template <>
inline constexpr bool is_error_policy_v<on_error::retry> = true;
template <class D>
inline constexpr bool is_error_policy_v<on_error::dead_letter<D>> = true;
template <class T>
inline constexpr bool is_error_policy_v<on_error::retry_then<T>> = true;

}  // namespace detail

/// One of the `rstreams::on_error` policies.
template <class P>
concept error_policy = detail::is_error_policy_v<std::remove_cvref_t<P>>;

namespace detail {

template <class P>
void validate_policy(std::string_view, const P&) {}
inline void validate_policy(std::string_view op, const on_error::retry& r) {
  if (r.attempts < 1)
    throw config_error("rstreams::" + std::string(op) + ": on_error::retry needs at least 1 attempt (got " +
                       std::to_string(r.attempts) + ")");
  if (r.backoff.count() < 0 || r.max_backoff.count() < 0 || r.multiplier < 1.0 || r.jitter < 0.0 ||
      r.jitter > 1.0)
    throw config_error("rstreams::" + std::string(op) +
                       ": on_error::retry needs backoff >= 0, multiplier >= 1 and jitter in [0, 1]");
}
template <class T>
void validate_policy(std::string_view op, const on_error::retry_then<T>& r) {
  validate_policy(op, r.first);
  validate_policy(op, r.then);
}

/// Applies a policy around calls of a user function for one stage. `call(x)` returns what
/// the stage needs (the mapped value, or the predicate's bool); `run` returns it, or nothing
/// when the element is dropped (skipped or dead-lettered); errors under `fail` leave as the
/// usual stage_error.
template <class P>
class policy_runner {
 public:
  explicit policy_runner(P p) : policy_(std::move(p)) {}

  void start(const run_context& ctx) {
    clock_ = ctx.clock;
    stop_ = ctx.stop;
    metrics_ = ctx.metrics;
  }

  /// Calls to a dead-letter sink hold `*m` (for stages that run the policy on several threads).
  template <class Mutex>
  void serialize_sink(Mutex* m) noexcept {
    sink_lock_ = {m, [](void* p) { static_cast<Mutex*>(p)->lock(); },
                  [](void* p) { static_cast<Mutex*>(p)->unlock(); }};
  }

  /// `f` is called as `f(x)` with `x` an lvalue, since a retry needs the element again.
  template <class R, class F, class T>
  std::optional<R> run(std::string_view stage, std::size_t position, std::size_t index, F& f, T& x) {
    return run_with<R>(policy_, stage, position, index, f, x);
  }

  const P& policy() const noexcept { return policy_; }

 private:
  template <class R, class Q, class F, class T>
  std::optional<R> run_with(Q& q, std::string_view stage, std::size_t position, std::size_t index, F& f,
                            T& x) {
    using Pol = std::remove_cvref_t<Q>;
    if constexpr (std::is_same_v<Pol, on_error::fail>) {
      return std::optional<R>(invoke_stage(stage, position, index, f, x));
    } else if constexpr (std::is_same_v<Pol, on_error::retry>) {
      return attempts<R>(
          q, stage, position, index, f, x,
          [](std::exception_ptr e, std::size_t) -> std::optional<R> { std::rethrow_exception(e); });
    } else if constexpr (requires {
                           q.first;
                           q.then;
                         }) {
      return attempts<R>(q.first, stage, position, index, f, x, [&](std::exception_ptr e, std::size_t n) {
        return give_up<R>(q.then, stage, position, index, x, std::move(e), n);
      });
    } else {
      try {
        return std::optional<R>(invoke_stage(stage, position, index, f, x));
      } catch (const stage_error&) {
        return give_up<R>(q, stage, position, index, x, std::current_exception(), 1);
      }
    }
  }

  template <class R, class F, class T, class Out>
  std::optional<R> attempts(const on_error::retry& r, std::string_view stage, std::size_t position,
                            std::size_t index, F& f, T& x, Out&& out) {
    auto delay = r.backoff;
    for (int attempt = 1;; ++attempt) {
      try {
        return std::optional<R>(invoke_stage(stage, position, index, f, x));
      } catch (const stage_error&) {
        if (attempt >= r.attempts || stop_.stop_requested())
          return out(std::current_exception(), static_cast<std::size_t>(attempt));
      }
      if (metrics_ != nullptr) metrics_->retries.fetch_add(1, std::memory_order_relaxed);
      auto wait = delay;
      if (r.jitter > 0.0)
        wait -= std::chrono::duration_cast<std::chrono::nanoseconds>(wait * (r.jitter * unit_random()));
      if (wait.count() > 0 && clock_ != nullptr) clock_->sleep_for(wait, stop_);
      delay =
          std::min(r.max_backoff, std::chrono::duration_cast<std::chrono::nanoseconds>(delay * r.multiplier));
    }
  }

  template <class R, class Q, class T>
  std::optional<R> give_up(Q& q, std::string_view stage, std::size_t position, std::size_t index, T& x,
                           std::exception_ptr e, std::size_t attempts_made) {
    using Pol = std::remove_cvref_t<Q>;
    // A failure that leaves run is counted where it leaves the stage (core/metered.hpp).
    if (metrics_ != nullptr && !std::is_same_v<Pol, on_error::fail>)
      metrics_->errors.fetch_add(1, std::memory_order_relaxed);
    if constexpr (std::is_same_v<Pol, on_error::skip>) {
      if (q.counter != nullptr) q.counter->fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    } else if constexpr (std::is_same_v<Pol, on_error::fail>) {
      std::rethrow_exception(e);
    } else {
      std::string reason;
      try {
        std::rethrow_exception(e);
      } catch (...) {
        reason = describe_current_exception();
      }
      if (metrics_ != nullptr) metrics_->dead_lettered.fetch_add(1, std::memory_order_relaxed);
      using V = std::remove_cvref_t<T>;
      dead_letter_record<V> record{V(x),          std::string(stage), position,         index,
                                   attempts_made, std::move(e),       std::move(reason)};
      if (sink_lock_.mutex != nullptr) {
        sink_lock_.lock(sink_lock_.mutex);
        struct unlock_on_exit {
          const lock_fns* l;
          ~unlock_on_exit() { l->unlock(l->mutex); }
        } unlock{&sink_lock_};
        q.sink(std::move(record));
      } else {
        q.sink(std::move(record));
      }
      return std::nullopt;
    }
  }

  double unit_random() noexcept {  // xorshift: cheap, deterministic per stage
    seed_ ^= seed_ << 13;
    seed_ ^= seed_ >> 7;
    seed_ ^= seed_ << 17;
    return static_cast<double>(seed_ >> 11) * (1.0 / 9007199254740992.0);
  }

  P policy_;
  rstreams::clock* clock_ = &steady_clock_source();
  std::stop_token stop_;
  stage_metrics* metrics_ = nullptr;  // set when the stage is metered
  // Type-erased so that this header, which every stage includes, needs no <mutex>.
  struct lock_fns {
    void* mutex = nullptr;
    void (*lock)(void*) = nullptr;
    void (*unlock)(void*) = nullptr;
  };
  lock_fns sink_lock_;
  std::uint64_t seed_ = 0x9E3779B97F4A7C15ULL;
};

}  // namespace detail

}  // namespace rstreams
