#pragma once

#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace rstreams {

struct first_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "first";

    template <class T>
    struct consumer_type {
      std::optional<T> item;
      static constexpr std::size_t demand() noexcept { return 1; }
      bool accept(const T& x) {
        item.emplace(x);
        return false;
      }
      bool accept(T&& x) {
        item.emplace(std::move(x));
        return false;
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

/// The first element, or an empty `std::optional` when the source has none.
///
/// Forms: `src | first()`
/// Requires: the element type is movable.
/// Demand: asks for one element at a time and stops at the first, so the source is pulled no
/// further than needed (an infinite source is fine); buffers that element.
inline constexpr first_fn first{};

}  // namespace rstreams
