// expect: rstreams: a temporary source cannot be piped into a range-v3 view
// A temporary source piped into a range-v3 view (range-v3 needs an lvalue or a copyable view).
#include <rstreams/interop/ranges.hpp>
#include <rstreams/sources/iota.hpp>

#include <range/v3/algorithm/count.hpp>
#include <range/v3/view/take.hpp>

namespace rs = rstreams;

int main() {
#ifdef RSTREAMS_GOOD
  auto src = rs::iota(0);
  auto first = src | ranges::views::take(3);
#else
  auto first = rs::iota(0) | ranges::views::take(3);
#endif
  return static_cast<int>(ranges::count(first, 1));
}
