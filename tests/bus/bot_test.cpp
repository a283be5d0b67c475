#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/local/lease_file.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
// The health part of a stored bot state (its record of runs is checked in stats_test).
rb::bot_state health(const std::optional<rb::bot_state>& s) {
  if (!s) return rb::bot_state{99, true, "none stored"};
  return rb::bot_state{s->consecutive_errors, s->paused, s->last_error};
}

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

static_assert(rb::stores_bot_state<rb::any_backend>);

TEMPLATE_LIST_TEST_CASE("bot: a paused bot stays paused across a restart until resumed", "[bus][bot]",
                        rt::bus_backends) {
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
  REQUIRE(health(bus.get_bot_state("rogue.one")) == rb::bot_state{3, true, "downstream refused"});
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
  REQUIRE(health(restarted.get_bot_state("rogue.one")) == rb::bot_state{0, false, ""});
}

TEMPLATE_LIST_TEST_CASE("bot: the consecutive error count survives a restart; success clears it",
                        "[bus][bot]", rt::bus_backends) {
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
  REQUIRE(health(fx.reopen().get_bot_state("flaky")) == rb::bot_state{4, true, "flaky"});
  b.resume();
  REQUIRE(health(fx.bus().get_bot_state("flaky")) == rb::bot_state{0, false, "flaky"});
  failing = false;
  REQUIRE(b.run_once());
  REQUIRE(b.status().consecutive_errors == 0);
}

#if !defined(RSTREAMS_TEST_NATS_BUS)
// Leases on the local backend.

TEST_CASE("bot: a run longer than the lease ttl keeps its lease", "[bus][bot]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  auto other = fx.reopen();
  bool taken_meanwhile = true;
  rb::bot<rb::local_backend> b(bus, {.id = "slow", .lease_ttl = 600ms}, [&](const rstreams::run_context&) {
    std::this_thread::sleep_for(1000ms);  // well past the ttl: only renewals keep the lease
    taken_meanwhile = other.try_lease("slow", 600ms).has_value();
    return rb::bot_stats{};
  });
  REQUIRE(b.run_once());
  REQUIRE_FALSE(taken_meanwhile);
}

TEST_CASE("bot: a run whose lease was taken over is stopped with lease_lost", "[bus][bot]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  rb::local_backend bus(dir.path().string(), opt);
  bool stopped = false;
  rb::bot<rb::local_backend> b(
      bus, {.id = "usurped", .lease_ttl = 300ms}, [&](const rstreams::run_context& ctx) {
        // Another instance took the lease (as it may once a stalled holder's lease expired).
        std::ofstream(dir.path() / "leases" / "usurped.lease", std::ios::trunc)
            << R"({"token":"someone-else","pid":1,"expires_at":)" << (rb::detail::wall_ms() + 60'000) << "}";
        stopped = eventually([&] { return ctx.stop_requested(); });
        return rb::bot_stats{};
      });
  REQUIRE_THROWS_MATCHES(
      b.run_once(), rb::lease_lost, Catch::Matchers::Predicate<rb::lease_lost>([](const rb::lease_lost& e) {
        return e.bot() == "usurped" && std::string(e.what()).find("lost its lease") != std::string::npos;
      }));
  REQUIRE(stopped);
  REQUIRE(b.status().failures == 1);
}
#endif
