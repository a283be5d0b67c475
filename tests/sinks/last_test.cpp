#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/last.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::last())>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::last())), std::optional<int>>);

TEST_CASE("last yields the last element, or nothing", "[sinks][last]") {
  REQUIRE(rs::run(rs::iota(0, 10'000) | rs::last()) == 9'999);
  REQUIRE_FALSE(rs::run(rs::iota(0, 0) | rs::last()).has_value());
  const std::vector<std::string> words{"x", "y"};
  REQUIRE(rs::run(words | rs::last()) == "y");
}

TEST_CASE("last works with move-only elements", "[sinks][last]") {
  auto got =
      rs::run(rs::iota(0, 3) | rs::transform([](int i) { return std::make_unique<int>(i); }) | rs::last());
  REQUIRE(got.has_value());
  REQUIRE(**got == 2);
}
