// expect: rstreams::fold_by_key: the elements have no key
// fold_by_key over elements that were never keyed.
#include <rstreams/agg/fold_by_key.hpp>
#include <rstreams/agg/key_by.hpp>
#include <rstreams/sources/iota.hpp>

namespace rs = rstreams;

int main() {
  auto plus = [](int a, int b) { return a + b; };
#ifdef RSTREAMS_GOOD
  auto src = rs::iota(0, 10) | rs::key_by([](int x) { return x % 2; }) | rs::fold_by_key(0, plus);
#else
  auto src = rs::iota(0, 10) | rs::fold_by_key(0, plus);
#endif
  (void)src;
}
