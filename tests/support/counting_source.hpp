#pragma once
// A test source of 0, 1, 2, ... (int) that counts how it is pulled, to prove demand:
//
//   rstreams::test::pull_counts counts;
//   rstreams::run(rstreams::test::counting_source(counts) | rstreams::first());
//   REQUIRE(counts.items == 1);
//
// The counters live outside the source (the source is moved into the pipeline).
// `counting_source` offers only the bulk `push`; `counting_next_source` only `next()`, so a
// test can exercise both adapters of core/pull.hpp.

#include <rstreams/core/context.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace rstreams::test {

/// What a counting source saw.
struct pull_counts {
  std::size_t items = 0;       ///< elements handed out (including one the callback refused)
  std::size_t push_calls = 0;  ///< calls of push(n, f)
  std::size_t next_calls = 0;  ///< calls of next()
  std::size_t starts = 0;      ///< calls of start(ctx), i.e. runs that reached the source
};

enum class pull_api { push, next };

template <pull_api Api>
class basic_counting_source : public source_interface<basic_counting_source<Api>> {
 public:
  static constexpr std::string_view name = "counting";
  using value_type = int;

  /// 0, 1, 2, ... without end.
  explicit basic_counting_source(pull_counts& counts) noexcept : counts_(&counts) {}
  /// 0, 1, ..., limit - 1.
  basic_counting_source(pull_counts& counts, int limit) noexcept : counts_(&counts), limit_(limit) {}

  void start(const run_context& /*ctx*/) noexcept { ++counts_->starts; }

  template <class F>
  flow push(std::size_t n, F&& f) requires(Api == pull_api::push) {
    ++counts_->push_calls;
    for (; n != 0; --n) {
      if (exhausted()) return flow::done;
      ++counts_->items;
      if (!f(next_++)) break;
    }
    return exhausted() ? flow::done : flow::more;
  }

  std::optional<int> next() requires(Api == pull_api::next) {
    ++counts_->next_calls;
    if (exhausted()) return std::nullopt;
    ++counts_->items;
    return next_++;
  }

 private:
  [[nodiscard]] bool exhausted() const noexcept { return limit_ && next_ >= *limit_; }

  pull_counts* counts_;
  std::optional<int> limit_;
  int next_ = 0;
};

/// Offers `push` only.
using counting_source = basic_counting_source<pull_api::push>;
/// Offers `next()` only.
using counting_next_source = basic_counting_source<pull_api::next>;

}  // namespace rstreams::test
