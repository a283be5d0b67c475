#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/devnull.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <string>
#include <type_traits>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::devnull())>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::devnull())), std::size_t>);

TEST_CASE("devnull drops everything, runs the stages, and says how many it dropped", "[sinks][devnull]") {
  int side_effects = 0;
  const auto dropped = rs::run(rs::iota(0, 500) | rs::transform([&side_effects](int x) {
                                 ++side_effects;
                                 return std::to_string(x);
                               }) |
                               rs::devnull());
  REQUIRE(dropped == 500);
  REQUIRE(side_effects == 500);
}
