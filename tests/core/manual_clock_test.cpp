#include <rstreams/core/manual_clock.hpp>

#include <support/catch.hpp>

#include <chrono>
#include <stop_token>
#include <thread>

namespace rs = rstreams;
using namespace std::chrono_literals;

static_assert(std::is_base_of_v<rs::clock, rs::manual_clock>);

TEST_CASE("a manual clock moves only when told", "[core][manual_clock]") {
  rs::manual_clock c;
  const auto t0 = c.now();
  REQUIRE(c.now() == t0);
  c.advance(5s);
  REQUIRE(c.now() == t0 + 5s);
  c.set(t0 + 1h);
  REQUIRE(c.now() == t0 + 1h);
}

TEST_CASE("advancing a manual clock wakes a sleeper on another thread", "[core][manual_clock]") {
  rs::manual_clock c;
  bool reached = false;
  std::jthread sleeper([&] { reached = c.sleep_for(10s, {}); });
  c.wait_for_sleepers(1);
  c.advance(4s);  // not yet: the sleeper must go back to sleep
  REQUIRE(c.sleepers() == 1);
  c.advance(6s);
  sleeper.join();
  REQUIRE(reached);
  REQUIRE(c.sleepers() == 0);
}

TEST_CASE("a stop request wakes a sleeper on a manual clock", "[core][manual_clock]") {
  rs::manual_clock c;
  std::stop_source stop;
  bool reached = true;
  std::jthread sleeper([&] { reached = c.sleep_for(1h, stop.get_token()); });
  c.wait_for_sleepers(1);
  stop.request_stop();
  sleeper.join();
  REQUIRE_FALSE(reached);
}

TEST_CASE("a deadline already passed returns at once", "[core][manual_clock]") {
  rs::manual_clock c;
  c.advance(1s);
  REQUIRE(c.sleep_until(c.now() - 1ms, {}));
  REQUIRE(c.sleep_for(0s, {}));
  REQUIRE(c.sleepers() == 0);
}
