#include <rstreams/core/clock.hpp>
#include <rstreams/core/context.hpp>
#include <rstreams/core/manual_clock.hpp>

#include <support/catch.hpp>

#include <chrono>
#include <stop_token>
#include <thread>

namespace rs = rstreams;
using namespace std::chrono_literals;

static_assert(std::is_base_of_v<rs::clock, rs::steady_clock>);

TEST_CASE("the steady clock sleeps and is woken by a stop request", "[core][clock]") {
  rs::steady_clock& c = rs::steady_clock_source();
  const auto before = c.now();
  REQUIRE(c.sleep_for(1ms, {}));
  REQUIRE(c.now() >= before + 1ms);

  std::stop_source already;
  already.request_stop();
  REQUIRE_FALSE(c.sleep_for(1h, already.get_token()));

  // A sleeper of an hour returns as soon as another thread asks it to stop.
  std::stop_source stop;
  bool reached = true;
  std::jthread sleeper([&] { reached = c.sleep_for(1h, stop.get_token()); });
  stop.request_stop();
  sleeper.join();
  REQUIRE_FALSE(reached);
}

TEST_CASE("a run context uses the steady clock unless told otherwise", "[core][clock]") {
  const rs::run_context ctx;
  REQUIRE(ctx.clock == &rs::steady_clock_source());
  REQUIRE_FALSE(ctx.stop_requested());
  rs::manual_clock manual;
  const rs::run_context with_manual{{}, &manual};
  REQUIRE(with_manual.clock->now() == manual.now());
}
