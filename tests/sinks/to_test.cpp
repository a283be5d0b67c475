#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <deque>
#include <list>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace rs = rstreams;

static_assert(rs::sink<decltype(rs::to<std::set<int>>())>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::to<std::set<int>>())), std::set<int>>);

TEST_CASE("to<C> uses push_back where there is one", "[sinks][to]") {
  REQUIRE(rs::run(rs::iota(0, 3) | rs::to<std::deque<int>>()) == std::deque<int>{0, 1, 2});
  REQUIRE(rs::run(rs::iota(0, 3) | rs::to<std::list<long>>()) == std::list<long>{0, 1, 2});
  REQUIRE(rs::run(rs::iota(65, 68) | rs::transform([](int c) { return static_cast<char>(c); }) |
                  rs::to<std::string>()) == "ABC");
}

TEST_CASE("to<C> inserts into associative containers", "[sinks][to]") {
  const std::vector<int> xs{3, 1, 3, 2, 1};
  REQUIRE(rs::run(xs | rs::to<std::set<int>>()) == std::set<int>{1, 2, 3});
  REQUIRE(rs::run(xs | rs::to<std::unordered_set<int>>()).size() == 3);
  REQUIRE(rs::run(xs | rs::to<std::multiset<int>>()).count(3) == 2);

  auto m =
      rs::run(rs::iota(0, 3) | rs::transform([](int i) { return std::pair(i, std::to_string(i * 10)); }) |
              rs::to<std::map<int, std::string>>());
  REQUIRE(m == std::map<int, std::string>{{0, "0"}, {1, "10"}, {2, "20"}});
}
