#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/scan_by_key.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include "support.hpp"

#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using kv = rs::keyed<std::string, int>;
auto plus = [](int a, int b) { return a + b; };
}  // namespace

static_assert(
    rs::source_of<decltype(std::vector<kv>{} | rs::scan_by_key(0L, plus)), rs::keyed<std::string, long>>);

TEST_CASE("scan_by_key emits each key's running state per element", "[agg][scan_by_key]") {
  const std::vector<kv> in{{"a", 1}, {"b", 10}, {"a", 2}, {"b", 20}, {"a", 3}};
  const auto out = rs::run(in | rs::scan_by_key(0, plus) | agg_test::collect());
  REQUIRE(out == std::vector<kv>{{"a", 1}, {"b", 10}, {"a", 3}, {"b", 30}, {"a", 6}});
}

TEST_CASE("scan_by_key restarts an evicted key from init", "[agg][scan_by_key]") {
  const std::vector<kv> in{{"a", 1}, {"b", 10}, {"a", 2}};
  rs::agg_counters c;
  const auto out = rs::run(in | rs::scan_by_key(0, plus, rs::key_limit(1), &c) | agg_test::collect());
  REQUIRE(out == std::vector<kv>{{"a", 1}, {"b", 10}, {"a", 2}});
  REQUIRE(c.evicted == 2);
}

TEST_CASE("scan_by_key stops when downstream is satisfied", "[agg][scan_by_key]") {
  auto src = rs::iota(0, 1000000) | rs::key_by([](int x) { return x % 3; }) |
             rs::scan_by_key(0L, [](long a, int) { return a + 1; });
  int seen = 0;
  for (auto&& x : src) {
    if (++seen == 4) {
      REQUIRE(x.key == 0);
      REQUIRE(x.value == 2);
      break;
    }
  }
}
