#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/detail/bound_stage.hpp>
#include <rstreams/detail/diagnostics.hpp>
#include <rstreams/sources/from_range.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {
/// A predicate over `T`: callable with it, with a result usable as a bool.
template <class P, class T>
concept predicate_for = std::invocable<P&, T&> && std::convertible_to < std::invoke_result_t<P&, T&>,
bool > ;
}  // namespace detail

template <source S, class P>
class filter_source : public stage_source<filter_source<S, P>, S> {
  using base = stage_source<filter_source<S, P>, S>;

 public:
  static constexpr std::string_view name = "filter";
  using value_type = value_t<S>;

  filter_source(S up, P p) : base(std::move(up)), pred_(std::move(p)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      if (!static_cast<bool>(detail::invoke_stage(name, base::position, i++, pred_, std::as_const(x))))
        return true;
      return g(std::forward<decltype(x)>(x));
    });
    index_ = i;
    return r;
  }

 private:
  P pred_;
  std::size_t index_ = 0;
};

struct filter_fn {
  template <source_like R, class P>
  auto operator()(R&& r, P p) const {
    using S = decltype(as_source(std::forward<R>(r)));
    using T = const value_t<S>;
    static_assert(std::invocable<P&, T&>, RSTREAMS_DIAG_NOT_INVOCABLE("filter"));
    if constexpr (std::invocable<P&, T&>) {
      static_assert(detail::predicate_for<P, T>, RSTREAMS_DIAG_NOT_PREDICATE("filter"));
      if constexpr (detail::predicate_for<P, T>)
        return filter_source<S, P>(as_source(std::forward<R>(r)), std::move(p));
    }
  }
  template <class P>
  auto operator()(P p) const {
    return detail::bind_stage<filter_fn>(std::move(p));
  }
};

/// Keeps the elements for which `pred(x)` is true.
///
/// Forms: `filter(src, pred)` · `src | filter(pred)`
/// Requires: `pred(const T&)` convertible to bool.
/// Demand: up to n upstream elements per push of n; may deliver fewer; buffers nothing.
inline constexpr filter_fn filter{};

}  // namespace rstreams
