// expect: rstreams::generate: the function returns void
// generate with a function that produces nothing.
#include <rstreams/core/run.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sources/generate.hpp>

namespace rs = rstreams;

int main() {
  int n = 0;
#ifdef RSTREAMS_GOOD
  auto f = [&n] { return ++n; };
#else
  auto f = [&n] { ++n; };
#endif
  return rs::run(rs::generate(f) | rs::first()).value_or(0);
}
