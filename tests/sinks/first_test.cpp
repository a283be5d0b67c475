#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;
using rs::test::counting_next_source;
using rs::test::counting_source;
using rs::test::pull_counts;

static_assert(rs::sink<decltype(rs::first())>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::first())), std::optional<int>>);

TEST_CASE("first yields the first element, or nothing", "[sinks][first]") {
  REQUIRE(rs::run(rs::iota(5, 9) | rs::first()) == 5);
  REQUIRE_FALSE(rs::run(rs::iota(5, 5) | rs::first()).has_value());
  const std::vector<std::string> words{"x", "y"};
  REQUIRE(rs::run(words | rs::first()) == "x");
}

TEST_CASE("first pulls exactly one element from an infinite source", "[sinks][first]") {
  SECTION("a push source") {
    pull_counts seen;
    REQUIRE(rs::run(counting_source(seen) | rs::first()) == 0);
    REQUIRE(seen.items == 1);
    REQUIRE(seen.push_calls == 1);
  }
  SECTION("a next() source") {
    pull_counts seen;
    REQUIRE(rs::run(counting_next_source(seen) | rs::transform([](int x) { return x + 1; }) | rs::first()) ==
            1);
    REQUIRE(seen.items == 1);
    REQUIRE(seen.next_calls == 1);
  }
}

TEST_CASE("first behind a filter pulls only up to the first match", "[sinks][first]") {
  pull_counts seen;
  REQUIRE(rs::run(counting_source(seen) | rs::filter([](int x) { return x > 0 && x % 7 == 0; }) |
                  rs::first()) == 7);
  REQUIRE(seen.items == 8);
}
