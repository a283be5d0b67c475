#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/tap.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;

namespace {
auto noop = [](const int&) {};
}  // namespace

static_assert(rs::source_of<decltype(rs::iota(0) | rs::tap(noop)), int>);
static_assert(rs::stage<decltype(rs::tap(noop))>);

TEST_CASE("tap sees every element and passes it on unchanged", "[ops][tap]") {
  std::vector<int> seen;
  auto total = rs::run(rs::iota(1, 5) | rs::tap([&](int x) { seen.push_back(x); }) | rs::sum());
  REQUIRE(total == 10);
  REQUIRE(seen == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("tap ignores the function's result and has a full-call form", "[ops][tap]") {
  int calls = 0;
  auto got = rs::run(rs::tap(rs::iota(0, 3), [&](int) { return ++calls; }) | rs::to_vector());
  REQUIRE(got == std::vector<int>{0, 1, 2});
  REQUIRE(calls == 3);
}

TEST_CASE("tap leaves move-only elements to downstream", "[ops][tap]") {
  std::vector<int> seen;
  auto got = rs::run(rs::iota(0, 3) | rs::transform([](int x) { return std::make_unique<int>(x); }) |
                     rs::tap([&](const std::unique_ptr<int>& p) { seen.push_back(*p); }) |
                     rs::transform([](std::unique_ptr<int> p) { return *p * 10; }) | rs::to_vector());
  REQUIRE(seen == std::vector<int>{0, 1, 2});
  REQUIRE(got == std::vector<int>{0, 10, 20});
}

TEST_CASE("tap is called only for elements that are pulled", "[ops][tap]") {
  int calls = 0;
  rs::run(rs::iota(0) | rs::tap([&](int) { ++calls; }) | rs::take(4) | rs::sum());
  REQUIRE(calls == 4);
}

TEST_CASE("an exception in tap names the stage and the element", "[ops][tap]") {
  auto p = rs::iota(0, 10) | rs::tap([](int x) {
             if (x == 3) throw std::runtime_error("log full");
           }) |
           rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "tap");
    REQUIRE(e.element() == 3);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "log full");
  }
}
