#include <rstreams/core/run.hpp>
#include <rstreams/ops/drop.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <cstddef>
#include <string_view>
#include <vector>

namespace rs = rstreams;

namespace {}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::drop(3)), int>);
static_assert(rs::stage<decltype(rs::drop(3))>);

TEST_CASE("drop skips the first n elements", "[ops][drop]") {
  REQUIRE(rs::run(rs::iota(0, 6) | rs::drop(4) | rs::to_vector()) == std::vector<int>{4, 5});
  REQUIRE(rs::run(rs::drop(rs::iota(0, 3), 0) | rs::to_vector()) == std::vector<int>{0, 1, 2});
  REQUIRE(rs::run(rs::iota(0, 3) | rs::drop(10) | rs::to_vector()).empty());
}

TEST_CASE("drop pulls only the skipped elements plus what is taken", "[ops][drop]") {
  rs::test::pull_counts pulled;
  REQUIRE(rs::run(rs::test::counting_source(pulled) | rs::drop(10) | rs::take(3) | rs::to_vector()) ==
          std::vector<int>{10, 11, 12});
  REQUIRE(pulled.items == 13);
}

TEST_CASE("drop counts skipped elements against a push's demand", "[ops][drop]") {
  rs::test::pull_counts pulled;
  auto src = rs::test::counting_source(pulled) | rs::drop(5);
  std::vector<int> got;
  auto sink = [&](int x) {
    got.push_back(x);
    return true;
  };
  REQUIRE(rs::push(src, 3, sink) == rs::flow::more);  // still skipping: nothing delivered
  REQUIRE(got.empty());
  REQUIRE(pulled.items == 3);
  REQUIRE(rs::push(src, 4, sink) == rs::flow::more);  // 2 skipped, 2 delivered
  REQUIRE(got == std::vector<int>{5, 6});
  REQUIRE(rs::push(src, 2, sink) == rs::flow::more);
  REQUIRE(got == std::vector<int>{5, 6, 7, 8});
  REQUIRE(pulled.items == 9);
}

TEST_CASE("drop after a filter skips kept elements", "[ops][drop]") {
  auto odd = [](int x) { return x % 2 == 1; };
  REQUIRE(rs::run(rs::iota(0, 12) | rs::filter(odd) | rs::drop(3) | rs::to_vector()) ==
          std::vector<int>{7, 9, 11});
}

TEST_CASE("drop reports the end of a short source", "[ops][drop]") {
  auto src = rs::iota(0, 2) | rs::drop(5);
  REQUIRE(rs::push(src, 100, [](int) { return true; }) == rs::flow::done);
  REQUIRE(rs::push(src, 100, [](int) { return true; }) == rs::flow::done);
}
