// The operations API's cost on a large bus (issue 15: under 50 ms for every bot and queue with
// 10 million events across 100 queues), against the exact figure the old way in the same run:
//
// * bus_stats/rstreams: `stats(bus)` on a local bus of 100 queues x 100,000 events (10 million,
//   ~60-byte JSON payloads) and 100 bots, each with a checkpoint somewhere in one queue (between
//   1% and 99% of the way: 5 million events pending in all): every queue's size, ends and write
//   rate, every bot's state, lease and lag in events and time. Positions come from the index.
// * bus_stats/baseline_read_pending: the exact lag of the same 100 bots the only way there was
//   before: reading every pending event after each checkpoint (no payload decoding).
//
// The bus (support/stats_bus.hpp) is built once (about 1.3 GB, fsync off) and kept for the next run.
// Real time, since stats are I/O calls.

#include "support/stats_bus.hpp"

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/bus/stats.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace sb = rstreams::bench;

namespace {

void bus_stats_rstreams(benchmark::State& state) {
  sb::build_bus();
  rb::local_backend bus(sb::bus_dir().string(), sb::options());
  std::uint64_t lag = 0;
  for (auto _ : state) {
    const auto s = rb::stats(bus);
    lag = 0;
    for (const auto& b : s.bots)
      for (const auto& in : b.inputs) lag += in.lag_events;
    benchmark::DoNotOptimize(lag);
  }
  state.counters["pending"] = static_cast<double>(lag);
  state.counters["queues"] = sb::queue_count;
  state.counters["bots"] = sb::bot_count;
}
BENCHMARK(bus_stats_rstreams)->Name("bus_stats/rstreams")->Unit(benchmark::kMillisecond)->UseRealTime();

void bus_stats_read_pending(benchmark::State& state) {
  sb::build_bus();
  rb::local_backend bus(sb::bus_dir().string(), sb::options());
  std::vector<rb::record> out;
  std::uint64_t lag = 0;
  for (auto _ : state) {
    lag = 0;
    for (const auto& b : bus.bots()) {
      for (const auto& [queue, cp] : b.checkpoints) {
        std::string after = cp.eid;
        out.clear();
        while (bus.read(queue, after, 1000, out) != 0) {
          lag += out.size();
          after = out.back().eid;
          out.clear();
        }
      }
    }
    benchmark::DoNotOptimize(lag);
  }
  state.counters["pending"] = static_cast<double>(lag);
}
BENCHMARK(bus_stats_read_pending)
    ->Name("bus_stats/baseline_read_pending")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
