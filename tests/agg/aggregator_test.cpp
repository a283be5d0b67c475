#include <rstreams/agg/aggregator.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace rs = rstreams;

namespace {
auto sum_agg = rs::aggregate(
    0.0, [](double s, int x) { return s + x; }, std::plus<>{});
auto concat_agg = rs::aggregate(
    std::string{}, [](std::string& s, char c) { s += c; },
    [](std::string& s, const std::string& o) { s += o; }, [](const std::string& s) { return s.size(); });
}  // namespace

static_assert(rs::aggregator_for<rs::counting_aggregator, int>);
static_assert(rs::aggregator_for<decltype(sum_agg), int>);
static_assert(rs::aggregator_for<decltype(concat_agg), char>);
static_assert(!rs::aggregator_for<decltype(sum_agg), std::string>);
static_assert(std::is_same_v<rs::aggregate_t<rs::counting_aggregator>, std::uint64_t>);
static_assert(std::is_same_v<rs::aggregate_t<decltype(concat_agg)>, std::size_t>);

TEST_CASE("counting adds and merges counts", "[agg][aggregator]") {
  const auto c = rs::counting();
  auto a = c.init();
  c.add(a, 'x');
  c.add(a, 'y');
  auto b = c.init();
  c.add(b, 'z');
  c.merge(a, b);
  REQUIRE(c.result(a) == 3);
}

TEST_CASE("aggregate accepts returning and mutating steps and a result function", "[agg][aggregator]") {
  auto s = sum_agg.init();
  sum_agg.add(s, 2);
  sum_agg.add(s, 3);
  auto t = sum_agg.init();
  sum_agg.add(t, 10);
  sum_agg.merge(s, t);
  REQUIRE(sum_agg.result(s) == 15.0);

  auto x = concat_agg.init();
  concat_agg.add(x, 'a');
  auto y = concat_agg.init();
  concat_agg.add(y, 'b');
  concat_agg.add(y, 'c');
  concat_agg.merge(x, y);
  REQUIRE(x == "abc");
  REQUIRE(concat_agg.result(x) == 3);
}
