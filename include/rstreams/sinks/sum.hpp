#pragma once

#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <string_view>
#include <utility>

namespace rstreams {

struct sum_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "sum";

    template <class T>
    auto consumer(std::size_t /*position*/) && {
      struct consumer_type {
        T total{};
        bool accept(const T& x) {
          total += x;
          return true;
        }
        T finish() { return std::move(total); }
      };
      return consumer_type{};
    }
  };
  auto operator()() const { return closure{}; }
};

/// Adds the elements with `+=`, starting from `T{}`; yields the total.
///
/// Forms: `src | sum()`. Demand: takes everything.
inline constexpr sum_fn sum{};

}  // namespace rstreams
