// expect: rstreams::flat_map: the function must return a range .* or an rstreams source
// flat_map with a function that returns one value instead of a range or a source.
#include <rstreams/core/run.hpp>
#include <rstreams/ops/flat_map.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <vector>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto twice = [](int x) { return std::vector<int>{x, x}; };
#else
  auto twice = [](int x) { return x * 2; };
#endif
  return rs::run(rs::iota(0, 10) | rs::flat_map(twice) | rs::sum());
}
