// The dashboard's answers on a large bus (issue 16: under 50 ms with 10 million events in 100
// queues), against the stats they are built from, in the same run. The bus is the one of
// bus_stats_bench (support/stats_bus.hpp: 100 queues x 100,000 events, 100 bots).
//
// * dashboard/baseline_stats: `stats(bus)`, the issue-15 figure every page starts from.
// * dashboard/api_sample: what the sampler does each interval and every live update carries:
//   stats, one history sample per bot input and queue, and the JSON of the graph, the bots
//   and the queues.
// * dashboard/api_bot: a bot page (stats, its lag history, its last runs).
// * dashboard/api_queue_events: a queue page's latest 50 events (a binary search over
//   positions, then one read).
// * dashboard/http_overview and http_bot: the same through a real dashboard_server on
//   127.0.0.1 (HTTP, JSON text), as a browser asks.
// The trace route is not here: a forward trace reads up to trace_options::max_scan_per_queue
// events per candidate queue (a documented bound, not an index lookup).
// Real time, since these are I/O calls.

#include "support/stats_bus.hpp"

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/dashboard/dashboard_api.hpp>
#include <rstreams/dashboard/dashboard_server.hpp>

#include <benchmark/benchmark.h>
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>

namespace rb = rstreams::bus;
namespace rd = rstreams::dashboard;
namespace sb = rstreams::bench;

namespace {

rd::dashboard_options bench_options() {
  rd::dashboard_options o;
  o.port = 0;
  o.sample_interval = std::chrono::milliseconds(3'600'000);  // the benchmark samples by itself
  return o;
}

void dashboard_baseline_stats(benchmark::State& state) {
  sb::build_bus();
  rb::local_backend bus(sb::bus_dir().string(), sb::options());
  for (auto _ : state) benchmark::DoNotOptimize(rb::stats(bus));
}
BENCHMARK(dashboard_baseline_stats)
    ->Name("dashboard/baseline_stats")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void dashboard_api_sample(benchmark::State& state) {
  sb::build_bus();
  rb::local_backend bus(sb::bus_dir().string(), sb::options());
  rd::dashboard_api api(bus, bench_options());
  std::size_t bytes = 0;
  for (auto _ : state) bytes = api.sample().dump().size();
  state.counters["update_bytes"] = static_cast<double>(bytes);
  state.counters["series"] = static_cast<double>(api.history().series());
}
BENCHMARK(dashboard_api_sample)->Name("dashboard/api_sample")->Unit(benchmark::kMillisecond)->UseRealTime();

void dashboard_api_bot(benchmark::State& state) {
  sb::build_bus();
  rb::local_backend bus(sb::bus_dir().string(), sb::options());
  rd::dashboard_api api(bus, bench_options());
  for (int i = 0; i < 100; ++i) api.sample();  // a history to answer with
  for (auto _ : state) benchmark::DoNotOptimize(api.bot(sb::bot_name(42)).dump());
}
BENCHMARK(dashboard_api_bot)->Name("dashboard/api_bot")->Unit(benchmark::kMillisecond)->UseRealTime();

void dashboard_api_queue_events(benchmark::State& state) {
  sb::build_bus();
  rb::local_backend bus(sb::bus_dir().string(), sb::options());
  rd::dashboard_api api(bus, bench_options());
  std::size_t n = 0;
  for (auto _ : state) n = api.events(sb::queue_name(42), rd::event_query{"", "", 50})["events"].size();
  state.counters["events"] = static_cast<double>(n);
}
BENCHMARK(dashboard_api_queue_events)
    ->Name("dashboard/api_queue_events")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void dashboard_http(benchmark::State& state, const std::string& path) {
  sb::build_bus();
  rb::local_backend bus(sb::bus_dir().string(), sb::options());
  rd::dashboard_server server(bus, bench_options());
  httplib::Client client("127.0.0.1", server.port());
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto res = client.Get(path.c_str());
    if (!res || res->status != 200) {
      state.SkipWithError("the dashboard did not answer 200");
      break;
    }
    bytes = res->body.size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(dashboard_http, overview, std::string("/api/overview"))
    ->Name("dashboard/http_overview")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(dashboard_http, bot, "/api/bots/" + sb::bot_name(42))
    ->Name("dashboard/http_bot")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
