// expect: rstreams::window: the aggregator cannot take the elements
// A window whose aggregator adds numbers, over strings.
#include <rstreams/agg/aggregator.hpp>
#include <rstreams/agg/window.hpp>

#include <functional>
#include <string>
#include <vector>

namespace rs = rstreams;

int main() {
  auto sum = rs::aggregate(0, [](int s, int x) { return s + x; }, std::plus<>{});
#ifdef RSTREAMS_GOOD
  std::vector<int> in{1, 2, 3};
#else
  std::vector<std::string> in{"a", "b"};
#endif
  auto src = in | rs::window(rs::tumbling(2), sum);
  (void)src;
}
