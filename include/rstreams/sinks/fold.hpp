#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {

/// `f(acc, x)` returning void updates `acc` in place; otherwise `acc = f(std::move(acc), x)`.
template <class F, class Acc, class X>
concept folds_in_place = std::invocable<F&, Acc&, X> && std::is_void_v<std::invoke_result_t<F&, Acc&, X>>;

template <class F, class Acc, class X>
concept folds_by_value =
    std::invocable<F&, Acc, X> && std::is_assignable_v<Acc&, std::invoke_result_t<F&, Acc, X>>;

template <class F, class Acc, class X>
concept fold_function_for = folds_in_place<F, Acc, X> || folds_by_value<F, Acc, X>;

}  // namespace detail

struct fold_fn {
  template <class Acc, class F>
  class closure : public sink_closure<closure<Acc, F>> {
   public:
    static constexpr std::string_view name = "fold";

    closure(Acc init, F f) : init_(std::move(init)), f_(std::move(f)) {}

    template <class T>
    class consumer_type {
     public:
      consumer_type(Acc acc, F f, std::size_t position)
          : acc_(std::move(acc)), f_(std::move(f)), position_(position) {}

      bool accept(const T& x) {
        if constexpr (detail::fold_function_for<F, Acc, const T&>)
          step(x);
        else
          step(T(x));
        return true;
      }
      bool accept(T&& x) {
        step(std::move(x));
        return true;
      }
      Acc finish() { return std::move(acc_); }

     private:
      template <class X>
      void step(X&& x) {
        if constexpr (detail::folds_in_place<F, Acc, X>)
          detail::invoke_stage(name, position_, index_, f_, acc_, std::forward<X>(x));
        else
          acc_ = detail::invoke_stage(name, position_, index_, f_, std::move(acc_), std::forward<X>(x));
        ++index_;
      }

      Acc acc_;
      F f_;
      std::size_t position_;
      std::size_t index_ = 0;
    };

    template <class T>
    auto consumer(std::size_t position) && {
      static_assert(detail::fold_function_for<F, Acc, T>,
                    "rstreams::fold: the function cannot fold the source's element type into the "
                    "accumulator. Write it as `Acc f(Acc acc, T x)` (returning the new accumulator) or "
                    "`void f(Acc& acc, T x)` (updating it in place).");
      return consumer_type<T>(std::move(init_), std::move(f_), position);
    }

   private:
    Acc init_;
    F f_;
  };

  template <class Init, class F>
  auto operator()(Init init, F f) const {
    return closure<Init, F>(std::move(init), std::move(f));
  }
};

/// Folds the elements into an accumulator from the left, starting with `init`; yields it.
/// `f(acc, x)` either returns the new accumulator (`acc = f(std::move(acc), x)`) or returns
/// void and updates `acc` in place (cheaper for containers).
///
/// Forms: `src | fold(init, f)`
/// Requires: `f(Acc, T)` assignable to `Acc`, or `f(Acc&, T)` returning void; `Acc` is the type
/// of `init` (write `fold(0.0, ...)` for a double sum). An exception from `f` leaves `run` as a
/// `stage_error` naming `fold`, its position and the element index, the original nested.
/// Demand: takes everything; buffers only the accumulator.
inline constexpr fold_fn fold{};

}  // namespace rstreams
