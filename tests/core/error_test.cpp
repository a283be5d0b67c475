#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/throwing.hpp>

#include <exception>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace rs = rstreams;

static_assert(std::is_base_of_v<std::runtime_error, rs::error>);
static_assert(std::is_base_of_v<rs::error, rs::stage_error>);
static_assert(std::is_base_of_v<rs::error, rs::io_error>);
static_assert(std::is_base_of_v<rs::error, rs::config_error>);

TEST_CASE("stage_error names the stage, its position and the element", "[core][error]") {
  const rs::stage_error e("filter", 3, 1234, "cause");
  REQUIRE(e.stage() == "filter");
  REQUIRE(e.position() == 3);
  REQUIRE(e.element() == 1234);
  REQUIRE(std::string(e.what()) == "rstreams: filter (stage 3) failed on element 1234: cause");
}

TEST_CASE("io_error names the path and the reason", "[core][error]") {
  const rs::io_error e("/tmp/data.txt", "cannot open for reading: Permission denied");
  REQUIRE(e.path() == "/tmp/data.txt");
  REQUIRE(std::string(e.what()) == "rstreams: /tmp/data.txt: cannot open for reading: Permission denied");
}

TEST_CASE("invoke_stage nests the original exception inside a stage_error", "[core][error]") {
  auto f = [](int x) -> int { throw std::out_of_range("index " + std::to_string(x)); };
  try {
    rs::detail::invoke_stage("transform", 1, 7, f, 7);
    FAIL("should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(std::string(e.what()) == "rstreams: transform (stage 1) failed on element 7: index 7");
    REQUIRE_THROWS_AS(std::rethrow_if_nested(e), std::out_of_range);
  }
}

TEST_CASE("a non-std exception is nested too and described as unknown", "[core][error]") {
  auto f = [] { throw 42; };
  try {
    rs::detail::invoke_stage("tap", 2, 0, f);
    FAIL("should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(std::string(e.what()) == "rstreams: tap (stage 2) failed on element 0: unknown exception");
    try {
      std::rethrow_if_nested(e);
      FAIL("should have rethrown the nested exception");
    } catch (int v) {
      REQUIRE(v == 42);
    }
  }
}

TEST_CASE("an error names the stage where it happened, not a later one", "[core][error]") {
  auto p = rs::iota(0, 100) |
           rs::filter(rs::test::throw_on_call(
               9, [](int) { return true; }, "bad predicate")) |
           rs::transform([](int x) { return x; }) | rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "filter");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 9);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "bad predicate");
  }
}

TEST_CASE("errors from run can be caught as rstreams::error or std::exception", "[core][error]") {
  auto p = rs::iota(0, 10) | rs::transform(rs::test::throw_on_call(0)) | rs::sum();
  REQUIRE_THROWS_AS(rs::run(p), rs::error);
  auto q = rs::iota(0, 10) | rs::transform(rs::test::throw_on_call(0)) | rs::sum();
  REQUIRE_THROWS_AS(rs::run(q), std::exception);
}

namespace {
struct throwing_copy {
  throwing_copy() = default;
  throwing_copy(const throwing_copy&) {}  // may throw, as far as the type says
};
}  // namespace

// Only a call that cannot throw skips the element count; copying the argument counts too.
static_assert(rs::detail::nothrow_stage_call<decltype([](int x) noexcept { return x; }), int>);
static_assert(!rs::detail::nothrow_stage_call<decltype([](int x) { return x; }), int>);
static_assert(!rs::detail::nothrow_stage_call<decltype([](throwing_copy) noexcept {}), const throwing_copy&>);

TEST_CASE("noexcept stages before a failing one leave its element index intact", "[core][error]") {
  auto p = rs::iota(0, 100) | rs::transform([](int x) noexcept { return x + 1; }) |
           rs::filter([](int x) noexcept { return x % 2 == 0; }) |
           rs::flat_map([](int x) noexcept { return rs::iota(x, x + 2); }) | rs::transform([](int x) {
             if (x == 21) throw std::runtime_error("twenty-one");
             return x;
           }) |
           rs::sum();
  // 2,3, 4,5, ..., 20,21: 21 is the 20th element (index 19) at the last transform's input.
  REQUIRE_THROWS_WITH(rs::run(std::move(p)),
                      "rstreams: transform (stage 4) failed on element 19: twenty-one");
}
