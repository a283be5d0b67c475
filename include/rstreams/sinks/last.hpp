#pragma once

#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace rstreams {

struct last_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "last";

    template <class T>
    struct consumer_type {
      std::optional<T> item;
      bool accept(const T& x) {
        item = x;
        return true;
      }
      bool accept(T&& x) {
        item = std::move(x);
        return true;
      }
      std::optional<T> finish() { return std::move(item); }
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      return {};
    }
  };
  closure operator()() const noexcept { return {}; }
};

/// The last element, or an empty `std::optional` when the source has none.
///
/// Forms: `src | last()`
/// Requires: the element type is movable and assignable.
/// Demand: takes everything (never use it on an infinite source without a bound); buffers one
/// element.
inline constexpr last_fn last{};

}  // namespace rstreams
