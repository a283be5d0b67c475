#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::count())>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::count())), std::size_t>);

TEST_CASE("count counts the elements that reach it", "[sinks][count]") {
  REQUIRE(rs::run(rs::iota(0, 0) | rs::count()) == 0);
  REQUIRE(rs::run(rs::iota(0, 1'000) | rs::filter([](int x) { return x % 3 == 0; }) | rs::count()) == 334);
  const std::vector<std::string> words{"a", "b"};
  REQUIRE(rs::run(words | rs::count()) == 2);
}

TEST_CASE("count pulls everything, once", "[sinks][count]") {
  rs::test::pull_counts seen;
  REQUIRE(rs::run(rs::test::counting_source(seen, 10'000) | rs::count()) == 10'000);
  REQUIRE(seen.items == 10'000);
  REQUIRE(seen.starts == 1);
}
