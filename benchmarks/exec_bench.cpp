// Concurrency costs, each against its baseline in the same run (issue 3):
//
//   async_handoff       10M uint64_t through one thread boundary; x*3 upstream, the consumer
//                       keeps y % 7 != 0 and sums. baseline_spsc_ring: a raw SPSC ring (cap
//                       1024, acquire/release, cached indices, one item per hand-off, a side
//                       with nothing to do spins 64 pauses, then yields); mutex_cv_queue:
//                       std::deque under a mutex with two condition variables (cap 1024, one
//                       item per hand-off); rstreams: iota | transform | async(1024) | filter | sum.
//   parallel_map_cpu    20k elements through a CPU-bound function (~10 us each): parallel_map
//                       with 2 workers against 1 (baseline_1_worker), both with an in-flight
//                       window of 64; serial_loop is the same work in a plain loop, and
//                       two_plain_threads splits it between two uncoordinated threads: the
//                       ceiling for 2 workers on this machine at that moment. `workers` counts
//                       the calling thread: 2 workers are one worker thread and the caller,
//                       1 worker runs the function inline on the caller.
//   parallel_map_cpu_narrow  the same with the default window (in flight = workers).
//   three_stage_items   serial source -> parallel hash32 (six multiply-xorshift rounds,
//                       ~25 ns) -> serial filter + sum, one element per hand-off, at most 256
//                       elements in flight: oneTBB parallel_pipeline with 256 tokens (baseline),
//                       rstreams parallel_map(ordered and unordered) with in_flight 256, TBB with
//                       8 tokens, and the serial loop. The Node.js peer (peers/exec_pipeline.js)
//                       adds node_streams to this group: the same hash on the same 1M elements
//                       as object-mode streams, checked against the same total.
//   three_stage_chunks  the same work moved in 1024-element chunks: TBB with a chunk per token
//                       (8 tokens), rstreams batch(1024) | parallel_map over the chunks (2 workers,
//                       8 in flight).
//
// Every variant reports `cores`: the process CPU time over the wall time, i.e. how many cores it
// kept busy (2 workers that really run in parallel show close to 2), and `parks_per_1k`: the
// voluntary context switches (a thread parking) per 1000 elements, the synchronization cost
// that does not depend on how loaded the machine is.
// Before measuring, every variant of a group is run once and must agree.
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/batch.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/exec/parallel_map_unordered.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/fold.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <benchmark/benchmark.h>

#if defined(RSTREAMS_HAVE_TBB)
#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>
#endif

#include <sys/resource.h>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using u64 = std::uint64_t;
using u32 = std::uint32_t;
namespace rs = rstreams;

constexpr u64 handoff_n = 10'000'000;

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// A side of the raw ring with nothing to do: spin a little, then give the core away.
struct backoff {
  int spins = 0;
  void operator()() {
    if (++spins < 64)
      relax();
    else
      std::this_thread::yield();
  }
};

// ---- async_handoff --------------------------------------------------------------------------

/// The raw ring: what a hand-written SPSC hand-off costs, one item at a time.
class raw_ring {
 public:
  explicit raw_ring(std::size_t cap) : mask_(cap - 1), slots_(cap) {}
  void push(u64 v) {
    const std::size_t t = tail_.load(std::memory_order_relaxed);
    if (t - cached_head_ > mask_) {
      backoff wait;
      for (;;) {
        cached_head_ = head_.load(std::memory_order_acquire);
        if (t - cached_head_ <= mask_) break;
        wait();
      }
    }
    slots_[t & mask_] = v;
    tail_.store(t + 1, std::memory_order_release);
  }
  bool pop(u64& v) {  // false at the end
    const std::size_t h = head_.load(std::memory_order_relaxed);
    if (h == cached_tail_) {
      backoff wait;
      for (;;) {
        const bool done = done_.load(std::memory_order_acquire);
        cached_tail_ = tail_.load(std::memory_order_acquire);
        if (h != cached_tail_) break;
        if (done) return false;
        wait();
      }
    }
    v = slots_[h & mask_];
    head_.store(h + 1, std::memory_order_release);
    return true;
  }
  void close() { done_.store(true, std::memory_order_release); }

 private:
  const std::size_t mask_;
  std::vector<u64> slots_;
  alignas(64) std::atomic<std::size_t> head_{0};
  alignas(64) std::size_t cached_tail_ = 0;
  alignas(64) std::atomic<std::size_t> tail_{0};
  alignas(64) std::size_t cached_head_ = 0;
  alignas(64) std::atomic<bool> done_{false};
};

u64 handoff_raw_ring(u64 n) {
  raw_ring ring(1024);
  std::thread producer([&] {
    for (u64 x = 0; x < n; ++x) ring.push(x * 3);
    ring.close();
  });
  u64 total = 0, v = 0;
  while (ring.pop(v))
    if (v % 7 != 0) total += v;
  producer.join();
  return total;
}

class mutex_queue {
 public:
  void push(u64 v) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < 1024; });
    q_.push_back(v);
    not_empty_.notify_one();
  }
  bool pop(u64& v) {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty() || done_; });
    if (q_.empty()) return false;
    v = q_.front();
    q_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void close() {
    std::lock_guard lock(m_);
    done_ = true;
    not_empty_.notify_all();
  }

 private:
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<u64> q_;
  bool done_ = false;
};

u64 handoff_mutex_cv(u64 n) {
  mutex_queue q;
  std::thread producer([&] {
    for (u64 x = 0; x < n; ++x) q.push(x * 3);
    q.close();
  });
  u64 total = 0, v = 0;
  while (q.pop(v))
    if (v % 7 != 0) total += v;
  producer.join();
  return total;
}

u64 handoff_rstreams(u64 n) {
  // The multiplication sits upstream of the boundary, as in the baselines.
  return rs::run(rs::iota(u64{0}, n) | rs::transform([](u64 x) { return x * 3; }) | rs::async(1024) |
                 rs::filter([](u64 y) { return y % 7 != 0; }) | rs::sum());
}

// ---- parallel_map_cpu -----------------------------------------------------------------------

constexpr u64 cpu_n = 20'000;

/// About 10 us of arithmetic that the optimiser cannot skip.
u64 burn(u64 x) {
  u64 h = x ^ 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 4000; ++i) h = h * 6364136223846793005ULL + 1442695040888963407ULL + (h >> 29);
  return h;
}

u64 cpu_parallel(std::size_t workers, std::size_t in_flight) {
  return rs::run(rs::iota(u64{0}, cpu_n) |
                 rs::parallel_map(rs::parallelism{.workers = workers, .in_flight = in_flight},
                                  [](u64 x) { return burn(x) & 0xFF; }) |
                 rs::sum());
}

u64 cpu_serial() {
  u64 total = 0;
  for (u64 x = 0; x < cpu_n; ++x) total += burn(x) & 0xFF;
  return total;
}

/// The ceiling for two workers on this machine right now: two plain threads, each summing
/// every other element, no coordination at all.
u64 cpu_two_threads() {
  u64 part[2] = {0, 0};
  std::thread other([&] {
    for (u64 x = 1; x < cpu_n; x += 2) part[1] += burn(x) & 0xFF;
  });
  for (u64 x = 0; x < cpu_n; x += 2) part[0] += burn(x) & 0xFF;
  other.join();
  return part[0] + part[1];
}

// ---- three_stage ----------------------------------------------------------------------------

constexpr u64 stage_n = 1'000'000;
constexpr std::size_t stage_window = 256;
/// sum of hash32(x) over x < 1M where hash32(x) % 7 != 0; peers/exec_pipeline.js checks the same.
constexpr u64 stage_total = 1839920182121355ULL;

/// The middle stage: six multiply-xorshift rounds in 32-bit arithmetic (~25 ns), written the
/// same way in the Node.js peer (Math.imul), so that every variant does the same work.
inline u64 hash32(u64 x) {
  u32 h = static_cast<u32>(x) * 3u;
  for (int i = 0; i < 6; ++i) {
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    h *= 0x297a2d39u;
  }
  return h ^ (h >> 15);
}

u64 three_stage_rstreams_items(u64 n) {
  return rs::run(rs::iota(u64{0}, n) |
                 rs::parallel_map(rs::parallelism{.workers = 2, .in_flight = stage_window},
                                  [](u64 x) { return hash32(x); }) |
                 rs::filter([](u64 y) { return y % 7 != 0; }) | rs::sum());
}

u64 three_stage_rstreams_unordered(u64 n) {
  return rs::run(rs::iota(u64{0}, n) |
                 rs::parallel_map_unordered(rs::parallelism{.workers = 2, .in_flight = stage_window},
                                            [](u64 x) { return hash32(x); }) |
                 rs::filter([](u64 y) { return y % 7 != 0; }) | rs::sum());
}

u64 three_stage_rstreams_chunks(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::batch(1024) |
                 rs::parallel_map(rs::parallelism{.workers = 2, .in_flight = 8},
                                  [](const std::vector<u64>& c) {
                                    std::vector<u64> out(c.size());
                                    for (std::size_t i = 0; i < c.size(); ++i) out[i] = hash32(c[i]);
                                    return out;
                                  }) |
                 rs::fold(u64{0}, [](u64 acc, const std::vector<u64>& c) {
                   for (u64 y : c)
                     if (y % 7 != 0) acc += y;
                   return acc;
                 }));
}

u64 three_stage_serial(u64 n) {
  u64 total = 0;
  for (u64 x = 0; x < n; ++x) {
    const u64 y = hash32(x);
    if (y % 7 != 0) total += y;
  }
  return total;
}

#if defined(RSTREAMS_HAVE_TBB)
u64 three_stage_tbb_items(u64 n, std::size_t tokens) {
  u64 next = 0, total = 0;
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, u64>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> u64 {
        if (next == n) {
          fc.stop();
          return 0;
        }
        return next++;
      }) & tbb::make_filter<u64, u64>(tbb::filter_mode::parallel, [](u64 x) {
        return hash32(x);
      }) & tbb::make_filter<u64, void>(tbb::filter_mode::serial_out_of_order, [&](u64 y) {
        if (y % 7 != 0) total += y;
      }));
  return total;
}

u64 three_stage_tbb_chunks(u64 n) {
  using chunk = std::shared_ptr<std::vector<u64>>;
  u64 next = 0, total = 0;
  tbb::parallel_pipeline(
      8,
      tbb::make_filter<void, chunk>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> chunk {
        if (next == n) {
          fc.stop();
          return nullptr;
        }
        auto c = std::make_shared<std::vector<u64>>();
        c->reserve(1024);
        for (int i = 0; i < 1024 && next < n; ++i) c->push_back(next++);
        return c;
      }) & tbb::make_filter<chunk, chunk>(tbb::filter_mode::parallel, [](chunk c) {
        for (auto& x : *c) x = hash32(x);
        return c;
      }) & tbb::make_filter<chunk, void>(tbb::filter_mode::serial_out_of_order, [&](chunk c) {
        for (u64 y : *c)
          if (y % 7 != 0) total += y;
      }));
  return total;
}
#endif

// ---- registration -----------------------------------------------------------------------------

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Voluntary context switches of the whole process so far: a thread that parks (futex wait,
/// sleep) adds one. Counted by the kernel, so it does not depend on how busy the machine is.
long parks() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_nvcsw;
}

template <class F>
void measure(benchmark::State& state, F f, u64 items) {
  double cpu = 0, wall = 0;
  long parked = 0;
  for (auto _ : state) {
    const double c0 = process_cpu_seconds(), w0 = wall_seconds();
    const long p0 = parks();
    benchmark::DoNotOptimize(f());
    parked += parks() - p0;
    cpu += process_cpu_seconds() - c0;
    wall += wall_seconds() - w0;
  }
  const double total = static_cast<double>(state.iterations()) * static_cast<double>(items);
  state.SetItemsProcessed(static_cast<std::int64_t>(total));
  state.counters["cores"] = wall > 0 ? cpu / wall : 0.0;
  state.counters["parks_per_1k"] = total > 0 ? 1000.0 * static_cast<double>(parked) / total : 0.0;
}

template <class F>
void add(const char* name, F f, u64 items) {
  benchmark::RegisterBenchmark(name, [f, items](benchmark::State& s) { measure(s, f, items); })
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

void check(const char* group, u64 a, u64 b) {
  if (a != b) {
    std::fprintf(stderr, "exec_bench: the variants of %s disagree (%llu vs %llu)\n", group,
                 static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
#if defined(RSTREAMS_HAVE_TBB)
  // Two workers everywhere, as the rstreams variants use.
  tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, 2);
#endif
  benchmark::Initialize(&argc, argv);

  check("async_handoff", handoff_raw_ring(1'000'000), handoff_rstreams(1'000'000));
  check("async_handoff", handoff_raw_ring(1'000'000), handoff_mutex_cv(1'000'000));
  check("parallel_map_cpu", cpu_serial(), cpu_parallel(1, 64));
  check("parallel_map_cpu", cpu_serial(), cpu_parallel(2, 64));
  check("parallel_map_cpu", cpu_serial(), cpu_parallel(2, 0));
  check("parallel_map_cpu", cpu_serial(), cpu_two_threads());
  check("three_stage", three_stage_serial(stage_n), stage_total);
  check("three_stage", three_stage_serial(100'000), three_stage_rstreams_items(100'000));
  check("three_stage", three_stage_serial(100'000), three_stage_rstreams_unordered(100'000));
  check("three_stage", three_stage_serial(100'000), three_stage_rstreams_chunks(100'000));
#if defined(RSTREAMS_HAVE_TBB)
  check("three_stage", three_stage_serial(100'000), three_stage_tbb_items(100'000, stage_window));
  check("three_stage", three_stage_serial(100'000), three_stage_tbb_chunks(100'000));
#endif

  add(
      "async_handoff/baseline_spsc_ring", [] { return handoff_raw_ring(handoff_n); }, handoff_n);
  add(
      "async_handoff/mutex_cv_queue", [] { return handoff_mutex_cv(handoff_n); }, handoff_n);
  add(
      "async_handoff/rstreams", [] { return handoff_rstreams(handoff_n); }, handoff_n);

  add(
      "parallel_map_cpu/baseline_1_worker", [] { return cpu_parallel(1, 64); }, cpu_n);
  add(
      "parallel_map_cpu/2_workers", [] { return cpu_parallel(2, 64); }, cpu_n);
  add(
      "parallel_map_cpu/serial_loop", [] { return cpu_serial(); }, cpu_n);
  add(
      "parallel_map_cpu/two_plain_threads", [] { return cpu_two_threads(); }, cpu_n);
  add(
      "parallel_map_cpu_narrow/baseline_1_worker", [] { return cpu_parallel(1, 0); }, cpu_n);
  add(
      "parallel_map_cpu_narrow/2_workers", [] { return cpu_parallel(2, 0); }, cpu_n);

#if defined(RSTREAMS_HAVE_TBB)
  add(
      "three_stage_items/baseline_tbb_parallel_pipeline",
      [] { return three_stage_tbb_items(stage_n, stage_window); }, stage_n);
  add(
      "three_stage_items/tbb_8_tokens", [] { return three_stage_tbb_items(stage_n, 8); }, stage_n);
#endif
  add(
      "three_stage_items/rstreams", [] { return three_stage_rstreams_items(stage_n); }, stage_n);
  add(
      "three_stage_items/rstreams_unordered", [] { return three_stage_rstreams_unordered(stage_n); },
      stage_n);
  add(
      "three_stage_items/serial_loop", [] { return three_stage_serial(stage_n); }, stage_n);
#if defined(RSTREAMS_HAVE_TBB)
  add(
      "three_stage_chunks/baseline_tbb_parallel_pipeline",
      [] { return three_stage_tbb_chunks(stage_n * 10); }, stage_n * 10);
#endif
  add(
      "three_stage_chunks/rstreams", [] { return three_stage_rstreams_chunks(stage_n * 10); }, stage_n * 10);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
