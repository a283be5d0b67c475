#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/empty.hpp>

#include <support/catch.hpp>

#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
struct no_default {
  explicit no_default(int) {}
};
}  // namespace

static_assert(rs::source_of<decltype(rs::empty<int>()), int>);
static_assert(rs::source_of<rs::empty_source<no_default>, no_default>);

TEST_CASE("empty has no elements", "[sources][empty]") {
  REQUIRE(rs::run(rs::empty<int>() | rs::count()) == 0);
  REQUIRE(rs::run(rs::empty<int>() | rs::sum()) == 0);
  REQUIRE(rs::run(rs::empty<std::string>() | rs::to_vector()).empty());
  REQUIRE_FALSE(rs::run(rs::empty<int>() | rs::first()).has_value());
}

TEST_CASE("empty through stages never calls their functions", "[sources][empty]") {
  int calls = 0;
  auto n = rs::run(rs::empty<int>() | rs::transform([&](int x) {
                     ++calls;
                     return x;
                   }) |
                   rs::filter([&](int) {
                     ++calls;
                     return true;
                   }) |
                   rs::count());
  REQUIRE(n == 0);
  REQUIRE(calls == 0);
}

TEST_CASE("empty answers both pulls with the end", "[sources][empty]") {
  auto src = rs::empty<no_default>();
  REQUIRE_FALSE(rs::pull(src).has_value());
  REQUIRE(rs::push(src, 5, [](no_default&&) { return true; }) == rs::flow::done);
  int iterations = 0;
  for (auto&& x : src) {
    (void)x;
    ++iterations;
  }
  REQUIRE(iterations == 0);
}
