#pragma once

#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams {

struct to_vector_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "to_vector";

    // A class template, not a local class, so that accept(const T&) is only instantiated when
    // used (move-only elements never reach it).
    template <class T>
    struct consumer_type {
      std::vector<T> items;
      bool accept(const T& x) {
        items.push_back(x);
        return true;
      }
      bool accept(T&& x) {
        items.push_back(std::move(x));
        return true;
      }
      std::vector<T> finish() { return std::move(items); }
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      return {};
    }
  };
  closure operator()() const noexcept { return {}; }
};

/// Collects the elements, in order, into a `std::vector`; yields it.
///
/// Forms: `src | to_vector()`
/// Requires: the element type is movable (copyable when the source hands out lvalues).
/// Demand: takes everything; buffers all elements (that is its result).
inline constexpr to_vector_fn to_vector{};

}  // namespace rstreams
