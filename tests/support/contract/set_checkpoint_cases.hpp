#pragma once
// The backend contract cases of set_checkpoint (run on every backend; see support/backend_contract.hpp).

#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/contract/registry.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rstreams::test::contract_set_checkpoint {
namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
template <class B>
std::size_t unread(B& bus) {
  std::size_t n = 0;
  for (auto&& e : rb::read(bus, "bot", "q")) {
    (void)e;
    ++n;
  }
  return n;
}

/// The set_checkpoint cases on fixture `TestType` (see support/bus_backends.hpp).
template <class TestType>
void add_set_checkpoint_cases(const contract_registry& cases) {
  cases.add("set_checkpoint moves a bot to any eid or prefix; reset replays everything",
            "[bus][set_checkpoint]", [] {
              TestType fx;
              auto& bus = fx.bus();
              const auto eids = rb::put_events(bus, "loader", "q", std::vector<json>(8, json{{"x", 1}}));
              REQUIRE(unread(bus) == 8);
              rb::set_checkpoint(bus, "bot", "q", eids[5]);
              REQUIRE(unread(bus) == 2);
              rb::set_checkpoint(bus, "bot", "q", "z/9999/");
              REQUIRE(unread(bus) == 0);
              rb::reset_checkpoint(bus, "bot", "q");
              REQUIRE(unread(bus) == 8);
              REQUIRE(rt::checkpoint_of(bus, "bot", "q").empty());
            });

  cases.add("set_checkpoint with an expected eid is a compare-and-set", "[bus][set_checkpoint]", [] {
    TestType fx;
    auto& bus = fx.bus();
    const auto eids = rb::put_events(bus, "loader", "q", std::vector<json>(3, json{{"x", 1}}));
    rb::set_checkpoint(bus, "bot", "q", eids[0], std::optional<std::string>{});
    REQUIRE_THROWS_AS(rb::set_checkpoint(bus, "bot", "q", eids[1], std::optional<std::string>{}),
                      rb::stale_checkpoint);
    rb::set_checkpoint(bus, "bot", "q", eids[1], std::optional<std::string>{eids[0]});
    REQUIRE(rt::checkpoint_of(bus, "bot", "q") == eids[1]);
    REQUIRE_THROWS_AS(rb::set_checkpoint(bus, "bot", "q", "z/20x"), rb::eid_error);
  });
}
}  // namespace

}  // namespace rstreams::test::contract_set_checkpoint
