#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace rstreams {

/// Tuples of one element from each source, until the shortest ends.
template <class... S>
class zip_source : public source_interface<zip_source<S...>> {
 public:
  static constexpr std::string_view name = "zip";
  using value_type = std::tuple<value_t<S>...>;

  explicit zip_source(S... sources) : sources_(std::move(sources)...) {}

  void start(const run_context& ctx) {
    std::apply([&](auto&... s) { (rstreams::start(s, ctx), ...); }, sources_);
  }

  std::optional<value_type> next() {
    if (ended_) return std::nullopt;
    auto parts = std::apply([](auto&... s) { return std::make_tuple(rstreams::pull(s)...); }, sources_);
    const bool all = std::apply([](const auto&... p) { return (p.has_value() && ...); }, parts);
    if (!all) {
      ended_ = true;
      return std::nullopt;
    }
    return std::apply([](auto&... p) { return value_type(std::move(*p)...); }, parts);
  }

  /// The inputs, for describe_dot.
  [[nodiscard]] const auto& upstreams() const noexcept { return sources_; }

  [[nodiscard]] std::string describe() const {
    std::string out = "zip(";
    bool leading = true;
    std::apply(
        [&](const auto&... s) {
          ((out += (leading ? "" : ", ") + rstreams::describe(s), leading = false), ...);
        },
        sources_);
    return out + ")";
  }

 private:
  std::tuple<S...> sources_;
  bool ended_ = false;
};

struct zip_fn {
  template <source_like... R>
  requires(sizeof...(R) >= 2) auto operator()(R&&... r) const {
    return zip_source<decltype(as_source(std::forward<R>(r)))...>(as_source(std::forward<R>(r))...);
  }
};

/// `std::tuple`s of the i-th elements of each source; ends with the shortest source (an element
/// already pulled from the longer ones is dropped).
///
/// Forms: `zip(src1, src2, ...)`
/// Demand: one element from each source per element; buffers nothing.
inline constexpr zip_fn zip{};

}  // namespace rstreams
