// Concurrency costs, each against its baseline in the same run (issue 3):
//
//   async_handoff      10M uint64_t through one thread boundary; the consumer keeps y % 7 != 0
//                      and sums. baseline_spsc_ring: a raw SPSC ring (cap 1024, acquire/release,
//                      cached indices, one item per hand-off); mutex_cv_queue: std::deque under a
//                      mutex with two condition variables (cap 1024, one item per hand-off);
//                      rstreams: iota | async(1024) | filter | sum.
//   parallel_map_cpu   20k elements through a CPU-bound function (~10 us each): parallel_map
//                      with 2 workers against 1 worker (baseline_1_worker).
//   three_stage_items  serial source -> parallel x*3 plus a little hashing -> serial filter+sum,
//                      one element per hand-off: oneTBB parallel_pipeline (8 tokens) as the
//                      baseline, rstreams parallel_map(2); the Node.js peer (peers/exec_pipeline.js)
//                      adds node_streams to this group.
//   three_stage_chunks the same work moved in 1024-element chunks: TBB with a chunk per token,
//                      rstreams batch(1024) | parallel_map(2) over the chunks.
//
// Before measuring, every variant of a group is run once and must agree.
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/batch.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/exec/thread_pool.hpp>
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

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace {

using u64 = std::uint64_t;
namespace rs = rstreams;

constexpr u64 handoff_n = 10'000'000;

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// ---- async_handoff --------------------------------------------------------------------------

/// The raw ring: what a hand-written SPSC hand-off costs, one item at a time.
class raw_ring {
 public:
  explicit raw_ring(std::size_t cap) : mask_(cap - 1), slots_(cap) {}
  void push(u64 v) {
    const std::size_t t = tail_.load(std::memory_order_relaxed);
    while (t - cached_head_ > mask_) {
      cached_head_ = head_.load(std::memory_order_acquire);
      if (t - cached_head_ > mask_) relax();
    }
    slots_[t & mask_] = v;
    tail_.store(t + 1, std::memory_order_release);
  }
  bool pop(u64& v) {  // false at the end
    const std::size_t h = head_.load(std::memory_order_relaxed);
    while (h == cached_tail_) {
      cached_tail_ = tail_.load(std::memory_order_acquire);
      if (h != cached_tail_) break;
      if (done_.load(std::memory_order_acquire)) {
        cached_tail_ = tail_.load(std::memory_order_acquire);
        if (h == cached_tail_) return false;
        break;
      }
      relax();
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

u64 cpu_parallel(int workers) {
  return rs::run(rs::iota(u64{0}, cpu_n) | rs::parallel_map(workers, [](u64 x) { return burn(x) & 0xFF; }) |
                 rs::sum());
}

// ---- three_stage ----------------------------------------------------------------------------

constexpr u64 stage_n = 1'000'000;

/// The middle stage: x*3 plus a short mix, so that it is worth a thread (~50 ns).
inline u64 middle(u64 x) {
  u64 h = x * 3;
  for (int i = 0; i < 16; ++i) h = h * 6364136223846793005ULL + 1442695040888963407ULL;
  return (x * 3) ^ (h & 1);
}

u64 three_stage_rstreams_items(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::parallel_map(2, [](u64 x) { return middle(x); }) |
                 rs::filter([](u64 y) { return y % 7 != 0; }) | rs::sum());
}

u64 three_stage_rstreams_chunks(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::batch(1024) |
                 rs::parallel_map(2,
                                  [](const std::vector<u64>& c) {
                                    std::vector<u64> out(c.size());
                                    for (std::size_t i = 0; i < c.size(); ++i) out[i] = middle(c[i]);
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
    const u64 y = middle(x);
    if (y % 7 != 0) total += y;
  }
  return total;
}

#if defined(RSTREAMS_HAVE_TBB)
u64 three_stage_tbb_items(u64 n) {
  u64 next = 0, total = 0;
  tbb::parallel_pipeline(
      8, tbb::make_filter<void, u64>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> u64 {
           if (next == n) {
             fc.stop();
             return 0;
           }
           return next++;
         }) & tbb::make_filter<u64, u64>(tbb::filter_mode::parallel, [](u64 x) {
           return middle(x);
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
        for (auto& x : *c) x = middle(x);
        return c;
      }) & tbb::make_filter<chunk, void>(tbb::filter_mode::serial_out_of_order, [&](chunk c) {
        for (u64 y : *c)
          if (y % 7 != 0) total += y;
      }));
  return total;
}
#endif

// ---- registration -----------------------------------------------------------------------------

template <class F>
void measure(benchmark::State& state, F f, u64 items) {
  for (auto _ : state) benchmark::DoNotOptimize(f());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(items));
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
  check("parallel_map_cpu", cpu_parallel(1), cpu_parallel(2));
  check("three_stage", three_stage_serial(100'000), three_stage_rstreams_items(100'000));
  check("three_stage", three_stage_serial(100'000), three_stage_rstreams_chunks(100'000));
#if defined(RSTREAMS_HAVE_TBB)
  check("three_stage", three_stage_serial(100'000), three_stage_tbb_items(100'000));
  check("three_stage", three_stage_serial(100'000), three_stage_tbb_chunks(100'000));
#endif

  add(
      "async_handoff/baseline_spsc_ring", [] { return handoff_raw_ring(handoff_n); }, handoff_n);
  add(
      "async_handoff/mutex_cv_queue", [] { return handoff_mutex_cv(handoff_n); }, handoff_n);
  add(
      "async_handoff/rstreams", [] { return handoff_rstreams(handoff_n); }, handoff_n);

  add(
      "parallel_map_cpu/baseline_1_worker", [] { return cpu_parallel(1); }, cpu_n);
  add(
      "parallel_map_cpu/2_workers", [] { return cpu_parallel(2); }, cpu_n);

#if defined(RSTREAMS_HAVE_TBB)
  add(
      "three_stage_items/baseline_tbb_parallel_pipeline", [] { return three_stage_tbb_items(stage_n); },
      stage_n);
#endif
  add(
      "three_stage_items/rstreams", [] { return three_stage_rstreams_items(stage_n); }, stage_n);
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
