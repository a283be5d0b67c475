#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sinks/min.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/throwing.hpp>

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::min())>);
static_assert(rs::sink<decltype(rs::min(std::greater<>{}))>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::min())), std::optional<int>>);

TEST_CASE("min yields the least element, or nothing", "[sinks][min]") {
  const std::vector<int> xs{4, 2, 9, 2, 7};
  REQUIRE(rs::run(xs | rs::min()) == 2);
  REQUIRE(rs::run(xs | rs::min(std::greater<>{})) == 9);
  REQUIRE_FALSE(rs::run(rs::iota(0, 0) | rs::min()).has_value());
  REQUIRE(rs::run(rs::iota(3, 4) | rs::min()) == 3);
}

TEST_CASE("min keeps the first of equal elements", "[sinks][min]") {
  const std::vector<std::pair<int, std::string>> xs{{2, "late"}, {1, "first"}, {3, "x"}, {1, "second"}};
  auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  REQUIRE(rs::run(xs | rs::min(by_key))->second == "first");
}

TEST_CASE("an exception in the comparator names min and the element", "[sinks][min]") {
  try {
    rs::run(rs::iota(0, 10) | rs::min(rs::test::throw_on_call(3, std::less<>{})));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "min");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 4);  // element 0 is taken without comparing; call 3 compares element 4
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "boom");
  }
}
