#include <rstreams/agg/window_config.hpp>
#include <rstreams/core/error.hpp>

#include <support/catch.hpp>

#include <chrono>
#include <string>

namespace rs = rstreams;
using namespace std::chrono_literals;

namespace {
auto ts = [](const std::string&) { return 1s; };
}  // namespace

static_assert(!decltype(rs::processing_time())::is_event_time);
static_assert(decltype(rs::event_time(ts))::is_event_time);
static_assert(rs::is_window_config_v<decltype(rs::event_time(ts).on_late([](const auto&) {}))>);

TEST_CASE("event_time settings chain and survive a change of late handler or policy",
          "[agg][window_config]") {
  rs::agg_counters c;
  auto cfg = rs::event_time(ts)
                 .out_of_orderness(5s)
                 .allowed_lateness(1min)
                 .idle_timeout(30s)
                 .max_ahead(24h)
                 .keys(rs::key_limit(10, rs::on_evict::discard))
                 .counters(&c)
                 .batch(7)
                 .on_late([](const std::string&) {})
                 .on_bad_input(rs::on_error::skip{});
  REQUIRE(cfg.ooo_ns() == std::chrono::nanoseconds(5s).count());
  REQUIRE(cfg.lateness_ns() == std::chrono::nanoseconds(1min).count());
  REQUIRE(cfg.idle_ns() == std::chrono::nanoseconds(30s).count());
  REQUIRE(cfg.max_ahead_ns() == std::chrono::nanoseconds(24h).count());
  REQUIRE(cfg.key_bound().max_keys == 10);
  REQUIRE(cfg.counters_ptr() == &c);
  REQUIRE(cfg.batch_size() == 7);
}

TEST_CASE("window settings out of range are config errors", "[agg][window_config]") {
  REQUIRE_THROWS_WITH(rs::processing_time().batch(0), "rstreams::window: batch must be at least 1 (got 0)");
  REQUIRE_THROWS_WITH(rs::event_time(ts).out_of_orderness(-1ms),
                      "rstreams::window: out_of_orderness must be non-negative (got -1000000 ns)");
  REQUIRE_THROWS_AS(rs::event_time(ts).idle_timeout(0s), rs::config_error);
  REQUIRE_THROWS_AS(rs::processing_time().idle_timeout(-1s), rs::config_error);
  REQUIRE_THROWS_AS(rs::event_time(ts).allowed_lateness(-1s), rs::config_error);
  REQUIRE_THROWS_AS(rs::event_time(ts).max_ahead(0s), rs::config_error);
  REQUIRE_THROWS_AS(rs::event_time(ts).on_bad_input(rs::on_error::retry{.attempts = 0}), rs::config_error);
}
