#pragma once

#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {

template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

/// What `generate(f)` yields: `T` when `f()` returns `std::optional<T>`, else the decayed result.
template <class R>
struct generated {
  using type = std::remove_cvref_t<R>;
  static constexpr bool finite = false;
};
template <class R>
requires is_optional_v<std::remove_cvref_t<R>>
struct generated<R> {
  using type = typename std::remove_cvref_t<R>::value_type;
  static constexpr bool finite = true;
};

}  // namespace detail

/// Calls `f()` once per element; see `generate`.
template <class F>
class generate_source : public source_interface<generate_source<F>> {
  using traits = detail::generated<std::invoke_result_t<F&>>;

 public:
  static constexpr std::string_view name = "generate";
  using value_type = typename traits::type;

  explicit generate_source(F f) : f_(std::move(f)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    if constexpr (traits::finite) {
      if (done_) return flow::done;
      for (; n != 0; --n) {
        auto v = detail::invoke_stage(name, 0, index_, f_);
        ++index_;
        if (!v) {
          done_ = true;
          return flow::done;
        }
        if (!g(std::move(*v))) return flow::more;
      }
      return flow::more;
    } else {
      for (; n != 0; --n) {
        value_type v = detail::invoke_stage(name, 0, index_, f_);
        ++index_;
        if (!g(std::move(v))) break;
      }
      return flow::more;
    }
  }

 private:
  F f_;
  std::size_t index_ = 0;
  bool done_ = false;
};

struct generate_fn {
  template <class F>
  auto operator()(F f) const {
    static_assert(std::invocable<F&>,
                  "rstreams::generate: the function must be callable with no arguments; it is called "
                  "once per element.");
    if constexpr (std::invocable<F&>) {
      static_assert(!std::is_void_v<std::invoke_result_t<F&>>,
                    "rstreams::generate: the function returns void; return the next element, or "
                    "std::optional<T> with std::nullopt to end the source.");
      if constexpr (!std::is_void_v<std::invoke_result_t<F&>>) return generate_source<F>(std::move(f));
    }
  }
};

/// A source made by calling `f()` for every element. When `f` returns `std::optional<T>`, the
/// elements are `T` and `std::nullopt` ends the source (`f` is not called again); otherwise the
/// source has no end (follow it with `take`, `take_while` or a sink that stops, like `first`).
///
/// Forms: `generate(f)`
/// Requires: `f()` callable, non-void. An exception from `f` leaves `run` as a `stage_error`
/// naming `generate` (stage 0) and the element index, the original nested.
/// Demand: one call of `f` per element pulled (plus the one that returns `std::nullopt`);
/// buffers nothing.
inline constexpr generate_fn generate{};

}  // namespace rstreams
