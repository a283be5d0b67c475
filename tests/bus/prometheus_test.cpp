#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/prometheus.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>

// Built when CMake found a python3 with prometheus_client (tests/CMakeLists.txt).
#if defined(RSTREAMS_TEST_PYTHON3)

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
struct parsed {
  int status = -1;
  std::string out;
};

// The text through python3-prometheus-client's parser (tests/support/prometheus_check.py).
parsed parse_with_prometheus_client(const std::string& text) {
  rt::temp_file file("metrics", ".prom");
  std::ofstream(file.path()) << text;
  const std::string cmd = std::string(RSTREAMS_TEST_PYTHON3) + " " + RSTREAMS_SOURCE_DIR +
                          "/tests/support/prometheus_check.py " + file.path().string() + " 2>&1";
  parsed p;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) p.out.append(buf.data(), n);
  const int st = ::pclose(pipe);
  p.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return p;
}
}  // namespace

TEST_CASE("prometheus: the exposition of a bus's stats parses with the official parser",
          "[bus][prometheus]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  const auto eids = rb::put_events(bus, "loader", "orders", std::vector<json>(12, json{{"x", 1}}));
  bus.commit_checkpoint("enricher", "orders", std::nullopt, rb::checkpoint{eids[2], 3, 1'000, 0});
  bus.put_bot_state("enricher", rb::bot_state{2, true, "boom"});

  const auto text = rb::to_prometheus(rb::stats(bus));
  const auto p = parse_with_prometheus_client(text);
  INFO(text);
  INFO(p.out);
  REQUIRE(p.status == 0);
  REQUIRE(p.out.find("gauge rstreams_bot_read_lag_events bot=enricher,queue=orders 9\n") !=
          std::string::npos);
  REQUIRE(p.out.find("gauge rstreams_queue_events queue=orders 12\n") != std::string::npos);
  REQUIRE(p.out.find("gauge rstreams_bot_paused bot=enricher 1\n") != std::string::npos);
  REQUIRE(p.out.find("gauge rstreams_bot_consecutive_errors bot=enricher 2\n") != std::string::npos);
  REQUIRE(p.out.find("counter rstreams_bot_events_in_total bot=enricher 0\n") != std::string::npos);
  REQUIRE(p.out.find("rstreams_bot_read_lag_seconds bot=enricher,queue=orders") != std::string::npos);
  REQUIRE(p.out.find("rstreams_bot_source_lag_seconds bot=enricher,queue=orders") != std::string::npos);
  REQUIRE(p.out.find("rstreams_queue_write_rate_events_per_second queue=orders") != std::string::npos);
}

TEST_CASE("prometheus: label values are escaped; the parser rejects broken text", "[bus][prometheus]") {
  rb::bus_stats s;
  rb::bot_report b;
  b.id = "we\"ird\\bot\nname";
  rb::bot_lag l;
  l.queue = "q";
  l.lag_events = 7;
  b.inputs.push_back(l);
  s.bots.push_back(b);
  const auto p = parse_with_prometheus_client(rb::to_prometheus(s));
  INFO(p.out);
  REQUIRE(p.status == 0);
  REQUIRE(p.out.find("rstreams_bot_read_lag_events bot=we\"ird\\bot\nname,queue=q 7") != std::string::npos);
  // The checker can fail: a sample line with an unterminated label.
  REQUIRE(parse_with_prometheus_client("rstreams_x{bot=\"a} 1\n").status != 0);
}

TEST_CASE("prometheus: pipeline and live bot metrics parse with the official parser",
          "[bus][prometheus][metered]") {
  rt::local_bus fx;
  auto& bus = fx.bus();
  rb::put_events(bus, "loader", "orders", std::vector<json>(4, json{{"x", 1}}));
  rstreams::metrics_registry reg;
  rb::enrich_options o{.bot = "enricher", .in = "orders", .out = "enriched"};
  o.metrics = &reg;
  rb::enrich(bus, o, [](const json& j) { return j; });
  rstreams::run(rstreams::iota(0, 10) |
                rstreams::metered(reg, "numbers", rstreams::transform([](int x) {
                                                    return x * 3;
                                                  }) | rstreams::filter([](int x) { return x % 2 == 0; })) |
                rstreams::to_vector());

  const auto text = rb::to_prometheus(rb::stats(bus), reg);
  const auto p = parse_with_prometheus_client(text);
  INFO(text);
  INFO(p.out);
  REQUIRE(p.status == 0);
  CHECK(p.out.find("counter rstreams_bot_live_events_in_total bot=enricher 4\n") != std::string::npos);
  CHECK(p.out.find("counter rstreams_bot_live_events_out_total bot=enricher 4\n") != std::string::npos);
  CHECK(p.out.find("counter rstreams_bot_live_commits_total bot=enricher 1\n") != std::string::npos);
  CHECK(p.out.find("counter rstreams_stage_in_total pipeline=numbers,position=1,stage=transform 10\n") !=
        std::string::npos);
  CHECK(p.out.find("counter rstreams_stage_out_total pipeline=numbers,position=2,stage=filter 5\n") !=
        std::string::npos);
  // The bus's own figures are still there.
  CHECK(p.out.find("gauge rstreams_queue_events queue=orders 4\n") != std::string::npos);
}

#endif
