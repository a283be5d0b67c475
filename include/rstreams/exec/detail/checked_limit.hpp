#pragma once
// Validation of the sizes and counts operators are built with (capacities, parallelism, batch
// limits): a zero, negative or absurd value is a config_error naming the operator.

#include <rstreams/core/error.hpp>

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

namespace rstreams::detail {

/// `value` as a size, or a config_error "rstreams::<op>: <what> must be at least 1 (got v)".
template <std::integral I>
std::size_t checked_limit(std::string_view op, std::string_view what, I value) {
  if constexpr (std::signed_integral<I>) {
    if (value < 1)
      throw config_error("rstreams::" + std::string(op) + ": " + std::string(what) +
                         " must be at least 1 (got " + std::to_string(value) + ")");
  } else {
    if (value < 1)
      throw config_error("rstreams::" + std::string(op) + ": " + std::string(what) +
                         " must be at least 1 (got 0)");
    if (static_cast<unsigned long long>(value) > (1ULL << 40))
      throw config_error("rstreams::" + std::string(op) + ": " + std::string(what) + " of " +
                         std::to_string(value) + " is too large (a negative number converted to unsigned?)");
  }
  return static_cast<std::size_t>(value);
}

}  // namespace rstreams::detail
