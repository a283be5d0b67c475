#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/stage_metrics.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>
#include <rstreams/exec/spsc_channel.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <stop_token>
#include <string_view>
#include <utility>

namespace rstreams {

/// The source downstream of an async boundary: its upstream segment runs on a task of the
/// run's scope and fills an `spsc_channel`; pulling this source takes from the channel.
template <source S>
class async_source : public stage_source<async_source<S>, S> {
  using base = stage_source<async_source<S>, S>;

 public:
  static constexpr std::string_view name = "async";
  /// A stop request ends the upstream segment, which closes the channel; what is in it still
  /// reaches the sink (see detail::drains_on_stop).
  static constexpr bool drains_on_stop = true;
  using value_type = value_t<S>;

  async_source(S up, std::size_t capacity) : base(std::move(up)), capacity_(capacity) {}
  async_source(async_source&&) = default;
  async_source& operator=(async_source&&) = delete;
  ~async_source() {
    if (channel_) channel_->cancel();
    own_scope_.reset();  // stops and joins the producer before the upstream is destroyed
  }

  /// Starts the upstream segment. Outside a run (plain iteration) the source opens a scope of
  /// its own, joined when it is destroyed.
  void start(const run_context& ctx) {
    if (channel_) return;
    const run_context inner = detail::with_scope(ctx, own_scope_);
    base::start(inner);
    channel_ = std::make_shared<spsc_channel<value_type>>(capacity_);
    metrics_ = ctx.metrics;
    if (metrics_ != nullptr) metrics_->channel_capacity.store(static_cast<std::int64_t>(capacity_));
    const std::size_t step = std::max<std::size_t>(1, capacity_ / 4);
    // A segment that itself reads a channel drains after a stop: it quits only when its
    // upstream ends or the run is over.
    std::stop_token quit = detail::drains_on_stop<S>() ? inner.scope->cancel_token() : inner.stop;
    inner.scope->spawn(
        [ch = channel_, up = &this->up_, quit = std::move(quit), step] { produce(*ch, *up, quit, step); });
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (!channel_) start(run_context{});
    if (ended_) return flow::done;
    auto& ch = *channel_;
    bool delivered = false;
    while (n != 0) {
      std::size_t avail = ch.available();
      if (avail == 0) {
        if (delivered) return flow::more;  // hand over what came; the caller asks again
        avail = ch.wait_for_items();
        if (avail == 0) {
          ended_ = true;
          if (auto e = ch.error()) std::rethrow_exception(e);
          return flow::done;
        }
      }
      // Metered: the depth as this consumer found it, once per batch.
      if (metrics_ != nullptr)
        metrics_->channel_depth.store(static_cast<std::int64_t>(avail), std::memory_order_relaxed);
      bool go = true;
      n -= ch.consume(std::min(n, avail), [&](value_type&& x) {
        go = g(std::move(x));
        return go;
      });
      delivered = true;
      if (!go) return flow::more;
    }
    return flow::more;
  }

  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  static void produce(spsc_channel<value_type>& ch, S& up, const std::stop_token& stop, std::size_t step) {
    try {
      while (!stop.stop_requested() && !ch.cancelled()) {
        std::size_t free = ch.wait_for_space(stop);
        if (free == 0) break;
        const flow f = rstreams::push(up, std::min(free, step), [&ch](auto&& x) {
          ch.emplace(std::forward<decltype(x)>(x));
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

  std::size_t capacity_;
  std::shared_ptr<spsc_channel<value_type>> channel_;
  detail::owned_scope own_scope_;
  stage_metrics* metrics_ = nullptr;
  bool ended_ = false;
};

struct async_fn {
  static constexpr std::string_view name = "async";

  template <source_like R, std::integral I>
  auto operator()(R&& r, I capacity) const {
    const std::size_t c = detail::checked_limit("async", "capacity", capacity);
    using S = decltype(as_source(std::forward<R>(r)));
    return async_source<S>(as_source(std::forward<R>(r)), c);
  }
  template <std::integral I>
  auto operator()(I capacity) const {
    return detail::bind_stage<async_fn>(detail::checked_limit("async", "capacity", capacity));
  }
};

/// Cuts the pipeline into two segments joined by a bounded channel of `capacity` items: what
/// stands before runs on a task of the run's scope (a thread of its own, or a worker of the
/// scheduler given to `run`), what follows runs where the pipeline is driven.
///
/// Forms: `async(src, capacity)` · `src | async(capacity)`
/// Requires: capacity >= 1 (else config_error).
/// Demand: the upstream segment produces while the channel has free slots, in chunks of
/// capacity/4, and the consumer returns credit every capacity/2 items; at most `capacity`
/// items are buffered. A stop request stops the upstream segment and drains the channel.
/// Errors upstream surface from `run` unchanged, after the items before them.
/// Example: examples/10-parallel-enrich.cpp
inline constexpr async_fn async{};

}  // namespace rstreams
