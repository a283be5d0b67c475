// expect: rstreams: nothing can follow a sink
// A stage after the sink: `... | sum() | transform(f)`.
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

namespace rs = rstreams;

int main() {
  auto twice = [](int x) { return x * 2; };
#ifdef RSTREAMS_GOOD
  auto p = rs::iota(0, 10) | rs::transform(twice) | rs::sum();
#else
  auto p = rs::iota(0, 10) | rs::sum() | rs::transform(twice);
#endif
  return rs::run(p);
}
