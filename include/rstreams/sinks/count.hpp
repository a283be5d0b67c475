#pragma once

#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <string_view>

namespace rstreams {

struct count_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "count";

    template <class T>
    struct consumer_type {
      std::size_t n = 0;
      bool accept(const T& /*x*/) noexcept {
        ++n;
        return true;
      }
      std::size_t finish() const noexcept { return n; }
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      return {};
    }
  };
  closure operator()() const noexcept { return {}; }
};

/// Counts the elements; yields the count as `std::size_t`.
///
/// Forms: `src | count()`
/// Requires: nothing of the element type.
/// Demand: takes everything; buffers nothing.
inline constexpr count_fn count{};

}  // namespace rstreams
