// One half of the ODR test: this file and odr_two_test.cpp include every core header and link
// into one executable, so a non-inline definition in a header breaks the link.
#include <support/all_core_headers.hpp>
#include <support/catch.hpp>

#include <vector>

namespace rs = rstreams;

static_assert(rs::source<decltype(rs::iota(0) | rs::take(3))>);

TEST_CASE("core headers link when included by two translation units (one)", "[core][odr]") {
  auto evens = rs::filter([](int x) { return x % 2 == 0; }) | rs::transform([](int x) { return x * 10; });
  REQUIRE(rs::run(rs::iota(0, 10) | evens | rs::chunk(2) | rs::join() | rs::to_vector()) ==
          std::vector<int>{0, 20, 40, 60, 80});
  REQUIRE(rs::run(rs::iota(0) | rs::drop(2) | rs::take(3) | rs::sum()) == 9);
  REQUIRE(rs::describe(rs::iota(0) | rs::enumerate()) == "iota | enumerate");
}
