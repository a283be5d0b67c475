// Compile-time probe: the chain of rstreams_20.cpp written with C++20 <ranges>.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ranges>

namespace sv = std::views;
using u64 = std::uint64_t;

int main(int argc, char** argv) {
  const u64 n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
  auto chain = sv::iota(u64{0}, n) | sv::transform([](u64 x) { return x + 1; }) |
               sv::filter([](u64 x) { return x % 3 != 0; }) | sv::transform([](u64 x) { return x * 2; }) |
               sv::filter([](u64 x) { return x % 5 != 1; }) | sv::transform([](u64 x) { return x ^ 7; }) |
               sv::filter([](u64 x) { return (x & 3) != 2; }) | sv::transform([](u64 x) { return x + 11; }) |
               sv::filter([](u64 x) { return x % 7 != 3; }) | sv::transform([](u64 x) { return x * 3; }) |
               sv::filter([](u64 x) { return x % 11 != 4; }) | sv::transform([](u64 x) { return x >> 1; }) |
               sv::filter([](u64 x) { return x % 13 != 5; }) | sv::transform([](u64 x) { return x + 17; }) |
               sv::filter([](u64 x) { return (x & 7) != 6; }) | sv::transform([](u64 x) { return x * 5; }) |
               sv::filter([](u64 x) { return x % 17 != 6; }) | sv::transform([](u64 x) { return x ^ 0x55; }) |
               sv::filter([](u64 x) { return x % 19 != 7; }) |
               sv::transform([](u64 x) { return x % 100003; }) | sv::filter([](u64 x) { return x != 42; });
  u64 total = 0;
  for (u64 x : chain) total += x;
  std::printf("%llu\n", static_cast<unsigned long long>(total));
}
