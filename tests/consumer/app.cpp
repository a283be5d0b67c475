// A tiny application using rstreams the way a user would.
#include <rstreams/rstreams.hpp>

#include <cstdio>

int main() {
  namespace rs = rstreams;
  const auto total = rs::run(rs::iota(1, 11) | rs::transform([](int x) { return x * x; }) | rs::sum());
  std::printf("%d\n", total);
  return total == 385 ? 0 : 1;
}
