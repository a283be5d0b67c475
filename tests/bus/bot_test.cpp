// The behaviour of bot on every backend: support/contract/bot_cases.hpp, run by
// tests/bus/<backend>/contract_test.cpp. Here: what does not depend on the backend.
#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/local/lease_file.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/core/clock.hpp>
#include <rstreams/core/manual_clock.hpp>

#include <support/bus_backends.hpp>
#include <support/bus_payloads.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {
using rt::eventually;

}  // namespace

TEST_CASE("bot: bad options are config errors", "[bus][bot]") {
  rt::local_bus fx;
  auto job = [](const rstreams::run_context&) { return rb::bot_stats{}; };
  using B = rt::local_bus::backend_type;
  REQUIRE_THROWS_AS(rb::bot<B>(fx.bus(), {.id = "no spaces"}, job), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::bot<B>(fx.bus(), {.id = "b", .error_limit = 0}, job), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::bot_trigger::cron("* * *"), rstreams::config_error);
  REQUIRE_THROWS_AS(rb::bot_trigger::on_queues({}), rstreams::config_error);
}

static_assert(rb::stores_bot_state<rb::any_backend>);

// Leases on the local backend.

TEST_CASE("bot: a run longer than the lease ttl keeps its lease", "[bus][bot]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  auto other = fx.reopen();
  bool taken_meanwhile = true;
  rb::bot<rb::local_backend> b(bus, {.id = "slow", .lease_ttl = 600ms}, [&](const rstreams::run_context&) {
    std::this_thread::sleep_for(1000ms);  // well past the ttl: only renewals keep the lease
    taken_meanwhile = other.try_lease("slow", 600ms).has_value();
    return rb::bot_stats{};
  });
  REQUIRE(b.run_once());
  REQUIRE_FALSE(taken_meanwhile);
}

TEST_CASE("bot: a run whose lease was taken over is stopped with lease_lost", "[bus][bot]") {
  rstreams::test::temp_file dir("bus", "");
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  rb::local_backend bus(dir.path().string(), opt);
  bool stopped = false;
  rb::bot<rb::local_backend> b(
      bus, {.id = "usurped", .lease_ttl = 300ms}, [&](const rstreams::run_context& ctx) {
        // Another instance took the lease (as it may once a stalled holder's lease expired).
        std::ofstream(dir.path() / "leases" / "usurped.lease", std::ios::trunc)
            << R"({"token":"someone-else","pid":1,"expires_at":)" << (rb::detail::now_ms() + 60'000) << "}";
        stopped = eventually([&] { return ctx.stop_requested(); });
        return rb::bot_stats{};
      });
  REQUIRE_THROWS_MATCHES(
      b.run_once(), rb::lease_lost, Catch::Matchers::Predicate<rb::lease_lost>([](const rb::lease_lost& e) {
        return e.bot() == "usurped" && std::string(e.what()).find("lost its lease") != std::string::npos;
      }));
  REQUIRE(stopped);
  REQUIRE(b.status().failures == 1);
}
