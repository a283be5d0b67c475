// Per-element cost of a fused rstreams pipeline against a hand-written loop and range-v3,
// measured in the same run.
//
//   sum_x3_filter  sum of x*3 over [0, N) keeping y % 7 != 0
//   chain10        ten stages: transform, filter, flat_map, transform, filter, transform,
//                  filter, transform, take, transform, then a sum; rstreams also with the
//                  stage functions declared noexcept
//   chunk64_sum    x*3 over [0, N) in chunks of 64, each chunk summed and reduced mod a prime,
//                  those results summed (the per-chunk work of a batching stage); the hand loop
//                  fills one reused buffer, range-v3 sums its chunk views in place
//   chunk64_sum_placed  the hand loop and rstreams of chunk64_sum, each the mean over copies of
//                  its loop placed at 8 code offsets (support/code_placement.hpp): one placement
//                  alone moved the single-placement ratio between 0.76x and 1.21x in three runs
//
// N comes from the command line (`--n=10000000`, the default), so no variant is
// constant-folded. Before measuring, the three forms of each group are run once and must
// agree; otherwise the program fails.
#include <rstreams/rstreams.hpp>

#include <range/v3/numeric/accumulate.hpp>
#include <range/v3/view/chunk.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/for_each.hpp>
#include <range/v3/view/iota.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include "support/chain10.hpp"
#include "support/code_placement.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#if __has_include(<rstreams/ops/take.hpp>) && __has_include(<rstreams/ops/flat_map.hpp>)
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/ops/take.hpp>
#define RSTREAMS_BENCH_HAVE_CHAIN10 1
#endif

namespace {

using u64 = std::uint64_t;
namespace rs = rstreams;
namespace rv = ranges::views;

// ---- sum_x3_filter ------------------------------------------------------------------------

u64 sum_hand(u64 n) {
  u64 total = 0;
  for (u64 x = 0; x < n; ++x) {
    const u64 y = x * 3;
    if (y % 7 != 0) total += y;
  }
  return total;
}

u64 sum_range_v3(u64 n) {
  auto r = rv::iota(u64{0}, n) | rv::transform([](u64 x) { return x * 3; }) |
           rv::filter([](u64 y) { return y % 7 != 0; });
  return ranges::accumulate(r, u64{0});
}

u64 sum_rstreams(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::transform([](u64 x) { return x * 3; }) |
                 rs::filter([](u64 y) { return y % 7 != 0; }) | rs::sum());
}

// ---- chain10 (benchmarks/support/chain10.hpp) ----------------------------------------------
using chain10::s1, chain10::s2, chain10::s4, chain10::s5, chain10::s6, chain10::s7, chain10::s8, chain10::s10;

u64 chain_limit(u64 n) {
  return chain10::limit(n);
}

u64 chain_hand(u64 n) {
  return chain10::hand_loop(n);
}

u64 chain_range_v3(u64 n) {
  auto r = rv::iota(u64{0}, n) | rv::transform(s1) | rv::filter(s2) |
           rv::for_each([](u64 y) { return rv::iota(y, y + y % 3); }) | rv::transform(s4) | rv::filter(s5) |
           rv::transform(s6) | rv::filter(s7) | rv::transform(s8) | rv::take(chain_limit(n)) |
           rv::transform(s10);
  return ranges::accumulate(r, u64{0});
}

#ifdef RSTREAMS_BENCH_HAVE_CHAIN10
u64 chain_rstreams(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::transform(s1) | rs::filter(s2) |
                 rs::flat_map([](u64 y) { return rs::iota(y, y + y % 3); }) | rs::transform(s4) |
                 rs::filter(s5) | rs::transform(s6) | rs::filter(s7) | rs::transform(s8) |
                 rs::take(chain_limit(n)) | rs::transform(s10) | rs::sum());
}

// The same stages declared noexcept (chain10::nothrow).
using chain10::nothrow;

u64 chain_rstreams_noexcept(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::transform(nothrow<s1>) | rs::filter(nothrow<s2>) |
                 rs::flat_map([](u64 y) noexcept { return rs::iota(y, y + y % 3); }) |
                 rs::transform(nothrow<s4>) | rs::filter(nothrow<s5>) | rs::transform(nothrow<s6>) |
                 rs::filter(nothrow<s7>) | rs::transform(nothrow<s8>) | rs::take(chain_limit(n)) |
                 rs::transform(nothrow<s10>) | rs::sum());
}
#endif

// ---- chunk64_sum ---------------------------------------------------------------------------

constexpr u64 chunk_size = 64;
constexpr u64 chunk_prime = 1'000'003;

// The hand-written batching loop: a buffer reused for every chunk, each full one summed.
u64 chunk_sum(const u64* c, std::size_t size) {
  u64 part = 0;
  for (std::size_t i = 0; i < size; ++i) part += c[i];
  return part % chunk_prime;
}

[[gnu::always_inline]] inline u64 chunk_hand_inline(u64 n) {
  std::vector<u64> buf;
  buf.reserve(chunk_size);
  u64 total = 0;
  for (u64 x = 0; x < n; ++x) {
    buf.push_back(x * 3);
    if (buf.size() == chunk_size) {
      total += chunk_sum(buf.data(), buf.size());
      buf.clear();
    }
  }
  if (!buf.empty()) total += chunk_sum(buf.data(), buf.size());
  return total;
}

u64 chunk_hand(u64 n) {
  return chunk_hand_inline(n);
}

u64 chunk_range_v3(u64 n) {
  auto r = rv::iota(u64{0}, n) | rv::transform([](u64 x) { return x * 3; }) | rv::chunk(chunk_size) |
           rv::transform([](auto&& c) { return ranges::accumulate(c, u64{0}) % chunk_prime; });
  return ranges::accumulate(r, u64{0});
}

// K only makes the pipeline's type one of its own per placed copy, so that each copy gets a loop
// of its own (support/code_placement.hpp).
template <std::size_t K = 0>
[[gnu::always_inline]] inline u64 chunk_rstreams_inline(u64 n) {
  return rs::run(rs::iota(u64{0}, n) | rs::transform([](u64 x) { return x * 3; }) | rs::chunk(chunk_size) |
                 rs::transform([](const std::vector<u64>& c) { return chunk_sum(c.data(), c.size()); }) |
                 rs::sum());
}

u64 chunk_rstreams(u64 n) {
  return chunk_rstreams_inline(n);
}

struct chunk_hand_body {
  template <std::size_t K>
  [[gnu::always_inline]] static u64 run(u64 n) {
    return chunk_hand_inline(n);
  }
};
struct chunk_rstreams_body {
  template <std::size_t K>
  [[gnu::always_inline]] static u64 run(u64 n) {
    return chunk_rstreams_inline<K + 1>(n);
  }
};

// ---- registration -------------------------------------------------------------------------

void measure(benchmark::State& state, u64 (*f)(u64), u64 n) {
  for (auto _ : state) {
    u64 r = f(n);
    benchmark::DoNotOptimize(r);
  }
  // Items = source elements, so every variant of a group is credited the same work.
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

struct variant {
  const char* name;
  u64 (*fn)(u64);
};

bool check_agree(const char* group, const std::vector<variant>& vs, u64 n) {
  const u64 expected = vs.front().fn(n);
  bool ok = true;
  for (const variant& v : vs) {
    const u64 got = v.fn(n);
    if (got != expected) {
      std::fprintf(stderr, "%s/%s = %llu, but %s/%s = %llu\n", group, v.name,
                   static_cast<unsigned long long>(got), group, vs.front().name,
                   static_cast<unsigned long long>(expected));
      ok = false;
    }
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const u64 n = chain10::take_n_option(argc, argv);

  const std::vector<variant> sum_variants = {
      {"baseline_hand_loop", sum_hand}, {"range_v3", sum_range_v3}, {"rstreams", sum_rstreams}};
  std::vector<variant> chain_variants = {{"baseline_hand_loop", chain_hand}, {"range_v3", chain_range_v3}};
#ifdef RSTREAMS_BENCH_HAVE_CHAIN10
  chain_variants.push_back({"rstreams", chain_rstreams});
  chain_variants.push_back({"rstreams_noexcept_stages", chain_rstreams_noexcept});
#endif

  const std::vector<variant> chunk_variants = {
      {"baseline_hand_loop", chunk_hand}, {"range_v3", chunk_range_v3}, {"rstreams", chunk_rstreams}};

  if (!check_agree("sum_x3_filter", sum_variants, n) || !check_agree("chain10", chain_variants, n) ||
      !check_agree("chunk64_sum", chunk_variants, n))
    return 1;
  const u64 chunk_expected = chunk_hand(n);
  if (!bench::placed_copies_agree<chunk_hand_body>(n, chunk_expected) ||
      !bench::placed_copies_agree<chunk_rstreams_body>(n, chunk_expected)) {
    std::fprintf(stderr, "chunk64_sum_placed: the variants disagree\n");
    return 1;
  }

  const std::pair<const char*, const std::vector<variant>*> groups[] = {
      {"sum_x3_filter", &sum_variants}, {"chain10", &chain_variants}, {"chunk64_sum", &chunk_variants}};
  for (const auto& [group, vs] : groups)
    for (const variant& v : *vs)
      benchmark::RegisterBenchmark((std::string(group) + "/" + v.name).c_str(), measure, v.fn, n)
          ->Unit(benchmark::kMillisecond);

  benchmark::RegisterBenchmark("chunk64_sum_placed/baseline_hand_loop",
                               bench::measure_placed<chunk_hand_body>, n)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("chunk64_sum_placed/rstreams", bench::measure_placed<chunk_rstreams_body>, n)
      ->Unit(benchmark::kMillisecond);

  benchmark::AddCustomContext("n", std::to_string(n));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
