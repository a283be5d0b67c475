#pragma once
// The machinery shared by flat_map and join: each upstream element becomes an inner source
// whose elements are passed on one by one. The inner source outlives a push that stops
// mid-way, so the next push resumes it exactly where the last one stopped.

#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/sources/from_range.hpp>

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

namespace rstreams::detail {

/// The source an expansion result `X` becomes. The result is taken by value: a reference
/// could point into the upstream element, which is gone once the callback returns.
template <class X>
using inner_source_t = decltype(as_source(std::declval<std::remove_cvref_t<X>>()));

/// `D` is the operator's source class (it names itself); `F` maps an element to a range or
/// a source.
template <class D, source S, class F>
class expand_source : public stage_source<D, S> {
  using base = stage_source<D, S>;
  using result_type = std::remove_cvref_t<std::invoke_result_t<F&, value_t<S>>>;
  using inner_type = inner_source_t<result_type>;

 public:
  using value_type = value_t<inner_type>;

  expand_source(S up, F f) : base(std::move(up)), f_(std::move(f)) {}

  void start(const run_context& ctx) {
    base::start(ctx);
    ctx_ = ctx;
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t left = n;
    bool stopped = false;
    // Counts what goes downstream, so demand is met in output elements, not input ones.
    auto emit = [&](auto&& y) {
      --left;
      if (!g(std::forward<decltype(y)>(y))) {
        stopped = true;
        return false;
      }
      return left != 0;
    };
    // Returns true when the inner source was exhausted (so expansion may go on).
    auto drain = [&] {
      if (left == 0) return false;
      if (rstreams::push(*inner_, left, emit) == flow::more) return false;
      inner_.reset();
      return true;
    };

    if (inner_ && !drain()) return flow::more;
    if (stopped || left == 0 || up_done_) return finished();

    std::size_t i = index_;
    const flow r = rstreams::push(this->up_, left, [&](auto&& x) {
      // Built in place: a range source takes its iterators at the first pull, so it must not
      // move after that.
      inner_.emplace(as_source(
          result_type(detail::invoke_stage(D::name, base::position, i++, f_, std::forward<decltype(x)>(x)))));
      if (ctx_) rstreams::start(*inner_, *ctx_);
      return drain() && !stopped && left != 0;
    });
    index_ = i;
    up_done_ = r == flow::done;
    return finished();
  }

 private:
  flow finished() const noexcept { return up_done_ && !inner_ ? flow::done : flow::more; }

  F f_;
  std::optional<inner_type> inner_;
  std::optional<run_context> ctx_;
  std::size_t index_ = 0;
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
