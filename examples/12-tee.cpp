// Fan-out: one stream into several sinks. tee copies every element into each sink, each on its
// own task behind a bounded channel (the slowest sets the pace); partition and route send each
// element to one sink only.
#include <rstreams/core/run.hpp>
#include <rstreams/exec/partition.hpp>
#include <rstreams/exec/route.hpp>
#include <rstreams/exec/tee.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <cstddef>
#include <iostream>
#include <string>
#include <vector>

namespace rs = rstreams;

void print(const std::string& label, const std::vector<int>& v) {
  std::cout << label << ':';
  for (int x : v) std::cout << ' ' << x;
  std::cout << '\n';
}

int main() {
  auto [total, first_three, n] =
      rs::run(rs::iota(1, 11) | rs::tee(rs::sum(), rs::take(3) | rs::to_vector(), rs::count()));
  std::cout << "tee: sum " << total << ", count " << n << '\n';
  print("tee: first three", first_three);

  auto [evens, odds] = rs::run(
      rs::iota(1, 11) | rs::partition([](int x) { return x % 2 == 0; }, rs::to_vector(), rs::to_vector()));
  print("partition: even", evens);
  print("partition: odd", odds);

  auto [small, medium, large] =
      rs::run(rs::iota(1, 11) | rs::route([](int x) { return std::size_t(x <= 3   ? 0
                                                                         : x <= 7 ? 1
                                                                                  : 2); },
                                          rs::count(), rs::sum(), rs::to_vector()));
  std::cout << "route: " << small << " small, medium sum " << medium << '\n';
  print("route: large", large);
}
