// The first pipeline: count up, triple, drop multiples of 7, add up. Nothing runs until
// `run`; the whole chain fuses into one loop.
#include <rstreams/rstreams.hpp>

#include <cstdint>
#include <iostream>

namespace rs = rstreams;

int main() {
  auto pipeline = rs::iota(std::uint64_t{0}, std::uint64_t{10'000'000}) |
                  rs::transform([](std::uint64_t x) { return x * 3; }) |
                  rs::filter([](std::uint64_t y) { return y % 7 != 0; }) | rs::sum();

  std::cout << "pipeline: " << rs::describe(pipeline) << '\n';
  std::cout << "sum of x*3 over [0, 10M) keeping y % 7 != 0: " << rs::run(pipeline) << '\n';
}
