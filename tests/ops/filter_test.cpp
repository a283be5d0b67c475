#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rs = rstreams;

namespace {
using ints = std::vector<int>;
auto even = [](int x) { return x % 2 == 0; };

}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::filter(even)), int>);
static_assert(rs::stage<decltype(rs::filter(even))>);

TEST_CASE("filter keeps the elements that satisfy the predicate", "[ops][filter]") {
  REQUIRE(rs::run(rs::iota(0, 10) | rs::filter(even) | rs::to_vector()) == ints{0, 2, 4, 6, 8});
  REQUIRE(rs::run(rs::filter(rs::iota(0, 5), [](int) { return false; }) | rs::to_vector()).empty());
  // Anything convertible to bool will do.
  REQUIRE(rs::run(rs::iota(0, 4) | rs::filter([](int x) { return x % 2; }) | rs::to_vector()) == ints{1, 3});
}

TEST_CASE("filter sees elements read-only and passes move-only ones on", "[ops][filter]") {
  auto got = rs::run(rs::iota(0, 6) | rs::transform([](int x) { return std::make_unique<int>(x); }) |
                     rs::filter([](const std::unique_ptr<int>& p) { return *p > 3; }) |
                     rs::transform([](std::unique_ptr<int> p) { return *p; }) | rs::to_vector());
  REQUIRE(got == ints{4, 5});
}

TEST_CASE("filter pulls no more than the elements its consumer needs", "[ops][filter]") {
  rs::test::pull_counts pulled;
  REQUIRE(rs::run(rs::test::counting_source(pulled) | rs::filter(even) | rs::take(3) | rs::sum()) == 6);
  REQUIRE(pulled.items == 5);
}

TEST_CASE("a push of n through filter reads n upstream elements and may deliver fewer", "[ops][filter]") {
  rs::test::pull_counts pulled;
  auto src = rs::test::counting_source(pulled) | rs::filter(even);
  ints got;
  REQUIRE(rs::push(src, 5, [&](int x) {
            got.push_back(x);
            return true;
          }) == rs::flow::more);
  REQUIRE(pulled.items == 5);
  REQUIRE(got == ints{0, 2, 4});
}

TEST_CASE("reusable pieces: a filter | transform closure used twice", "[ops][filter]") {
  auto clean = rs::filter([](const std::string& s) { return !s.empty(); }) |
               rs::transform([](const std::string& s) { return s.size(); });
  const std::vector<std::string> a{"x", "", "yyy"};
  const std::vector<std::string> b{"", "zz"};
  REQUIRE(rs::run(a | clean | rs::sum()) == 4);
  REQUIRE(rs::run(b | clean | rs::sum()) == 2);
  auto total = clean | rs::sum();
  REQUIRE(rs::run(a | total) == 4);
  REQUIRE(rs::run(b | total) == 2);
}

TEST_CASE("an exception in the predicate names the stage position and the element's number at the source",
          "[ops][filter]") {
  auto p = rs::iota(0, 100) | rs::transform([](int x) { return x; }) | rs::filter(even) |
           rs::filter([](int x) {
             if (x == 40) throw std::runtime_error("bad");
             return true;
           }) |
           rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "filter");
    REQUIRE(e.position() == 3);
    REQUIRE(e.element() == 40);  // the source's element 40: a filter keeps the numbers
    REQUIRE(std::string(e.what()) == "rstreams: filter (stage 3) failed on element 40: bad");
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "bad");
  }
}
