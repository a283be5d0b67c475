#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/core/stage_metrics.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>
#include <rstreams/exec/mpsc_channel.hpp>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams {

/// The elements of several sources as they arrive: each source runs on a task of the run's
/// scope and feeds one bounded multi-producer channel.
template <class... S>
class merge_source : public source_interface<merge_source<S...>> {
 public:
  static constexpr std::string_view name = "merge";
  static constexpr bool drains_on_stop = true;
  using value_type = std::common_type_t<value_t<S>...>;

  merge_source(std::size_t capacity, S... sources) : capacity_(capacity), sources_(std::move(sources)...) {}
  merge_source(merge_source&&) = default;
  merge_source& operator=(merge_source&&) = delete;
  ~merge_source() {
    if (channel_) channel_->cancel();
    own_scope_.reset();
  }

  void start(const run_context& ctx) {
    if (channel_) return;
    run_context inner = detail::with_scope(ctx, own_scope_);
    cancel_ = inner.scope->cancel_token();
    channel_ = std::make_shared<mpsc_channel<value_type>>(capacity_, sizeof...(S));
    // Metered (core/metered.hpp): the channel is reported here; the inputs count nothing of ours.
    metrics_ = inner.metrics;
    inner.metrics = nullptr;
    if (metrics_ != nullptr) metrics_->channel_capacity.store(static_cast<std::int64_t>(capacity_));
    std::apply(
        [&](auto&... s) {
          (rstreams::start(s, inner), ...);
          (spawn_one(inner, s), ...);
        },
        sources_);
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (!channel_) start(run_context{});
    while (n != 0) {
      if (pending_.empty()) {
        if (!channel_->take(pending_, cancel_)) return flow::done;
        // The depth the consumer found.
        if (metrics_ != nullptr)
          metrics_->channel_depth.store(static_cast<std::int64_t>(pending_.size()),
                                        std::memory_order_relaxed);
      }
      std::size_t delivered = 0;
      bool go = true;
      while (go && n != 0 && !pending_.empty()) {
        value_type x = std::move(pending_.front());
        pending_.pop_front();
        ++delivered;
        --n;
        go = g(std::move(x));
      }
      channel_->release(delivered);
      if (!go) return flow::more;
    }
    return flow::more;
  }

  /// The inputs, for describe_dot.
  [[nodiscard]] const auto& upstreams() const noexcept { return sources_; }

  [[nodiscard]] std::string describe() const {
    std::string out = "merge(";
    bool leading = true;
    std::apply(
        [&](const auto&... s) {
          ((out += (leading ? "" : ", ") + rstreams::describe(s), leading = false), ...);
        },
        sources_);
    return out + ")";
  }

 private:
  template <class Src>
  void spawn_one(const run_context& ctx, Src& s) {
    std::stop_token quit = detail::drains_on_stop<Src>() ? ctx.scope->cancel_token() : ctx.stop;
    ctx.scope->spawn([ch = channel_, src = &s, quit, chunk = std::max<std::size_t>(1, capacity_ / 4)] {
      std::vector<value_type> local;
      try {
        while (!quit.stop_requested()) {
          const std::size_t room = ch->reserve(chunk, quit);
          if (room == 0) break;
          const flow f = rstreams::push(*src, room, [&](auto&& x) {
            local.emplace_back(std::forward<decltype(x)>(x));
            return true;
          });
          ch->put(local, room);
          if (f == flow::done) break;
        }
        ch->done();
      } catch (...) {
        ch->done(std::current_exception());
      }
    });
  }

  std::size_t capacity_;
  std::tuple<S...> sources_;
  std::shared_ptr<mpsc_channel<value_type>> channel_;
  std::deque<value_type> pending_;
  std::stop_token cancel_;
  detail::owned_scope own_scope_;
  stage_metrics* metrics_ = nullptr;
};

struct merge_fn {
  template <source_like... R>
  requires(sizeof...(R) >= 1) auto operator()(R&&... r) const { return make(256, std::forward<R>(r)...); }
  template <std::integral I, source_like... R>
  requires(sizeof...(R) >= 1) auto operator()(I capacity, R&&... r) const {
    return make(detail::checked_limit("merge", "capacity", capacity), std::forward<R>(r)...);
  }

 private:
  template <class... R>
  static auto make(std::size_t capacity, R&&... r) {
    static_assert(
        requires { typename std::common_type_t<value_t<decltype(as_source(std::forward<R>(r)))>...>; },
        "rstreams::merge: the sources' element types have no common type.");
    return merge_source<decltype(as_source(std::forward<R>(r)))...>(capacity,
                                                                    as_source(std::forward<R>(r))...);
  }
};

/// The elements of several sources in the order they arrive: each source runs concurrently on
/// a task of the run's scope, and all feed one bounded channel (`capacity` elements, 256 by
/// default). Ends when every source has ended; an error in one leaves `run`.
///
/// Forms: `merge(src1, src2, ...)` · `merge(capacity, src1, src2, ...)` ·
/// `metered(reg, "p", merge(...))` counts what it hands on and reports its channel's depth
/// and capacity (core/metered.hpp)
/// Requires: element types with a common type; capacity >= 1 (else config_error).
/// Demand: at most `capacity` elements buffered in all; a stop request stops the sources and
/// drains the channel.
inline constexpr merge_fn merge{};

}  // namespace rstreams
