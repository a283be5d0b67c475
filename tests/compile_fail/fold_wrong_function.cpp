// expect: rstreams::fold: the function cannot fold the source's element type into the accumulator
// fold with a function whose parameters do not fit the accumulator and the element.
#include <rstreams/core/run.hpp>
#include <rstreams/sinks/fold.hpp>
#include <rstreams/sources/iota.hpp>

#include <string>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto f = [](long acc, int x) { return acc + x; };
#else
  auto f = [](long acc, const std::string& s) { return acc + static_cast<long>(s.size()); };
#endif
  return static_cast<int>(rs::run(rs::iota(0, 10) | rs::fold(0L, f)));
}
