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
// The bus is built once (about 1.3 GB, fsync off) in $RSTREAMS_BENCH_DIR or the temp directory,
// kept for the next run (a marker file says it is complete), and read from the page cache.
// Real time, since stats are I/O calls.

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/bus/stats.hpp>

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

constexpr int queue_count = 100;
constexpr std::size_t per_queue = 100'000;
constexpr std::size_t batch = 5'000;
constexpr int bot_count = 100;

std::string queue_name(int q) {
  return "queue" + std::to_string(q);
}
std::string bot_name(int b) {
  return "bot" + std::to_string(b);
}

fs::path bus_dir() {
  const char* base = std::getenv("RSTREAMS_BENCH_DIR");
  return fs::path(base != nullptr ? base : fs::temp_directory_path().string()) / "rstreams-bus-stats-bench";
}

rb::local_options options() {
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  return opt;
}

// Builds the bus unless a complete one is there: the queues, and per bot a checkpoint at a
// pseudo-random record of queue (bot % 100).
void build_bus() {
  const auto dir = bus_dir();
  if (fs::exists(dir / "complete")) return;
  fs::remove_all(dir);
  rb::local_backend bus(dir.string(), options());
  std::vector<rb::record> records(batch);
  std::mt19937_64 rng(42);
  std::vector<std::string> checkpoint_at(bot_count);
  std::vector<std::size_t> target(bot_count);
  for (int b = 0; b < bot_count; ++b) target[b] = per_queue / 100 + rng() % (per_queue * 98 / 100);
  for (int q = 0; q < queue_count; ++q) {
    const auto name = queue_name(q);
    for (std::size_t done = 0; done < per_queue; done += batch) {
      for (std::size_t i = 0; i < batch; ++i) {
        auto& r = records[i];
        r = rb::record{};
        r.id = "loader";
        r.payload = "{\"order\":" + std::to_string(done + i) + ",\"total\":12.5,\"customer\":\"c-0001\"}";
      }
      bus.append(name, records);
      for (int b = 0; b < bot_count; ++b)
        if (b % queue_count == q && target[b] >= done && target[b] < done + batch)
          checkpoint_at[b] = records[target[b] - done].eid;
    }
  }
  for (int b = 0; b < bot_count; ++b)
    bus.commit_checkpoint(bot_name(b), queue_name(b % queue_count), std::nullopt,
                          rb::checkpoint{checkpoint_at[b], target[b] + 1, 1'700'000'000'000, 0});
  std::ofstream(dir / "complete") << "ok\n";
}

void bus_stats_rstreams(benchmark::State& state) {
  build_bus();
  rb::local_backend bus(bus_dir().string(), options());
  std::uint64_t lag = 0;
  for (auto _ : state) {
    const auto s = rb::stats(bus);
    lag = 0;
    for (const auto& b : s.bots)
      for (const auto& in : b.inputs) lag += in.lag_events;
    benchmark::DoNotOptimize(lag);
  }
  state.counters["pending"] = static_cast<double>(lag);
  state.counters["queues"] = queue_count;
  state.counters["bots"] = bot_count;
}
BENCHMARK(bus_stats_rstreams)->Name("bus_stats/rstreams")->Unit(benchmark::kMillisecond)->UseRealTime();

void bus_stats_read_pending(benchmark::State& state) {
  build_bus();
  rb::local_backend bus(bus_dir().string(), options());
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
