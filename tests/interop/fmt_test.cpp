#include <rstreams/interop/fmt.hpp>

#include <rstreams/core/run.hpp>
#include <rstreams/ops/chunk.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rs = rstreams;

namespace {
auto twice = [](int x) { return x * 2; };
auto odd = [](int x) { return x % 2 == 1; };

using pipeline_t = decltype(rs::iota(0, 10) | rs::transform(twice) | rs::filter(odd) | rs::sum());
}  // namespace

static_assert(fmt::is_formattable<pipeline_t>::value);
static_assert(fmt::is_formattable<decltype(rs::iota(0))>::value);
static_assert(fmt::is_formattable<decltype(rs::take(3))>::value);
static_assert(fmt::is_formattable<decltype(rs::sum())>::value);
static_assert(!fmt::is_range<decltype(rs::iota(0)), char>::value);
static_assert(!fmt::is_range<rs::test::counting_source, char>::value);
// Ranges that are not sources are still ranges to fmt.
static_assert(fmt::is_range<std::vector<int>, char>::value);

TEST_CASE("fmt prints a pipeline as its stages", "[interop][fmt]") {
  auto p = rs::iota(0, 10) | rs::transform(twice) | rs::filter(odd) | rs::sum();
  REQUIRE(fmt::format("{}", p) == "iota | transform | filter | sum");
  REQUIRE(rs::run(p) == 0);  // and it still runs
}

TEST_CASE("fmt prints sources, stage closures and sinks", "[interop][fmt]") {
  REQUIRE(fmt::format("{}", rs::iota(0) | rs::take(3) | rs::chunk(2)) == "iota | take | chunk");
  REQUIRE(fmt::format("{}", rs::take(3) | rs::chunk(2)) == "take | chunk");
  REQUIRE(fmt::format("{}", rs::take(3) | rs::sum()) == "take | sum");
  REQUIRE(fmt::format("{}", rs::to_vector()) == "to_vector");
  REQUIRE(fmt::format("{}", std::vector<int>{1, 2} | rs::take(1)) == "from_range | take");
}

TEST_CASE("fmt applies the string format spec to the description", "[interop][fmt]") {
  REQUIRE(fmt::format("[{:>12}]", rs::iota(0) | rs::take(1)) == "[ iota | take]");
  REQUIRE(fmt::format("[{:.4}]", rs::iota(0) | rs::take(1)) == "[iota]");
}

TEST_CASE("formatting a source does not pull it", "[interop][fmt]") {
  rs::test::pull_counts pulled;
  auto src = rs::test::counting_source(pulled) | rs::take(3);
  REQUIRE(fmt::format("{}", src) == "counting | take");
  REQUIRE(pulled.items == 0);
  REQUIRE(rs::run(std::move(src) | rs::sum()) == 3);
}

TEST_CASE("fmt still formats ordinary ranges as ranges", "[interop][fmt]") {
  REQUIRE(fmt::format("{}", std::vector<int>{1, 2, 3}) == "[1, 2, 3]");
}
