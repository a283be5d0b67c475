#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/recording_sink.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
struct item {
  int n = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(item, n)

template <class B>
std::vector<std::string> put_items(B& bus, int from, int to) {
  std::vector<item> v;
  for (int i = from; i < to; ++i) v.push_back({i});
  return rb::put_events(bus, "loader", "items", v);
}

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
}  // namespace

static_assert(rstreams::source_of<rb::read_source<rt::local_bus::backend_type, json>, rb::event<json>>);
static_assert(rstreams::source_of<rb::read_source<rt::local_bus::backend_type, item>, rb::event<item>>);
static_assert(rstreams::source_of<rb::read_source<rt::local_bus::backend_type, rb::record>, rb::record>);

TEMPLATE_LIST_TEST_CASE("read: a queue is a source of events in eid order", "[bus][read]", rt::bus_backends) {
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
}

TEMPLATE_LIST_TEST_CASE("read: starts after the checkpoint, an eid, or a prefix; honours the limit",
                        "[bus][read]", rt::bus_backends) {
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
}

TEMPLATE_LIST_TEST_CASE("read: follow waits for new events until stopped", "[bus][read]", rt::bus_backends) {
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
  rb::read_options o;
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
}

TEMPLATE_LIST_TEST_CASE("read: the run time ends a followed read", "[bus][read]", rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  put_items(bus, 0, 4);
  rstreams::manual_clock clock;
  rb::read_options o;
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
}

TEMPLATE_LIST_TEST_CASE("read: a payload that is not the user's type names the queue and eid", "[bus][read]",
                        rt::bus_backends) {
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
}

TEST_CASE("read: bad options and names are config errors", "[bus][read]") {
  rt::local_bus fx;
  REQUIRE_THROWS_AS(rb::read(fx.bus(), "r", "bad queue"), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::read(fx.bus(), "r", "q", {.batch = 0}), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::read(fx.bus(), "r", "q", {.start = "z/2024/13"}), rb::eid_error);
}

TEMPLATE_LIST_TEST_CASE("read: a start made from a time includes the events at that time", "[bus][read][eid]",
                        rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = put_items(bus, 0, 5);
  // The first event of the batch has sequence 0 at its ms: a start from that ms includes it.
  const auto first = rb::parse_eid(eids[0]);
  REQUIRE(first.seq == 0);
  for (const auto g : {rb::eid_granularity::full, rb::eid_granularity::millisecond,
                       rb::eid_granularity::second, rb::eid_granularity::minute}) {
    INFO(rb::eid_from_time(first.ms, g));
    REQUIRE(numbers(rb::read_as<item>(bus, "r", "items", {.start = rb::eid_from_time(first.ms, g)})) ==
            range(0, 5));
  }
  // One ms later: only what came after.
  const auto later =
      numbers(rb::read_as<item>(bus, "r", "items", {.start = rb::eid_from_time(first.ms + 1)}));
  REQUIRE(later.size() <= 5);
  for (std::size_t i = 0; i < later.size(); ++i)
    REQUIRE(rb::parse_eid(eids[5 - later.size() + i]).ms > first.ms);
}
