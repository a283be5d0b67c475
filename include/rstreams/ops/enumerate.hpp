#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/stage_source.hpp>

#include <cstddef>
#include <string_view>
#include <utility>

namespace rstreams {

template <source S>
class enumerate_source : public stage_source<enumerate_source<S>, S> {
  using base = stage_source<enumerate_source<S>, S>;

 public:
  static constexpr std::string_view name = "enumerate";
  using value_type = std::pair<std::size_t, value_t<S>>;

  explicit enumerate_source(S up) : base(std::move(up)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    return rstreams::push(this->up_, n,
                          [&](auto&& x) { return g(value_type(index_++, std::forward<decltype(x)>(x))); });
  }

 private:
  std::size_t index_ = 0;
};

struct enumerate_fn {
  static constexpr std::string_view name = "enumerate";

  template <source_like R>
  auto operator()(R&& r) const {
    using S = decltype(as_source(std::forward<R>(r)));
    return enumerate_source<S>(as_source(std::forward<R>(r)));
  }
  auto operator()() const { return detail::bind_stage<enumerate_fn>(); }
};

/// Pairs each element with its index: `std::pair<std::size_t, T>{0, x0}, {1, x1}, ...`.
///
/// Forms: `enumerate(src)` · `src | enumerate()`
/// Requires: nothing of the elements.
/// Demand: one upstream element per element; buffers nothing.
inline constexpr enumerate_fn enumerate{};

}  // namespace rstreams
