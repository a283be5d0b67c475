#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/first.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>
#include <support/recording_sink.hpp>

#include <cstddef>
#include <cstdint>
#include <latch>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__unix__)
#include <pthread.h>
#endif

namespace rs = rstreams;
using rs::test::counting_next_source;
using rs::test::counting_source;
using rs::test::pull_counts;

namespace {
auto triple = [](std::uint64_t x) { return x * 3; };
auto not_multiple_of_7 = [](std::uint64_t y) { return y % 7 != 0; };
}  // namespace

// run returns exactly the sink's result type.
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::sum())), int>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::to_vector())), std::vector<int>>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::first())), std::optional<int>>);
static_assert(std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::count())), std::size_t>);
static_assert(
    std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::count(), std::stop_token{})), std::size_t>);
static_assert(
    std::is_same_v<decltype(rs::run(rs::iota(0, 3) | rs::count(), rs::run_context{})), std::size_t>);

TEST_CASE("run returns the sink's result", "[core][run]") {
  const auto total = rs::run(rs::iota(std::uint64_t{0}, std::uint64_t{1000}) | rs::transform(triple) |
                             rs::filter(not_multiple_of_7) | rs::sum());
  std::uint64_t expected = 0;
  for (std::uint64_t x = 0; x < 1000; ++x)
    if ((x * 3) % 7 != 0) expected += x * 3;
  REQUIRE(total == expected);
}

TEST_CASE("a pipeline held in a variable runs once as an lvalue", "[core][run]") {
  auto p = rs::iota(0, 5) | rs::to_vector();
  REQUIRE(rs::run(p) == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("a stop requested before the run returns the sink's empty result", "[core][run]") {
  std::stop_source stop;
  stop.request_stop();
  pull_counts seen;
  const auto got = rs::run(counting_source(seen) | rs::to_vector(), stop.get_token());
  REQUIRE(got.empty());
  REQUIRE(seen.items == 0);
  REQUIRE(seen.starts == 1);  // the source was still started, and the sink finished
}

TEST_CASE("a stop requested while running returns the partial result normally", "[core][run]") {
  SECTION("from a stage on the same thread: the run ends within one demand step") {
    std::stop_source stop;
    pull_counts seen;
    const auto n = rs::run(counting_source(seen) | rs::transform([&stop](int x) {
                             if (x == 5000) stop.request_stop();
                             return x;
                           }) | rs::count(),
                           stop.get_token());
    REQUIRE(n > 5000);
    REQUIRE(n <= 5001 + rs::default_demand);
    REQUIRE(seen.items == n);
  }
  SECTION("from another thread, on an infinite source") {
    std::stop_source stop;
    std::latch running(1);
    std::jthread stopper([&] {
      running.wait();
      stop.request_stop();
    });
    pull_counts seen;
    const auto m = rs::run(counting_source(seen) | rs::transform([&running](int x) {
                             if (x == 100) running.count_down();
                             return x;
                           }) | rs::count(),
                           stop.get_token());
    REQUIRE(m > 100);
    REQUIRE(seen.items == m);
  }
}

TEST_CASE("run hands the stop token to the source and the sink", "[core][run]") {
  rs::test::sink_log log;
  pull_counts seen;
  std::stop_source stop;
  rs::run(counting_source(seen, 3) |
              rs::test::recording_sink(rs::default_demand, rs::test::recording_sink::never, &log),
          stop.get_token());
  REQUIRE(seen.starts == 1);
  REQUIRE(log.starts == 1);
  REQUIRE(log.stop_possible);
  REQUIRE(log.finishes == 1);
}

TEST_CASE("the sink's demand sets the step: a source is pulled at most one step beyond", "[core][run]") {
  pull_counts seen;
  const auto got = rs::run(counting_source(seen) | rs::test::recording_sink(3, 7));
  REQUIRE(got == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
  REQUIRE(seen.items == 7);
  REQUIRE(seen.push_calls == 3);  // steps of 3, 3, then 1 taken of 3
}

TEST_CASE("a next-only source works through a bulk stage (the push adapter)", "[core][run]") {
  pull_counts seen;
  const auto got =
      rs::run(counting_next_source(seen, 6) | rs::transform([](int x) { return x * 10; }) | rs::to_vector());
  REQUIRE(got == std::vector<int>{0, 10, 20, 30, 40, 50});
  REQUIRE(seen.items == 6);
  REQUIRE(seen.next_calls == 7);  // the last call found the end
  REQUIRE(seen.push_calls == 0);
}

TEST_CASE("a push-only source pulled by iteration (the next adapter)", "[core][run]") {
  pull_counts seen;
  counting_source src(seen, 4);
  std::vector<int> got;
  for (int x : src) got.push_back(x);
  REQUIRE(got == std::vector<int>{0, 1, 2, 3});
  REQUIRE(seen.items == 4);
  REQUIRE(seen.next_calls == 0);

  pull_counts filtered_seen;
  auto evens = counting_source(filtered_seen, 10) | rs::filter([](int x) { return x % 2 == 0; });
  REQUIRE(rs::pull(evens) == 0);
  REQUIRE(rs::pull(evens) == 2);
  REQUIRE(filtered_seen.items == 3);  // a filtered pull asks again until an element passes
}

#if defined(__unix__)
namespace {
struct deep_run {
  std::uint64_t result = 0;
  bool threw = false;
};

void* run_ten_million(void* arg) {
  auto* out = static_cast<deep_run*>(arg);
  try {
    out->result = rs::run(rs::iota(std::uint64_t{0}, std::uint64_t{10'000'000}) |
                          rs::transform([](std::uint64_t x) { return x & 1; }) |
                          rs::filter([](std::uint64_t x) { return x != 0; }) | rs::sum());
  } catch (...) {
    out->threw = true;
  }
  return nullptr;
}
}  // namespace

TEST_CASE("the stack does not grow with the number of items", "[core][run]") {
  // 10M items on a thread with a 64 KiB stack (256 KiB under sanitizers, whose frames are larger):
  // a run that recursed per item or per batch would overflow it many times over.
#if defined(__SANITIZE_ADDRESS__)
  constexpr std::size_t stack_size = 256 * 1024;
#else
  constexpr std::size_t stack_size = 64 * 1024;
#endif
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, stack_size) == 0);
  deep_run out;
  pthread_t thread;
  REQUIRE(pthread_create(&thread, &attr, &run_ten_million, &out) == 0);
  REQUIRE(pthread_join(thread, nullptr) == 0);
  pthread_attr_destroy(&attr);
  REQUIRE_FALSE(out.threw);
  REQUIRE(out.result == 5'000'000);
}
#endif
