// expect: rstreams::to_file: the element type cannot be written with `os << x`
// to_file of elements that have no operator<<.
#include <rstreams/core/run.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_file.hpp>
#include <rstreams/sources/iota.hpp>

namespace rs = rstreams;

namespace {
struct opaque {
  int v;
};
}  // namespace

int main(int argc, char**) {
#ifdef RSTREAMS_GOOD
  auto f = [](int x) { return x; };
#else
  auto f = [](int x) { return opaque{x}; };
#endif
  if (argc > 100) rs::run(rs::iota(0, 3) | rs::transform(f) | rs::to_file("/dev/null"));
  return 0;
}
