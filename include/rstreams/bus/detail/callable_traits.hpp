#pragma once
// The first parameter type of a callable with one non-template call operator (a plain lambda,
// a function pointer), used to pick the payload type a bot's function wants; `void` for
// generic lambdas and overload sets.

#include <optional>
#include <type_traits>
#include <vector>

namespace rstreams::bus::detail {

template <class M>
struct member_first_arg {
  using type = void;
};
#define RSTREAMS_BUS_MEMBER_FIRST_ARG(QUALS)            \
  template <class R, class C, class A, class... Rest>   \
  struct member_first_arg<R (C::*)(A, Rest...) QUALS> { \
    using type = A;                                     \
  };
RSTREAMS_BUS_MEMBER_FIRST_ARG()
RSTREAMS_BUS_MEMBER_FIRST_ARG(const)
RSTREAMS_BUS_MEMBER_FIRST_ARG(noexcept)
RSTREAMS_BUS_MEMBER_FIRST_ARG(const noexcept)
RSTREAMS_BUS_MEMBER_FIRST_ARG(&)
RSTREAMS_BUS_MEMBER_FIRST_ARG(const&)
#undef RSTREAMS_BUS_MEMBER_FIRST_ARG

template <class F>
struct first_arg {
  using type = void;
};
template <class F>
requires requires {
  &F::operator();
}
struct first_arg<F> : member_first_arg<decltype(&F::operator())> {};
template <class R, class A, class... Rest>
struct first_arg<R (*)(A, Rest...)> {
  using type = A;
};
template <class R, class A, class... Rest>
struct first_arg<R(A, Rest...)> {
  using type = A;
};

template <class F>
using first_arg_t = std::remove_cvref_t<typename first_arg<std::remove_cvref_t<F>>::type>;

template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;
template <class T>
inline constexpr bool is_vector_v = false;
template <class T, class A>
inline constexpr bool is_vector_v<std::vector<T, A>> = true;

}  // namespace rstreams::bus::detail
