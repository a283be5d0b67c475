// Compile-time probe: a 20-stage rstreams pipeline (10 transforms, 10 filters) and its run.
// std_views_20.cpp is the same chain written with C++20 <ranges>; run.sh times both.
// Built twice: with the umbrella header (what the README shows), and with
// -DRSTREAMS_PROBE_PER_HEADER including only the headers of the entities used.
#ifdef RSTREAMS_PROBE_PER_HEADER
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>
#else
#include <rstreams/rstreams.hpp>
#endif

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace rs = rstreams;
using u64 = std::uint64_t;

int main(int argc, char** argv) {
  const u64 n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  const u64 total = rs::run(
      rs::iota(u64{0}, n) | rs::transform([](u64 x) { return x + 1; }) |
      rs::filter([](u64 x) { return x % 3 != 0; }) | rs::transform([](u64 x) { return x * 2; }) |
      rs::filter([](u64 x) { return x % 5 != 1; }) | rs::transform([](u64 x) { return x ^ 7; }) |
      rs::filter([](u64 x) { return (x & 3) != 2; }) | rs::transform([](u64 x) { return x + 11; }) |
      rs::filter([](u64 x) { return x % 7 != 3; }) | rs::transform([](u64 x) { return x * 3; }) |
      rs::filter([](u64 x) { return x % 11 != 4; }) | rs::transform([](u64 x) { return x >> 1; }) |
      rs::filter([](u64 x) { return x % 13 != 5; }) | rs::transform([](u64 x) { return x + 17; }) |
      rs::filter([](u64 x) { return (x & 7) != 6; }) | rs::transform([](u64 x) { return x * 5; }) |
      rs::filter([](u64 x) { return x % 17 != 6; }) | rs::transform([](u64 x) { return x ^ 0x55; }) |
      rs::filter([](u64 x) { return x % 19 != 7; }) | rs::transform([](u64 x) { return x % 100003; }) |
      rs::filter([](u64 x) { return x != 42; }) | rs::sum());
  std::printf("%llu\n", static_cast<unsigned long long>(total));
}
