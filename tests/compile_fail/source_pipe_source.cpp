// expect: rstreams: a source cannot be piped into another source
// `source | source`: the right side of `|` must be a stage or a sink.
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto p = rs::iota(0, 10) | rs::transform([](int x) { return x + 1; }) | rs::sum();
#else
  auto p = rs::iota(0, 10) | rs::iota(0, 5) | rs::sum();
#endif
  return rs::run(p);
}
