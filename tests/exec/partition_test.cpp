#include <rstreams/core/run.hpp>
#include <rstreams/exec/partition.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <string>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::partition([](int x) { return x > 0; }, rs::sum(), rs::sum()))>);

TEST_CASE("partition splits by a predicate into two sinks", "[exec][partition]") {
  const auto [evens, odds] =
      rs::run(rs::iota(0, 7) | rs::partition([](int x) { return x % 2 == 0; }, rs::to_vector(), rs::sum()));
  REQUIRE(evens == std::vector<int>{0, 2, 4, 6});
  REQUIRE(odds == 9);
}

TEST_CASE("partition moves strings without copying them twice", "[exec][partition]") {
  const std::vector<std::string> words{"a", "bb", "c"};
  const auto [short_ones, long_ones] =
      rs::run(words | rs::partition([](const std::string& w) { return w.size() == 1; }, rs::to_vector(),
                                    rs::to_vector()));
  REQUIRE(short_ones == std::vector<std::string>{"a", "c"});
  REQUIRE(long_ones == std::vector<std::string>{"bb"});
}
