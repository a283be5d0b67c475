#pragma once
// A borrowed source: what an lvalue source left of `|` becomes (core/as_source.hpp).

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/pull.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace rstreams {

/// A borrowed source: pulls another source that lives elsewhere, so one source can feed
/// several pipelines in turn (each continues where the last stopped).
template <source S>
class source_ref : public source_interface<source_ref<S>> {
 public:
  static constexpr std::size_t position = position_v<S>;
  using value_type = value_t<S>;

  explicit source_ref(S& s) noexcept : src_(std::addressof(s)) {}

  template <class F>
  flow push(std::size_t n, F&& f) {
    return rstreams::push(*src_, n, std::forward<F>(f));
  }
  void start(const run_context& ctx) { rstreams::start(*src_, ctx); }
  [[nodiscard]] std::string describe() const { return rstreams::describe(*src_); }

 private:
  S* src_;
};

}  // namespace rstreams
