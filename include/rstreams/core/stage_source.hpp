#pragma once
// The common base of every operator's source: it owns the upstream, forwards the run
// context to it, knows its position and describes the chain.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace rstreams {

/// Base for a source made from an upstream source `S`; `D` names itself with `static
/// constexpr std::string_view name`.
template <class D, source S>
class stage_source : public source_interface<D> {
 public:
  static constexpr std::size_t position = position_v<S> + 1;

  explicit stage_source(S up) : up_(std::move(up)) {}

  void start(const run_context& ctx) { rstreams::start(up_, ctx); }
  [[nodiscard]] std::string describe() const {
    return rstreams::describe(up_) + " | " + std::string(D::name);
  }

  [[nodiscard]] const S& upstream() const noexcept { return up_; }

 protected:
  S up_;
};

}  // namespace rstreams
