// The behaviour of enrich on every backend: support/contract/enrich_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/derive.hpp>
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
using rt::greeting;
using rt::person;
using rt::put_people;

auto greet = [](const person& p) { return greeting{"hello " + p.name}; };

}  // namespace

static_assert(std::is_invocable_r_v<rb::bot_stats, rb::enrich_fn, rt::local_bus::backend_type&,
                                    const rb::enrich_options&, decltype(greet)>);

TEST_CASE("enrich: bad options are config errors", "[bus][enrich]") {
  rt::local_bus fx;
  REQUIRE_THROWS_AS(rb::enrich(fx.bus(), {.bot = "b", .in = "in put", .out = "x"}, greet),
                    rstreams::config_error);
  REQUIRE_THROWS_AS(rb::enrich(fx.bus(), {.bot = "", .in = "in", .out = "x"}, greet), rstreams::config_error);
  rb::enrich_options o{.bot = "b", .in = "in", .out = "x"};
  o.write.records = 0;
  REQUIRE_THROWS_AS(rb::enrich(fx.bus(), o, greet), rstreams::config_error);
}

TEST_CASE("enrich: a bot on a queue with the longest valid name can dead-letter", "[bus][enrich]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const std::string in(rb::max_name_size, 'q');
  put_people(bus, 2, in.c_str());
  rb::enrich_options o{.bot = "greeter", .in = in, .out = "greetings"};
  o.on_failure = rb::on_failure::dead_letter;
  const auto stats = rb::enrich(bus, o, [](const person& p) {
    if (p.name == "p1") throw std::runtime_error("no greeting for p1");
    return greeting{p.name};
  });
  REQUIRE(stats.dead_letters == 1);
  REQUIRE(rt::read_all(bus, rb::detail::dead_letter_queue_for(in, "")).size() == 1);
}

TEST_CASE(
    "enrich in follow mode commits per the configured records or time, not each time its input runs dry",
    "[bus][enrich]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  auto writer = fx.reopen();
  put_people(writer, 1);
  std::stop_source stop;
  auto running = std::async(std::launch::async, [&] {
    rb::enrich_options o{.bot = "greeter", .in = "people", .out = "greetings"};
    o.read = {.follow = true, .poll = std::chrono::milliseconds(2)};
    o.write.checkpoint = {.records = 1000, .time = std::chrono::seconds(30)};
    return rb::enrich(bus, o, greet, rstreams::run_context{stop.get_token()});
  });
  // A trickle: the input runs dry between events, 20 times.
  for (int i = 0; i < 19; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    put_people(writer, 1);
  }
  for (int i = 0; i < 2000 && rt::read_all(writer, "greetings").size() < 20; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(rt::read_all(writer, "greetings").size() == 20);  // outputs still go out on their own cadence
  REQUIRE(rt::checkpoint_of(writer, "greeter", "people") == "none");  // 20 < 1000 records, 30 s not passed
  stop.request_stop();
  const auto stats = running.get();
  REQUIRE(stats.in == 20);
  REQUIRE(stats.commits == 1);  // at the end only
  REQUIRE(rt::checkpoint_of(writer, "greeter", "people") == rt::read_all(writer, "people").back().eid);
}

TEST_CASE("enrich: run_time holds per event with a slow function", "[bus][enrich][limits]") {
  for (const bool ahead : {false, true}) {
    DYNAMIC_SECTION("read_ahead " << ahead) {
      rt::local_bus fx;
      auto& bus = fx.bus();
      put_people(bus, 50);
      int calls = 0;
      rb::enrich_options o{.bot = "slow", .in = "people", .out = "greetings"};
      o.read.run_time = std::chrono::milliseconds{200};
      o.read_ahead = ahead;
      const auto t0 = std::chrono::steady_clock::now();
      const auto stats = rb::enrich(bus, o, [&](const person& p) {
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
        return greet(p);
      });
      const auto took = std::chrono::steady_clock::now() - t0;
      INFO("calls " << calls << ", took "
                    << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
      // 200 ms at >= 20 ms each: at most 10 started before the deadline, plus the one in hand.
      REQUIRE(calls >= 1);
      REQUIRE(calls <= 11);
      REQUIRE(stats.in == static_cast<std::uint64_t>(calls));
      REQUIRE(bus.get_checkpoint("slow", "people")->records == static_cast<std::uint64_t>(calls));
      // The rest is read by the next run.
      o.read.run_time.reset();
      REQUIRE(rb::enrich(bus, o, greet).in == 50 - static_cast<std::uint64_t>(calls));
    }
  }
}

TEST_CASE("enrich: a stop request during a backlog is seen before the next event", "[bus][enrich][limits]") {
  for (const bool ahead : {false, true}) {
    DYNAMIC_SECTION("read_ahead " << ahead) {
      rt::local_bus fx;
      auto& bus = fx.bus();
      const auto eids = put_people(bus, 2000);
      std::stop_source stop;
      int calls = 0;
      rb::enrich_options o{.bot = "stoppable", .in = "people", .out = "greetings"};
      o.read_ahead = ahead;
      const auto stats = rb::enrich(
          bus, o,
          [&](const person& p) {
            ++calls;
            std::this_thread::sleep_for(std::chrono::milliseconds{1});
            if (calls == 7) stop.request_stop();  // as a signal handler would, mid-event
            return greet(p);
          },
          rstreams::run_context{stop.get_token()});
      REQUIRE(calls == 7);
      REQUIRE(stats.in == 7);
      REQUIRE(rt::checkpoint_of(bus, "stoppable", "people") == eids[6]);
      REQUIRE(rt::read_all(bus, "greetings").size() == 7);
    }
  }
}

TEST_CASE("enrich: a stop from another thread is seen within an event at 1 ms per event",
          "[bus][enrich][limits]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  put_people(bus, 3000);
  std::stop_source stop;
  std::atomic<int> calls{0};
  int at_request = -1;
  std::jthread stopper([&] {
    while (calls.load() < 50) std::this_thread::sleep_for(std::chrono::milliseconds{1});
    at_request = calls.load();
    stop.request_stop();
  });
  const auto stats = rb::enrich(
      bus, {.bot = "stoppable", .in = "people", .out = "greetings"},
      [&](const person& p) {
        calls.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds{1});
        return greet(p);
      },
      rstreams::run_context{stop.get_token()});
  stopper.join();
  INFO("calls at the request " << at_request << ", in all " << calls.load());
  // The event in hand when the request came, and none after.
  REQUIRE(calls.load() <= at_request + 1);
  REQUIRE(stats.in == static_cast<std::uint64_t>(calls.load()));
}

TEST_CASE("enrich and derive give an N->1 event the first parent's source time", "[bus][enrich][derive]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  std::vector<rb::record> in(3);
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i].id = "loader";
    in[i].payload = R"({"name":"p","age":1})";
    in[i].event_source_timestamp = 1'700'000'000'000 - static_cast<std::int64_t>(i) * 1000;  // descending
  }
  bus.append("people", in);
  rb::enrich_options o{.bot = "summer", .in = "people", .out = "ages"};
  o.batch = 3;
  std::optional<rb::event<int>> derived;
  rb::enrich(bus, o, [&](const std::vector<rb::event<person>>& batch) {
    derived = rb::derive(batch, 3);
    return json{{"n", batch.size()}};
  });
  const auto out = rt::read_all(bus, "ages");
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].event_source_timestamp == 1'700'000'000'000);
  REQUIRE(derived->event_source_timestamp == out[0].event_source_timestamp);
}

TEST_CASE("enrich: live metrics of the bot, when asked for", "[bus][enrich][metered]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eids =
      rb::put_events(bus, "loader", "orders",
                     std::vector<nlohmann::json>{{{"n", 1}}, {{"n", 2}}, {{"n", 3}}, {{"n", 4}}, {{"n", 5}}});
  rstreams::metrics_registry reg;
  rb::enrich_options o{.bot = "doubler", .in = "orders", .out = "doubled"};
  o.on_failure = rb::on_failure::dead_letter;
  o.metrics = &reg;
  const auto f = [](const nlohmann::json& j) {
    if (j["n"] == 3) throw std::runtime_error("three");
    return nlohmann::json{{"n", j["n"].get<int>() * 2}};
  };
  const auto st = rb::enrich(bus, o, f);
  const auto all = reg.snapshot();
  REQUIRE(all.size() == 1);
  const auto& b = all[0];
  CHECK(b.bot);
  CHECK(b.pipeline == "doubler");
  CHECK(b.in == 5);
  CHECK(b.out == 4);
  CHECK(b.errors == 1);
  CHECK(b.dead_lettered == 1);
  CHECK(b.retries == 0);
  CHECK(b.commits == st.commits);
  CHECK(b.commits >= 1);
  // Not asked for: nothing counted.
  rb::put_events(bus, "loader", "orders", std::vector<nlohmann::json>{{{"n", 6}}});
  o.metrics = nullptr;
  rb::enrich(bus, o, f);
  CHECK(reg.snapshot()[0].in == 5);
  // Asked again: the same counters grow.
  rb::put_events(bus, "loader", "orders", std::vector<nlohmann::json>{{{"n", 7}}});
  o.metrics = &reg;
  rb::enrich(bus, o, f);
  CHECK(reg.snapshot()[0].in == 6);
  CHECK(reg.snapshot()[0].out == 5);
}
