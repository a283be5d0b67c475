#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/scan.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;

static_assert(rs::source_of<decltype(rs::iota(1, 4) | rs::scan(0L, std::plus{})), long>);
static_assert(rs::stage<decltype(rs::scan(0, std::plus{}))>);

TEST_CASE("scan emits each running accumulator", "[ops][scan]") {
  REQUIRE(rs::run(rs::iota(1, 5) | rs::scan(0, std::plus{}) | rs::to_vector()) ==
          std::vector<int>{1, 3, 6, 10});
  REQUIRE(rs::run(rs::scan(rs::iota(1, 1), 7, std::plus{}) | rs::to_vector()).empty());
}

TEST_CASE("scan's accumulator has the type of the initial value", "[ops][scan]") {
  const std::vector<std::string> words{"a", "b", "c"};
  auto got = rs::run(
      words |
      rs::scan(std::string(">"), [](std::string acc, const std::string& w) { return std::move(acc) + w; }) |
      rs::to_vector());
  REQUIRE(got == std::vector<std::string>{">a", ">ab", ">abc"});
  auto counts = rs::run(
      words | rs::scan(std::size_t{0}, [](std::size_t n, const std::string& w) { return n + w.size(); }) |
      rs::to_vector());
  REQUIRE(counts == std::vector<std::size_t>{1, 2, 3});
}

TEST_CASE("scan over an infinite source stops with take", "[ops][scan]") {
  REQUIRE(rs::run(rs::iota(1) | rs::scan(1, std::multiplies{}) | rs::take(5) | rs::to_vector()) ==
          std::vector<int>{1, 2, 6, 24, 120});
}

TEST_CASE("a scan closure keeps its own initial value each time it is used", "[ops][scan]") {
  auto running = rs::scan(100, std::plus{});
  REQUIRE(rs::run(rs::iota(1, 3) | running | rs::to_vector()) == std::vector<int>{101, 103});
  REQUIRE(rs::run(rs::iota(1, 3) | running | rs::to_vector()) == std::vector<int>{101, 103});
}

TEST_CASE("an exception in scan's function names the stage and the element", "[ops][scan]") {
  auto p = rs::iota(0, 10) |
           rs::scan(0,
                    [](int acc, int x) {
                      if (x == 5) throw std::runtime_error("overflow");
                      return acc + x;
                    }) |
           rs::to_vector();
  REQUIRE_THROWS_WITH(rs::run(p), "rstreams: scan (stage 1) failed on element 5: overflow");
}
