// expect: rstreams::transform: the function cannot be called with the source's element type
// A transform whose function cannot take the element type (a string function on ints).
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <string>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto length = [](int x) { return std::to_string(x).size(); };
#else
  auto length = [](const std::string& s) { return s.size(); };
#endif
  return static_cast<int>(rs::run(rs::iota(0, 10) | rs::transform(length) | rs::sum()));
}
