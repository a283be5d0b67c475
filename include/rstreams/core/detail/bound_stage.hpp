#pragma once
// The partial-call form of an operator: `op(args...)` stores the arguments and becomes
// `op(src, args...)` when a source arrives through `|`.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace rstreams::detail {

/// One stored argument, told apart from the others by its place `I`.
template <std::size_t I, class T>
struct bound_arg {
  [[no_unique_address]] T value;
};

/// The stored arguments: a plain aggregate rather than std::tuple, whose constraints and
/// std::apply cost a pipeline's compile time at every stage.
template <class Places, class... A>
struct bound_args;
template <std::size_t... I, class... A>
struct bound_args<std::index_sequence<I...>, A...> : bound_arg<I, A>... {
  template <class Fn, class S>
  auto call(S&& s) && {
    return Fn{}(std::forward<S>(s), std::move(static_cast<bound_arg<I, A>&>(*this).value)...);
  }
  template <class Fn, class S>
  auto call(S&& s) const& {
    return Fn{}(std::forward<S>(s), static_cast<const bound_arg<I, A>&>(*this).value...);
  }
};

template <class Fn, class... A>
class bound_stage : public pipe_closure<bound_stage<Fn, A...>> {
 public:
  explicit bound_stage(A... args) : args_{{std::move(args)}...} {}

  template <source S>
  auto operator()(S&& s) && {
    return std::move(args_).template call<Fn>(std::forward<S>(s));
  }
  template <source S>
  auto operator()(S&& s) const& {
    return args_.template call<Fn>(std::forward<S>(s));
  }

  /// The operator's name (`Fn::name`), for `describe` and the fmt formatter.
  [[nodiscard]] std::string describe() const {
    if constexpr (requires { Fn::name; })
      return std::string(Fn::name);
    else
      return "stage";
  }

 private:
  bound_args<std::index_sequence_for<A...>, A...> args_;
};

template <class Fn, class... A>
auto bind_stage(A... args) {
  return bound_stage<Fn, A...>(std::move(args)...);
}

}  // namespace rstreams::detail
