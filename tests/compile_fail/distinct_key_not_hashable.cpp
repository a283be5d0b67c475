// expect: rstreams::distinct: the key must be hashable
// distinct by a key that can be neither hashed nor ordered.
#include <rstreams/core/run.hpp>
#include <rstreams/ops/distinct.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

namespace rs = rstreams;

namespace {
struct opaque {
  int v;
};
}  // namespace

int main() {
#ifdef RSTREAMS_GOOD
  auto key = [](int x) { return x % 3; };
#else
  auto key = [](int x) { return opaque{x % 3}; };
#endif
  return rs::run(rs::iota(0, 10) | rs::distinct(key) | rs::sum());
}
