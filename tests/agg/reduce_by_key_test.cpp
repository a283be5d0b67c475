#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/reduce_by_key.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include "support.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
using kv = rs::keyed<std::string, int>;
auto max_of = [](int a, int b) { return std::max(a, b); };
}  // namespace

static_assert(rs::source_of<decltype(std::vector<kv>{} | rs::reduce_by_key(max_of)), kv>);

TEST_CASE("reduce_by_key starts each key with its first value", "[agg][reduce_by_key]") {
  const std::vector<kv> in{{"x", -5}, {"y", 3}, {"x", -7}, {"y", 9}, {"z", -1}};
  const auto out = rs::run(in | rs::reduce_by_key(max_of) | agg_test::collect());
  REQUIRE(out == std::vector<kv>{{"x", -5}, {"y", 9}, {"z", -1}});
}

TEST_CASE("reduce_by_key with a bounded table emits evicted keys", "[agg][reduce_by_key]") {
  const auto out =
      rs::run(rs::iota(0, 6) | rs::key_by([](int x) { return x / 2; }) |
              rs::reduce_by_key([](int a, int b) { return a + b; }, rs::key_limit(1)) | agg_test::collect());
  using ki = rs::keyed<int, int>;
  REQUIRE(out == std::vector<ki>{{0, 1}, {1, 5}, {2, 9}});
}
