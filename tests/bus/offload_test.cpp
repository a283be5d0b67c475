// The behaviour of offload on every backend: support/contract/offload_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/write_lines.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>
#include <support/recording_sink.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
using rt::order;
using rt::put_orders;

}  // namespace

TEST_CASE("offload refuses a sink that replaces its file each run; an appending one keeps every run's rows",
          "[bus][offload]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  rstreams::test::temp_file csv("offload", ".csv");
  auto row = rstreams::transform([](const rb::event<order>& e) {
    return std::to_string(e.payload.id) + "," + std::to_string(e.payload.total);
  });
  put_orders(bus, 3);
  // write_lines(path) truncates: a second run would leave only its own rows while the checkpoint
  // says the earlier ones were handled. Refused before anything is read.
  REQUIRE_THROWS_WITH(rb::offload_as<order>(bus, {.bot = "warehouse", .in = "orders"},
                                            row | rstreams::write_lines(csv.path())),
                      Catch::Contains("replaces") && Catch::Contains("file_mode::append"));
  REQUIRE_THROWS_AS(rb::offload(bus, {.bot = "warehouse", .in = "orders"}, rstreams::write_lines(csv.path())),
                    rstreams::config_error);
  REQUIRE(rt::checkpoint_of(bus, "warehouse", "orders") == "none");
  const auto first =
      rb::offload_as<order>(bus, {.bot = "warehouse", .in = "orders"},
                            row | rstreams::write_lines(csv.path(), rstreams::file_mode::append));
  REQUIRE(first.in == 3);
  const auto last = put_orders(bus, 2).back();
  const auto second =
      rb::offload_as<order>(bus, {.bot = "warehouse", .in = "orders"},
                            row | rstreams::write_lines(csv.path(), rstreams::file_mode::append));
  REQUIRE(second.in == 2);
  REQUIRE(rt::checkpoint_of(bus, "warehouse", "orders") == last);
  REQUIRE(csv.read() == "0,0.000000\n1,1.500000\n2,3.000000\n0,0.000000\n1,1.500000\n");
}

TEST_CASE("offload into a sink in follow mode commits on the configured cadence, not only when stopped",
          "[bus][offload]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  rstreams::test::temp_file out("offload-follow", ".txt");
  const auto eids = put_orders(fx.bus(), 12);
  std::stop_source stop;
  auto running = std::async(std::launch::async, [&] {
    return rb::offload_as<order>(bus,
                                 {.bot = "tail",
                                  .in = "orders",
                                  .read = {.follow = true, .poll = std::chrono::milliseconds(20)},
                                  .checkpoint = {.records = 5, .time = std::chrono::seconds(30)}},
                                 rstreams::transform([](const rb::event<order>& e) { return e.payload.id; }) |
                                     rstreams::write_lines(out.path(), rstreams::file_mode::append),
                                 rstreams::run_context{stop.get_token()});
  });
  // While it runs, another handle sees the checkpoint move in steps of 5 records; each step is
  // committed only after the sink finished (the file holds those rows).
  auto other = fx.reopen();
  std::string seen = "none";
  for (int i = 0; i < 2000 && seen != eids[9]; ++i) {
    seen = rt::checkpoint_of(other, "tail", "orders");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(seen == eids[9]);
  REQUIRE(out.read().substr(0, 20) == "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  stop.request_stop();
  const auto stats = running.get();
  // A stop ends the run at the event in hand: the last two events may or may not have been
  // read by then. Whatever was processed is committed at the stop, and the file holds it.
  REQUIRE(stats.in >= 10);
  REQUIRE(stats.in <= 12);
  REQUIRE(rt::checkpoint_of(other, "tail", "orders") == eids[stats.in - 1]);
  std::string rows;
  for (std::size_t i = 0; i < stats.in; ++i) rows += std::to_string(i) + "\n";
  REQUIRE(out.read() == rows);
}

TEST_CASE("offload: run_time holds per event with a slow side effect", "[bus][offload][limits]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  put_orders(bus, 50);
  int calls = 0;
  rb::offload_options o{.bot = "slow", .in = "orders"};
  o.read.run_time = std::chrono::milliseconds{200};
  const auto stats = rb::offload(bus, o, [&](const order&) {
    ++calls;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  });
  INFO("calls " << calls);
  REQUIRE(calls >= 1);
  REQUIRE(calls <= 11);
  REQUIRE(stats.in == static_cast<std::uint64_t>(calls));
}

TEST_CASE("offload: a raw_json function gets every payload, whether it keeps the text or leaves it",
          "[bus][offload]") {
  // The engine hands the text a `raw_json&&` function left back to the reader's record, whose
  // storage the next batch reuses: a function that takes the text, or changes what it leaves,
  // must not see (or leave) anything in a later event's payload.
  rt::local_bus fx;
  auto& bus = fx.bus();
  put_orders(bus, 2500);
  std::vector<std::string> expected;
  {
    std::vector<rb::record> all;
    std::string after;
    while (bus.read("orders", after, 1000, all) != 0) after = all.back().eid;
    for (const auto& r : all) expected.push_back(r.payload);
  }
  REQUIRE(expected.size() == 2500);
  std::vector<std::string> seen;
  int k = 0;
  rb::offload_options o{.bot = "raw", .in = "orders"};
  o.read.batch = 7;  // many refills of the reused records
  const auto stats = rb::offload(bus, o, [&](rb::raw_json&& p) {
    switch (k++ % 3) {
      case 0:
        seen.push_back(std::move(p.text));  // takes the text
        break;
      case 1:
        seen.push_back(p.text);
        p.text.assign(3000, 'z');  // leaves a longer one behind
        break;
      default:
        seen.push_back(p.text);
        p.text.clear();  // leaves an empty one
    }
  });
  REQUIRE(stats.in == 2500);
  REQUIRE(seen == expected);
}
