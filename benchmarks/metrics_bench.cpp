// What pipeline metrics cost (core/metered.hpp, enrich_options::metrics), against the same work
// unmetered, in the same run:
//
//   metrics_chain10   the ten stages of pipeline_bench's chain10 (transform, filter, flat_map,
//                     transform, filter, transform, filter, transform, take, transform, sum):
//                     baseline_hand_loop, rstreams (unmetered: the same code as
//                     pipeline_bench's), rstreams_metered (every stage metered in one registry).
//                     Goal: rstreams_metered within 5% of rstreams.
//   metrics_chain10_placed   the same three, each the mean over copies of its loop placed at 8
//                     code offsets (support/code_placement.hpp): one placement alone decides
//                     10-20% either way. The metered loop differs from the unmetered one only
//                     by the filters' counts of what they drop (a metered filter keeps one, on
//                     its dropping branch). Also rstreams_noexcept_stages: the stages declared
//                     noexcept (the same loop as rstreams': naming a failing element costs
//                     nothing on the path the elements take).
//   metrics_enrich    an enrich bot over 100k events (100-byte JSON payloads, parsed, two
//                     fields derived, written back; local bus, fsync never):
//                     baseline_metrics_off and rstreams_metrics_on. Goal: within 5%.
//
// `--n=` sets chain10's element count (default 10,000,000). Before measuring, the chain10
// variants are run once and must agree.
#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/core/metrics.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include "support/bus_fill.hpp"
#include "support/chain10.hpp"
#include "support/code_placement.hpp"
#include "support/orders.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include "support/scratch_dir.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace rs = rstreams;
namespace rb = rstreams::bus;
namespace fs = std::filesystem;
using json = nlohmann::json;
using u64 = std::uint64_t;

namespace {

// ---- chain10 (benchmarks/support/chain10.hpp) ----------------------------------------------
using chain10::s1, chain10::s2, chain10::s4, chain10::s5, chain10::s6, chain10::s7, chain10::s8, chain10::s10;

u64 chain_limit(u64 n) {
  return chain10::limit(n);
}

u64 chain_hand(u64 n) {
  return chain10::hand_loop(n);
}

// K only makes the flat_map closure, and so the pipeline's type, one of its own per placed copy
// (support/code_placement.hpp): each copy then gets a loop of its own, inlined as here.
template <std::size_t K = 0>
auto chain_stages(u64 n) {
  return rs::transform(s1) | rs::filter(s2) | rs::flat_map([](u64 y) { return rs::iota(y, y + y % 3); }) |
         rs::transform(s4) | rs::filter(s5) | rs::transform(s6) | rs::filter(s7) | rs::transform(s8) |
         rs::take(chain_limit(n)) | rs::transform(s10);
}

// The same stages declared noexcept (chain10::nothrow).
using chain10::nothrow;

template <std::size_t K = 0>
auto chain_stages_noexcept(u64 n) {
  return rs::transform(nothrow<s1>) | rs::filter(nothrow<s2>) |
         rs::flat_map([](u64 y) noexcept { return rs::iota(y, y + y % 3); }) | rs::transform(nothrow<s4>) |
         rs::filter(nothrow<s5>) | rs::transform(nothrow<s6>) | rs::filter(nothrow<s7>) |
         rs::transform(nothrow<s8>) | rs::take(chain_limit(n)) | rs::transform(nothrow<s10>);
}

template <std::size_t K = 0>
[[gnu::always_inline]] inline u64 chain_rstreams_inline(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | chain_stages<K>(n) | rs::sum());
}

u64 chain_rstreams(u64 n) {
  return chain_rstreams_inline(n);
}

rs::metrics_registry& chain_registry() {
  static rs::metrics_registry reg;
  return reg;
}

template <std::size_t K = 0>
[[gnu::always_inline]] inline u64 chain_metered_inline(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::metered(chain_registry(), "chain10", chain_stages<K>(n)) |
                 rs::sum());
}

u64 chain_metered(u64 n) {
  return chain_metered_inline(n);
}

// The four loops as bodies for bench::placed_copies.
struct hand_body {
  template <std::size_t K>
  [[gnu::always_inline]] static u64 run(u64 n) {
    return chain10::hand_loop(n);
  }
};
struct rstreams_body {
  template <std::size_t K>
  [[gnu::always_inline]] static u64 run(u64 n) {
    return chain_rstreams_inline<K + 1>(n);
  }
};
struct noexcept_body {
  template <std::size_t K>
  [[gnu::always_inline]] static u64 run(u64 n) {
    return rs::run(rs::iota(u64{0}, n) | chain_stages_noexcept<K + 1>(n) | rs::sum());
  }
};
struct metered_body {
  template <std::size_t K>
  [[gnu::always_inline]] static u64 run(u64 n) {
    return chain_metered_inline<K + 1>(n);
  }
};

void measure_chain(benchmark::State& state, u64 (*f)(u64), u64 n) {
  for (auto _ : state) {
    u64 r = f(n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

// ---- enrich -------------------------------------------------------------------------------
constexpr std::size_t events_per_run = 100'000;

const fs::path& scratch_root() {
  static const bench::scratch_dir s("metrics-bench");
  return s.path();
}

using orders::enrich_order;
using orders::make_payload;

// A template, so that callgrind tells the two variants apart.
template <bool metered>
void measure_enrich(benchmark::State& state) {
  const auto dir = scratch_root() / (metered ? "on" : "off");
  fs::remove_all(dir);
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  rb::local_backend bus(dir.string(), opt);
  bench::fill_queue(bus, "orders", events_per_run, make_payload);
  rs::metrics_registry reg;
  std::size_t run = 0, items = 0;
  for (auto _ : state) {
    rb::enrich_options o{
        .bot = "enricher-" + std::to_string(run), .in = "orders", .out = "enriched-" + std::to_string(run)};
    o.write.records = 1000;
    o.write.bytes = 1 << 20;
    if (metered) o.metrics = &reg;
    ++run;
    const auto stats = rb::enrich(bus, o, [](json&& order) { return enrich_order(std::move(order)); });
    if (stats.in != events_per_run || stats.out != events_per_run) state.SkipWithError("enrich lost events");
    items += stats.in;
  }
  if (metered && reg.snapshot().size() != run) state.SkipWithError("metrics not kept");
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
}

}  // namespace

int main(int argc, char** argv) {
  const u64 n = chain10::take_n_option(argc, argv);
  const u64 expected = chain_hand(n);
  if (chain_rstreams(n) != expected || chain_metered(n) != expected) {
    std::fprintf(stderr, "metrics_chain10: the variants disagree\n");
    return 1;
  }
  benchmark::RegisterBenchmark("metrics_chain10/baseline_hand_loop", measure_chain, chain_hand, n)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("metrics_chain10/rstreams", measure_chain, chain_rstreams, n)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("metrics_chain10/rstreams_metered", measure_chain, chain_metered, n)
      ->Unit(benchmark::kMillisecond);
  if (!bench::placed_copies_agree<hand_body>(n, expected) ||
      !bench::placed_copies_agree<rstreams_body>(n, expected) ||
      !bench::placed_copies_agree<noexcept_body>(n, expected) ||
      !bench::placed_copies_agree<metered_body>(n, expected)) {
    std::fprintf(stderr, "metrics_chain10_placed: the variants disagree\n");
    return 1;
  }
  benchmark::RegisterBenchmark("metrics_chain10_placed/baseline_hand_loop", bench::measure_placed<hand_body>,
                               n)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("metrics_chain10_placed/rstreams", bench::measure_placed<rstreams_body>, n)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("metrics_chain10_placed/rstreams_noexcept_stages",
                               bench::measure_placed<noexcept_body>, n)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("metrics_chain10_placed/rstreams_metered", bench::measure_placed<metered_body>,
                               n)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("metrics_enrich/baseline_metrics_off", measure_enrich<false>)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(5);
  benchmark::RegisterBenchmark("metrics_enrich/rstreams_metrics_on", measure_enrich<true>)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(5);
  benchmark::AddCustomContext("n", std::to_string(n));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fs::remove_all(scratch_root());
  return 0;
}
