#include <rstreams/core/run.hpp>
#include <rstreams/sinks/max.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::max())>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::max())), std::optional<int>>);

TEST_CASE("max yields the greatest element, or nothing", "[sinks][max]") {
  const std::vector<int> xs{4, 2, 9, 2, 7};
  REQUIRE(rs::run(xs | rs::max()) == 9);
  REQUIRE(rs::run(xs | rs::max(std::greater<>{})) == 2);
  REQUIRE_FALSE(rs::run(rs::iota(0, 0) | rs::max()).has_value());
  const std::vector<std::string> words{"pear", "apple", "zucchini", "fig"};
  REQUIRE(rs::run(words | rs::max()) == "zucchini");
}

TEST_CASE("max keeps the first of equal elements", "[sinks][max]") {
  const std::vector<std::pair<int, std::string>> xs{{1, "x"}, {3, "first"}, {2, "y"}, {3, "second"}};
  auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  REQUIRE(rs::run(xs | rs::max(by_key))->second == "first");
}
