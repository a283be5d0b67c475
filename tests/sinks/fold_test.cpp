#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sinks/fold.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/throwing.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;

namespace {
auto plus = [](long acc, int x) { return acc + x; };
}  // namespace

static_assert(rs::sink<decltype(rs::fold(0L, plus))>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::fold(0L, plus))), long>);

TEST_CASE("fold accumulates from the left, starting with init", "[sinks][fold]") {
  REQUIRE(rs::run(rs::iota(1, 5) | rs::fold(0L, plus)) == 10);
  REQUIRE(rs::run(rs::iota(1, 1) | rs::fold(42L, plus)) == 42);
  auto digits = rs::run(rs::iota(1, 4) | rs::fold(std::string(">"), [](std::string acc, int x) {
                          return std::move(acc) + std::to_string(x);
                        }));
  REQUIRE(digits == ">123");
}

TEST_CASE("fold with a void function updates the accumulator in place", "[sinks][fold]") {
  auto v = rs::run(rs::iota(0, 4) |
                   rs::fold(std::vector<int>{}, [](std::vector<int>& acc, int x) { acc.push_back(x * x); }));
  REQUIRE(v == std::vector<int>{0, 1, 4, 9});
}

TEST_CASE("fold is reusable: each run starts from a copy of init", "[sinks][fold]") {
  const auto total = rs::fold(100L, plus);
  REQUIRE(rs::run(rs::iota(0, 3) | total) == 103);
  REQUIRE(rs::run(rs::iota(0, 3) | total) == 103);
}

TEST_CASE("an exception in the function names fold and the element", "[sinks][fold]") {
  try {
    rs::run(rs::iota(0, 10) | rs::fold(0L, rs::test::throw_on_call(6, plus, "overflow")));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "fold");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 6);
    REQUIRE(std::string(e.what()) == "rstreams: fold (stage 1) failed on element 6: overflow");
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "overflow");
  }
}
