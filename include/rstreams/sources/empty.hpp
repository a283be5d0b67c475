#pragma once

#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace rstreams {

/// A source of `T` that has no elements.
template <class T>
class empty_source : public source_interface<empty_source<T>> {
 public:
  static constexpr std::string_view name = "empty";
  using value_type = T;

  std::optional<T> next() noexcept { return std::nullopt; }

  template <class F>
  flow push(std::size_t /*n*/, F&& /*f*/) noexcept {
    return flow::done;
  }
};

template <class T>
struct empty_fn {
  empty_source<T> operator()() const noexcept { return {}; }
};

/// A source of `T` that ends at once (the neutral start for concat, a stand-in in tests).
///
/// Forms: `empty<T>()`
/// Requires: nothing of `T`.
/// Demand: pulls nothing; buffers nothing.
template <class T>
inline constexpr empty_fn<T> empty{};

}  // namespace rstreams
