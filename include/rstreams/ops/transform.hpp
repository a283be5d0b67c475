#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

template <source S, class F>
class transform_source : public stage_source<transform_source<S, F>, S> {
  using base = stage_source<transform_source<S, F>, S>;

 public:
  static constexpr std::string_view name = "transform";
  /// One element out per element in (metered pipelines count it once, core/metered.hpp).
  static constexpr bool one_to_one = true;
  using value_type = std::remove_cvref_t<std::invoke_result_t<F&, value_t<S>>>;

 private:
  // Counts its input (to name a failing element) only when the function can throw and the
  // upstream cannot name elements; it then names them for the stages after it.
  static constexpr bool counts = detail::numbers_input_v<S, F, value_t<S>>;

 public:
  /// The upstream names the element it hands on, which is the one this hands on, or this counts
  /// (core/detail/element_naming.hpp).
  static constexpr bool names_elements = detail::names_elements_v<S> || counts;

  transform_source(S up, F f) : base(std::move(up)), f_(std::move(f)) {}

  /// How many elements it has handed on, when its upstream names elements and says how many it
  /// handed on (a metered filter after it works its own count out from this).
  [[nodiscard]] std::size_t handed_on() const noexcept requires detail::names_elements_v<S> &&
      requires(const S& s) {
    s.handed_on();
  }
  { return this->up_.handed_on() - failed_; }

  template <class G>
  flow push(std::size_t n, G&& g) {
    if constexpr (detail::names_elements_v<S>) {
      return rstreams::push(this->up_, n, [&](auto&& x) {
        auto call = [&]() -> decltype(auto) {
          try {
            return detail::invoke_unnamed(name, base::position, f_, std::forward<decltype(x)>(x));
          } catch (...) {
            ++failed_;  // not handed on: handed_on() stays exact
            throw;
          }
        };
        return g(call());
      });
    } else {
      std::size_t i = index_;
      const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
        return detail::hand_on_kept<counts>(
            g, detail::invoke_kept_number<S>(name, base::position, i, f_, std::forward<decltype(x)>(x)),
            [&] { return i - 1; });
      });
      index_ = i;
      return r;
    }
  }

 private:
  F f_;
  std::size_t index_ = 0;
  std::size_t failed_ = 0;  // upstream names elements: calls of `f` that threw
};

/// `transform(f, policy)`: the function called under an error policy (core/on_error.hpp);
/// elements the policy drops are not delivered.
template <source S, class F, class P>
class transform_policy_source : public stage_source<transform_policy_source<S, F, P>, S> {
  using base = stage_source<transform_policy_source<S, F, P>, S>;

 public:
  static constexpr std::string_view name = "transform";
  using value_type = std::remove_cvref_t<std::invoke_result_t<F&, value_t<S>&>>;

  transform_policy_source(S up, F f, P p) : base(std::move(up)), f_(std::move(f)), policy_(std::move(p)) {}

  void start(const run_context& ctx) {
    base::start(ctx);
    policy_.start(ctx);
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      auto out = policy_.template run<value_type>(name, base::position, i++, f_, x);
      if (!out) return true;
      return g(std::move(*out));
    });
    index_ = i;
    return r;
  }

 private:
  F f_;
  detail::policy_runner<P> policy_;
  std::size_t index_ = 0;
};

struct transform_fn {
  static constexpr std::string_view name = "transform";

  template <source_like R, class F>
  auto operator()(R&& r, F f) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, value_t<S>>, RSTREAMS_DIAG_NOT_INVOCABLE("transform"));
    if constexpr (std::invocable<F&, value_t<S>>) {
      static_assert(!std::is_void_v<std::invoke_result_t<F&, value_t<S>>>,
                    "rstreams::transform: the function returns void; use tap for side effects, or "
                    "return the new element.");
      return transform_source<S, F>(as_source(std::forward<R>(r)), std::move(f));
    }
  }
  template <class F>
  auto operator()(F f) const {
    return detail::bind_stage<transform_fn>(std::move(f));
  }

  template <source_like R, class F, error_policy P>
  auto operator()(R&& r, F f, P policy) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, value_t<S>&>,
                  "rstreams::transform: under an error policy the function is called with the element "
                  "as an lvalue (a retry needs it again); take it by value or by const reference.");
    if constexpr (std::invocable<F&, value_t<S>&>) {
      detail::validate_policy("transform", policy);
      return transform_policy_source<S, F, P>(as_source(std::forward<R>(r)), std::move(f), std::move(policy));
    }
  }
  template <class F, error_policy P>
  auto operator()(F f, P policy) const {
    detail::validate_policy("transform", policy);
    return detail::bind_stage<transform_fn>(std::move(f), std::move(policy));
  }
};

/// Applies `f` to every element: `source<T>` to `source<U>`, `U` the decayed result of `f(T)`.
///
/// Forms: `transform(src, f)` · `src | transform(f)` · `src | transform(f, policy)` with a
/// policy from `rstreams::on_error` (fail, skip, retry, dead_letter; see core/on_error.hpp)
/// Requires: `f` callable with the element; a non-void result.
/// Demand: one upstream element per element; buffers nothing. Example: examples/01-hello.cpp
inline constexpr transform_fn transform{};

}  // namespace rstreams
