#pragma once

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/exec/detail/checked_limit.hpp>
#include <rstreams/exec/spsc_channel.hpp>

#include <algorithm>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {

/// One branch of a tee: its channel, and the result (or error) its task leaves behind.
template <class T, class R>
struct tee_branch {
  explicit tee_branch(std::size_t capacity) : channel(capacity) {}
  spsc_channel<T> channel;
  std::mutex mutex;
  std::condition_variable ended_cv;
  bool ended = false;
  std::optional<R> result;
  std::exception_ptr error;
  stage_metrics* metrics = nullptr;  // set when the tee is metered
};

/// What a branch's pipeline reads: the consumer side of its channel.
template <class T>
class tee_branch_source : public source_interface<tee_branch_source<T>> {
 public:
  static constexpr std::string_view name = "tee";
  using value_type = T;

  tee_branch_source(spsc_channel<T>* ch, std::stop_token cancel, stage_metrics* metrics)
      : ch_(ch), cancel_(std::move(cancel)), metrics_(metrics) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    while (n != 0) {
      const std::size_t avail = ch_->wait_for_items(cancel_);
      if (avail == 0) return flow::done;
      bool go = true;
      const std::size_t taken = ch_->consume(std::min(n, avail), [&](T&& x) {
        go = g(std::move(x));
        return go;
      });
      n -= taken;
      if (metrics_ != nullptr) {  // once per batch: the depth this branch found, what it took
        metrics_->channel_depth.store(static_cast<std::int64_t>(avail), std::memory_order_relaxed);
        metrics_->own_out.fetch_add(taken, std::memory_order_relaxed);
      }
      if (!go || ch_->available() == 0) return flow::more;
    }
    return flow::more;
  }

 private:
  spsc_channel<T>* ch_;
  std::stop_token cancel_;
  stage_metrics* metrics_;
};

/// A branch is `tee_branch_source | sink`, so a branch may be any sink, `stage | sink` included.
template <class K, class T>
using tee_pipeline_t =
    decltype(std::remove_cvref_t<K>::bind(std::declval<tee_branch_source<T>>(), std::declval<K>()));

template <class K, class T>
using sink_result_t = std::remove_cvref_t<
    decltype(std::declval<consumer_t<typename tee_pipeline_t<K, T>::sink_type,
                                     value_t<typename tee_pipeline_t<K, T>::source_type>>&>()
                 .finish())>;

template <class T, class... K>
class tee_consumer {
  using branches = std::tuple<std::shared_ptr<tee_branch<T, sink_result_t<K, T>>>...>;

 public:
  tee_consumer(std::size_t cap, std::tuple<K...> sinks, std::size_t pos, metrics_registry* registry = nullptr,
               std::string_view pipeline = {})
      : sinks_(std::move(sinks)), position_(pos) {
    std::size_t i = 0;
    std::apply(
        [&](auto&... b) {
          ((b = std::make_shared<typename std::remove_cvref_t<decltype(b)>::element_type>(cap),
            registry != nullptr ? void(b->metrics = &registry->stage(pipeline, i++, "tee branch")) : void()),
           ...);
        },
        branches_);
    std::apply(
        [&](auto&... b) {
          ((b->metrics != nullptr ? b->metrics->channel_capacity.store(static_cast<std::int64_t>(cap))
                                  : void()),
           ...);
        },
        branches_);
  }
  tee_consumer(tee_consumer&&) = default;
  ~tee_consumer() {
    std::apply([](auto&... b) { ((b ? b->channel.cancel() : void()), ...); }, branches_);
    own_scope_.reset();
  }

  void start(const run_context& ctx) {
    run_scope* scope = detail::with_scope(ctx, own_scope_).scope;
    const std::stop_token cancel = scope->cancel_token();
    const run_context branch_ctx{ctx.stop, ctx.clock, scope};
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (spawn_branch(*scope, branch_ctx, cancel, std::get<I>(branches_), std::move(std::get<I>(sinks_))), ...);
    }
    (std::index_sequence_for<K...>{});
  }

  /// Waits while a branch's channel is full: the slowest branch sets the pace.
  bool accept(const T& x) {
    bool any = false;
    std::apply([&](auto&... b) { ((any = offer(*b, x) || any), ...); }, branches_);
    return any;
  }

  auto finish() {
    std::apply([](auto&... b) { (b->channel.close(), ...); }, branches_);
    std::exception_ptr first;
    std::apply([&](auto&... b) { (wait_for(*b, first), ...); }, branches_);
    if (first) std::rethrow_exception(first);
    return std::apply([](auto&... b) { return std::make_tuple(std::move(*b->result)...); }, branches_);
  }

 private:
  template <class B, class Sink>
  void spawn_branch(run_scope& scope, const run_context& ctx, const std::stop_token& cancel,
                    std::shared_ptr<B>& branch, Sink&& sink) {
    using Branch = std::remove_cvref_t<Sink>;
    auto p = Branch::bind(tee_branch_source<T>(&branch->channel, cancel, branch->metrics),
                          std::forward<Sink>(sink));
    scope.spawn([b = branch, p = std::move(p), ctx, position = position_]() mutable {
      try {
        using P = decltype(p);
        using S = typename P::source_type;
        auto c = std::move(p.sink()).template consumer<value_t<S>>(position);
        auto r = detail::drive(p.source(), c, ctx);
        b->channel.cancel();  // satisfied or ended: the tee stops feeding this branch
        std::lock_guard lock(b->mutex);
        b->result.emplace(std::move(r));
        b->ended = true;
      } catch (...) {
        b->channel.cancel();
        std::lock_guard lock(b->mutex);
        b->error = std::current_exception();
        b->ended = true;
      }
      b->ended_cv.notify_all();
    });
  }

  /// Hands `x` to a branch, then waits until that branch has room for the next element, so that
  /// the element the tee is handed next never waits outside the channels (the bound is exact).
  template <class B>
  static bool offer(B& b, const T& x) {
    if (b.channel.cancelled()) return false;  // that branch is done
    if (b.metrics != nullptr) b.metrics->own_in.fetch_add(1, std::memory_order_relaxed);
    b.channel.emplace(x);
    b.channel.publish();
    return b.channel.wait_for_space() != 0;
  }

  template <class B>
  static void wait_for(B& b, std::exception_ptr& first) {
    std::unique_lock lock(b.mutex);
    b.ended_cv.wait(lock, [&] { return b.ended; });
    if (b.error && !first) first = b.error;
  }

  std::tuple<K...> sinks_;
  std::size_t position_;
  branches branches_;
  detail::owned_scope own_scope_;
};

}  // namespace detail

/// A sink that copies every element into several sinks, each running on its own task behind
/// a bounded channel; yields the tuple of their results.
template <class... K>
class tee_sink : public sink_closure<tee_sink<K...>> {
 public:
  static constexpr std::string_view name = "tee";

  tee_sink(std::size_t capacity, K... sinks) : capacity_(capacity), sinks_(std::move(sinks)...) {}

  template <class T>
  auto consumer(std::size_t position) && {
    static_assert(std::is_copy_constructible_v<T>, "rstreams::tee: the elements must be copyable.");
    return detail::tee_consumer<T, K...>(capacity_, std::move(sinks_), position, registry_, pipeline_);
  }

  /// The same tee, counting into `registry` as pipeline `pipeline`: stage i ("tee branch") is
  /// branch i, with the elements handed to it (in), taken by its pipeline (out), and its
  /// channel's depth (as the branch last found it) and capacity. Keep the registry alive while
  /// the tee runs.
  tee_sink metered(metrics_registry& registry, std::string pipeline) && {
    registry_ = &registry;
    pipeline_ = std::move(pipeline);
    return std::move(*this);
  }

  /// The branches, for describe_dot.
  [[nodiscard]] const std::tuple<K...>& branches() const noexcept { return sinks_; }

 private:
  std::size_t capacity_;
  std::tuple<K...> sinks_;
  metrics_registry* registry_ = nullptr;
  std::string pipeline_;
};

struct tee_fn {
  template <sink... K>
  requires(sizeof...(K) >= 1) auto operator()(K... sinks) const {
    return tee_sink<K...>(256, std::move(sinks)...);
  }
  template <std::integral I, sink... K>
  requires(sizeof...(K) >= 1) auto operator()(I capacity, K... sinks) const {
    return tee_sink<K...>(detail::checked_limit("tee", "capacity", capacity), std::move(sinks)...);
  }
};

/// Copies every element into each of the given sinks. Each sink runs on its own task behind a
/// bounded channel (`capacity` elements, 256 by default); a full channel makes the tee wait, so
/// the slowest branch sets the pace. A branch that is satisfied stops receiving; the tee ends
/// when all are. Yields `std::tuple` of the sinks' results; an error in a branch leaves `run`.
///
/// Forms: `src | tee(sink1, sink2, ...)` · `src | tee(capacity, sink1, ...)`; metered:
/// `tee(...).metered(registry, "name")` (per branch: in, out, channel depth and capacity).
/// Requires: copyable elements; capacity >= 1 (else config_error).
/// Demand: takes everything; buffers at most `capacity` elements per branch.
/// Example: examples/12-tee.cpp
inline constexpr tee_fn tee{};

/// Another name for `tee`, as RStreams users know it.
inline constexpr tee_fn broadcast{};

}  // namespace rstreams
