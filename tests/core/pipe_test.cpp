#include <rstreams/core/describe.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>

#include <array>
#include <list>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto times3 = [](int x) { return x * 3; };
auto not_div7 = [](int y) { return y % 7 != 0; };
using clean_t = decltype(rs::transform(times3) | rs::filter(not_div7));
}  // namespace

static_assert(rs::stage<clean_t>);
static_assert(rs::sink<decltype(rs::transform(times3) | rs::sum())>);
static_assert(rs::source_of<decltype(rs::iota(0, 3) | rs::transform(times3)), int>);
static_assert(rs::runnable<decltype(rs::iota(0, 3) | rs::transform(times3) | rs::sum())>);
static_assert(rs::runnable<decltype(rs::iota(0, 3) | (rs::transform(times3) | rs::sum()))>);
static_assert(rs::source<decltype(std::vector<int>{} | rs::transform(times3))>);

TEST_CASE("stage | stage makes a stage that can be stored and used twice", "[core][pipe]") {
  const auto clean = rs::transform(times3) | rs::filter(not_div7);
  const auto a = rs::run(rs::iota(0, 10) | clean | rs::to_vector());
  const auto b = rs::run(rs::iota(0, 10) | clean | rs::to_vector());
  REQUIRE(a == std::vector<int>{3, 6, 9, 12, 15, 18, 24, 27});
  REQUIRE(b == a);

  // Composition is associative: (s | t1) | t2 == s | (t1 | t2).
  auto longer = clean | rs::transform([](int x) { return x + 1; });
  REQUIRE(rs::run(rs::iota(0, 10) | longer | rs::sum()) == rs::run(rs::iota(0, 10) | clean | rs::sum()) + 8);
  REQUIRE(rs::run(rs::iota(0, 10) | std::move(longer) | rs::count()) == 8);
}

TEST_CASE("stage | sink makes a sink", "[core][pipe]") {
  const auto total_of_triples = rs::transform(times3) | rs::sum();
  REQUIRE(rs::run(rs::iota(0, 4) | total_of_triples) == 18);
  REQUIRE(rs::run(rs::iota(0, 5) | total_of_triples) == 30);
  const auto clean_sum = rs::transform(times3) | rs::filter(not_div7) | rs::sum();
  REQUIRE(rs::run(rs::iota(0, 10) | clean_sum) == 114);
}

TEST_CASE("a range on the left becomes a source, borrowed or owned", "[core][pipe]") {
  std::vector<std::string> words{"a", "bb", "ccc"};
  auto sizes =
      rs::run(words | rs::transform([](const std::string& w) { return w.size(); }) | rs::to_vector());
  REQUIRE(sizes == std::vector<std::size_t>{1, 2, 3});
  REQUIRE(words.size() == 3);  // borrowed: untouched

  REQUIRE(rs::run(std::list<int>{1, 2, 3} | rs::transform(times3) | rs::sum()) == 18);
  REQUIRE(rs::run(std::array<int, 3>{4, 5, 6} | rs::sum()) == 15);
}

TEST_CASE("an lvalue source is borrowed: pipelines continue the same source", "[core][pipe]") {
  auto src = rs::iota(0, 10);
  REQUIRE(rs::run(src | rs::first()) == 0);
  REQUIRE(rs::run(src | rs::transform(times3) | rs::first()) == 3);
  REQUIRE(rs::run(src | rs::filter([](int x) { return x > 5; }) | rs::first()) == 6);
  REQUIRE(rs::run(src | rs::to_vector()) == std::vector<int>{7, 8, 9});
  REQUIRE(rs::run(src | rs::count()) == 0);
}

TEST_CASE("a borrowed source is pulled only as far as each pipeline needs", "[core][pipe]") {
  rs::test::pull_counts seen;
  rs::test::counting_source src(seen);
  REQUIRE(rs::run(src | rs::first()) == 0);
  REQUIRE(rs::run(src | rs::first()) == 1);
  REQUIRE(seen.items == 2);
  REQUIRE(seen.starts == 2);  // each run hands its context to the borrowed source
}

TEST_CASE("a pipeline describes its stages", "[core][pipe]") {
  const auto p = rs::iota(0, 10) | rs::transform(times3) | rs::filter(not_div7) | rs::sum();
  REQUIRE(rs::describe(p) == "iota | transform | filter | sum");
  auto src = rs::iota(0, 3);
  REQUIRE(rs::describe(src | rs::transform(times3) | rs::count()) == "iota | transform | count");
}
