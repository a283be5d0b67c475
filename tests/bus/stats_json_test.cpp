#include <rstreams/bus/put.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/bus/stats_json.hpp>

#include <support/catch.hpp>
#include <support/ops_backends.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

TEMPLATE_LIST_TEST_CASE(
    "stats_json says a bus's queues, bots and lag by the names the tool and dashboard use",
    "[bus][stats_json]", rt::ops_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = rb::put_events(bus, "loader", "q", std::vector<json>(5, json{{"x", 1}}));
  bus.commit_checkpoint("b", "q", std::nullopt, rb::checkpoint{eids[1], 2, 1'000, 0});
  const auto s = rb::stats(bus);

  const rb::queue_stats* q = nullptr;
  for (const auto& x : s.queues)
    if (x.name == "q") q = &x;
  REQUIRE(q != nullptr);
  const auto qj = rb::queue_stats_json(*q);
  REQUIRE(qj.at("queue") == "q");
  REQUIRE(qj.at("events") == 5);
  REQUIRE(qj.at("first_eid") == eids.front());
  REQUIRE(qj.at("last_eid") == eids.back());
  REQUIRE(qj.at("last_write_ms") == q->last_write_ms);
  REQUIRE(qj.at("write_rate_per_s").is_number());

  REQUIRE(s.bots.size() == 1);
  const auto bj = rb::bot_report_json(s.bots[0]);
  REQUIRE(bj.at("bot") == "b");
  REQUIRE(bj.at("paused") == false);
  REQUIRE(bj.at("lease_holder").is_null());
  REQUIRE(bj.at("inputs").size() == 1);
  const auto& lj = bj.at("inputs")[0];
  REQUIRE(lj == rb::bot_lag_json(s.bots[0].inputs[0]));
  REQUIRE(lj.at("queue") == "q");
  REQUIRE(lj.at("checkpoint") == eids[1]);
  REQUIRE(lj.at("lag_events") == 3);
  REQUIRE(lj.at("lag_ms") == rb::eid_to_ms(eids.back()) - rb::eid_to_ms(eids[1]));
}

TEST_CASE("stats_json: no checkpoint and no lease are null", "[bus][stats_json]") {
  rb::bot_lag l;
  l.bot = "b";
  l.queue = "q";
  l.lag_events = 7;
  const auto j = rb::bot_lag_json(l);
  REQUIRE(j.at("checkpoint").is_null());
  REQUIRE(j.at("lag_events") == 7);
  rb::bot_report r;
  r.id = "b";
  r.lease = rb::lease_holder{"pid 42", 0};
  r.inputs.push_back(l);
  const auto rj = rb::bot_report_json(r);
  REQUIRE(rj.at("lease_holder") == "pid 42");
  REQUIRE(rj.at("inputs")[0] == j);
}
