#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/detail/write_back.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/stage_source.hpp>

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

 private:
  // Counts its input (to name a failing element) only when the predicate can throw and the
  // upstream cannot name elements; it then names them for the stages after it.
  static constexpr bool counts = detail::numbers_input_v<S, P, const value_t<S>&>;
  // In a metered pipeline whose upstream keeps its count, it counts what it drops so that what
  // it hands on is known without a count per element passed on (core/metered.hpp).
  static constexpr bool counts_dropped =
      detail::names_elements_v<S> && detail::in_metered_pipeline_v<S> && requires(const S& s) {
    s.handed_on();
  };

 public:
  /// What it lets through keeps its number: the upstream names it, or this counts
  /// (core/detail/element_naming.hpp).
  static constexpr bool names_elements = detail::names_elements_v<S> || counts;

  filter_source(S up, P p) : base(std::move(up)), pred_(std::move(p)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    if constexpr (counts_dropped) {
      // Counted in a local (see core/detail/write_back.hpp).
      std::size_t dropped = dropped_;
      const detail::write_back keep_count(dropped_, dropped);
      return rstreams::push(this->up_, n, [&](auto&& x) {
        bool keep;
        try {
          keep = static_cast<bool>(detail::invoke_unnamed(name, base::position, pred_, std::as_const(x)));
        } catch (...) {
          ++dropped;  // not handed on: handed_on() stays exact
          throw;
        }
        if (!keep) {
          ++dropped;
          return true;
        }
        return g(std::forward<decltype(x)>(x));
      });
    } else {
      std::size_t i = index_;
      const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
        if (!static_cast<bool>(
                detail::invoke_kept_number<S>(name, base::position, i, pred_, std::as_const(x))))
          return true;
        return detail::hand_on_kept<counts>(g, std::forward<decltype(x)>(x), [&] { return i - 1; });
      });
      index_ = i;
      return r;
    }
  }

  /// How many elements it has passed on, in a metered pipeline whose upstream says how many it
  /// handed on (the metered pipeline reads it instead of counting).
  [[nodiscard]] std::size_t handed_on() const noexcept requires counts_dropped {
    return this->up_.handed_on() - dropped_;
  }

 private:
  P pred_;
  std::size_t index_ = 0;
  std::size_t dropped_ = 0;  // metered: what it dropped
};

/// `filter(pred, policy)`: the predicate called under an error policy (core/on_error.hpp);
/// an element the policy drops is filtered out.
template <source S, class P, class Pol>
class filter_policy_source : public stage_source<filter_policy_source<S, P, Pol>, S> {
  using base = stage_source<filter_policy_source<S, P, Pol>, S>;

 public:
  static constexpr std::string_view name = "filter";
  using value_type = value_t<S>;

  filter_policy_source(S up, P p, Pol pol)
      : base(std::move(up)), pred_(std::move(p)), policy_(std::move(pol)) {}

  void start(const run_context& ctx) {
    base::start(ctx);
    policy_.start(ctx);
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& x) {
      const auto& cx = x;
      auto keep = policy_.template run<bool>(name, base::position, i++, pred_, cx);
      if (!keep || !*keep) return true;
      return g(std::forward<decltype(x)>(x));
    });
    index_ = i;
    return r;
  }

 private:
  P pred_;
  detail::policy_runner<Pol> policy_;
  std::size_t index_ = 0;
};

struct filter_fn {
  static constexpr std::string_view name = "filter";

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

  template <source_like R, class P, error_policy Pol>
  auto operator()(R&& r, P p, Pol policy) const {
    using S = decltype(as_source(std::forward<R>(r)));
    using T = const value_t<S>;
    static_assert(detail::predicate_for<P, T>, RSTREAMS_DIAG_NOT_PREDICATE("filter"));
    if constexpr (detail::predicate_for<P, T>) {
      detail::validate_policy("filter", policy);
      return filter_policy_source<S, P, Pol>(as_source(std::forward<R>(r)), std::move(p), std::move(policy));
    }
  }
  template <class P, error_policy Pol>
  auto operator()(P p, Pol policy) const {
    detail::validate_policy("filter", policy);
    return detail::bind_stage<filter_fn>(std::move(p), std::move(policy));
  }
};

/// Keeps the elements for which `pred(x)` is true.
///
/// Forms: `filter(src, pred)` · `src | filter(pred)` · `src | filter(pred, policy)` with a policy
/// from `rstreams::on_error` (core/on_error.hpp)
/// Requires: `pred(const T&)` convertible to bool.
/// Demand: up to n upstream elements per push of n; may deliver fewer; buffers nothing.
inline constexpr filter_fn filter{};

}  // namespace rstreams
