#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/route.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto by_mod3 = [](int x) { return static_cast<std::size_t>(x % 3); };
}  // namespace

static_assert(rs::sink<decltype(rs::route(by_mod3, rs::count(), rs::count(), rs::count()))>);

TEST_CASE("route sends each element to the sink its key names", "[exec][route]") {
  const auto [zeros, ones, twos] =
      rs::run(rs::iota(0, 10) | rs::route(by_mod3, rs::to_vector(), rs::to_vector(), rs::count()));
  REQUIRE(zeros == std::vector<int>{0, 3, 6, 9});
  REQUIRE(ones == std::vector<int>{1, 4, 7});
  REQUIRE(twos == 3);
}

TEST_CASE("a key past the last sink is a stage_error", "[exec][route]") {
  REQUIRE_THROWS_WITH(
      rs::run(rs::iota(0, 5) | rs::route([](int x) { return std::size_t(x); }, rs::count(), rs::count())),
      "rstreams: route (stage 1) failed on element 2: the key 2 names no sink (there are 2)");
}
