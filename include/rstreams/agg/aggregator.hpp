#pragma once
// Incremental aggregation for windows: an aggregator starts an accumulator, adds one element
// to it, merges two accumulators (panes of a sliding window, sessions that meet) and turns
// the accumulator into the window's result. Elements are never stored.

#include <concepts>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>

namespace rstreams {

/// An aggregator over elements `T`:
///   a.init()              -> Acc       the empty accumulator
///   a.add(acc, x)                      adds `const T& x` to `Acc& acc`
///   a.merge(acc, other)                adds everything of `const Acc& other` to `acc`
///   a.result(acc)         -> R         the window's value
/// `merge` must be associative, and `add` then `merge` must agree with adding everything
/// to one accumulator (sliding windows merge panes; sessions merge when a gap closes).
template <class A, class T>
concept aggregator_for = std::copy_constructible<A> && requires(const A& a) {
  { a.init() } -> std::movable;
} && requires(const A& a, std::remove_cvref_t<decltype(std::declval<const A&>().init())>& acc,
              const std::remove_cvref_t<decltype(std::declval<const A&>().init())>& other, const T& x) {
  a.add(acc, x);
  a.merge(acc, other);
  a.result(other);
};

/// The accumulator type of an aggregator.
template <class A>
using accumulator_t = std::remove_cvref_t<decltype(std::declval<const A&>().init())>;

/// What an aggregator yields for a window.
template <class A>
using aggregate_t =
    std::remove_cvref_t<decltype(std::declval<const A&>().result(std::declval<const accumulator_t<A>&>()))>;

/// Counts the elements: yields `std::uint64_t`.
struct counting_aggregator {
  [[nodiscard]] std::uint64_t init() const noexcept { return 0; }
  template <class T>
  void add(std::uint64_t& acc, const T&) const noexcept {
    ++acc;
  }
  void merge(std::uint64_t& acc, const std::uint64_t& other) const noexcept { acc += other; }
  [[nodiscard]] std::uint64_t result(const std::uint64_t& acc) const noexcept { return acc; }
};

/// An aggregator made of functions. `add` is `void(Acc&, const T&)` or `Acc(Acc, const T&)`;
/// `merge` likewise with `const Acc&`; `result` maps the accumulator to the output.
template <class Acc, class Add, class Merge, class Result>
class function_aggregator {
 public:
  function_aggregator(Acc init, Add add, Merge merge, Result result)
      : init_(std::move(init)), add_(std::move(add)), merge_(std::move(merge)), result_(std::move(result)) {}

  [[nodiscard]] Acc init() const { return init_; }
  template <class T>
  requires std::invocable<const Add&, Acc&, const T&> || std::invocable<const Add&, Acc, const T&>
  void add(Acc& acc, const T& x) const {
    if constexpr (std::is_void_v<std::invoke_result_t<const Add&, Acc&, const T&>>)
      std::invoke(add_, acc, x);
    else
      acc = std::invoke(add_, std::move(acc), x);
  }
  void merge(Acc& acc, const Acc& other) const {
    if constexpr (std::is_void_v<std::invoke_result_t<const Merge&, Acc&, const Acc&>>)
      std::invoke(merge_, acc, other);
    else
      acc = std::invoke(merge_, std::move(acc), other);
  }
  [[nodiscard]] decltype(auto) result(const Acc& acc) const { return std::invoke(result_, acc); }

 private:
  Acc init_;
  Add add_;
  Merge merge_;
  Result result_;
};

namespace detail {
struct identity_result {
  template <class X>
  const X& operator()(const X& x) const noexcept {
    return x;
  }
};
}  // namespace detail

struct counting_fn {
  counting_aggregator operator()() const noexcept { return {}; }
};

/// `counting()`: the aggregator that counts a window's elements (`std::uint64_t`).
inline constexpr counting_fn counting{};

struct aggregate_fn {
  template <class Acc, class Add, class Merge>
  auto operator()(Acc init, Add add, Merge combine) const {
    return function_aggregator<Acc, Add, Merge, detail::identity_result>(std::move(init), std::move(add),
                                                                         std::move(combine), {});
  }
  template <class Acc, class Add, class Merge, class Result>
  auto operator()(Acc init, Add add, Merge combine, Result result) const {
    return function_aggregator<Acc, Add, Merge, Result>(std::move(init), std::move(add), std::move(combine),
                                                        std::move(result));
  }
};

/// `aggregate(init, add, merge[, result])`: an aggregator from functions, e.g. a sum
/// `aggregate(0.0, [](double s, const order& o) { return s + o.amount; }, std::plus<>{})`.
/// Without `result`, the window's value is the accumulator.
inline constexpr aggregate_fn aggregate{};

}  // namespace rstreams
