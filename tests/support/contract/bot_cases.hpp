#pragma once
// The backend contract cases of bot (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rstreams::test::contract_bot {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;

// The health part of a stored bot state (its record of runs is checked in stats_test).
inline rb::bot_state bot_health(const std::optional<rb::bot_state>& s) {
  if (!s) return rb::bot_state{99, true, "none stored"};
  return rb::bot_state{s->consecutive_errors, s->paused, s->last_error};
}
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
using rt::eventually;

/// The bot cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_bot_cases(const contract_registry& cases) {
  cases.add("bot: one active instance per bot", "[bus][bot]", [] {
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
  });

  cases.add("bot: pauses itself after more than error_limit consecutive failures", "[bus][bot]", [] {
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
  });

  cases.add("bot: a failing queue-triggered bot pauses and run returns", "[bus][bot]", [] {
    TestType fx;
    auto& bus = fx.bus();
    rb::put(bus, "loader", "in", json{{"x", 1}});
    rb::bot_options o{.id = "broken", .trigger = rb::bot_trigger::on_queue("in"), .error_limit = 2};
    o.error_backoff = 0ms;
    rb::bot<typename TestType::backend_type> b(bus, o, [](const rstreams::run_context&) -> rb::bot_stats {
      throw std::runtime_error("bad config");
    });
    const auto& status = b.run();
    REQUIRE(status.paused);
    REQUIRE(status.failures == 3);
  });

  cases.add("bot: runs when its input queue advances", "[bus][bot]", [] {
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
  });

  cases.add("bot: runs on a 6-field cron schedule", "[bus][bot]", [] {
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
  });

  cases.add("bot: a paused bot stays paused across a restart until resumed", "[bus][bot]", [] {
    using backend = typename TestType::backend_type;
    STATIC_REQUIRE(rb::stores_bot_state<backend>);
    TestType fx;
    auto& bus = fx.bus();
    int runs = 0;
    const auto failing = [&](const rstreams::run_context&) -> rb::bot_stats {
      ++runs;
      throw std::runtime_error("downstream refused");
    };
    {
      rb::bot<backend> b(bus, {.id = "rogue.one", .error_limit = 2}, failing);
      for (int i = 0; i < 3; ++i) REQUIRE_THROWS(b.run_once());
      REQUIRE(b.status().paused);
    }
    REQUIRE(runs == 3);
    REQUIRE(bot_health(bus.get_bot_state("rogue.one")) == rb::bot_state{3, true, "downstream refused"});
    REQUIRE(bus.bots().empty());  // the state is no checkpoint

    auto restarted = fx.reopen();  // a new process
    int good_runs = 0;
    rb::bot<backend> again(restarted, {.id = "rogue.one"}, [&](const rstreams::run_context&) {
      ++good_runs;
      return rb::bot_stats{};
    });
    REQUIRE_FALSE(again.run_once());
    REQUIRE(again.status().paused);
    REQUIRE(again.status().consecutive_errors == 3);
    REQUIRE(again.status().last_error == "downstream refused");
    REQUIRE(good_runs == 0);

    rb::resume_bot(bus, "rogue.one");  // an operator, from another handle
    REQUIRE(again.run_once());
    REQUIRE(good_runs == 1);
    REQUIRE_FALSE(again.status().paused);
    REQUIRE(bot_health(restarted.get_bot_state("rogue.one")) == rb::bot_state{0, false, ""});
  });

  cases.add("bot: the consecutive error count survives a restart; success clears it", "[bus][bot]", [] {
    using backend = typename TestType::backend_type;
    TestType fx;
    bool failing = true;
    const auto job = [&](const rstreams::run_context&) {
      if (failing) throw std::runtime_error("flaky");
      return rb::bot_stats{};
    };
    {
      rb::bot<backend> b(fx.bus(), {.id = "flaky", .error_limit = 3}, job);
      REQUIRE_THROWS(b.run_once());
      REQUIRE_THROWS(b.run_once());
    }
    auto restarted = fx.reopen();
    rb::bot<backend> b(restarted, {.id = "flaky", .error_limit = 3}, job);
    b.reload_state();
    REQUIRE(b.status().consecutive_errors == 2);
    REQUIRE_THROWS(b.run_once());
    REQUIRE_THROWS(b.run_once());  // the 4th in a row: past the limit of 3
    REQUIRE(b.status().paused);
    REQUIRE(bot_health(fx.reopen().get_bot_state("flaky")) == rb::bot_state{4, true, "flaky"});
    b.resume();
    REQUIRE(bot_health(fx.bus().get_bot_state("flaky")) == rb::bot_state{0, false, "flaky"});
    failing = false;
    REQUIRE(b.run_once());
    REQUIRE(b.status().consecutive_errors == 0);
  });
}
}  // namespace

}  // namespace rstreams::test::contract_bot
