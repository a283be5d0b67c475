#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/stage_source.hpp>

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>

namespace rstreams {

template <source S>
class drop_source : public stage_source<drop_source<S>, S> {
  using base = stage_source<drop_source<S>, S>;

 public:
  static constexpr std::string_view name = "drop";
  using value_type = value_t<S>;

  drop_source(S up, std::size_t n) : base(std::move(up)), skip_(n) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    if (skip_ != 0) {
      // The skipped elements count against this push's n, so one push does bounded work
      // even when `count` is large; the run loop simply asks again.
      const std::size_t k = std::min(n, skip_);
      const std::size_t before = skip_;
      const flow r = rstreams::push(this->up_, k, [this](auto&&) {
        --skip_;
        return skip_ != 0;
      });
      if (r == flow::done) return flow::done;
      n -= std::min(n, before - skip_);
      if (skip_ != 0 || n == 0) return flow::more;
    }
    return rstreams::push(this->up_, n, std::forward<G>(g));
  }

 private:
  std::size_t skip_;
};

struct drop_fn {
  static constexpr std::string_view name = "drop";

  template <source_like R>
  auto operator()(R&& r, std::size_t n) const {
    using S = decltype(as_source(std::forward<R>(r)));
    return drop_source<S>(as_source(std::forward<R>(r)), n);
  }
  auto operator()(std::size_t n) const { return detail::bind_stage<drop_fn>(n); }
};

/// Skips the first `count` elements and passes on the rest.
///
/// Forms: `drop(src, count)` · `src | drop(count)`
/// Requires: nothing of the elements.
/// Demand: up to n upstream elements per push of n (the skipped ones count, so the first
/// pushes may deliver fewer or none); then exactly what is asked; buffers nothing.
inline constexpr drop_fn drop{};

}  // namespace rstreams
