#pragma once
// The backend contract cases of read (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>
#include <support/recording_sink.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rstreams::test::contract_read {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
using rt::item;
using rt::put_items;

template <class S>
std::vector<int> numbers(S&& src) {
  auto got =
      rstreams::run(std::forward<S>(src) | rstreams::transform([](const auto& e) { return e.payload.n; }) |
                    rt::recording_sink());
  return got;
}
std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

/// The read cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_read_cases(const contract_registry& cases) {
  cases.add("read: a queue is a source of events in eid order", "[bus][read]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_items(bus, 0, 2500);  // more than one backend batch
    std::vector<std::string> seen;
    for (auto&& e : rb::read_as<item>(bus, "reader", "items")) {
      REQUIRE(e.event == "items");
      REQUIRE(e.id == "loader");
      REQUIRE(e.payload.n == static_cast<int>(seen.size()));
      seen.push_back(e.eid);
    }
    REQUIRE(seen == eids);
    REQUIRE(numbers(rb::read_as<item>(bus, "reader", "nothing-here")).empty());
  });

  cases.add("read: starts after the checkpoint, an eid, or a prefix; honours the limit", "[bus][read]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_items(bus, 0, 20);
    REQUIRE(numbers(rb::read_as<item>(bus, "r", "items", {.start = eids[14]})) == range(15, 20));
    REQUIRE(numbers(rb::read_as<item>(bus, "r", "items", {.start = rb::previous(eids[3]), .limit = 2})) ==
            range(3, 5));
    REQUIRE(numbers(rb::read_as<item>(bus, "r", "items", {.start = "z/"})) == range(0, 20));
    REQUIRE(numbers(rb::read_as<item>(bus, "r", "items", {.start = "z/1999/"})) == range(0, 20));
    REQUIRE(numbers(rb::read_as<item>(bus, "r", "items", {.start = "z/9999/"})).empty());
    rb::set_checkpoint(bus, "r", "items", eids[16]);
    auto src = rb::read_as<item>(bus, "r", "items");
    REQUIRE(numbers(src) == range(17, 20));
    REQUIRE(src.position() == eids[19]);
    REQUIRE(src.count() == 3);
    REQUIRE(src.started_from()->eid == eids[16]);
    REQUIRE(rt::checkpoint_of(bus, "r", "items") == eids[16]);  // reading commits nothing
  });

  cases.add("read: follow waits for new events until stopped", "[bus][read]", [] {
    TestType fx;
    auto& bus = fx.bus();
    put_items(bus, 0, 3);
    auto writer_bus = fx.reopen();  // another process's handle
    std::atomic<int> seen{0};
    std::jthread writer([&](std::stop_token st) {
      // Each event is appended only once the reader has seen all before it, so the reader
      // must be waiting at the end of the queue each time.
      for (int i = 3; i < 6; ++i) {
        while (seen.load() < i)
          if (st.stop_requested())
            return;
          else
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        rb::put(writer_bus, "loader", "items", item{i});
      }
    });
    rb::queue_read_options o;
    o.follow = true;
    o.poll = std::chrono::milliseconds{50};
    std::stop_source stop;
    auto src = rb::read_as<item>(bus, "r", "items", o);
    src.start(rstreams::run_context{stop.get_token()});
    std::vector<int> got;
    for (auto&& e : src) {
      got.push_back(e.payload.n);
      seen.store(static_cast<int>(got.size()));
      if (got.size() == 6) stop.request_stop();
    }
    REQUIRE(got == range(0, 6));
  });

  cases.add("read: the run time ends a followed read", "[bus][read]", [] {
    TestType fx;
    auto& bus = fx.bus();
    put_items(bus, 0, 4);
    rstreams::manual_clock clock;
    rb::queue_read_options o;
    o.follow = true;
    o.run_time = std::chrono::milliseconds{500};
    auto src = rb::read_as<item>(bus, "r", "items", o);
    std::stop_source never;
    src.start(rstreams::run_context{never.get_token(), &clock});
    std::vector<int> got;
    for (auto&& e : src) {
      got.push_back(e.payload.n);
      if (got.size() == 4) clock.advance(std::chrono::milliseconds{600});
    }
    REQUIRE(got == range(0, 4));
  });

  cases.add("read: a payload that is not the user's type names the queue and eid", "[bus][read]", [] {
    TestType fx;
    auto& bus = fx.bus();
    put_items(bus, 0, 2);
    const auto bad = rb::put(bus, "loader", "items", json{{"n", "three"}});
    try {
      numbers(rb::read_as<item>(bus, "r", "items"));
      FAIL("read should have thrown");
    } catch (const rb::payload_error& e) {
      REQUIRE(e.queue() == "items");
      REQUIRE(e.eid() == bad);
      REQUIRE(std::string(e.what()).find("queue items, event " + bad) != std::string::npos);
    }
    // As JSON it reads fine.
    REQUIRE(rstreams::run(rb::read(bus, "r", "items") |
                          rstreams::transform([](const rb::event<>&) { return 1; }) | rstreams::sum()) == 3);
  });
}
}  // namespace

}  // namespace rstreams::test::contract_read
