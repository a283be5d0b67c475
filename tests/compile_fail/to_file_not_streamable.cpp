// expect: rstreams::write_lines: the element type cannot be written with `os << x`
// write_lines (sinks/to_file.hpp) of elements that have no operator<<.
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
  if (argc > 100) rs::run(rs::iota(0, 3) | rs::transform(f) | rs::write_lines("/dev/null"));
  return 0;
}
