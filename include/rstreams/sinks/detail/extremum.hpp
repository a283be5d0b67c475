#pragma once
// The sink behind `min` and `max`: keeps the best element seen under a comparator.

#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>

#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams::detail {

/// A comparator usable as a strict "less than" on `T`.
template <class C, class T>
concept comparator_for = std::invocable<C&, const T&, const T&> &&
                         std::convertible_to < std::invoke_result_t<C&, const T&, const T&>,
bool > ;

/// Keeps the least element under `Comp` (`Max` false) or the greatest (`Max` true); on ties the
/// earliest stays, as with std::ranges::min / max.
template <bool Max, class Comp>
class extremum_closure : public sink_closure<extremum_closure<Max, Comp>> {
 public:
  static constexpr std::string_view name = Max ? "max" : "min";

  explicit extremum_closure(Comp comp) : comp_(std::move(comp)) {}

  template <class T>
  class consumer_type {
   public:
    consumer_type(Comp comp, std::size_t position) : comp_(std::move(comp)), position_(position) {}

    bool accept(const T& x) { return take(x); }
    bool accept(T&& x) { return take(std::move(x)); }
    std::optional<T> finish() { return std::move(best_); }

   private:
    template <class X>
    bool take(X&& x) {
      if (!best_) {
        best_.emplace(std::forward<X>(x));
      } else if (better(std::as_const(x))) {
        *best_ = std::forward<X>(x);
      }
      ++index_;
      return true;
    }
    bool better(const T& x) {
      if constexpr (Max)
        return static_cast<bool>(invoke_stage(name, position_, index_, comp_, std::as_const(*best_), x));
      else
        return static_cast<bool>(invoke_stage(name, position_, index_, comp_, x, std::as_const(*best_)));
    }

    Comp comp_;
    std::size_t position_;
    std::size_t index_ = 0;
    std::optional<T> best_;
  };

  template <class T>
  auto consumer(std::size_t position) && {
    static_assert(comparator_for<Comp, T>,
                  "rstreams::min/max: the comparator must be callable as comp(const T&, const T&) for "
                  "the source's element type and return something convertible to bool.");
    return consumer_type<T>(std::move(comp_), position);
  }

 private:
  Comp comp_;
};

}  // namespace rstreams::detail
