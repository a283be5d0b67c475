#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/drop_while.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <stdexcept>
#include <vector>

namespace rs = rstreams;

namespace {
auto below_3 = [](int x) { return x < 3; };
}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::drop_while(below_3)), int>);
static_assert(rs::stage<decltype(rs::drop_while(below_3))>);

TEST_CASE("drop_while skips the leading elements that satisfy the predicate", "[ops][drop_while]") {
  REQUIRE(rs::run(rs::iota(0, 6) | rs::drop_while(below_3) | rs::to_vector()) == std::vector<int>{3, 4, 5});
  const std::vector<int> v{1, 5, 1, 2};
  REQUIRE(rs::run(rs::drop_while(v, below_3) | rs::to_vector()) == std::vector<int>{5, 1, 2});
  REQUIRE(rs::run(v | rs::drop_while([](int) { return true; }) | rs::to_vector()).empty());
}

TEST_CASE("drop_while stops calling the predicate after the first failure", "[ops][drop_while]") {
  std::size_t calls = 0;
  auto got = rs::run(rs::iota(0) | rs::drop_while([&](int x) {
                       ++calls;
                       return x < 2;
                     }) |
                     rs::take(5) | rs::to_vector());
  REQUIRE(got == std::vector<int>{2, 3, 4, 5, 6});
  REQUIRE(calls == 3);
}

TEST_CASE("an exception in drop_while's predicate names the stage and the element", "[ops][drop_while]") {
  auto p = rs::iota(0, 10) | rs::take(10) | rs::drop_while([](int x) {
             if (x == 4) throw std::runtime_error("bad");
             return true;
           }) |
           rs::to_vector();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "drop_while");
    REQUIRE(e.position() == 2);
    REQUIRE(e.element() == 4);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "bad");
  }
}
