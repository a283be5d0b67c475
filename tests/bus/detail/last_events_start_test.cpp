#include <rstreams/bus/detail/last_events_start.hpp>
#include <rstreams/bus/put.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;

TEST_CASE("last_events_start finds the last n events from positions", "[bus][last_events_start]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  std::vector<std::string> eids;
  for (int i = 0; i < 5; ++i) {  // batches, so that several events share a millisecond
    const auto some = rt::put_items(bus, i * 4, i * 4 + 4);
    eids.insert(eids.end(), some.begin(), some.end());
  }
  for (const std::uint64_t n : {1U, 3U, 4U, 7U, 19U}) {
    std::uint64_t skip = 0;
    const auto after = rb::detail::last_events_start(bus, "items", n, skip);
    std::vector<rb::record> got;
    bus.read("items", after, 100, got);
    REQUIRE(got.size() >= skip);
    got.erase(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(skip));
    REQUIRE(got.size() == n);
    REQUIRE(got.front().eid == eids[eids.size() - n]);
    REQUIRE(got.back().eid == eids.back());
  }
  std::uint64_t skip = 7;
  REQUIRE(rb::detail::last_events_start(bus, "items", 20, skip).empty());  // all of them: from the start
  REQUIRE(skip == 0);
  REQUIRE(rb::detail::last_events_start(bus, "items", 50, skip).empty());
}
