// enrich and offload with `read_ahead` on: the reader thread's hand-off keeps every semantic of
// the single-threaded run (order, checkpoints, failures, dead letters, follow mode and stop).

#include <rstreams/bus/detail/read_ahead.hpp>
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/event_error.hpp>
#include <rstreams/bus/local/corrupt_record.hpp>
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/put.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rd = rstreams::bus::detail;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
std::vector<std::string> put_numbers(rb::local_backend& bus, int from, int n) {
  std::vector<json> v;
  for (int i = from; i < from + n; ++i) v.push_back(json{{"n", i}});
  return rb::put_events(bus, "loader", "numbers", v);
}

std::vector<std::string> parents_of(rb::local_backend& bus, const char* queue) {
  std::vector<std::string> out;
  for (const auto& r : rt::read_all(bus, queue))
    out.push_back(r.correlation_id ? r.correlation_id->start : "");
  return out;
}

rb::enrich_options ahead(const char* bot = "doubler") {
  rb::enrich_options o{.bot = bot, .in = "numbers", .out = "doubled"};
  o.read_ahead = true;
  o.read.batch = 7;  // many small backend reads and several hand-offs
  return o;
}

auto doubler = [](json&& j) {
  j["n"] = j["n"].get<int>() * 2;
  return std::move(j);
};
}  // namespace

TEST_CASE("batch_handoff passes batches and idle marks in order, then the end and the error",
          "[bus][read_ahead]") {
  using batch = rd::decoded_batch<int>;
  rd::batch_handoff<batch> q(2);
  std::thread producer([&] {
    for (int i = 0; i < 50; ++i) {
      batch b = q.spare();
      b.clear();
      b.items.emplace_back().payload = i;
      REQUIRE(q.push(std::move(b), false));
      if (i % 10 == 9) REQUIRE(q.push({}, true));
    }
    q.close(std::make_exception_ptr(std::runtime_error("reader failed")));
  });
  int next = 0, idles = 0;
  batch b;
  for (;;) {
    const auto g = q.pop(b);
    if (g == rd::batch_handoff<batch>::got::end) break;
    if (g == rd::batch_handoff<batch>::got::idle) {
      ++idles;
      continue;
    }
    REQUIRE(b.items.size() == 1);
    REQUIRE(*b.items[0].payload == next++);
    q.recycle(std::move(b));
  }
  producer.join();
  REQUIRE(next == 50);
  REQUIRE(idles == 5);
  REQUIRE_THROWS_WITH(std::rethrow_exception(q.error()), "reader failed");
}

TEST_CASE("batch_handoff: a cancelled consumer releases a blocked producer", "[bus][read_ahead]") {
  using batch = rd::decoded_batch<int>;
  rd::batch_handoff<batch> q(1);
  std::atomic<bool> refused{false};
  std::thread producer([&] {
    while (q.push(batch{}, false)) {
    }
    refused = true;
  });
  batch b;
  REQUIRE(q.pop(b) == rd::batch_handoff<batch>::got::batch);
  q.cancel();
  producer.join();
  REQUIRE(refused);
}

TEST_CASE("enrich with read_ahead derives every event in order and commits the end", "[bus][read_ahead]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eids = put_numbers(bus, 0, 1000);
  const auto stats = rb::enrich(bus, ahead(), doubler);
  REQUIRE(stats.in == 1000);
  REQUIRE(stats.out == 1000);
  REQUIRE(stats.checkpoint == eids.back());
  REQUIRE(rt::checkpoint_of(bus, "doubler", "numbers") == eids.back());
  const auto out = rt::read_all(bus, "doubled");
  REQUIRE(out.size() == 1000);
  for (std::size_t i = 0; i < out.size(); ++i)
    REQUIRE(json::parse(out[i].payload)["n"] == 2 * static_cast<int>(i));
  REQUIRE(parents_of(bus, "doubled") == eids);
}

TEST_CASE("enrich with read_ahead: a failure commits what is complete, the rerun starts there",
          "[bus][read_ahead]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eids = put_numbers(bus, 0, 500);
  auto o = ahead();
  o.write.records = 13;
  bool broken = true;
  const auto flaky = [&](json&& j) {
    if (broken && j["n"] == 321) throw std::runtime_error("boom");
    return std::move(j);
  };
  REQUIRE_THROWS_AS(rb::enrich(bus, o, flaky), rb::event_error);
  REQUIRE(rt::checkpoint_of(bus, "doubler", "numbers") == eids[320]);
  REQUIRE(rt::read_all(bus, "doubled").size() == 321);
  broken = false;
  const auto again = rb::enrich(bus, o, flaky);
  REQUIRE(again.in == 179);
  REQUIRE(parents_of(bus, "doubled") == eids);
}

TEST_CASE("enrich with read_ahead: undecodable payloads fail at their eid or go to dead letters",
          "[bus][read_ahead]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  auto eids = put_numbers(bus, 0, 40);
  std::vector<rb::record> bad(1);
  bad[0].id = "loader";
  bad[0].payload = "{not json";
  const auto bad_eid = bus.append("numbers", bad);
  const auto more = put_numbers(bus, 40, 40);

  try {
    rb::enrich(bus, ahead(), doubler);
    FAIL("enrich should have thrown");
  } catch (const rb::payload_error& e) {
    REQUIRE(e.eid() == bad_eid);
    REQUIRE(e.queue() == "numbers");
  }
  REQUIRE(rt::checkpoint_of(bus, "doubler", "numbers") == eids.back());

  auto o = ahead();
  o.on_failure = rb::on_failure::dead_letter;
  const auto stats = rb::enrich(bus, o, doubler);
  REQUIRE(stats.in == 41);
  REQUIRE(stats.dead_letters == 1);
  REQUIRE(stats.checkpoint == more.back());
  const auto dead = rt::read_all(bus, "numbers.error");
  REQUIRE(dead.size() == 1);
  REQUIRE(json::parse(dead[0].payload)["eid"] == bad_eid);
}

TEST_CASE("enrich with read_ahead: a read error reaches the caller after the events before it",
          "[bus][read_ahead]") {
  rt::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  rb::local_backend bus(dir.path().string(), opt);
  put_numbers(bus, 0, 20);
  put_numbers(bus, 20, 20);  // a second batch (frame): damage in it leaves the first readable
  {
    // Damage the payload of event 20 in the middle of the segment.
    const auto seg = dir.path() / "queues" / "numbers" / "00000000000000000000.seg";
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto at = all.find(R"({"n":20})");
    REQUIRE(at != std::string::npos);
    f.seekp(static_cast<std::streamoff>(at + 5));
    f.put('7');
  }
  std::vector<int> seen;
  const auto record_it = [&](json&& j) {
    seen.push_back(j["n"].get<int>());
    return std::move(j);
  };
  REQUIRE_THROWS_AS(rb::enrich(bus, ahead(), record_it), rb::corrupt_record);
  REQUIRE(seen.size() == 20);
  REQUIRE(seen.back() == 19);
}

TEST_CASE("enrich with read_ahead in follow mode commits while idle and stops on request",
          "[bus][read_ahead]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto first = put_numbers(bus, 0, 20);
  auto o = ahead();
  o.read.follow = true;
  o.read.poll = std::chrono::milliseconds(50);
  // An idle input commits on the configured cadence (here every 200 ms), not each time it
  // runs dry and not only when stopped.
  o.write.checkpoint.time = std::chrono::milliseconds(200);
  std::stop_source stop;
  rb::bot_stats stats;
  std::thread bot([&] { stats = rb::enrich(bus, o, doubler, rstreams::run_context{stop.get_token()}); });
  const auto wait_for = [&](const std::string& eid) {
    for (int i = 0; i < 500 && rt::checkpoint_of(bus, "doubler", "numbers") != eid; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return rt::checkpoint_of(bus, "doubler", "numbers");
  };
  REQUIRE(wait_for(first.back()) == first.back());  // committed while the reader waits
  const auto second = put_numbers(bus, 20, 5);
  REQUIRE(wait_for(second.back()) == second.back());
  stop.request_stop();
  bot.join();
  REQUIRE(stats.in == 25);
  REQUIRE(stats.out == 25);
}

TEST_CASE("offload with read_ahead hands each event over in order", "[bus][read_ahead]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eids = put_numbers(bus, 0, 300);
  rb::offload_options o{.bot = "summer", .in = "numbers"};
  o.read_ahead = true;
  o.read.batch = 11;
  std::vector<int> seen;
  const auto stats = rb::offload(bus, o, [&](const json& j) { seen.push_back(j["n"].get<int>()); });
  REQUIRE(stats.in == 300);
  REQUIRE(stats.checkpoint == eids.back());
  REQUIRE(seen.size() == 300);
  for (int i = 0; i < 300; ++i) REQUIRE(seen[static_cast<std::size_t>(i)] == i);
}
