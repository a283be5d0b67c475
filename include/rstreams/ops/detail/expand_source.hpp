#pragma once
// The machinery shared by flat_map and join: each upstream element becomes an inner source
// whose elements are passed on one by one. The inner source outlives a push that stops
// mid-way, so the next push resumes it exactly where the last one stopped. Results that can
// be moved mid-way without losing their place (random-access ranges, iota) are walked on the
// stack and stored only when they stop mid-way: building and resetting a stored inner source
// per element would cost more than the walk itself.

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/detail/element_naming.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/sources/iota.hpp>

#include <concepts>
#include <cstddef>
#include <iterator>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

namespace rstreams::detail {

/// The source an expansion result `X` becomes. The result is taken by value: a reference
/// could point into the upstream element, which is gone once the callback returns.
template <class X>
using inner_source_t = decltype(as_source(std::declval<std::remove_cvref_t<X>>()));

/// True for sources that keep their position when moved after their first push, so an
/// expansion can run on the stack and be stored only when it stops mid-way. Opt-in: a
/// source may hold iterators into itself (range_source does), which a move would break.
template <class X>
inline constexpr bool resumable_after_move = false;
template <std::weakly_incrementable T, class B>
inline constexpr bool resumable_after_move<iota_source<T, B>> = true;

/// A bounded integral iota, which an expansion walks as a plain counted loop: the commonest
/// flat_map result (`x -> iota(a, b)`), and the loop a hand-written expansion would have.
template <class X>
inline constexpr bool counted_iota = false;
template <std::integral T>
inline constexpr bool counted_iota<iota_source<T, T>> = true;

/// A random-access range resumes by offset from its begin after a move, so it too can be
/// walked on the stack and stored (with the offset) only when it stops mid-way.
template <class X>
concept resumable_range =
    source_range<X> && std::ranges::random_access_range<X> && std::move_constructible<X>;

/// `D` is the operator's source class (it names itself); `F` maps an element to a range or
/// a source.
template <class D, source S, class F>
class expand_source : public stage_source<D, S> {
  using base = stage_source<D, S>;
  using result_type = std::remove_cvref_t<std::invoke_result_t<F&, value_t<S>>>;
  using inner_type = inner_source_t<result_type>;
  // Fast paths: the expansion lives on the stack while it is used up inside one push.
  static constexpr bool by_offset = resumable_range<result_type>;
  static constexpr bool on_stack = by_offset || (source<result_type> && resumable_after_move<result_type>);
  struct none {};
  static constexpr std::size_t used_up = static_cast<std::size_t>(-1);
  using held_type = std::conditional_t<by_offset, result_type, none>;

 public:
  using value_type = value_t<inner_type>;
  /// It knows where in its output it is (the elements handed on before this push, and this
  /// push's count), so it names what it hands on (core/detail/element_naming.hpp).
  static constexpr bool names_elements = true;

  expand_source(S up, F f) : base(std::move(up)), f_(std::move(f)) {}

  /// How many elements it has handed on (metered pipelines read it).
  [[nodiscard]] std::size_t handed_on() const noexcept { return out_; }

  void start(const run_context& ctx) {
    base::start(ctx);
    ctx_ = ctx;
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t left = n;
    bool stopped = false;
    // What this push handed on is added to the total however it ends.
    struct add_on_exit {
      std::size_t& total;
      const std::size_t& n;
      const std::size_t& left;
      ~add_on_exit() { total += n - left; }
    };
    const std::size_t before = out_;
    const add_on_exit count{out_, n, left};
    // Counts what goes downstream, so demand is met in output elements, not input ones.
    auto emit = [&](auto&& y) {
      --left;
      if (!hand_on(g, std::forward<decltype(y)>(y), [&] { return before + (n - left) - 1; })) {
        stopped = true;
        return false;
      }
      return left != 0;
    };
    // Walks a random-access range from offset `k`; returns the offset to resume at, or
    // used_up.
    auto walk = [&](auto& r, std::size_t k) {
      using diff = std::ranges::range_difference_t<decltype(r)>;
      auto it = std::ranges::begin(r) + static_cast<diff>(k);
      const auto end = std::ranges::end(r);
      while (it != end) {
        auto cur = it;
        ++it;
        ++k;
        if (!emit(std::ranges::iter_move(cur))) return it == end ? used_up : k;
      }
      return used_up;
    };
    // Returns true when the stored expansion was exhausted (so expansion may go on).
    auto drain = [&] {
      if (left == 0) return false;
      if constexpr (by_offset) {
        const std::size_t k = walk(*held_, offset_);
        if (k != used_up) {
          offset_ = k;
          return false;
        }
        held_.reset();
        return true;
      } else {
        // Its own callback type, so that the push of a fresh expansion below is the only
        // caller of its instantiation and gets inlined.
        auto resume = [&](auto&& y) { return emit(std::forward<decltype(y)>(y)); };
        if (rstreams::push(*inner_, left, resume) == flow::more) return false;
        inner_.reset();
        return true;
      }
    };

    if (stored() && !drain()) return flow::more;
    if (stopped || left == 0 || up_done_) return finished();

    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, left, [&](auto&& x) {
      if constexpr (by_offset) {
        result_type local(call(i, std::forward<decltype(x)>(x)));
        const std::size_t k = walk(local, 0);
        if (k == used_up) return !stopped && left != 0;
        held_.emplace(std::move(local));
        offset_ = k;
        return false;
      } else if constexpr (counted_iota<inner_type>) {
        inner_type local(as_source(result_type(call(i, std::forward<decltype(x)>(x)))));
        auto c = local.current();
        const auto end = local.last();
        while (c < end) {
          const auto v = c;
          ++c;
          if (!emit(v)) {
            if (c < end) {  // stopped mid-way: keep the rest for the next push
              local.skip_to(c);
              inner_.emplace(std::move(local));
            }
            return false;
          }
        }
        return true;  // every emit said go on
      } else if constexpr (on_stack) {
        inner_type local(as_source(result_type(call(i, std::forward<decltype(x)>(x)))));
        if (ctx_) rstreams::start(local, *ctx_);
        if (rstreams::push(local, left, emit) == flow::done) return !stopped && left != 0;
        inner_.emplace(std::move(local));
        return false;
      } else {
        // Built in place: a range source takes its iterators at the first pull, so it must
        // not move after that.
        inner_.emplace(as_source(result_type(call(i, std::forward<decltype(x)>(x)))));
        if (ctx_) rstreams::start(*inner_, *ctx_);
        return drain() && !stopped && left != 0;
      }
    });
    index_ = i;
    up_done_ = r == flow::done;
    return finished();
  }

 private:
  // The user's function on `x`; counted (to name the element in an error) unless it cannot throw
  // or the upstream names elements.
  template <class X>
  decltype(auto) call(std::size_t& i, X&& x) {
    if constexpr (names_elements_v<S>)
      return invoke_unnamed(D::name, base::position, f_, std::forward<X>(x));
    else if constexpr (nothrow_stage_call<F, X&&>)
      return detail::invoke(f_, std::forward<X>(x));
    else
      return invoke_stage(D::name, base::position, i++, f_, std::forward<X>(x));
  }

  bool stored() const noexcept {
    if constexpr (by_offset)
      return held_.has_value();
    else
      return inner_.has_value();
  }
  flow finished() const noexcept { return up_done_ && !stored() ? flow::done : flow::more; }

  F f_;
  std::optional<inner_type> inner_;
  std::optional<held_type> held_;
  std::size_t offset_ = 0;
  std::optional<run_context> ctx_;
  std::size_t index_ = 0;
  std::size_t out_ = 0;
  bool up_done_ = false;
};

/// join's function: the element itself, moved when it is an rvalue, else copied.
struct join_decay_copy_fn {
  template <class X>
  std::remove_cvref_t<X> operator()(X&& x) const {
    return std::forward<X>(x);
  }
};

}  // namespace rstreams::detail
