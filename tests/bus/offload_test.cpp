#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/ops/transform.hpp>

#include <rstreams/sinks/to_file.hpp>
#include <support/bus_backends.hpp>
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
struct order {
  int id = 0;
  double total = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(order, id, total)

template <class B>
std::vector<std::string> put_orders(B& bus, int n) {
  std::vector<order> v;
  for (int i = 0; i < n; ++i) v.push_back({i, i * 1.5});
  return rb::put_events(bus, "shop", "orders", v);
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("offload hands each event to the side effect and commits after it", "[bus][offload]",
                        rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = put_orders(bus, 30);
  std::vector<int> warehouse;
  const auto stats = rb::offload(bus, {.bot = "archiver", .in = "orders"},
                                 [&](const order& o) { warehouse.push_back(o.id); });
  REQUIRE(stats.in == 30);
  REQUIRE(warehouse.size() == 30);
  REQUIRE(warehouse[29] == 29);
  REQUIRE(stats.checkpoint == eids.back());
  REQUIRE(rt::checkpoint_of(bus, "archiver", "orders") == eids.back());
  // Nothing new: nothing offloaded twice.
  REQUIRE(rb::offload(bus, {.bot = "archiver", .in = "orders"}, [&](const order& o) {
            warehouse.push_back(o.id);
          }).in == 0);
  REQUIRE(warehouse.size() == 30);
}

TEMPLATE_LIST_TEST_CASE("offload: a failed side effect stops before that event", "[bus][offload]",
                        rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = put_orders(bus, 10);
  rb::offload_options o{.bot = "archiver", .in = "orders"};
  o.checkpoint.records = 1;
  std::vector<int> done;
  REQUIRE_THROWS_AS(rb::offload(bus, o,
                                [&](const rb::event<order>& e) {
                                  if (e.payload.id == 6) throw std::runtime_error("disk full");
                                  done.push_back(e.payload.id);
                                }),
                    rb::event_error);
  REQUIRE(rt::checkpoint_of(bus, "archiver", "orders") == eids[5]);
  rb::offload(bus, o, [&](const order& x) { done.push_back(x.id); });
  REQUIRE(done == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEMPLATE_LIST_TEST_CASE("offload: batches of events", "[bus][offload]", rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = put_orders(bus, 25);
  std::vector<std::size_t> sizes;
  rb::offload_options o{.bot = "bulk", .in = "orders"};
  o.batch = 10;
  rb::offload(bus, o, [&](const std::vector<rb::event<order>>& batch) { sizes.push_back(batch.size()); });
  REQUIRE(sizes == std::vector<std::size_t>{10, 10, 5});
  REQUIRE(rt::checkpoint_of(bus, "bulk", "orders") == eids.back());
}

TEMPLATE_LIST_TEST_CASE("offload into any sink commits once the sink finished", "[bus][offload]",
                        rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = put_orders(bus, 12);
  const auto stats =
      rb::offload(bus, {.bot = "to-sink", .in = "orders"}, rstreams::transform([](const rb::event<>& e) {
                                                             return e.payload["id"].get<int>();
                                                           }) | rt::recording_sink());
  REQUIRE(stats.in == 12);
  REQUIRE(stats.checkpoint == eids.back());
  REQUIRE(rt::checkpoint_of(bus, "to-sink", "orders") == eids.back());
  const auto again = rb::offload_as<order>(bus, {.bot = "to-sink", .in = "orders"}, rt::recording_sink());
  REQUIRE(again.in == 0);
  REQUIRE(rt::checkpoint_of(bus, "to-sink", "orders") == eids.back());
}

TEMPLATE_LIST_TEST_CASE("offload: dead letters for payloads of the wrong shape", "[bus][offload]",
                        rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  put_orders(bus, 2);
  const auto bad = rb::put(bus, "shop", "orders", json::array({1, 2}));
  const auto last = put_orders(bus, 1).back();
  rb::offload_options o{.bot = "archiver", .in = "orders"};
  o.on_error = rb::on_failure::dead_letter;
  o.dead_letter_queue = "orders-rejected";
  int ok = 0;
  const auto stats = rb::offload(bus, o, [&](const order&) { ++ok; });
  REQUIRE(ok == 3);
  REQUIRE(stats.dead_letters == 1);
  const auto dead = rt::read_all(bus, "orders-rejected");
  REQUIRE(dead.size() == 1);
  REQUIRE(json::parse(dead[0].payload)["eid"] == bad);
  REQUIRE(rt::checkpoint_of(bus, "archiver", "orders") == last);
}

TEST_CASE("offload refuses a sink that replaces its file each run; an appending one keeps every run's rows",
          "[bus][offload]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  rstreams::test::temp_file csv("offload", ".csv");
  auto row = rstreams::transform([](const rb::event<order>& e) {
    return std::to_string(e.payload.id) + "," + std::to_string(e.payload.total);
  });
  put_orders(bus, 3);
  // to_file(path) truncates: a second run would leave only its own rows while the checkpoint
  // says the earlier ones were handled. Refused before anything is read.
  REQUIRE_THROWS_WITH(
      rb::offload_as<order>(bus, {.bot = "warehouse", .in = "orders"}, row | rstreams::to_file(csv.path())),
      Catch::Contains("replaces") && Catch::Contains("file_mode::append"));
  REQUIRE_THROWS_AS(rb::offload(bus, {.bot = "warehouse", .in = "orders"}, rstreams::to_file(csv.path())),
                    rstreams::config_error);
  REQUIRE(rt::checkpoint_of(bus, "warehouse", "orders") == "none");
  const auto first = rb::offload_as<order>(bus, {.bot = "warehouse", .in = "orders"},
                                           row | rstreams::to_file(csv.path(), rstreams::file_mode::append));
  REQUIRE(first.in == 3);
  const auto last = put_orders(bus, 2).back();
  const auto second = rb::offload_as<order>(bus, {.bot = "warehouse", .in = "orders"},
                                            row | rstreams::to_file(csv.path(), rstreams::file_mode::append));
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
                                     rstreams::to_file(out.path(), rstreams::file_mode::append),
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
  REQUIRE(stats.in == 12);
  REQUIRE(rt::checkpoint_of(other, "tail", "orders") == eids[11]);
  REQUIRE(out.read() == "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n");
}
