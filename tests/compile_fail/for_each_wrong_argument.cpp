// expect: rstreams::for_each: the function cannot be called with the source's element type
// for_each with a function that takes something else than the elements.
#include <rstreams/core/run.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sources/iota.hpp>

#include <string>

namespace rs = rstreams;

int main() {
  std::size_t total = 0;
#ifdef RSTREAMS_GOOD
  auto f = [&total](int x) { total += static_cast<std::size_t>(x); };
#else
  auto f = [&total](const std::string& s) { total += s.size(); };
#endif
  rs::run(rs::iota(0, 10) | rs::for_each(f));
  return static_cast<int>(total);
}
