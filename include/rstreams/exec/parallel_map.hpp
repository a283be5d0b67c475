#pragma once

#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/detail/bound_stage.hpp>
#include <rstreams/detail/checked_limit.hpp>
#include <rstreams/detail/diagnostics.hpp>
#include <rstreams/sources/from_range.hpp>

#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams {

namespace detail {

/// What the feeder, the workers and the consumer of a parallel stage share. One mutex: the
/// function is expected to cost far more than a lock (else a plain transform is the tool).
template <class T, class R, class F, class P, bool Ordered>
struct parallel_state {
  struct result {
    std::optional<R> value;  // empty when the policy dropped the element
    std::exception_ptr error;
    bool ready = false;
  };

  parallel_state(std::size_t n, F fn, P pol) : width(n), f(std::move(fn)), policy(std::move(pol)) {
    if constexpr (Ordered) ring.resize(n);
  }

  std::mutex mutex;
  std::condition_variable_any work_cv;    // workers: a job or the end
  std::condition_variable_any space_cv;   // feeder: room for another element
  std::condition_variable_any result_cv;  // consumer: a result or the end
  std::mutex sink_mutex;                  // serialises a dead-letter sink

  const std::size_t width;
  F f;
  P policy;
  std::deque<std::pair<std::size_t, T>> jobs;
  std::vector<result> ring;      // Ordered: the reorder ring, slot = sequence % width
  std::deque<result> completed;  // !Ordered: in completion order
  std::size_t next_seq = 0;      // given to the next element
  std::size_t head_seq = 0;      // Ordered: the next result to hand out
  std::size_t in_flight = 0;     // accepted from upstream, not yet delivered downstream
  bool feeder_done = false;
  std::exception_ptr feeder_error;
  // Who sleeps: a signal is sent only to someone waiting for it (they are read under the mutex).
  bool consumer_waiting = false;
  bool feeder_waiting = false;
  std::size_t idle_workers = 0;

  bool result_ready() const {
    if constexpr (Ordered)
      return ring[head_seq % width].ready;
    else
      return !completed.empty();
  }
  result take_result() {
    if constexpr (Ordered) {
      result r = std::move(ring[head_seq % width]);
      ring[head_seq % width] = result{};
      ++head_seq;
      return r;
    } else {
      result r = std::move(completed.front());
      completed.pop_front();
      return r;
    }
  }
};

}  // namespace detail

/// The source after a parallel stage: a feeder task pulls the upstream while fewer than n
/// elements are in flight, n worker tasks apply the function, and pulling this source hands
/// the results out (in input order when `Ordered`).
template <source S, class F, class P, bool Ordered>
class parallel_map_source : public stage_source<parallel_map_source<S, F, P, Ordered>, S> {
  using base = stage_source<parallel_map_source<S, F, P, Ordered>, S>;
  using T = value_t<S>;

 public:
  static constexpr std::string_view name = Ordered ? "parallel_map" : "parallel_map_unordered";
  static constexpr bool drains_on_stop = true;
  using value_type = std::remove_cvref_t<std::invoke_result_t<F&, T&>>;

  parallel_map_source(S up, std::size_t n, F f, P p)
      : base(std::move(up)), n_(n), f_(std::move(f)), policy_(std::move(p)) {}
  parallel_map_source(parallel_map_source&&) = default;
  parallel_map_source& operator=(parallel_map_source&&) = delete;
  ~parallel_map_source() { own_scope_.reset(); }

  void start(const run_context& ctx) {
    if (state_) return;
    run_context inner = ctx;
    if (inner.scope == nullptr) {
      own_scope_ = std::make_unique<run_scope>(nullptr, ctx.stop);
      inner.scope = own_scope_.get();
      inner.stop = own_scope_->token();
    }
    base::start(inner);
    cancel_ = inner.scope->cancel_token();
    state_ = std::make_shared<state_type>(n_, std::move(f_), std::move(policy_));
    std::stop_token feed_quit = detail::drains_on_stop<S>() ? inner.scope->cancel_token() : inner.stop;
    inner.scope->spawn([st = state_, up = &this->up_, quit = std::move(feed_quit)] { feed(*st, *up, quit); });
    for (std::size_t w = 0; w < n_; ++w)
      inner.scope->spawn(
          [st = state_, inner, quit = inner.scope->cancel_token()] { work(*st, inner, quit); });
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (!state_) start(run_context{});
    auto& st = *state_;
    while (n != 0) {
      if (pending_.empty()) {
        std::unique_lock lock(st.mutex);
        // The workers quit without finishing when the run is over (cancel): stop waiting then.
        st.consumer_waiting = true;
        st.result_cv.wait(lock, cancel_,
                          [&] { return st.result_ready() || (st.feeder_done && st.in_flight == 0); });
        st.consumer_waiting = false;
        if (!st.result_ready()) {
          if (st.feeder_error) std::rethrow_exception(st.feeder_error);
          return flow::done;
        }
        while (st.result_ready() && pending_.size() < n) pending_.push_back(st.take_result());
      }
      // Deliver outside the lock; the slots count as in flight until delivered.
      std::size_t delivered = 0;
      bool go = true;
      while (go && n != 0 && !pending_.empty()) {
        auto r = std::move(pending_.front());
        pending_.pop_front();
        ++delivered;
        if (r.error) {
          release(st, delivered);
          std::rethrow_exception(r.error);
        }
        if (r.value) {
          --n;
          go = g(std::move(*r.value));
        }
      }
      release(st, delivered);
      if (!go) return flow::more;
    }
    return flow::more;
  }

 private:
  using state_type = detail::parallel_state<T, value_type, F, P, Ordered>;
  using result = typename state_type::result;

  static void release(state_type& st, std::size_t delivered) {
    if (delivered == 0) return;
    bool wake;
    {
      std::lock_guard lock(st.mutex);
      st.in_flight -= delivered;
      wake = st.feeder_waiting;
    }
    if (wake) st.space_cv.notify_one();
  }

  static void feed(state_type& st, S& up, const std::stop_token& quit) {
    try {
      for (;;) {
        std::size_t room;
        {
          std::unique_lock lock(st.mutex);
          st.feeder_waiting = true;
          st.space_cv.wait(lock, quit, [&] { return st.in_flight < st.width; });
          st.feeder_waiting = false;
          if (quit.stop_requested()) break;
          room = st.width - st.in_flight;
        }
        const flow f = rstreams::push(up, room, [&](auto&& x) {
          bool wake;
          {
            std::lock_guard lock(st.mutex);
            st.jobs.emplace_back(st.next_seq++, T(std::forward<decltype(x)>(x)));
            ++st.in_flight;
            wake = st.idle_workers != 0;
          }
          if (wake) st.work_cv.notify_one();
          return true;
        });
        if (f == flow::done) break;
      }
    } catch (...) {
      std::lock_guard lock(st.mutex);
      st.feeder_error = std::current_exception();
    }
    {
      std::lock_guard lock(st.mutex);
      st.feeder_done = true;
    }
    st.work_cv.notify_all();
    st.result_cv.notify_all();
  }

  static void work(state_type& st, const run_context& ctx, const std::stop_token& quit) {
    detail::policy_runner<P> runner(st.policy);
    runner.start(ctx);
    runner.serialize_sink(&st.sink_mutex);
    for (;;) {
      std::optional<std::pair<std::size_t, T>> job;
      {
        std::unique_lock lock(st.mutex);
        ++st.idle_workers;
        st.work_cv.wait(lock, quit, [&] { return !st.jobs.empty() || st.feeder_done; });
        --st.idle_workers;
        if (quit.stop_requested() || st.jobs.empty()) return;
        job.emplace(std::move(st.jobs.front()));
        st.jobs.pop_front();
      }
      result r;
      try {
        r.value = runner.template run<value_type>(name, base::position, job->first, st.f, job->second);
      } catch (...) {
        r.error = std::current_exception();
      }
      r.ready = true;
      bool wake;
      {
        std::lock_guard lock(st.mutex);
        if constexpr (Ordered)
          st.ring[job->first % st.width] = std::move(r);
        else
          st.completed.push_back(std::move(r));
        wake = st.consumer_waiting;
      }
      if (wake) st.result_cv.notify_one();
    }
  }

  std::size_t n_;
  F f_;
  P policy_;
  std::shared_ptr<state_type> state_;
  std::stop_token cancel_;
  std::deque<result> pending_;
  std::unique_ptr<run_scope> own_scope_;
};

namespace detail {

template <bool Ordered>
struct parallel_map_impl {
  static constexpr std::string_view op = Ordered ? "parallel_map" : "parallel_map_unordered";

  template <source_like R, std::integral I, class F, error_policy P = on_error::fail>
  auto operator()(R&& r, I n, F f, P policy = {}) const {
    const std::size_t width = checked_limit(op, "parallelism", n);
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, value_t<S>&>, RSTREAMS_DIAG_NOT_INVOCABLE("parallel_map"));
    if constexpr (std::invocable<F&, value_t<S>&>) {
      validate_policy(op, policy);
      return parallel_map_source<S, F, P, Ordered>(as_source(std::forward<R>(r)), width, std::move(f),
                                                   std::move(policy));
    }
  }
  template <std::integral I, class F, error_policy P = on_error::fail>
  auto operator()(I n, F f, P policy = {}) const {
    const std::size_t width = checked_limit(op, "parallelism", n);
    validate_policy(op, policy);
    return bind_stage<parallel_map_impl>(width, std::move(f), std::move(policy));
  }
};

}  // namespace detail

struct parallel_map_fn : detail::parallel_map_impl<true> {};

/// Applies `f` to the elements on `n` worker tasks at once and hands the results out in
/// input order (a reorder ring of n slots holds the ones that finish early).
///
/// Forms: `parallel_map(src, n, f [, policy])` · `src | parallel_map(n, f [, policy])`, the
/// policy from `rstreams::on_error` (fail by default; skip, retry, dead_letter).
/// Requires: n >= 1 (else config_error); `f` callable with the element as an lvalue from
/// several threads at once.
/// Demand: at most n elements in flight (taken from upstream and not yet delivered); a feeder
/// task keeps the n workers busy without waiting for downstream to ask. The tasks run in the
/// run's scope (new threads, or the scheduler given to run). Example: examples/10-parallel-enrich.cpp
inline constexpr parallel_map_fn parallel_map{};

}  // namespace rstreams
