#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto to_double = [](int x) { return x * 2.0; };
using doubled = decltype(rs::iota(0, 3) | rs::transform(to_double));
}  // namespace

static_assert(rs::source_of<doubled, double>);
static_assert(rs::stage<decltype(rs::transform(to_double))>);

TEST_CASE("transform applies the function to every element", "[ops][transform]") {
  const auto total = rs::run(rs::iota(0, 5) | rs::transform([](int x) { return x * 10; }) | rs::sum());
  REQUIRE(total == 100);
}

TEST_CASE("transform has a full-call form and changes the element type", "[ops][transform]") {
  auto src = rs::transform(rs::iota(1, 4), [](int x) { return std::to_string(x); });
  std::vector<std::string> seen;
  for (auto&& s : src) seen.push_back(s);
  REQUIRE(seen == std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("transform over a range borrows it and can take elements by reference", "[ops][transform]") {
  const std::vector<std::string> words{"a", "bb", "ccc"};
  const auto total =
      rs::run(words | rs::transform([](const std::string& w) { return w.size(); }) | rs::sum());
  REQUIRE(total == 6);
}

TEST_CASE("an exception in the function names the stage and the element", "[ops][transform]") {
  auto p = rs::iota(0, 100) | rs::transform([](int x) { return x; }) | rs::transform([](int x) {
             if (x == 41) throw std::runtime_error("boom");
             return x;
           }) |
           rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "transform");
    REQUIRE(e.position() == 2);
    REQUIRE(e.element() == 41);
    REQUIRE(std::string(e.what()) == "rstreams: transform (stage 2) failed on element 41: boom");
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "boom");
  }
}
