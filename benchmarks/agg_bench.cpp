// Window throughput against hand-written hash-map aggregation of the same windows, and the
// memory of a long run with a fixed key space.
//
//   tumbling_10M/*   10M events, 1000 keys, event time, tumbling windows of 10'000 ns
//                    (one event per ns), counting per key and window
//   sliding_10M/*    the same events, sliding windows of 50'000 ns every 10'000 ns
//   word_count_5M/*  5M words (20,000 distinct, 4 to 12 characters) counted per word: key_by
//                    + fold_by_key against an std::unordered_map<std::string, count> loop
//   memory_100M/*    100M generated events (never stored), 1000 keys, tumbling windows;
//                    reports the RSS and the allocations after the first 10M events and at the end
//
// Run: benchmarks/run.sh, or build-rel/benchmarks/bench_agg_bench directly.

#include <rstreams/agg/fold_by_key.hpp>
#include <rstreams/agg/key_by.hpp>
#include <rstreams/agg/window.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sources/iota.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rs = rstreams;
using std::chrono::nanoseconds;

// Counts every allocation of the program, so the memory benchmark can show that the steady
// state allocates nothing.
static std::size_t g_allocations = 0;
void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

struct event {
  std::int32_t key;
  std::int64_t ts;  // ns
};

constexpr std::int32_t key_space = 1000;
constexpr std::int64_t events_10m = 10'000'000;
constexpr std::int64_t tumble = 10'000;
constexpr std::int64_t slide_size = 50'000;
constexpr std::int64_t slide_step = 10'000;

std::int32_t key_of(std::int64_t i) {
  std::uint64_t x = static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 29;
  return static_cast<std::int32_t>(x % key_space);
}

const std::vector<event>& events() {
  static const std::vector<event> data = [] {
    std::vector<event> v;
    v.reserve(events_10m);
    for (std::int64_t i = 0; i < events_10m; ++i) v.push_back({key_of(i), i});
    return v;
  }();
  return data;
}

// Consumes window results: their count and the sum of their values, so nothing is optimised away.
struct tally {
  std::uint64_t results = 0;
  std::uint64_t total = 0;
};
struct tally_sink : rs::sink_closure<tally_sink> {
  static constexpr std::string_view name = "tally";
  template <class T>
  auto consumer(std::size_t) && {
    struct consumer_type {
      tally t;
      bool accept(const T& w) {
        ++t.results;
        t.total += w.value;
        return true;
      }
      tally finish() { return t; }
    };
    return consumer_type{};
  }
};

auto key_fn = [](const event& e) { return e.key; };
auto ts_fn = [](const event& e) { return nanoseconds(e.ts); };

void report(benchmark::State& state, const tally& t, std::int64_t n) {
  benchmark::DoNotOptimize(t);
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["windows"] = static_cast<double>(t.results);
  state.counters["checksum"] = static_cast<double>(t.total);
}

void tumbling_rstreams(benchmark::State& state) {
  const auto& in = events();
  tally t;
  for (auto _ : state)
    t = rs::run(in | rs::key_by(key_fn) |
                rs::window(rs::tumbling(nanoseconds(tumble)), rs::counting(), rs::event_time(ts_fn)) |
                tally_sink{});
  report(state, t, events_10m);
}

void tumbling_rstreams_unbounded(benchmark::State& state) {
  const auto& in = events();
  tally t;
  for (auto _ : state)
    t = rs::run(in | rs::key_by(key_fn) |
                rs::window(rs::tumbling(nanoseconds(tumble)), rs::counting(),
                           rs::event_time(ts_fn).keys(rs::unbounded_keys())) |
                tally_sink{});
  report(state, t, events_10m);
}

// The hand-written version: a hash map of counts per key, emitted and zeroed when an event
// crosses the current window's end (the events are in order, as the watermark assumes).
void tumbling_baseline(benchmark::State& state) {
  const auto& in = events();
  tally t;
  for (auto _ : state) {
    t = {};
    std::unordered_map<std::int32_t, std::uint64_t> counts;
    std::int64_t end = tumble;
    const auto flush = [&] {
      for (auto& [k, c] : counts)
        if (c != 0) {
          ++t.results;
          t.total += c;
          c = 0;
        }
    };
    for (const auto& e : in) {
      if (e.ts >= end) {
        flush();
        end = (e.ts / tumble + 1) * tumble;
      }
      ++counts[e.key];
    }
    flush();
    benchmark::DoNotOptimize(counts);
  }
  report(state, t, events_10m);
}

void sliding_rstreams(benchmark::State& state) {
  const auto& in = events();
  tally t;
  for (auto _ : state)
    t = rs::run(in | rs::key_by(key_fn) |
                rs::window(rs::sliding(nanoseconds(slide_size), nanoseconds(slide_step)), rs::counting(),
                           rs::event_time(ts_fn)) |
                tally_sink{});
  report(state, t, events_10m);
}

// The hand-written version: per key, a ring of pane counts (one pane per slide); when an
// event crosses a slide boundary, every key's window ending there is the sum of its panes.
void sliding_baseline(benchmark::State& state) {
  constexpr std::size_t panes = slide_size / slide_step;
  const auto& in = events();
  tally t;
  for (auto _ : state) {
    t = {};
    struct ring {
      std::array<std::uint64_t, panes> count{};
      std::int64_t newest = -1;  // pane index of the newest event
    };
    std::unordered_map<std::int32_t, ring> keys;
    std::int64_t next_end = slide_step;  // the first window ends one slide after 0 (it starts at -40'000)
    const auto fire = [&](std::int64_t end) {
      const std::int64_t first_pane = (end - slide_size) / slide_step;
      for (auto& [k, r] : keys) {
        std::uint64_t sum = 0;
        bool any = false;
        for (std::int64_t p =
                 std::max<std::int64_t>({first_pane, r.newest - static_cast<std::int64_t>(panes) + 1, 0});
             p <= r.newest && p < end / slide_step; ++p) {
          const auto c = r.count[static_cast<std::size_t>(p) % panes];
          sum += c;
          any = any || c != 0;
        }
        if (any) {
          ++t.results;
          t.total += sum;
        }
      }
    };
    for (const auto& e : in) {
      while (e.ts >= next_end) {
        fire(next_end);
        next_end += slide_step;
      }
      auto& r = keys[e.key];
      const std::int64_t p = e.ts / slide_step;
      for (std::int64_t q = std::max(r.newest + 1, p - static_cast<std::int64_t>(panes) + 1); q <= p; ++q)
        r.count[static_cast<std::size_t>(q) % panes] = 0;
      if (p > r.newest) r.newest = p;
      ++r.count[static_cast<std::size_t>(p) % panes];
    }
    for (std::int64_t end = next_end; end < next_end + slide_size; end += slide_step) fire(end);
    benchmark::DoNotOptimize(keys);
  }
  report(state, t, events_10m);
}

long rss_kb() {
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * 4;
}

// A sink that samples the RSS and the allocation count once `mark` elements have gone by.
struct sampled {
  std::uint64_t results = 0;
  long rss_mark = 0;
  std::size_t allocs_mark = 0;
};
struct sampling_sink : rs::sink_closure<sampling_sink> {
  static constexpr std::string_view name = "sampling";
  std::uint64_t mark_results;
  template <class T>
  auto consumer(std::size_t) && {
    struct consumer_type {
      std::uint64_t mark;
      sampled s;
      bool accept(const T&) {
        if (++s.results == mark) {
          s.rss_mark = rss_kb();
          s.allocs_mark = g_allocations;
        }
        return true;
      }
      sampled finish() { return s; }
    };
    return consumer_type{mark_results, {}};
  }
};

void memory_100m(benchmark::State& state) {
  constexpr std::int64_t n = 100'000'000;
  // 10M events make 1000 windows of 1000 keys: sample after those results.
  constexpr std::uint64_t mark = 1000 * key_space;
  sampled s;
  long rss_before = 0;
  for (auto _ : state) {
    rss_before = rss_kb();
    s = rs::run(rs::iota(std::int64_t{0}, n) | rs::transform([](std::int64_t i) {
                  return event{key_of(i), i};
                }) |
                rs::key_by(key_fn) |
                rs::window(rs::tumbling(nanoseconds(tumble)), rs::counting(), rs::event_time(ts_fn)) |
                sampling_sink{{}, mark});
  }
  const long rss_end = rss_kb();
  const std::size_t allocs_end = g_allocations;
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["rss_kb_start"] = static_cast<double>(rss_before);
  state.counters["rss_kb_at_10M"] = static_cast<double>(s.rss_mark);
  state.counters["rss_kb_at_100M"] = static_cast<double>(rss_end);
  state.counters["allocs_after_10M"] = static_cast<double>(allocs_end - s.allocs_mark);
  state.counters["windows"] = static_cast<double>(s.results);
}

// ---- word count ---------------------------------------------------------------------------

constexpr std::size_t words_5m = 5'000'000;
constexpr std::uint64_t vocabulary = 20'000;

const std::vector<std::string>& words() {
  static const std::vector<std::string> data = [] {
    std::vector<std::string> v;
    v.reserve(words_5m);
    for (std::size_t i = 0; i < words_5m; ++i) {
      std::uint64_t x = static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull;
      x ^= x >> 31;
      const std::uint64_t id = x % vocabulary;
      std::string w(4 + id % 9, 'a');  // 4 to 12 characters, the word's number in base 26
      for (std::uint64_t k = id, j = 0; j < w.size(); ++j, k /= 26) w[j] = static_cast<char>('a' + k % 26);
      v.push_back(std::move(w));
    }
    return v;
  }();
  return data;
}

void word_count_baseline(benchmark::State& state) {
  const auto& in = words();
  tally t;
  for (auto _ : state) {
    std::unordered_map<std::string, std::uint64_t> counts;
    for (const auto& w : in) ++counts[w];
    t = {};
    for (const auto& [w, c] : counts) {
      ++t.results;
      t.total += c;
    }
  }
  report(state, t, static_cast<std::int64_t>(words_5m));
}

// As a user writes it: the key is the word.
void word_count_rstreams(benchmark::State& state) {
  const auto& in = words();
  tally t;
  for (auto _ : state)
    t = rs::run(
        in | rs::key_by([](const std::string& w) { return w; }) |
        rs::fold_by_key(
            std::uint64_t{0}, [](std::uint64_t& c, const std::string&) { ++c; }, rs::unbounded_keys()) |
        tally_sink{});
  report(state, t, static_cast<std::int64_t>(words_5m));
}

// The key function hands back the element itself (std::identity): no copy of the word.
void word_count_rstreams_identity(benchmark::State& state) {
  const auto& in = words();
  tally t;
  for (auto _ : state)
    t = rs::run(
        in | rs::key_by(std::identity{}) |
        rs::fold_by_key(
            std::uint64_t{0}, [](std::uint64_t& c, const std::string&) { ++c; }, rs::unbounded_keys()) |
        tally_sink{});
  report(state, t, static_cast<std::int64_t>(words_5m));
}

}  // namespace

BENCHMARK(word_count_baseline)->Name("word_count_5M/baseline_unordered_map")->Unit(benchmark::kMillisecond);
BENCHMARK(word_count_rstreams)->Name("word_count_5M/rstreams")->Unit(benchmark::kMillisecond);
BENCHMARK(word_count_rstreams_identity)
    ->Name("word_count_5M/rstreams_identity_key")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(tumbling_rstreams)->Name("tumbling_10M/rstreams")->Unit(benchmark::kMillisecond);
BENCHMARK(tumbling_rstreams_unbounded)
    ->Name("tumbling_10M/rstreams_unbounded_keys")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(tumbling_baseline)->Name("tumbling_10M/baseline_hash_map")->Unit(benchmark::kMillisecond);
BENCHMARK(sliding_rstreams)->Name("sliding_10M/rstreams")->Unit(benchmark::kMillisecond);
BENCHMARK(sliding_baseline)->Name("sliding_10M/baseline_hash_map")->Unit(benchmark::kMillisecond);
BENCHMARK(memory_100m)->Name("memory_100M/rstreams")->Unit(benchmark::kMillisecond)->Iterations(1);

BENCHMARK_MAIN();
