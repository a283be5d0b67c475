#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/take_while.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto below_4 = [](int x) { return x < 4; };
}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::take_while(below_4)), int>);
static_assert(rs::stage<decltype(rs::take_while(below_4))>);

TEST_CASE("take_while passes on the leading elements that satisfy the predicate", "[ops][take_while]") {
  REQUIRE(rs::run(rs::iota(0) | rs::take_while(below_4) | rs::to_vector()) == std::vector<int>{0, 1, 2, 3});
  const std::vector<int> v{1, 2, 9, 1, 2};
  REQUIRE(rs::run(rs::take_while(v, below_4) | rs::to_vector()) == std::vector<int>{1, 2});
  REQUIRE(rs::run(v | rs::take_while([](int) { return false; }) | rs::to_vector()).empty());
  REQUIRE(rs::run(v | rs::take_while([](int) { return true; }) | rs::to_vector()) == v);
}

TEST_CASE("take_while consumes exactly one element past the run and then stays done", "[ops][take_while]") {
  std::size_t calls = 0;
  auto src = rs::iota(0) | rs::take_while([&](int x) {
               ++calls;
               return x < 3;
             });
  std::vector<int> got;
  auto sink = [&](int x) {
    got.push_back(x);
    return true;
  };
  REQUIRE(rs::push(src, 2, sink) == rs::flow::more);
  REQUIRE(rs::push(src, 100, sink) == rs::flow::done);
  REQUIRE(rs::push(src, 100, sink) == rs::flow::done);
  REQUIRE(got == std::vector<int>{0, 1, 2});
  REQUIRE(calls == 4);
}

TEST_CASE("take_while's predicate sees elements read-only and they move on intact", "[ops][take_while]") {
  std::vector<std::string> words{"a", "bb", "", "ccc"};
  auto got = rs::run(rs::from_range(std::move(words)) |
                     rs::take_while([](const std::string& w) { return !w.empty(); }) | rs::to_vector());
  REQUIRE(got == std::vector<std::string>{"a", "bb"});
}

TEST_CASE("an exception in take_while's predicate names the stage and the element", "[ops][take_while]") {
  auto p = rs::iota(0) | rs::take_while([](int x) {
             if (x == 7) throw std::runtime_error("bad");
             return true;
           }) |
           rs::to_vector();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "take_while");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 7);
  }
}
