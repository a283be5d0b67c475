#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/exec/spsc_channel.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <stop_token>
#include <string_view>
#include <utility>

namespace rstreams {

/// The source that ends when its upstream has been silent for too long. The upstream runs on a
/// task of the run's scope with a stop token of its own, which a timer on the run's clock
/// requests once `idle` passes without an element; a blocked upstream thus wakes and ends too.
template <source S>
class idle_timeout_source : public stage_source<idle_timeout_source<S>, S> {
  using base = stage_source<idle_timeout_source<S>, S>;

 public:
  static constexpr std::string_view name = "idle_timeout";
  static constexpr bool drains_on_stop = true;
  static constexpr std::size_t capacity = 64;
  using value_type = value_t<S>;

  idle_timeout_source(S up, clock::duration idle) : base(std::move(up)), idle_(idle) {}
  idle_timeout_source(idle_timeout_source&&) = default;
  idle_timeout_source& operator=(idle_timeout_source&&) = delete;
  ~idle_timeout_source() {
    if (state_) state_->channel.cancel();
    own_scope_.reset();
  }

  void start(const run_context& ctx) {
    if (state_) return;
    const run_context inner = detail::with_scope(ctx, own_scope_);
    state_ = std::make_shared<shared>(inner.stop, inner.clock);
    run_context upstream_ctx = inner;
    upstream_ctx.stop = state_->idle.get_token();
    base::start(upstream_ctx);
    state_->last_activity.store(inner.clock->now().time_since_epoch().count());
    std::stop_token quit =
        detail::drains_on_stop<S>() ? inner.scope->cancel_token() : state_->idle.get_token();
    inner.scope->spawn([st = state_, up = &this->up_, quit] { produce(*st, *up, quit); });
    inner.scope->spawn(
        [st = state_, idle = idle_, quit = inner.scope->cancel_token()] { watch(*st, idle, quit); });
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (!state_) start(run_context{});
    auto& ch = state_->channel;
    while (n != 0) {
      std::size_t avail = ch.wait_for_items();
      if (avail == 0) {
        if (auto e = ch.error()) std::rethrow_exception(e);
        return flow::done;
      }
      bool go = true;
      n -= ch.consume(std::min(n, avail), [&](value_type&& x) {
        go = g(std::move(x));
        return go;
      });
      if (!go || ch.available() == 0) return flow::more;
    }
    return flow::more;
  }

  /// True when the stream ended because the upstream was idle.
  [[nodiscard]] bool timed_out() const noexcept { return state_ && state_->timed_out.load(); }

 private:
  struct forward_stop {
    std::stop_source* s;
    void operator()() const noexcept { s->request_stop(); }
  };
  struct shared {
    shared(const std::stop_token& run_stop, rstreams::clock* c)
        : channel(capacity), clk(c), link(run_stop, forward_stop{&idle}) {}
    spsc_channel<value_type> channel;
    rstreams::clock* clk;
    std::stop_source idle;  // requested by the timer, or by the run's stop
    std::stop_callback<forward_stop> link;
    std::atomic<clock::duration::rep> last_activity{0};
    std::atomic<bool> timed_out{false};
  };

  static void produce(shared& st, S& up, const std::stop_token& quit) {
    auto& ch = st.channel;
    try {
      while (!quit.stop_requested() && !ch.cancelled()) {
        const std::size_t free = ch.wait_for_space(quit);
        if (free == 0) break;
        const flow f = rstreams::push(up, std::min<std::size_t>(free, 16), [&](auto&& x) {
          ch.emplace(std::forward<decltype(x)>(x));
          st.last_activity.store(st.clk->now().time_since_epoch().count(), std::memory_order_relaxed);
          return true;
        });
        ch.publish();
        if (f == flow::done) break;
      }
      ch.close();
    } catch (...) {
      ch.close(std::current_exception());
    }
  }

  static void watch(shared& st, clock::duration idle, const std::stop_token& quit) {
    for (;;) {
      const auto seen = st.last_activity.load(std::memory_order_relaxed);
      const clock::time_point due{clock::duration(seen) + idle};
      if (!st.clk->sleep_until(due, quit)) return;
      if (st.last_activity.load(std::memory_order_relaxed) == seen) {
        st.timed_out = true;
        st.idle.request_stop();
        return;
      }
    }
  }

  clock::duration idle_;
  std::shared_ptr<shared> state_;
  detail::owned_scope own_scope_;
};

struct idle_timeout_fn {
  static constexpr std::string_view name = "idle_timeout";

  template <source_like R>
  auto operator()(R&& r, clock::duration idle) const {
    check(idle);
    using S = decltype(as_source(std::forward<R>(r)));
    return idle_timeout_source<S>(as_source(std::forward<R>(r)), idle);
  }
  auto operator()(clock::duration idle) const {
    check(idle);
    return detail::bind_stage<idle_timeout_fn>(idle);
  }

 private:
  static void check(clock::duration idle) {
    if (idle <= clock::duration::zero())
      throw config_error("rstreams::idle_timeout: the idle time must be positive");
  }
};

/// Ends the stream normally once the upstream has produced nothing for `idle` (on the run's
/// clock); a source blocked waiting for input is stopped through its stop token.
///
/// Forms: `src | idle_timeout(d)` · `idle_timeout(src, d)`
/// Requires: d > 0 (else config_error); a blocking upstream that honours the stop token.
/// Demand: the upstream runs on its own task into a channel of 64 elements.
inline constexpr idle_timeout_fn idle_timeout{};

}  // namespace rstreams
