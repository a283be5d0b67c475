#pragma once
// The same loop run from several code addresses, to compare two variants whose hot loops are
// the same instructions but sit at different addresses in the binary.
//
// Why: a tight loop's speed on this machine depends on where it lands (its alignment against
// the instruction fetch and op-cache lines, and branch-predictor aliasing). On a loaded machine
// one hand-written chain10 loop ran 4.2 to 12.8 ms for 2M elements depending only on its
// function's start address; quiet, whichever of two variants with identical machine code lands
// well "wins" by 10-20%. `placed_copies<Body>()` gives copies of `Body::run` whose bodies start
// at offsets 0, 16, ..., 112 bytes from a 128-byte boundary (nops before the body), so a
// benchmark can time every copy and report the mean: a figure about the code, not about one
// link's luck. On other architectures there is one copy.

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

namespace bench {

#if defined(__x86_64__) && defined(__GNUC__)
inline constexpr std::size_t placements = 8;
#else
inline constexpr std::size_t placements = 1;
#endif
inline constexpr std::size_t placement_step = 16;  // GCC aligns loops to 16 bytes

using placed_fn = std::uint64_t (*)(std::uint64_t);

/// `Body::run<Offset>(n)` in a function of its own that starts at a 128-byte boundary and skips
/// `Offset` bytes of nops first (executed once per call: a few cycles).
template <class Body, std::size_t Offset>
[[gnu::noinline, gnu::aligned(128)]] std::uint64_t run_placed(std::uint64_t n) {
#if defined(__x86_64__) && defined(__GNUC__)
  if constexpr (Offset > 0) asm volatile(".skip %c0, 0x90" ::"i"(Offset));
#endif
  return Body::template run<Offset>(n);
}

template <class Body, std::size_t... I>
constexpr std::array<placed_fn, sizeof...(I)> placed_copies(std::index_sequence<I...>) {
  return {&run_placed<Body, I * placement_step>...};
}

/// One copy of `Body::run` per placement. Its loop must be inlined into each copy rather than
/// called from it: GCC inlines a function called once, so `Body::run<Offset>` should reach code
/// of a type of its own per offset (a closure made in a template on the offset, say).
template <class Body>
constexpr std::array<placed_fn, placements> placed_copies() {
  return placed_copies<Body>(std::make_index_sequence<placements>{});
}

/// A Google Benchmark body that runs every placed copy of `Body` on `n` elements once per
/// iteration: items per second are those of the mean copy.
template <class Body>
void measure_placed(benchmark::State& state, std::uint64_t n) {
  static constexpr auto copies = placed_copies<Body>();
  for (auto _ : state) {
    for (const placed_fn f : copies) {
      std::uint64_t r = f(n);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * copies.size()) *
                          static_cast<std::int64_t>(n));
}

/// Whether every placed copy of `Body` returns `expected` on `n`.
template <class Body>
bool placed_copies_agree(std::uint64_t n, std::uint64_t expected) {
  for (const placed_fn f : placed_copies<Body>())
    if (f(n) != expected) return false;
  return true;
}

}  // namespace bench
