#pragma once
// What the bus benchmarks share: a queue filled with generated payloads before the timed part,
// and rates reported from wall time with the CPU of every thread beside them.

#include <rstreams/bus/record.hpp>

#include <benchmark/benchmark.h>

#include <cstddef>
#include <string_view>
#include <vector>

#include <time.h>

namespace bench {

/// Appends `n` events (id "loader", payload `make_payload(i)`) to `queue` in batches of `batch`.
template <class Bus, class Make>
void fill_queue(Bus& bus, std::string_view queue, std::size_t n, Make&& make_payload,
                std::size_t batch = 1000) {
  std::vector<rstreams::bus::record> rs;
  rs.reserve(batch);
  for (std::size_t i = 0; i < n; ++i) {
    rstreams::bus::record r;
    r.id = "loader";
    r.payload = make_payload(i);
    rs.push_back(std::move(r));
    if (rs.size() == batch || i + 1 == n) {
      bus.append(queue, rs);
      rs.clear();
    }
  }
}

/// CPU time of the whole process (every thread), in seconds.
inline double process_cpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// items_per_second from wall time; cpu_ns_per_item from the CPU time of all threads (what the
/// run costs whatever the machine's load: a busy machine stretches the wall time, not this).
inline void set_rate(benchmark::State& state, std::size_t items, double seconds, double cpu_seconds) {
  state.counters["items_per_second"] = benchmark::Counter(static_cast<double>(items) / seconds);
  state.counters["cpu_ns_per_item"] = benchmark::Counter(cpu_seconds * 1e9 / static_cast<double>(items));
}

}  // namespace bench
