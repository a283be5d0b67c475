#pragma once
// The backend contract cases of enrich (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/raw_json.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace rstreams::test::contract_enrich {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
using rt::greeting;
using rt::person;
using rt::put_people;

auto greet = [](const person& p) { return greeting{"hello " + p.name}; };

template <class B>
std::vector<std::string> parents_of(B& bus, const char* queue) {
  std::vector<std::string> out;
  for (const auto& r : rt::read_all(bus, queue))
    out.push_back(r.correlation_id ? r.correlation_id->start : "");
  return out;
}

/// The enrich cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_enrich_cases(const contract_registry& cases) {
  cases.add("enrich derives one event per input with lineage and commits the end", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_people(bus, 25);
    const auto stats = rb::enrich(bus, {.bot = "greeter", .in = "people", .out = "greetings"}, greet);
    REQUIRE(stats.in == 25);
    REQUIRE(stats.out == 25);
    REQUIRE(stats.checkpoint == eids.back());
    REQUIRE(rt::checkpoint_of(bus, "greeter", "people") == eids.back());
    REQUIRE(bus.get_checkpoint("greeter", "people")->records == 25);

    const auto in = rt::read_all(bus, "people");
    const auto out = rt::read_all(bus, "greetings");
    REQUIRE(out.size() == 25);
    for (std::size_t i = 0; i < out.size(); ++i) {
      REQUIRE(out[i].id == "greeter");
      REQUIRE(out[i].event == "greetings");
      REQUIRE(json::parse(out[i].payload) == json{{"text", "hello p" + std::to_string(i)}});
      REQUIRE(out[i].correlation_id == rb::correlation{"people", eids[i], "", 1});
      REQUIRE(out[i].event_source_timestamp == in[i].event_source_timestamp);
    }
  });

  cases.add("enrich: a restart resumes exactly after the checkpoint", "[bus][enrich]", [] {
    TestType fx;
    const auto eids = put_people(fx.bus(), 100);
    rb::enrich_options o{.bot = "greeter", .in = "people", .out = "greetings"};
    o.read.limit = 40;
    const auto first = rb::enrich(fx.bus(), o, greet);
    REQUIRE(first.checkpoint == eids[39]);

    auto restarted = fx.reopen();  // a new process on the same bus
    o.read.limit = ~std::uint64_t{0};
    const auto second = rb::enrich(restarted, o, greet);
    REQUIRE(second.in == 60);
    REQUIRE(second.checkpoint == eids.back());
    REQUIRE(parents_of(restarted, "greetings") == eids);  // each input once, in order
  });

  cases.add("enrich: a failing function commits what is complete; the rerun starts at the failure",
            "[bus][enrich]", [] {
              TestType fx;
              auto& bus = fx.bus();
              const auto eids = put_people(bus, 50);
              rb::enrich_options o{.bot = "greeter", .in = "people", .out = "greetings"};
              o.write.records = 7;  // several micro-batches before the failure
              bool broken = true;
              const auto flaky = [&](const person& p) {
                if (broken && p.name == "p30") throw std::runtime_error("lookup service down");
                return greeting{p.name};
              };
              try {
                rb::enrich(bus, o, flaky);
                FAIL("enrich should have thrown");
              } catch (const rb::event_error& e) {
                REQUIRE(e.bot() == "greeter");
                REQUIRE(e.queue() == "people");
                REQUIRE(e.eid() == eids[30]);
                REQUIRE(std::string(e.what()) == "rstreams: bot greeter failed on queue people, event " +
                                                     eids[30] + ": lookup service down");
                REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "lookup service down");
              }
              REQUIRE(rt::checkpoint_of(bus, "greeter", "people") == eids[29]);
              REQUIRE(rt::read_all(bus, "greetings").size() == 30);

              broken = false;
              rb::enrich(bus, o, flaky);
              REQUIRE(parents_of(bus, "greetings") == eids);
            });

  cases.add("enrich: two bots on one queue progress independently", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_people(bus, 30);
    rb::enrich_options a{.bot = "bot-a", .in = "people", .out = "out-a"};
    a.read.limit = 10;
    rb::enrich(bus, a, greet);
    rb::enrich(bus, {.bot = "bot-b", .in = "people", .out = "out-b"}, greet);
    REQUIRE(rt::checkpoint_of(bus, "bot-a", "people") == eids[9]);
    REQUIRE(rt::checkpoint_of(bus, "bot-b", "people") == eids[29]);
    rb::enrich(bus, a, greet);
    REQUIRE(rt::checkpoint_of(bus, "bot-a", "people") == eids[19]);
    REQUIRE(rt::checkpoint_of(bus, "bot-b", "people") == eids[29]);
    REQUIRE(rt::read_all(bus, "out-a").size() == 20);
    REQUIRE(rt::read_all(bus, "out-b").size() == 30);
  });

  cases.add("enrich: a checkpoint moved by another instance is stale unless forced", "[bus][enrich]", [] {
    TestType fx;
    auto& real = fx.bus();
    const auto eids = put_people(real, 10);
    auto other = fx.reopen();
    rt::bus_spy<typename TestType::backend_type> bus(real);
    bool raced = false;
    bus.before_commit = [&](std::string_view, std::string_view) {
      if (raced) return;
      raced = true;
      rb::set_checkpoint(other, "greeter", "people", eids[2]);  // the other instance got there first
    };
    rb::enrich_options o{.bot = "greeter", .in = "people", .out = "greetings"};
    REQUIRE_THROWS_AS(rb::enrich(bus, o, greet), rb::stale_checkpoint);
    REQUIRE(rt::checkpoint_of(real, "greeter", "people") == eids[2]);

    raced = false;
    o.write.checkpoint.force = true;
    rb::enrich(bus, o, greet);
    REQUIRE(rt::checkpoint_of(real, "greeter", "people") == eids[9]);
  });

  cases.add("enrich: 1->N never commits a parent before its last child is written", "[bus][enrich]", [] {
    TestType fx;
    auto& real = fx.bus();
    const auto eids = put_people(real, 20);
    rt::bus_spy<typename TestType::backend_type> bus(real);
    rb::enrich_options o{.bot = "splitter", .in = "people", .out = "letters"};
    o.write.records = 4;             // micro-batches cut through the children of one parent
    o.write.checkpoint.records = 1;  // commit as often as possible
    const auto stats = rb::enrich(bus, o, [](const rb::event<person>& e) {
      return std::vector<json>{{{"n", 1}, {"of", e.payload.name}}, {{"n", 2}}, {{"n", 3}}};
    });
    REQUIRE(stats.out == 60);
    bool any_commit = false;
    for (const auto& c : bus.calls) {
      if (c.op != "commit") continue;
      any_commit = true;
      // Every child of every parent up to the committed eid was appended before this commit.
      const auto parent = static_cast<std::size_t>(std::find(eids.begin(), eids.end(), c.eid) - eids.begin());
      REQUIRE(bus.appended_before_commit("letters", "people", c.eid) >= 3 * (parent + 1));
    }
    REQUIRE(any_commit);
    const auto out = rt::read_all(real, "letters");
    for (std::size_t i = 0; i < out.size(); ++i) REQUIRE(out[i].correlation_id->start == eids[i / 3]);
    REQUIRE(rt::checkpoint_of(real, "splitter", "people") == eids.back());
  });

  cases.add("enrich: N->1 batches carry the range and units", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_people(bus, 25);
    rb::enrich_options o{.bot = "summer", .in = "people", .out = "ages"};
    o.batch = 10;
    const auto stats = rb::enrich(bus, o, [](const std::vector<rb::event<person>>& batch) {
      int total = 0;
      for (const auto& e : batch) total += e.payload.age;
      return json{{"total", total}, {"n", batch.size()}};
    });
    REQUIRE(stats.in == 25);
    REQUIRE(stats.out == 3);
    const auto out = rt::read_all(bus, "ages");
    REQUIRE(out.size() == 3);
    REQUIRE(out[0].correlation_id == rb::correlation{"people", eids[0], eids[9], 10});
    REQUIRE(out[1].correlation_id == rb::correlation{"people", eids[10], eids[19], 10});
    REQUIRE(out[2].correlation_id == rb::correlation{"people", eids[20], eids[24], 5});
    REQUIRE(json::parse(out[2].payload)["total"] == 40 + 41 + 42 + 43 + 44);
    REQUIRE(rt::checkpoint_of(bus, "summer", "people") == eids.back());
  });

  cases.add("enrich: an input that derives nothing is still checkpointed", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_people(bus, 10);
    const auto stats = rb::enrich(bus, {.bot = "adults", .in = "people", .out = "adults"},
                                  [](const person& p) -> std::optional<person> {
                                    if (p.age < 25) return p;
                                    return std::nullopt;
                                  });
    REQUIRE(stats.out == 5);
    REQUIRE(rt::checkpoint_of(bus, "adults", "people") == eids.back());  // trailing drops too
  });

  cases.add("enrich: a payload that does not decode fails naming the queue and eid", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto good = put_people(bus, 3);
    const auto bad = rb::put(bus, "loader", "people", json{{"name", 42}});
    put_people(bus, 2);
    try {
      rb::enrich(bus, {.bot = "greeter", .in = "people", .out = "greetings"}, greet);
      FAIL("enrich should have thrown");
    } catch (const rb::payload_error& e) {
      REQUIRE(e.queue() == "people");
      REQUIRE(e.eid() == bad);
      REQUIRE_THAT(e.what(), Catch::Matchers::StartsWith("rstreams: queue people, event " + bad +
                                                         ": payload does not decode: "));
    }
    REQUIRE(rt::checkpoint_of(bus, "greeter", "people") == good.back());
    REQUIRE(rt::read_all(bus, "greetings").size() == 3);
  });

  cases.add("enrich: dead-letter sends bad events to <queue>.error and goes on", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    put_people(bus, 3);
    const auto bad = rb::put(bus, "loader", "people", json{{"name", 42}});
    const auto last = put_people(bus, 2).back();
    rb::enrich_options o{.bot = "greeter", .in = "people", .out = "greetings"};
    o.on_failure = rb::on_failure::dead_letter;
    const auto stats = rb::enrich(bus, o, [](const person& p) {
      if (p.name == "p1") throw std::runtime_error("no greeting for p1");
      return greeting{p.name};
    });
    REQUIRE(stats.in == 6);
    REQUIRE(stats.out == 3);
    REQUIRE(stats.dead_letters == 3);  // p1 twice (the function threw), and the bad payload
    REQUIRE(rt::checkpoint_of(bus, "greeter", "people") == last);
    const auto dead = rt::read_all(bus, "people.error");
    REQUIRE(dead.size() == 3);
    const auto bad_letter = json::parse(dead[1].payload);
    REQUIRE(bad_letter["eid"] == bad);
    REQUIRE(bad_letter["queue"] == "people");
    REQUIRE(bad_letter["bot"] == "greeter");
    REQUIRE(bad_letter["payload"] == json{{"name", 42}});
    REQUIRE(bad_letter["error"].template get<std::string>().find("payload does not decode") !=
            std::string::npos);
    REQUIRE(json::parse(dead[0].payload)["error"] == "no greeting for p1");
    REQUIRE(dead[1].correlation_id == rb::correlation{"people", bad, "", 1});
  });

  cases.add("enrich: a replay from an eid or a prefix reprocesses from there", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = put_people(bus, 10);
    rb::enrich_options o{.bot = "greeter", .in = "people", .out = "greetings"};
    rb::enrich(bus, o, greet);
    o.read.start = eids[6];
    REQUIRE(rb::enrich(bus, o, greet).in == 3);
    o.read.start = "z/";
    REQUIRE(rb::enrich(bus, o, greet).in == 10);
    o.read.start = rb::previous(eids[4]);
    REQUIRE(rb::enrich(bus, o, greet).in == 6);
    REQUIRE(rt::read_all(bus, "greetings").size() == 29);
  });

  cases.add("enrich: raw_json payloads pass through without a parse", "[bus][enrich]", [] {
    TestType fx;
    auto& bus = fx.bus();
    put_people(bus, 3);
    const auto stats =
        rb::enrich(bus, {.bot = "tagger", .in = "people", .out = "tagged"}, [](rb::raw_json&& p) {
          p.text.pop_back();
          p.text += R"(,"tagged":true})";
          return std::move(p);
        });
    REQUIRE(stats.out == 3);
    const auto out = rt::read_all(bus, "tagged");
    REQUIRE(json::parse(out[1].payload) == json{{"name", "p1"}, {"age", 21}, {"tagged", true}});
    std::vector<std::string> texts;
    for (auto&& e : rb::read_as<rb::raw_json>(bus, "r", "tagged")) texts.push_back(e.payload.text);
    REQUIRE(texts[0] == out[0].payload);
  });
}
}  // namespace

}  // namespace rstreams::test::contract_enrich
