#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <utility>

namespace rstreams {

template <source S, class F>
class tap_source : public stage_source<tap_source<S, F>, S> {
  using base = stage_source<tap_source<S, F>, S>;

 public:
  static constexpr std::string_view name = "tap";
  using value_type = value_t<S>;

 private:
  static constexpr bool counts = detail::numbers_input_v<S, F, const value_t<S>&>;

 public:
  /// What it passes on keeps its number: the upstream names it, or this counts its input when
  /// `f` can throw (core/detail/element_naming.hpp).
  static constexpr bool names_elements = detail::names_elements_v<S> || counts;

  tap_source(S up, F f) : base(std::move(up)), f_(std::move(f)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      detail::invoke_kept_number<S>(name, base::position, i, f_, std::as_const(x));
      return detail::hand_on_kept<counts>(g, std::forward<decltype(x)>(x), [&] { return i - 1; });
    });
    index_ = i;
    return r;
  }

 private:
  F f_;
  std::size_t index_ = 0;
};

struct tap_fn {
  static constexpr std::string_view name = "tap";

  template <source_like R, class F>
  auto operator()(R&& r, F f) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<F&, const value_t<S>&>, RSTREAMS_DIAG_NOT_INVOCABLE("tap"));
    if constexpr (std::invocable<F&, const value_t<S>&>)
      return tap_source<S, F>(as_source(std::forward<R>(r)), std::move(f));
  }
  template <class F>
  auto operator()(F f) const {
    return detail::bind_stage<tap_fn>(std::move(f));
  }
};

/// Calls `f(x)` on each element for its side effect (logging, counting, metrics) and passes
/// the element on unchanged; RStreams' `through`. The result of `f`, if any, is ignored.
///
/// Forms: `tap(src, f)` · `src | tap(f)`
/// Requires: `f(const T&)` callable.
/// Demand: one upstream element per element; buffers nothing.
inline constexpr tap_fn tap{};

}  // namespace rstreams
