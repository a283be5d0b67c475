#pragma once

#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <string_view>

namespace rstreams {

struct devnull_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "devnull";

    template <class T>
    struct consumer_type {
      std::size_t dropped = 0;
      bool accept(const T& /*x*/) noexcept {
        ++dropped;
        return true;
      }
      std::size_t finish() const noexcept { return dropped; }
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      return {};
    }
  };
  closure operator()() const noexcept { return {}; }
};

/// Drops every element: runs a pipeline for its side effects (or to measure it). Yields the
/// number of elements dropped.
///
/// Forms: `src | devnull()`
/// Requires: nothing of the element type.
/// Demand: takes everything; buffers nothing.
inline constexpr devnull_fn devnull{};

}  // namespace rstreams
