#pragma once
// A readable description of a pipeline's stages: "iota | transform | filter | sum".

#include <cstddef>
#include <string>
#include <type_traits>

namespace rstreams {

struct describe_fn {
  template <class X>
  std::string operator()(const X& x) const {
    if constexpr (requires { x.describe(); }) {
      return x.describe();
    } else if constexpr (requires { X::name; }) {
      return std::string(X::name);
    } else {
      return "source";
    }
  }
};

/// The stage names of a source, sink or pipeline, joined by " | ".
inline constexpr describe_fn describe{};

/// Where a source stands in its pipeline: 0 for the first source, one more per stage.
template <class S>
inline constexpr std::size_t position_v = [] {
  if constexpr (requires { std::remove_cvref_t<S>::position; })
    return std::size_t{std::remove_cvref_t<S>::position};
  else
    return std::size_t{0};
}();

}  // namespace rstreams
