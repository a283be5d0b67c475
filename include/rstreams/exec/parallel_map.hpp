#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/chrono.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/stage_metrics.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>
#include <rstreams/exec/detail/parallel_core.hpp>
#include <rstreams/exec/spsc_channel.hpp>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams {

/// The shape of a parallel stage: `workers` calls of the function at once (the calling thread
/// counts: it is one of them), and at most
/// `in_flight` elements between upstream and downstream (taken from upstream, not yet handed
/// on); 0 means as many as there are workers. A window wider than the workers lets them take
/// elements in runs and keep computing while downstream catches up: what a cheap function
/// needs (a few elements per worker), not a slow one.
///
/// `rs::parallel_map(rs::parallelism{.workers = 2, .in_flight = 64}, f)`
struct parallelism {
  std::size_t workers = 1;
  std::size_t in_flight = 0;
};

namespace detail {

inline parallel_shape checked_parallelism(std::string_view op, const parallelism& p) {
  const std::size_t w = checked_limit(op, "workers", p.workers);
  if (p.in_flight == 0) return {w, w};
  const std::size_t f = checked_limit(op, "in_flight", p.in_flight);
  if (f < w)
    throw config_error("rstreams::" + std::string(op) + ": in_flight (" + std::to_string(f) +
                       ") must be at least the number of workers (" + std::to_string(w) + ")");
  return {w, f};
}

}  // namespace detail

/// The source after a parallel stage: a feeder task takes elements from the upstream while
/// fewer than the window are in flight (unless the upstream never waits: then whoever runs dry
/// takes them), `workers` - 1 tasks and the caller apply the function
/// to runs of them, and pulling this source hands the results out (in input order when
/// `Ordered`). The caller computes whenever the next result is not there yet, so `workers`
/// threads compute and none waits for a core to hand results on; with one worker the stage runs
/// on the caller alone (no threads, no hand-off).
template <source S, class F, class P, bool Ordered>
class parallel_map_source : public stage_source<parallel_map_source<S, F, P, Ordered>, S> {
  using base = stage_source<parallel_map_source<S, F, P, Ordered>, S>;
  using T = value_t<S>;

 public:
  static constexpr std::string_view name = Ordered ? "parallel_map" : "parallel_map_unordered";
  static constexpr bool drains_on_stop = true;
  using value_type = std::remove_cvref_t<std::invoke_result_t<F&, T&>>;

  parallel_map_source(S up, detail::parallel_shape shape, F f, P p)
      : base(std::move(up)), shape_(shape), f_(std::move(f)), policy_(std::move(p)) {}
  parallel_map_source(parallel_map_source&&) = default;
  parallel_map_source& operator=(parallel_map_source&&) = delete;
  ~parallel_map_source() { own_scope_.reset(); }

  /// Threads calling the function at once, the caller included.
  [[nodiscard]] std::size_t workers() const noexcept { return shape_.workers; }
  /// At most this many elements taken from upstream and not yet handed downstream.
  [[nodiscard]] std::size_t in_flight_limit() const noexcept { return shape_.window; }

  void start(const run_context& ctx) {
    if (core_ || runner_) return;
    const run_context inner = detail::with_scope(ctx, own_scope_);
    base::start(inner);
    metrics_ = ctx.metrics;
    if (metrics_ != nullptr) {
      metrics_->in_flight_limit.store(static_cast<std::int64_t>(shape_.window));
      metrics_->in_flight.store(0);
    }
    if (shape_.workers == 1) {  // the caller is the one worker: no threads, no hand-off
      runner_ = std::make_unique<detail::policy_runner<P>>(std::move(policy_));
      runner_->start(inner);
      if (!detail::drains_on_stop<S>()) inline_stop_ = inner.stop;
      return;
    }
    cancel_ = inner.scope->cancel_token();
    core_ = std::make_shared<core_type>(shape_, std::move(f_), std::move(policy_));
    runner_ = std::make_unique<detail::policy_runner<P>>(core_->policy);
    runner_->start(inner);
    runner_->serialize_sink(&core_->sink_mutex);
    // Taking from upstream stops on a stop request, unless the upstream drains itself after one
    // (an async boundary): then it ends on its own. Computing what was taken stops only when
    // the run is over.
    std::stop_token feed_quit = detail::drains_on_stop<S>() ? cancel_ : inner.stop;
    core_->up = &this->up_;
    core_->feed_quit = std::move(feed_quit);
    // An upstream that never waits is fed by whoever runs dry, the caller included (`push`).
    if constexpr (!detail::never_waits<S>()) inner.scope->spawn([c = core_] { c->feed(); });
    // The caller is one of the workers (see `help`).
    for (std::size_t w = 1; w < shape_.workers; ++w)
      inner.scope->spawn([c = core_, inner, cancel = cancel_] { work(*c, inner, cancel); });
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (!core_ && !runner_) start(run_context{});
    if (!core_) return push_inline(n, g);
    auto& c = *core_;
    std::size_t credit_batch = c.credit_batch();
    while (n != 0) {
      if (!next_ready(c)) {
        settle(c);
        const auto over = [&] {
          const std::size_t e = c.end.load(std::memory_order_acquire);
          return e != core_type::no_end && e == handed_;
        };
        if (over()) {
          if (c.feed_error) std::rethrow_exception(c.feed_error);  // written before `end`
          return flow::done;
        }
        // Rather than wait for the result, compute the next elements to claim, or take them
        // from an upstream that never waits.
        if (help(c)) continue;
        if constexpr (detail::never_waits<S>())
          if (c.self_feed()) continue;
        // The workers quit without finishing when the run is over (cancel): stop waiting then.
        if (!c.consumer_wait(cancel_, [&] {
              return next_ready(c) || over() || (c.claimable() && !cancel_.stop_requested());
            }))
          return flow::done;
        credit_batch = c.credit_batch();
        continue;
      }
      auto& s = take_next(c);
      std::optional<value_type> value = std::move(s.value);
      std::exception_ptr error = std::move(s.error);
      s.value.reset();
      s.error = nullptr;
      if constexpr (Ordered)
        static_cast<typename core_type::slot&>(s).ready.store(false, std::memory_order_relaxed);
      ++handed_;
      // The slot counts as in flight until its element was handed on.
      if (error) {
        settle(c);
        std::rethrow_exception(error);
      }
      bool go = true;
      if (value) {
        --n;
        go = g(std::move(*value));
      }
      if (handed_ - credited_ >= credit_batch) settle(c);
      if (!go) break;
    }
    settle(c);
    return flow::more;
  }

 private:
  using core_type = detail::parallel_core<S, value_type, F, P, Ordered>;

  /// One worker: the caller applies the function to each element as the upstream delivers it.
  template <class G>
  flow push_inline(std::size_t n, G& g) {
    if (inline_stop_.stop_requested()) return flow::done;  // an upstream that drains has none
    return rstreams::push(this->up_, n, [&](auto&& x) {
      const std::size_t seq = handed_++;
      std::optional<value_type> r;
      if constexpr (std::is_same_v<decltype(x), T&>) {
        r = runner_->template run<value_type>(name, base::position, seq, f_, x);
      } else {
        T item(std::forward<decltype(x)>(x));
        r = runner_->template run<value_type>(name, base::position, seq, f_, item);
      }
      if (!r) return true;  // dropped by the policy
      return g(std::move(*r));
    });
  }

  /// The caller waits for the next result in order (or for any, unordered): it claims elements
  /// as a worker would and computes them itself, a run as long as a worker's while the function
  /// is cheap. False when there was nothing to claim. What it computes lands where a worker
  /// would put it, so the window bounds it as it bounds the workers and an error surfaces at its
  /// element.
  bool help(core_type& c) {
    if (cancel_.stop_requested()) return false;
    const std::int64_t cost = c.element_ns.load(std::memory_order_relaxed);
    std::size_t want = 1;  // until a worker measured the cost, as a worker's first run
    if (cost > 0)
      want = std::clamp<std::size_t>(static_cast<std::size_t>(core_type::run_target.count() / cost), 1,
                                     c.max_run);
    help_items_.clear();
    const std::size_t first_seq = c.claim(want, help_items_);
    const std::size_t claimed = help_items_.size();
    if (claimed == 0) return false;
    if constexpr (!Ordered) {
      run_.clear();
      run_.resize(claimed);
      run_next_ = 0;
    }
    const bool yield_each = !c.spare_core && cost >= core_type::yield_each_ns;
    const std::size_t done = compute_run(c, *runner_, first_seq, help_items_, run_, yield_each, cancel_);
    if constexpr (!Ordered) {
      run_.resize(done);
      c.results_done.fetch_add(done, std::memory_order_relaxed);
    }
    return true;
  }

  /// Applies the function to `items`, claimed from `first_seq` on, until all are done or `stop`
  /// is requested; returns how many were. Results go where the consumer looks for them: the
  /// ring's slots (ordered) or `results`, sized for the run (unordered). The caller's help and
  /// a worker's run both go through here.
  static std::size_t compute_run(core_type& c, detail::policy_runner<P>& runner, std::size_t first_seq,
                                 std::vector<T>& items, std::vector<typename core_type::result>& results,
                                 bool yield_each, const std::stop_token& stop) {
    std::size_t done = 0;
    for (; done < items.size() && !stop.stop_requested(); ++done) {
      const std::size_t seq = first_seq + done;
      auto& r = [&]() -> typename core_type::result& {
        if constexpr (Ordered)
          return c.at(seq);
        else
          return results[done];
      }();
      try {
        r.value = runner.template run<value_type>(name, base::position, seq, c.f, items[done]);
      } catch (...) {
        r.error = std::current_exception();
      }
      if constexpr (Ordered) c.at(seq).ready.store(true, std::memory_order_release);
      if (yield_each) c.yield_to_waking();
    }
    return done;
  }

  /// Whether the next result to hand out is there.
  bool next_ready(core_type& c) {
    if constexpr (Ordered) {
      return c.at(handed_).ready.load(std::memory_order_acquire);
    } else {
      return run_next_ != run_.size() || c.runs_done.load(std::memory_order_acquire) != runs_taken_;
    }
  }

  /// The next result (precondition: next_ready).
  auto& take_next(core_type& c) {
    if constexpr (Ordered) {
      return c.at(handed_);
    } else {
      if (run_next_ == run_.size()) {
        std::lock_guard lock(c.done_mutex);
        run_ = std::move(c.done_runs.front());
        c.done_runs.pop_front();
        ++runs_taken_;
        run_next_ = 0;
      }
      return run_[run_next_++];
    }
  }

  void settle(core_type& c) {
    // Metered: taken from upstream and not handed on, once per credit batch.
    if (metrics_ != nullptr) {
      const std::size_t taken = c.tail.load(std::memory_order_relaxed);
      metrics_->in_flight.store(static_cast<std::int64_t>(taken > handed_ ? taken - handed_ : 0),
                                std::memory_order_relaxed);
    }
    if (credited_ == handed_) return;
    credited_ = handed_;
    c.give_credit(handed_);
  }

  static void work(core_type& c, const run_context& ctx, const std::stop_token& cancel) {
    detail::policy_runner<P> runner(c.policy);
    runner.start(ctx);
    runner.serialize_sink(&c.sink_mutex);
    std::size_t run_size = 1;
    std::vector<T> items;
    while (!cancel.stop_requested()) {
      items.clear();
      const std::size_t first_seq = c.claim(run_size, items);
      const std::size_t claimed = items.size();
      if (claimed == 0) {
        c.announce(false, false, true);  // running dry: the consumer takes what is done
        const std::size_t e = c.end.load(std::memory_order_acquire);
        if (e != core_type::no_end && first_seq == e) return;  // everything was claimed
        const std::size_t credit = c.delivered.load(std::memory_order_acquire);
        if (c.self_feed()) continue;
        c.wait_for_elements(first_seq, credit, cancel);
        continue;
      }
      const auto began = std::chrono::steady_clock::now();
      std::vector<typename core_type::result> results;  // unordered: this run's
      if constexpr (!Ordered) results.resize(claimed);
      // Elements slow enough that a yield between two of them is noise (see yield_to_waking).
      const bool yield_each =
          !c.spare_core && c.element_ns.load(std::memory_order_relaxed) >= core_type::yield_each_ns;
      const std::size_t done = compute_run(c, runner, first_seq, items, results, yield_each, cancel);
      if (done != claimed) return;  // the run is over
      if constexpr (!Ordered) {
        std::lock_guard lock(c.done_mutex);
        c.done_runs.push_back(std::move(results));
        c.results_done.fetch_add(done, std::memory_order_relaxed);
        c.runs_done.fetch_add(1, std::memory_order_release);
      }
      const auto took = std::chrono::steady_clock::now() - began;
      const std::int64_t per_element = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count() /
                                       static_cast<std::int64_t>(done);
      const std::int64_t known = c.element_ns.load(std::memory_order_relaxed);
      if (4 * per_element > 5 * known || 4 * per_element < 3 * known)
        c.element_ns.store(per_element, std::memory_order_relaxed);
      const bool long_run = took * 2 > core_type::run_target;
      c.announce(false, c.patient() ? took > core_type::slow_run : long_run);
      // The workers fill the cores, so the consumer and the feeder wait for a turn on one: when
      // the intake runs low, give them this core now rather than when the scheduler's slice
      // ends (by then the workers would have run dry). With nobody waiting it returns at once.
      if (!c.spare_core && long_run &&
          c.tail.load(std::memory_order_relaxed) - c.head.load(std::memory_order_relaxed) < 2 * run_size)
        std::this_thread::yield();
      else if (!c.spare_core)
        c.yield_to_waking();
      // Grow the run while the function is cheap, shrink it when it is slow.
      if (done == run_size) {
        if (took * 2 <= core_type::run_target && run_size < c.max_run)
          run_size = std::min(c.max_run, run_size * 2);
        else if (took > core_type::run_target * 2 && run_size > 1)
          run_size /= 2;
      }
    }
  }

  detail::parallel_shape shape_;
  F f_;
  P policy_;
  std::shared_ptr<core_type> core_;
  stage_metrics* metrics_ = nullptr;
  std::stop_token cancel_;
  std::size_t handed_ = 0;                       // results taken from the ring
  std::size_t credited_ = 0;                     // ... and reported to the workers as credit
  std::size_t runs_taken_ = 0;                   // unordered: completed runs taken
  std::vector<typename core_type::result> run_;  // ... the one being handed out
  std::size_t run_next_ = 0;
  std::unique_ptr<detail::policy_runner<P>> runner_;  // the caller's: inline, or as it helps
  std::stop_token inline_stop_;                       // one worker: the run's stop, unless upstream drains
  std::vector<T> help_items_;                         // what the caller claimed to compute
  detail::owned_scope own_scope_;
};

namespace detail {

template <bool Ordered>
struct parallel_map_impl {
  static constexpr std::string_view op = Ordered ? "parallel_map" : "parallel_map_unordered";

  template <source_like R, class F, error_policy P = on_error::fail>
  auto operator()(R&& r, parallelism shape, F f, P policy = {}) const {
    const parallel_shape s = checked_parallelism(op, shape);
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, value_t<S>&>, RSTREAMS_DIAG_NOT_INVOCABLE("parallel_map"));
    if constexpr (std::invocable<F&, value_t<S>&>) {
      validate_policy(op, policy);
      return parallel_map_source<S, F, P, Ordered>(as_source(std::forward<R>(r)), s, std::move(f),
                                                   std::move(policy));
    }
  }
  template <source_like R, std::integral I, class F, error_policy P = on_error::fail>
  auto operator()(R&& r, I n, F f, P policy = {}) const {
    const std::size_t width = checked_limit(op, "parallelism", n);
    return (*this)(std::forward<R>(r), parallelism{width, width}, std::move(f), std::move(policy));
  }
  template <class F, error_policy P = on_error::fail>
  auto operator()(parallelism shape, F f, P policy = {}) const {
    checked_parallelism(op, shape);
    validate_policy(op, policy);
    return bind_stage<parallel_map_impl>(shape, std::move(f), std::move(policy));
  }
  template <std::integral I, class F, error_policy P = on_error::fail>
  auto operator()(I n, F f, P policy = {}) const {
    const std::size_t width = checked_limit(op, "parallelism", n);
    validate_policy(op, policy);
    return bind_stage<parallel_map_impl>(parallelism{width, width}, std::move(f), std::move(policy));
  }
};

}  // namespace detail

struct parallel_map_fn : detail::parallel_map_impl<true> {};

/// Applies `f` to the elements on several worker tasks at once and hands the results out in
/// input order (a reorder ring as large as the in-flight window holds the ones that finish early).
///
/// Forms: `parallel_map(src, n, f [, policy])` · `src | parallel_map(n, f [, policy])` ·
/// `src | parallel_map(parallelism{.workers = n, .in_flight = w}, f [, policy])`; the policy
/// from `rstreams::on_error` (fail by default; skip, retry, dead_letter).
/// Requires: n >= 1, w >= n (else config_error); `f` callable with the element as an lvalue
/// from several threads at once: only the n workers call it, never more than n at once.
/// Workers: the calling thread (the one pulling the results) is one of the n; n - 1 worker
/// tasks run in the run's scope. While the next result is not there, the caller claims
/// elements and computes them itself instead of waiting. With n == 1 the stage runs inline on
/// the caller: `f` is applied as upstream delivers, no thread, at most one element in flight.
/// Demand: at most n elements in flight with the first forms, w with the last (taken from
/// upstream and not yet delivered). With n >= 2 a feeder task takes elements from upstream
/// without waiting for downstream to ask; the workers take them one at a time while `f` is
/// slow, in runs of up to w / (2 n) while it is cheap (so a cheap `f` wants w well above n). A
/// worker task that runs dry while the feeder is not taking takes from upstream itself (one
/// thread at a time), so the upstream may be called from any of them (not from the caller,
/// unless it never waits). An upstream that never waits (iota, repeat, `from_range` of a
/// forward range such as a container) has no feeder task: whichever of the n runs dry takes
/// from it, the caller included (one at a time). The feeder and the n - 1 worker tasks run in
/// the run's scope (new threads, or the scheduler given to run).
/// Example: examples/10-parallel-enrich.cpp
inline constexpr parallel_map_fn parallel_map{};

}  // namespace rstreams
