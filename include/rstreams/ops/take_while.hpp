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

template <source S, class P>
class take_while_source : public stage_source<take_while_source<S, P>, S> {
  using base = stage_source<take_while_source<S, P>, S>;

 public:
  static constexpr std::string_view name = "take_while";
  using value_type = value_t<S>;

 private:
  static constexpr bool counts = detail::numbers_input_v<S, P, const value_t<S>&>;

 public:
  /// What it passes on keeps its number: the upstream names it, or this counts its input when
  /// the predicate can throw (core/detail/element_naming.hpp).
  static constexpr bool names_elements = detail::names_elements_v<S> || counts;

  take_while_source(S up, P p) : base(std::move(up)), pred_(std::move(p)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (done_) return flow::done;
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      if (!static_cast<bool>(
              detail::invoke_kept_number<S>(name, base::position, i, pred_, std::as_const(x)))) {
        done_ = true;
        return false;
      }
      return detail::hand_on_kept<counts>(g, std::forward<decltype(x)>(x), [&] { return i - 1; });
    });
    index_ = i;
    return done_ ? flow::done : r;
  }

 private:
  P pred_;
  std::size_t index_ = 0;
  bool done_ = false;
};

struct take_while_fn {
  static constexpr std::string_view name = "take_while";

  template <source_like R, class P>
  auto operator()(R&& r, P p) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<P&, const value_t<S>&>, RSTREAMS_DIAG_NOT_INVOCABLE("take_while"));
    if constexpr (std::invocable<P&, const value_t<S>&>) {
      static_assert(detail::boolean_result<P, const value_t<S>&>, RSTREAMS_DIAG_NOT_PREDICATE("take_while"));
      if constexpr (detail::boolean_result<P, const value_t<S>&>)
        return take_while_source<S, P>(as_source(std::forward<R>(r)), std::move(p));
    }
  }
  template <class P>
  auto operator()(P p) const {
    return detail::bind_stage<take_while_fn>(std::move(p));
  }
};

/// The leading elements for which `pred(x)` holds; ends at the first that fails (which is
/// consumed from upstream but not passed on).
///
/// Forms: `take_while(src, pred)` · `src | take_while(pred)`
/// Requires: `pred(const T&)` convertible to bool.
/// Demand: up to n upstream elements per push of n, none after the first failure; buffers nothing.
inline constexpr take_while_fn take_while{};

}  // namespace rstreams
