#include <rstreams/core/clock.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

namespace rs = rstreams;
using namespace std::chrono_literals;

namespace {
auto odd_fails = [](int x) {
  if (x % 2 == 1) throw std::runtime_error("odd " + std::to_string(x));
  return x * 10;
};
}  // namespace

static_assert(rs::error_policy<rs::on_error::skip>);
static_assert(rs::error_policy<rs::on_error::retry>);
static_assert(rs::error_policy<decltype(rs::on_error::retry{}.then(rs::on_error::skip{}))>);
static_assert(!rs::error_policy<int>);
static_assert(rs::source_of<decltype(rs::iota(0, 3) | rs::transform(odd_fails, rs::on_error::skip{})), int>);

TEST_CASE("fail is the default and may be named", "[core][on_error]") {
  REQUIRE_THROWS_AS(
      rs::run(rs::iota(0, 4) | rs::transform(odd_fails, rs::on_error::fail{}) | rs::to_vector()),
      rs::stage_error);
}

TEST_CASE("skip drops the failing elements and counts them", "[core][on_error]") {
  std::atomic<std::size_t> skipped{0};
  const auto v =
      rs::run(rs::iota(0, 6) | rs::transform(odd_fails, rs::on_error::skip{&skipped}) | rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 20, 40});
  REQUIRE(skipped.load() == 3);
}

TEST_CASE("retry calls again until the function succeeds", "[core][on_error]") {
  int calls = 0;
  const auto v = rs::run(rs::iota(0, 2) |
                         rs::transform(
                             [&](int x) {
                               if (++calls % 3 != 0) throw std::runtime_error("flaky");
                               return x;
                             },
                             rs::on_error::retry{.attempts = 3, .backoff = 0ms}) |
                         rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1});
  REQUIRE(calls == 6);
}

TEST_CASE("a function failing every time under retry ends with the last error", "[core][on_error]") {
  int calls = 0;
  auto p = rs::iota(0, 5) |
           rs::transform(
               [&](int) -> int {
                 ++calls;
                 throw std::runtime_error("attempt " + std::to_string(calls));
               },
               rs::on_error::retry{.attempts = 4, .backoff = 0ms}) |
           rs::to_vector();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.element() == 0);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "attempt 4");
  }
  REQUIRE(calls == 4);
}

TEST_CASE("retry waits with exponential backoff on the run's clock", "[core][on_error]") {
  rs::manual_clock clock;
  int calls = 0;
  auto result = std::async(std::launch::async, [&] {
    return rs::run(rs::iota(0, 1) |
                       rs::transform(
                           [&](int x) {
                             if (++calls < 3) throw std::runtime_error("not yet");
                             return x + 1;
                           },
                           rs::on_error::retry{.attempts = 3, .backoff = 100ms, .jitter = 0.0}) |
                       rs::to_vector(),
                   rs::run_context{{}, &clock});
  });
  clock.wait_for_sleeps(1);
  const auto t0 = clock.now();
  clock.advance(99ms);
  REQUIRE(result.wait_for(0s) == std::future_status::timeout);
  clock.advance(1ms);  // first wait: 100 ms
  clock.wait_for_sleeps(2);
  clock.advance(199ms);
  REQUIRE(result.wait_for(0s) == std::future_status::timeout);
  clock.advance(1ms);  // second wait: 200 ms
  REQUIRE(result.get() == std::vector<int>{1});
  REQUIRE(clock.now() - t0 == 300ms);
}

TEST_CASE("dead_letter receives the element, the stage, the attempts and the cause", "[core][on_error]") {
  std::vector<rs::dead_letter_record<int>> letters;
  const auto v =
      rs::run(rs::iota(0, 4) |
              rs::transform(odd_fails,
                            rs::on_error::retry{.attempts = 2, .backoff = 0ms}.then(rs::on_error::dead_letter{
                                [&](rs::dead_letter_record<int>&& r) { letters.push_back(std::move(r)); }})) |
              rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 20});
  REQUIRE(letters.size() == 2);
  REQUIRE(letters[0].element == 1);
  REQUIRE(letters[0].stage == "transform");
  REQUIRE(letters[0].position == 1);
  REQUIRE(letters[0].index == 1);
  REQUIRE(letters[0].attempts == 2);
  REQUIRE(letters[0].reason == "rstreams: transform (stage 1) failed on element 1: odd 1");
  REQUIRE_THROWS_AS(std::rethrow_exception(letters[1].cause), rs::stage_error);
}

TEST_CASE("filter accepts a policy too", "[core][on_error]") {
  std::atomic<std::size_t> skipped{0};
  const auto v = rs::run(rs::iota(0, 6) |
                         rs::filter(
                             [](int x) {
                               if (x == 3) throw std::runtime_error("three");
                               return x % 2 == 1;
                             },
                             rs::on_error::skip{&skipped}) |
                         rs::to_vector());
  REQUIRE(v == std::vector<int>{1, 5});
  REQUIRE(skipped.load() == 1);
}

TEST_CASE("bad retry settings are rejected at construction", "[core][on_error]") {
  REQUIRE_THROWS_WITH(rs::transform(odd_fails, rs::on_error::retry{.attempts = 0}),
                      "rstreams::transform: on_error::retry needs at least 1 attempt (got 0)");
  REQUIRE_THROWS_AS(rs::filter([](int) { return true; }, rs::on_error::retry{.jitter = 2.0}),
                    rs::config_error);
}
