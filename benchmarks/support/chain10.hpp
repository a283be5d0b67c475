#pragma once
// chain10's stage functions and its hand-written loop, shared by pipeline_bench.cpp (rstreams and
// range-v3 against the loop) and metrics_bench.cpp (metered against unmetered): ten stages over
// [0, n): transform, filter, flat_map to 0-2 elements, transform, filter, transform, filter,
// transform, take(n / 2), transform, then a sum.

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace chain10 {

using u64 = std::uint64_t;

constexpr auto s1 = [](u64 x) { return x * 3 + 1; };
constexpr auto s2 = [](u64 x) { return x % 5 != 0; };
// s3 = flat_map: y -> [y, y + y % 3), zero to two elements
constexpr auto s4 = [](u64 x) { return x ^ (x >> 3); };
constexpr auto s5 = [](u64 x) { return x % 3 != 1; };
constexpr auto s6 = [](u64 x) { return x * 7 + 5; };
constexpr auto s7 = [](u64 x) { return (x & 15) != 3; };
constexpr auto s8 = [](u64 x) { return x % 100003; };
// s9 = take(limit)
constexpr auto s10 = [](u64 x) { return x + 1; };

/// A stage function `F` declared noexcept. Naming a failing element costs nothing on the path
/// the elements take either way (core/detail/element_naming.hpp): the two forms compile to the
/// same loop; this one checks that they stay so.
template <auto F>
constexpr auto nothrow = [](u64 x) noexcept { return F(x); };

/// The element count from a `--n=N` option (default 10M), taken out of argv before Google
/// Benchmark sees the rest.
inline u64 take_n_option(int& argc, char** argv) {
  u64 n = 10'000'000;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--n=", 4) == 0)
      n = std::strtoull(argv[i] + 4, nullptr, 10);
    else
      argv[kept++] = argv[i];
  }
  argc = kept;
  return n;
}

inline u64 limit(u64 n) {
  return n / 2;
}

inline u64 hand_loop(u64 n) {
  const u64 lim = limit(n);
  u64 taken = 0;
  u64 total = 0;
  for (u64 x = 0; x < n; ++x) {
    const u64 a = s1(x);
    if (!s2(a)) continue;
    for (u64 b = a, e = a + a % 3; b < e; ++b) {
      const u64 c = s4(b);
      if (!s5(c)) continue;
      const u64 d = s6(c);
      if (!s7(d)) continue;
      const u64 f = s8(d);
      if (taken == lim) return total;
      ++taken;
      total += s10(f);
    }
  }
  return total;
}

}  // namespace chain10
