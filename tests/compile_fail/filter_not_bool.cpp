// expect: rstreams::filter: the predicate must return bool
// A filter predicate that returns something that is not a bool (a string).
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <string>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto odd = [](int x) { return x % 2 == 1; };
#else
  auto odd = [](int x) { return x % 2 == 1 ? std::string("yes") : std::string("no"); };
#endif
  return rs::run(rs::iota(0, 10) | rs::filter(odd) | rs::sum());
}
