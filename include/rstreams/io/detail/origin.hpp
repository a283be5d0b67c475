#pragma once
// Where the line a stage is decoding came from: a line source (read_lines) offers `origin()`,
// the file and the line number in it of the line it emitted last. A codec asks its upstream
// chain for it, through synchronous stages only (across a concurrent boundary the upstream
// runs ahead on another thread), so errors name the real file and line.

#include <cstddef>
#include <optional>
#include <string>
#include <type_traits>

namespace rstreams::detail {

struct line_origin {
  std::string source;
  std::size_t line = 0;  // 1-based, in `source`
};

template <class S>
std::optional<line_origin> origin_of(const S& s) {
  using T = std::remove_cvref_t<S>;
  if constexpr (requires { s.origin(); }) {
    return s.origin();
  } else if constexpr (requires { T::drains_on_stop; }) {
    return std::nullopt;  // a concurrent boundary
  } else if constexpr (requires { s.upstream(); }) {
    return origin_of(s.upstream());
  } else {
    return std::nullopt;
  }
}

}  // namespace rstreams::detail
