#include <rstreams/bus/put.hpp>
#include <rstreams/bus/read.hpp>
#include <rstreams/bus/set_checkpoint.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

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
}  // namespace

TEMPLATE_LIST_TEST_CASE("set_checkpoint moves a bot to any eid or prefix; reset replays everything",
                        "[bus][set_checkpoint]", rt::bus_backends) {
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
}

TEMPLATE_LIST_TEST_CASE("set_checkpoint with an expected eid is a compare-and-set", "[bus][set_checkpoint]",
                        rt::bus_backends) {
  TestType fx;
  auto& bus = fx.bus();
  const auto eids = rb::put_events(bus, "loader", "q", std::vector<json>(3, json{{"x", 1}}));
  rb::set_checkpoint(bus, "bot", "q", eids[0], std::optional<std::string>{});
  REQUIRE_THROWS_AS(rb::set_checkpoint(bus, "bot", "q", eids[1], std::optional<std::string>{}),
                    rb::stale_checkpoint);
  rb::set_checkpoint(bus, "bot", "q", eids[1], std::optional<std::string>{eids[0]});
  REQUIRE(rt::checkpoint_of(bus, "bot", "q") == eids[1]);
  REQUIRE_THROWS_AS(rb::set_checkpoint(bus, "bot", "q", "z/20x"), rb::eid_error);
}
