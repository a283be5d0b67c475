#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
// Polls `done` for up to 5 s (a bot thread is expected to get there much sooner).
template <class P>
bool eventually(P done) {
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("bot: one active instance per bot", "[bus][bot]", rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  int runs = 0;
  rb::bot<typename TestType::backend_type> b(bus, {.id = "solo"}, [&](const rstreams::run_context&) {
    ++runs;
    return rb::bot_stats{};
  });
  {
    auto other = fx.reopen();
    auto held = other.try_lease("solo", 60s);  // another instance is running
    REQUIRE(held);
    REQUIRE_FALSE(b.run_once());
    REQUIRE(b.status().locked_out == 1);
    REQUIRE(runs == 0);
  }
  REQUIRE(b.run_once());
  REQUIRE(runs == 1);
  REQUIRE(b.status().runs == 1);
}

TEMPLATE_LIST_TEST_CASE("bot: pauses itself after more than error_limit consecutive failures", "[bus][bot]",
                        rt::bus_backends) {
  TestType fx;
  bool failing = true;
  rb::bot<typename TestType::backend_type> b(fx.bus(), {.id = "rogue", .error_limit = 3},
                                             [&](const rstreams::run_context&) {
                                               if (failing) throw std::runtime_error("upstream 500");
                                               rb::bot_stats s;
                                               s.in = 1;
                                               return s;
                                             });
  for (int i = 0; i < 2; ++i) REQUIRE_THROWS_WITH(b.run_once(), "upstream 500");
  failing = false;
  REQUIRE(b.run_once());  // a success resets the count
  REQUIRE(b.status().consecutive_errors == 0);
  failing = true;
  for (int i = 0; i < 4; ++i) REQUIRE_THROWS_WITH(b.run_once(), "upstream 500");
  REQUIRE(b.status().paused);
  REQUIRE(b.status().consecutive_errors == 4);
  REQUIRE(b.status().failures == 6);
  REQUIRE(b.status().last_error == "upstream 500");
  failing = false;
  REQUIRE_FALSE(b.run_once());  // paused: not run
  b.resume();
  REQUIRE(b.run_once());
}

TEMPLATE_LIST_TEST_CASE("bot: a failing queue-triggered bot pauses and run returns", "[bus][bot]",
                        rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  rb::put(bus, "loader", "in", json{{"x", 1}});
  rb::bot_options o{.id = "broken", .trigger = rb::bot_trigger::on_queue("in"), .error_limit = 2};
  o.error_backoff = 0ms;
  rb::bot<typename TestType::backend_type> b(
      bus, o, [](const rstreams::run_context&) -> rb::bot_stats { throw std::runtime_error("bad config"); });
  const auto& status = b.run();
  REQUIRE(status.paused);
  REQUIRE(status.failures == 3);
}

TEMPLATE_LIST_TEST_CASE("bot: runs when its input queue advances", "[bus][bot]", rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  auto bot = rb::make_enrich_bot(bus, {.bot = "echo", .in = "in", .out = "out"}, [](const json& j) {
    return json{{"echo", j}};
  });
  std::stop_source stop;
  std::jthread runner([&] { bot.run(rstreams::run_context{stop.get_token()}); });
  auto producer = fx.reopen();
  std::string last;
  for (int i = 0; i < 5; ++i) {
    last = rb::put(producer, "loader", "in", json{{"i", i}});
    std::this_thread::sleep_for(2ms);
  }
  REQUIRE(eventually([&] { return rt::checkpoint_of(producer, "echo", "in") == last; }));
  stop.request_stop();
  runner.join();
  REQUIRE(rt::read_all(producer, "out").size() == 5);
  REQUIRE(bot.status().total.in == 5);
  REQUIRE(bot.status().failures == 0);
}

TEMPLATE_LIST_TEST_CASE("bot: runs on a 6-field cron schedule", "[bus][bot]", rt::bus_backends) {
  TestType fx;
  rstreams::manual_clock clock;
  const auto wall_start = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1} + 3s;
  rb::bot_options o{.id = "ticker", .trigger = rb::bot_trigger::cron("*/10 * * * * *")};
  o.wall_clock = [&] {
    return std::chrono::system_clock::time_point(wall_start) +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(clock.now().time_since_epoch());
  };
  std::atomic<int> runs{0};
  std::vector<std::int64_t> at;
  rb::bot<typename TestType::backend_type> b(fx.bus(), o, [&](const rstreams::run_context& ctx) {
    at.push_back(
        std::chrono::duration_cast<std::chrono::seconds>(ctx.clock->now().time_since_epoch()).count());
    ++runs;
    return rb::bot_stats{};
  });
  std::stop_source stop;
  std::jthread runner([&] { b.run(rstreams::run_context{stop.get_token(), &clock}); });
  for (int k = 1; k <= 3; ++k) {
    clock.wait_for_sleepers(1);
    clock.advance(k == 1 ? 7s : 10s);  // 00:00:10, then :20, :30
    REQUIRE(eventually([&] { return runs.load() == k; }));
  }
  clock.wait_for_sleepers(1);
  stop.request_stop();
  runner.join();
  REQUIRE(at == std::vector<std::int64_t>{7, 17, 27});
}

TEST_CASE("bot: bad options are config errors", "[bus][bot]") {
  rt::local_bus fx;
  auto job = [](const rstreams::run_context&) { return rb::bot_stats{}; };
  using B = rt::local_bus::backend_type;
  REQUIRE_THROWS_AS(rb::bot<B>(fx.bus(), {.id = "no spaces"}, job), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::bot<B>(fx.bus(), {.id = "b", .error_limit = 0}, job), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::bot_trigger::cron("* * *"), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::bot_trigger::on_queues({}), rstreams::config_error);
}
