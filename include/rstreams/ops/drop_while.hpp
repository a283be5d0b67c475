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
class drop_while_source : public stage_source<drop_while_source<S, P>, S> {
  using base = stage_source<drop_while_source<S, P>, S>;

 public:
  static constexpr std::string_view name = "drop_while";
  using value_type = value_t<S>;

 private:
  static constexpr bool counts = detail::numbers_input_v<S, P, const value_t<S>&>;

 public:
  /// What it passes on keeps its number: the upstream names it, or this counts its input (every
  /// element, also once it has stopped dropping) when the predicate can throw
  /// (core/detail/element_naming.hpp).
  static constexpr bool names_elements = detail::names_elements_v<S> || counts;

  drop_while_source(S up, P p) : base(std::move(up)), pred_(std::move(p)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    if constexpr (!counts)
      if (!dropping_) return rstreams::push(this->up_, n, std::forward<G>(g));
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      if (dropping_) {
        if (static_cast<bool>(
                detail::invoke_kept_number<S>(name, base::position, i, pred_, std::as_const(x))))
          return true;
        dropping_ = false;
      } else if constexpr (counts) {
        ++i;
      }
      return detail::hand_on_kept<counts>(g, std::forward<decltype(x)>(x), [&] { return i - 1; });
    });
    index_ = i;
    return r;
  }

 private:
  P pred_;
  std::size_t index_ = 0;
  bool dropping_ = true;
};

struct drop_while_fn {
  static constexpr std::string_view name = "drop_while";

  template <source_like R, class P>
  auto operator()(R&& r, P p) const {
    using S = decltype(as_source(std::forward<R>(r)));
    using A = const value_t<S>&;
    static_assert(std::invocable<P&, A>, RSTREAMS_DIAG_NOT_INVOCABLE("drop_while"));
    if constexpr (std::invocable<P&, A>) {
      static_assert(detail::boolean_result<P, A>, RSTREAMS_DIAG_NOT_PREDICATE("drop_while"));
      if constexpr (detail::boolean_result<P, A>)
        return drop_while_source<S, P>(as_source(std::forward<R>(r)), std::move(p));
    }
  }
  template <class P>
  auto operator()(P p) const {
    return detail::bind_stage<drop_while_fn>(std::move(p));
  }
};

/// Skips the leading elements for which `pred(x)` holds, then passes on everything from the
/// first that fails (the predicate is not called again after that).
///
/// Forms: `drop_while(src, pred)` · `src | drop_while(pred)`
/// Requires: `pred(const T&)` convertible to bool.
/// Demand: up to n upstream elements per push of n (may deliver fewer while skipping);
/// buffers nothing.
inline constexpr drop_while_fn drop_while{};

}  // namespace rstreams
