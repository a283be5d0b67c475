#pragma once
// The partial-call form of an operator: `op(args...)` stores the arguments and becomes
// `op(src, args...)` when a source arrives through `|`.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/pipe.hpp>

#include <string>
#include <tuple>
#include <utility>

namespace rstreams::detail {

template <class Fn, class... A>
class bound_stage : public pipe_closure<bound_stage<Fn, A...>> {
 public:
  explicit bound_stage(A... args) : args_(std::move(args)...) {}

  template <source S>
  auto operator()(S&& s) && {
    return std::apply([&](A&... a) { return Fn{}(std::forward<S>(s), std::move(a)...); }, args_);
  }
  template <source S>
  auto operator()(S&& s) const& {
    return std::apply([&](const A&... a) { return Fn{}(std::forward<S>(s), a...); }, args_);
  }

  /// The operator's name (`Fn::name`), for `describe` and the fmt formatter.
  [[nodiscard]] std::string describe() const {
    if constexpr (requires { Fn::name; })
      return std::string(Fn::name);
    else
      return "stage";
  }

 private:
  std::tuple<A...> args_;
};

template <class Fn, class... A>
auto bind_stage(A... args) {
  return bound_stage<Fn, A...>(std::move(args)...);
}

}  // namespace rstreams::detail
