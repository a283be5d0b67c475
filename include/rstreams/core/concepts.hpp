#pragma once
// The roles of a pipeline: source, sink and stage, as C++20 concepts.
//
// A source is opted in (a nested `source_concept` naming `source_tag`; deriving from
// `source_interface` does it), movable, names its `value_type`, and offers at least one
// of the two pull primitives:
//   std::optional<value_type> next();                 the generic pull: one item or the end
//   template <class F> flow push(std::size_t n, F f); the bulk fast path: up to n items into f,
//                                                      where f(item) returns false to say "stop"
// `rstreams::pull` and `rstreams::push` give every source both forms.

#include <rstreams/core/flow.hpp>

#include <concepts>
#include <cstddef>
#include <optional>
#include <type_traits>

namespace rstreams {

struct source_tag {};
struct sink_tag {};
struct stage_tag {};

/// True for types that opted in as sources.
template <class S>
inline constexpr bool enable_source = requires {
  requires std::derived_from<typename S::source_concept, source_tag>;
};

/// True for sink closures (what stands right of the last `|` of a pipeline).
template <class K>
inline constexpr bool enable_sink = requires {
  requires std::derived_from<typename K::sink_concept, sink_tag>;
};

/// True for stage closures (a transform waiting for its source).
template <class C>
inline constexpr bool enable_stage = requires {
  requires std::derived_from<typename C::stage_concept, stage_tag>;
};

/// The element type of a source.
template <class S>
using value_t = typename std::remove_cvref_t<S>::value_type;

namespace detail {

/// Stands in for any downstream callback when checking a source's `push`.
template <class T>
struct push_probe {
  bool operator()(T&&) const;
  bool operator()(T&) const;
  bool operator()(const T&) const;
};

template <class S>
concept has_next = requires(S& s) {
  { s.next() } -> std::same_as<std::optional<typename S::value_type>>;
};

template <class S>
concept has_push = requires(S& s, push_probe<typename S::value_type> f) {
  { s.push(std::size_t{}, f) } -> std::same_as<flow>;
};

}  // namespace detail

/// A movable producer of `value_t<S>` with a generic or bulk pull (see the top of this file).
template <class S>
concept source =
    enable_source<std::remove_cvref_t<S>> && std::move_constructible<std::remove_cvref_t<S>> && requires {
  typename std::remove_cvref_t<S>::value_type;
} &&(detail::has_next<std::remove_cvref_t<S>> || detail::has_push<std::remove_cvref_t<S>>);

/// A source whose elements are exactly `T`.
template <class S, class T>
concept source_of = source<S> && std::same_as<value_t<S>, T>;

/// A sink closure: an opted-in, movable description of how to consume a source.
template <class K>
concept sink = enable_sink<std::remove_cvref_t<K>> && std::move_constructible<std::remove_cvref_t<K>>;

/// The consumer a sink builds for elements of type `T`, told its position in the pipeline
/// (for error messages).
template <class K, class T>
using consumer_t = decltype(std::declval<std::remove_cvref_t<K>&&>().template consumer<T>(std::size_t{}));

/// A sink that can consume the elements of `S`: its consumer accepts them and yields a result.
template <class K, class S>
concept sink_for = sink<K> && source<S> && requires {
  typename consumer_t<K, value_t<S>>;
} && requires(consumer_t<K, value_t<S>>& c, value_t<S>&& x) {
  { c.accept(std::move(x)) } -> std::convertible_to<bool>;
  c.finish();
};

/// A stage closure: `src | c` makes a new source.
template <class C>
concept stage = enable_stage<std::remove_cvref_t<C>> && std::move_constructible<std::remove_cvref_t<C>>;

}  // namespace rstreams
