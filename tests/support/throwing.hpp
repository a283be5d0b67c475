#pragma once
// A test function that fails on purpose: it forwards to `f` (by default the identity) and
// throws std::runtime_error(message) instead on call number `k`, counted from 0 — so in a
// stage that calls it once per element, element `k` is the one that fails:
//
//   src | rstreams::transform(rstreams::test::throw_on_call(41))          // identity, fails at 41
//   src | rstreams::filter(rstreams::test::throw_on_call(3, is_even))     // predicate, fails at 3
//
// Each copy counts its own calls (stages store their function by value).

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace rstreams::test {

/// Returns its one argument (a copy of it), for a throwing transform.
struct identity_copy {
  template <class T>
  std::decay_t<T> operator()(T&& x) const {
    return std::forward<T>(x);
  }
};

template <class F>
class throwing_fn {
 public:
  throwing_fn(std::size_t k, F f, std::string message)
      : k_(k), f_(std::move(f)), message_(std::move(message)) {}

  template <class... A>
  requires std::invocable<F&, A...>
  decltype(auto) operator()(A&&... args) {
    if (calls_++ == k_) throw std::runtime_error(message_);
    return std::invoke(f_, std::forward<A>(args)...);
  }

  /// How many times this copy was called (including the one that threw).
  [[nodiscard]] std::size_t calls() const noexcept { return calls_; }

 private:
  std::size_t k_;
  F f_;
  std::string message_;
  std::size_t calls_ = 0;
};

/// A function that behaves like `f` but throws std::runtime_error(message) on call `k` (0-based).
template <class F = identity_copy>
throwing_fn<F> throw_on_call(std::size_t k, F f = {}, std::string message = "boom") {
  return throwing_fn<F>(k, std::move(f), std::move(message));
}

}  // namespace rstreams::test
