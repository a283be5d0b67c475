#include <rstreams/agg/group_by.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include "support.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto mod3 = [](int x) { return x % 3; };
}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0, 3) | rs::group_by(mod3)), rs::keyed<int, std::vector<int>>>);

TEST_CASE("group_by groups a finite source in first-seen key order", "[agg][group_by]") {
  const auto out = rs::run(rs::iota(1, 8) | rs::group_by(mod3) | agg_test::collect());
  using g = rs::keyed<int, std::vector<int>>;
  REQUIRE(out == std::vector<g>{{1, {1, 4, 7}}, {2, {2, 5}}, {0, {3, 6}}});
}

TEST_CASE("group_by over an empty source yields nothing", "[agg][group_by]") {
  const auto out = rs::run(std::vector<std::string>{} |
                           rs::group_by([](const std::string& s) { return s.size(); }) | agg_test::collect());
  REQUIRE(out.empty());
}

TEST_CASE("an exception in the key function names group_by", "[agg][group_by]") {
  auto p = rs::iota(0, 5) | rs::group_by([](int x) {
             if (x == 3) throw std::runtime_error("bad");
             return x;
           }) |
           agg_test::collect();
  REQUIRE_THROWS_WITH(rs::run(p), "rstreams: group_by (stage 1) failed on element 3: bad");
}
