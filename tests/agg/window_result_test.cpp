#include <rstreams/agg/window_result.hpp>

#include <support/catch.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>

namespace rs = rstreams;
using namespace std::chrono_literals;

static_assert(std::is_same_v<decltype(rs::window_result<int, double>{}.start), std::chrono::nanoseconds>);
static_assert(std::is_same_v<decltype(rs::window_result<int, double, std::uint64_t>{}.end), std::uint64_t>);

TEST_CASE("window results compare every field, the late flag included", "[agg][window_result]") {
  using w = rs::window_result<std::string, int>;
  const w on_time{"k", 0ns, 10ns, 3};
  REQUIRE(on_time == w{"k", 0ns, 10ns, 3, false});
  REQUIRE_FALSE(on_time == w{"k", 0ns, 10ns, 3, true});
  REQUIRE_FALSE(on_time == w{"k", 0ns, 20ns, 3});
}
