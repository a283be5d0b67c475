#pragma once
// The large bus of the operations benchmarks (bus_stats_bench, dashboard_bench): 100 queues x
// 100,000 events (10 million, ~60-byte JSON payloads) and 100 bots, each with a checkpoint
// between 1% and 99% of the way into queue (bot % 100). Built once (about 1.3 GB, fsync off) in
// $RSTREAMS_BENCH_DIR or the temp directory, kept for the next run (a marker file says it is
// complete), and read from the page cache.

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/record.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace rstreams::bench {

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

inline constexpr int queue_count = 100;
inline constexpr std::size_t per_queue = 100'000;
inline constexpr std::size_t batch = 5'000;
inline constexpr int bot_count = 100;

inline std::string queue_name(int q) {
  return "queue" + std::to_string(q);
}
inline std::string bot_name(int b) {
  return "bot" + std::to_string(b);
}

inline fs::path bus_dir() {
  const char* base = std::getenv("RSTREAMS_BENCH_DIR");
  return fs::path(base != nullptr ? base : fs::temp_directory_path().string()) / "rstreams-bus-stats-bench";
}

inline rb::local_options options() {
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  return opt;
}

// Builds the bus unless a complete one is there: the queues, and per bot a checkpoint at a
// pseudo-random record of queue (bot % 100).
inline void build_bus() {
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

}  // namespace rstreams::bench
