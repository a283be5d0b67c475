// The other half of the ODR test (see odr_one_test.cpp).
#include <support/all_core_headers.hpp>
#include <support/catch.hpp>

#include <functional>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source<decltype(rs::iota(0) | rs::take(3))>);

TEST_CASE("core headers link when included by two translation units (two)", "[core][odr]") {
  REQUIRE(rs::run(rs::iota(0, 10) | rs::filter([](int x) { return x % 2 == 0; }) | rs::take(2) | rs::sum()) ==
          2);
  REQUIRE(rs::run(rs::iota(1, 4) | rs::scan(0, std::plus{}) | rs::flat_map([](int x) {
                    return std::vector{x, x};
                  }) |
                  rs::distinct() | rs::to_vector()) == std::vector<int>{1, 3, 6});
  REQUIRE(rs::run(rs::iota(0, 5) | rs::take_while([](int x) { return x < 3; }) |
                  rs::drop_while([](int x) { return x < 1; }) | rs::tap([](int) {}) | rs::to_vector()) ==
          std::vector<int>{1, 2});
}
