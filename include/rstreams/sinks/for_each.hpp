#pragma once

#include <rstreams/core/detail/diagnostics.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>
#include <utility>

namespace rstreams {

struct for_each_fn {
  template <class F>
  class closure : public sink_closure<closure<F>> {
   public:
    static constexpr std::string_view name = "for_each";

    explicit closure(F f) : f_(std::move(f)) {}

    template <class T>
    class consumer_type {
     public:
      consumer_type(F f, std::size_t position) : f_(std::move(f)), position_(position) {}

      bool accept(const T& x) {
        if constexpr (std::invocable<F&, const T&>) {
          detail::invoke_stage(name, position_, index_, f_, x);
          ++index_;
        } else {
          call(T(x));  // the function may change or take its element: give it a copy
        }
        return true;
      }
      bool accept(T&& x) {
        call(std::move(x));
        return true;
      }
      [[nodiscard]] std::size_t finish() const noexcept { return index_; }

     private:
      void call(T&& x) {
        if constexpr (std::invocable<F&, T>)
          detail::invoke_stage(name, position_, index_, f_, std::move(x));
        else
          detail::invoke_stage(name, position_, index_, f_, x);  // a function taking T&
        ++index_;
      }

      F f_;
      std::size_t position_;
      std::size_t index_ = 0;
    };

    template <class T>
    consumer_type<T> consumer(std::size_t position) && {
      static_assert(std::invocable<F&, T> || std::invocable<F&, T&>, RSTREAMS_DIAG_NOT_INVOCABLE("for_each"));
      return consumer_type<T>(std::move(f_), position);
    }

   private:
    F f_;
  };

  template <class F>
  auto operator()(F f) const {
    return closure<F>(std::move(f));
  }
};

/// Calls `f(x)` for every element, for its side effects; yields the number of elements.
///
/// Forms: `src | for_each(f)`
/// Requires: `f` callable with the element, by value or reference (its result is ignored).
/// An exception from `f` leaves `run` as a `stage_error` naming `for_each`, its position and
/// the element index, the original nested.
/// Demand: takes everything; buffers nothing.
inline constexpr for_each_fn for_each{};

}  // namespace rstreams
