// The behaviour of offload on every backend: support/contract/offload_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/ops/transform.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_spy.hpp>
#include <support/catch.hpp>
#include <support/recording_sink.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <stdexcept>
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
