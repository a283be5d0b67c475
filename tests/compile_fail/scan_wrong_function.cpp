// expect: rstreams::scan: the function must be callable as f.accumulator, element.
// scan with a function that takes only the element.
#include <rstreams/core/run.hpp>
#include <rstreams/ops/scan.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto add = [](int acc, int x) { return acc + x; };
#else
  auto add = [](int x) { return x; };
#endif
  return rs::run(rs::iota(0, 10) | rs::scan(0, add) | rs::sum());
}
