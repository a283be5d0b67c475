#pragma once
// std::invoke without <functional>: that header is among the costliest in the standard library
// to parse, and every stage calls user functions through this.

#include <type_traits>
#include <utility>

namespace rstreams::detail {

template <class M>
struct member_class;
template <class M, class C>
struct member_class<M C::*> {
  using type = C;
};

template <class F, class T, class... A>
constexpr decltype(auto) invoke_member(F f, T&& t, A&&... args) {
  using Class = typename member_class<F>::type;
  if constexpr (std::is_base_of_v<Class, std::remove_cvref_t<T>>) {
    if constexpr (std::is_member_function_pointer_v<F>)
      return (std::forward<T>(t).*f)(std::forward<A>(args)...);
    else
      return std::forward<T>(t).*f;
  } else if constexpr (requires { t.get(); }) {  // a reference_wrapper
    return invoke_member(f, t.get(), std::forward<A>(args)...);
  } else {  // a pointer or a smart pointer: dereference first
    if constexpr (std::is_member_function_pointer_v<F>)
      return ((*std::forward<T>(t)).*f)(std::forward<A>(args)...);
    else
      return (*std::forward<T>(t)).*f;
  }
}

/// `f(args...)`, or for a pointer to member `(arg0.*f)(rest...)` / `arg0.*f`, as std::invoke.
template <class F, class... A>
constexpr decltype(auto) invoke(F&& f, A&&... args) {
  if constexpr (std::is_member_pointer_v<std::remove_cvref_t<F>>)
    return invoke_member(f, std::forward<A>(args)...);
  else
    return std::forward<F>(f)(std::forward<A>(args)...);
}

}  // namespace rstreams::detail
