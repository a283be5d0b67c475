// expect: rstreams: nothing can follow a sink
// A closure that ends in a sink cannot take more stages either: `sum() | take(3)`.
#include <rstreams/core/run.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto first_three = rs::take(3) | rs::sum();
#else
  auto first_three = rs::sum() | rs::take(3);
#endif
  return rs::run(rs::iota(0, 10) | first_three);
}
