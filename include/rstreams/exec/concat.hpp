#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace rstreams {

/// The elements of one source after another.
template <class... S>
class concat_source : public source_interface<concat_source<S...>> {
 public:
  static constexpr std::string_view name = "concat";
  using value_type = std::common_type_t<value_t<S>...>;

  explicit concat_source(S... sources) : sources_(std::move(sources)...) {}

  void start(const run_context& ctx) {
    std::apply([&](auto&... s) { (rstreams::start(s, ctx), ...); }, sources_);
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    while (current_ < sizeof...(S)) {
      std::size_t left = n;
      bool go = true;
      const flow f = push_current(std::make_index_sequence<sizeof...(S)>{}, n, [&](auto&& x) {
        --left;
        go = g(value_type(std::forward<decltype(x)>(x)));
        return go;
      });
      if (f == flow::done) ++current_;
      if (!go || left == 0) return current_ == sizeof...(S) ? flow::done : flow::more;
      n = left;
    }
    return flow::done;
  }

  /// The inputs, for describe_dot.
  [[nodiscard]] const auto& upstreams() const noexcept { return sources_; }

  [[nodiscard]] std::string describe() const {
    std::string out = "concat(";
    bool leading = true;
    std::apply(
        [&](const auto&... s) {
          ((out += (leading ? "" : ", ") + rstreams::describe(s), leading = false), ...);
        },
        sources_);
    return out + ")";
  }

 private:
  template <std::size_t... I, class F>
  flow push_current(std::index_sequence<I...>, std::size_t n, F&& f) {
    flow result = flow::done;
    ((I == current_ ? (void)(result = rstreams::push(std::get<I>(sources_), n, f)) : void()), ...);
    return result;
  }

  std::tuple<S...> sources_;
  std::size_t current_ = 0;
};

struct concat_fn {
  template <source_like... R>
  requires(sizeof...(R) >= 1) auto operator()(R&&... r) const {
    static_assert(
        requires { typename std::common_type_t<value_t<decltype(as_source(std::forward<R>(r)))>...>; },
        "rstreams::concat: the sources' element types have no common type.");
    return concat_source<decltype(as_source(std::forward<R>(r)))...>(as_source(std::forward<R>(r))...);
  }
};

/// All elements of the first source, then of the second, and so on, on the driving thread.
///
/// Forms: `concat(src1, src2, ...)`
/// Requires: element types with a common type.
/// Demand: pulls the current source only; buffers nothing.
inline constexpr concat_fn concat{};

}  // namespace rstreams
