#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/generate.hpp>

#include <support/catch.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto counter = [n = 0]() mutable { return n++; };
auto countdown = [n = 3]() mutable -> std::optional<int> {
  if (n == 0) return std::nullopt;
  return n--;
};
}  // namespace

static_assert(rs::source_of<decltype(rs::generate(counter)), int>);
static_assert(rs::source_of<decltype(rs::generate(countdown)), int>);
static_assert(rs::source_of<decltype(rs::generate([] { return std::string(); })), std::string>);

TEST_CASE("generate with an optional result ends at nullopt and does not call again", "[sources][generate]") {
  int calls = 0;
  auto src = rs::generate([&calls]() -> std::optional<std::string> {
    ++calls;
    if (calls > 3) return std::nullopt;
    return std::string(static_cast<std::size_t>(calls), 'x');
  });
  REQUIRE(rs::run(src | rs::to_vector()) == std::vector<std::string>{"x", "xx", "xxx"});
  REQUIRE(calls == 4);
  REQUIRE_FALSE(rs::pull(src).has_value());
  REQUIRE(rs::run(src | rs::count()) == 0);
  REQUIRE(calls == 4);
}

TEST_CASE("generate without optional is infinite; first calls the function once", "[sources][generate]") {
  int calls = 0;
  auto got = rs::run(rs::generate([&calls] { return ++calls * 10; }) | rs::first());
  REQUIRE(got == 10);
  REQUIRE(calls == 1);
}

TEST_CASE("a borrowed generate source continues where the last run stopped", "[sources][generate]") {
  auto src = rs::generate(counter);
  REQUIRE(rs::run(src | rs::first()) == 0);
  REQUIRE(rs::run(src | rs::first()) == 1);
  REQUIRE(rs::pull(src) == 2);
}

TEST_CASE("generate copies its function, so a stored lambda restarts in each source", "[sources][generate]") {
  REQUIRE(rs::run(rs::generate(countdown) | rs::sum()) == 6);
  REQUIRE(rs::run(rs::generate(countdown) | rs::sum()) == 6);
}

TEST_CASE("an exception in the function names generate and the element", "[sources][generate]") {
  auto src = rs::generate([n = 0]() mutable {
    if (n == 5) throw std::runtime_error("no more");
    return n++;
  });
  try {
    rs::run(std::move(src) | rs::transform([](int x) { return x; }) | rs::sum());
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "generate");
    REQUIRE(e.position() == 0);
    REQUIRE(e.element() == 5);
    REQUIRE(std::string(e.what()) == "rstreams: generate (stage 0) failed on element 5: no more");
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "no more");
  }
}
