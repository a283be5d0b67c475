#pragma once

#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <string_view>
#include <utility>

namespace rstreams {

namespace detail {

template <class C, class X>
concept has_push_back = requires(C& c, X&& x) {
  c.push_back(std::forward<X>(x));
};
template <class C, class X>
concept has_insert = requires(C& c, X&& x) {
  c.insert(std::forward<X>(x));
};
template <class C, class X>
concept has_insert_at = requires(C& c, X&& x) {
  c.insert(c.end(), std::forward<X>(x));
};

template <class C, class X>
concept addable_to = has_push_back<C, X> || has_insert<C, X> || has_insert_at<C, X>;

/// How `to<C>` adds an element `x` to `c`: push_back, else insert, else insert at the end.
template <class C, class X>
void add_to_container(C& c, X&& x) {
  if constexpr (has_push_back<C, X>)
    c.push_back(std::forward<X>(x));
  else if constexpr (has_insert<C, X>)
    c.insert(std::forward<X>(x));
  else
    c.insert(c.end(), std::forward<X>(x));
}

}  // namespace detail

template <class C>
struct to_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "to";

    template <class T>
    struct consumer_type {
      C items;
      bool accept(const T& x) {
        detail::add_to_container(items, x);
        return true;
      }
      bool accept(T&& x) {
        detail::add_to_container(items, std::move(x));
        return true;
      }
      C finish() { return std::move(items); }
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      static_assert(detail::addable_to<C, T>, RSTREAMS_DIAG_SINK_ELEMENT("to"));
      return {};
    }
  };
  closure operator()() const noexcept { return {}; }
};

/// Collects the elements into a container `C` (default-constructed, then `push_back`, else
/// `insert(x)`, else `insert(end, x)` per element); yields it. `to<std::set<int>>()` keeps the
/// distinct elements in order; `to<std::map<K, V>>()` takes pairs.
///
/// Forms: `src | to<C>()`
/// Requires: `C` default-constructible; an element can be added as above.
/// Demand: takes everything; buffers what the container keeps.
template <class C>
inline constexpr to_fn<C> to{};

}  // namespace rstreams
