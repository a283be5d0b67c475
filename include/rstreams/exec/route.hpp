#pragma once

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/pull.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rstreams {

/// A sink that sends each element to one of several sinks, chosen by `key(x)` (an index);
/// yields the tuple of their results.
namespace detail {

template <class T, class Key, class... C>
class route_consumer {
 public:
  static constexpr std::string_view name = "route";

  route_consumer(Key key, std::tuple<C...> branches, std::size_t position)
      : key_(std::move(key)), branches_(std::move(branches)), position_(position) {
    open_.fill(true);
  }

  void start(const run_context& ctx) {
    std::apply([&](auto&... c) { (rstreams::start(c, ctx), ...); }, branches_);
  }

  template <class X>
  bool accept(X&& x) {
    const auto k = static_cast<std::size_t>(invoke_stage(name, position_, index_, key_, std::as_const(x)));
    if (k >= sizeof...(C))
      throw stage_error(
          name, position_, index_,
          "the key " + std::to_string(k) + " names no sink (there are " + std::to_string(sizeof...(C)) + ")");
    ++index_;
    deliver(k, std::forward<X>(x), std::index_sequence_for<C...>{});
    return open_count_ != 0;
  }

  auto finish() {
    return std::apply([](auto&... c) { return std::make_tuple(c.finish()...); }, branches_);
  }

 private:
  template <class X, std::size_t... I>
  void deliver(std::size_t k, X&& x, std::index_sequence<I...>) {
    ((k == I ? deliver_to<I>(std::forward<X>(x)) : void()), ...);
  }
  template <std::size_t I, class X>
  void deliver_to(X&& x) {
    if (!open_[I]) return;
    if (!std::get<I>(branches_).accept(std::forward<X>(x))) {
      open_[I] = false;
      --open_count_;
    }
  }

  Key key_;
  std::tuple<C...> branches_;
  std::size_t position_;
  std::array<bool, sizeof...(C)> open_{};
  std::size_t open_count_ = sizeof...(C);
  std::size_t index_ = 0;
};

}  // namespace detail

/// A sink that sends each element to one of several sinks, chosen by `key(x)` (an index);
/// yields the tuple of their results.
template <class Key, class... K>
class route_sink : public sink_closure<route_sink<Key, K...>> {
 public:
  static constexpr std::string_view name = "route";

  explicit route_sink(Key key, K... sinks) : key_(std::move(key)), sinks_(std::move(sinks)...) {}

  template <class T>
  auto consumer(std::size_t position) && {
    static_assert(
        std::invocable<Key&, const T&>,
        "rstreams::route: the key function must take the element (const T&) and return the index of "
        "a sink.");
    auto consumers = std::apply(
        [&](K&... k) { return std::make_tuple(std::move(k).template consumer<T>(position)...); }, sinks_);
    return detail::route_consumer<T, Key, consumer_t<K, T>...>(std::move(key_), std::move(consumers),
                                                               position);
  }

 private:
  Key key_;
  std::tuple<K...> sinks_;
};

struct route_fn {
  template <class Key, sink... K>
  requires(sizeof...(K) >= 1) auto operator()(Key key, K... sinks) const {
    return route_sink<Key, K...>(std::move(key), std::move(sinks)...);
  }
};

/// Sends each element to the sink whose index `key(x)` returns (0 for the first); yields the
/// tuple of the sinks' results. A key past the last sink is a stage_error.
///
/// Forms: `src | route(key, sink0, sink1, ...)`
/// Demand: takes everything (until every sink is satisfied); buffers nothing; the sinks run
/// where the pipeline is driven (put `async` before `route`, or `tee`, for concurrency).
inline constexpr route_fn route{};

}  // namespace rstreams
