#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/parallel_map_unordered.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>
#include <support/counting_source.hpp>
#include <support/fails_on_caller.hpp>
#include <support/in_flight.hpp>
#include <support/late_first_task.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

namespace rs = rstreams;

namespace {

/// Whether `seen`, in any order, is exactly 0 .. n-1, each once.
template <class T>
bool each_once(std::vector<T> seen, std::size_t n) {
  std::sort(seen.begin(), seen.end());
  bool all = seen.size() == n;
  for (std::size_t i = 0; all && i < seen.size(); ++i) all = seen[i] == static_cast<T>(i);
  return all;
}

}  // namespace

static_assert(
    rs::source_of<decltype(rs::iota(0, 3) | rs::parallel_map_unordered(2, [](int x) { return x * 0.5; })),
                  double>);

TEST_CASE("parallel_map_unordered lets a fast element overtake a slow one",
          "[exec][parallel_map_unordered]") {
  // On the worker thread, element 0 finishes only once element 1 has reached the sink (in order,
  // it never would: after 10 s it gives up, and the order shows the failure instead of a hang).
  // The caller is the other of the two workers: when it takes element 0 itself it cannot hand
  // element 1 on first, so then element 0 does not wait, and the run is repeated until the
  // worker thread took element 0 (three times, within 500 runs: which thread claims it is a race
  // that some processes lose to the caller in nearly every run). The source may wait, so a
  // feeder takes from it: over an upstream that never waits the caller would feed itself and
  // take element 0 every time.
  const auto caller = std::this_thread::get_id();
  int zero_on_worker = 0;
  for (int attempt = 0; attempt < 500 && zero_on_worker < 3; ++attempt) {
    std::atomic<bool> second_delivered{false};
    std::atomic<bool> slow{false};
    std::vector<int> v;
    rs::test::pull_counts counts;
    rs::run(rs::test::counting_source(counts, 2) |
            rs::parallel_map_unordered(
                2,
                [&](int x) {
                  if (x != 0 || std::this_thread::get_id() == caller) return x;
                  slow = true;
                  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
                  while (!second_delivered.load() && std::chrono::steady_clock::now() < until)
                    std::this_thread::sleep_for(std::chrono::microseconds(100));
                  return x;
                }) |
            rs::for_each([&](int x) {
              v.push_back(x);
              if (x == 1) second_delivered = true;
            }));
    if (slow) {
      ++zero_on_worker;
      REQUIRE(v == std::vector<int>{1, 0});
    } else {
      REQUIRE(each_once(v, 2));
    }
  }
  REQUIRE(zero_on_worker >= 1);
}

TEST_CASE("parallel_map_unordered's caller computes too, and its errors surface",
          "[exec][parallel_map_unordered]") {
  // The worker thread's first element waits (at most 10 s) until the caller has computed one;
  // every element the caller computes fails.
  rs::test::fails_on_caller f;
  std::vector<int> seen;
  try {
    rs::run(rs::iota(0, 100) |
            rs::parallel_map_unordered(rs::parallelism{.workers = 2, .in_flight = 16}, f.fn()) |
            rs::for_each([&](int x) { seen.push_back(x); }));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "parallel_map_unordered");
    REQUIRE(f.first() >= 0);
    REQUIRE(e.element() == static_cast<std::size_t>(f.first()));
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "on the caller");
  }
  REQUIRE(std::find(seen.begin(), seen.end(), f.first()) == seen.end());
}

TEST_CASE("parallel_map_unordered stops when downstream is satisfied while the caller computes",
          "[exec][parallel_map_unordered]") {
  const auto v = rs::run(rs::iota(0) |
                         rs::parallel_map_unordered(rs::parallelism{.workers = 2, .in_flight = 16},
                                                    [](int x) {
                                                      const auto until = std::chrono::steady_clock::now() +
                                                                         std::chrono::microseconds(20);
                                                      while (std::chrono::steady_clock::now() < until) {
                                                      }
                                                      return x;
                                                    }) |
                         rs::take(50) | rs::to_vector());
  REQUIRE(v.size() == 50);
  REQUIRE(std::all_of(v.begin(), v.end(), [](int x) { return x >= 0 && x < 50 + 16; }));
}

TEST_CASE("parallel_map_unordered delivers every element once", "[exec][parallel_map_unordered]") {
  auto v =
      rs::run(rs::iota(0, 500) | rs::parallel_map_unordered(3, [](int x) { return x; }) | rs::to_vector());
  REQUIRE(each_once(v, 500));
}

TEST_CASE("parallel_map_unordered keeps at most n elements in flight", "[exec][parallel_map_unordered]") {
  rs::test::in_flight_meter meter;
  const auto got = rs::run(rs::test::metered_source(meter) |
                           rs::parallel_map_unordered(2, [](std::uint64_t x) { return x; }) |
                           rs::test::metered_sink(meter, 2000, [] { std::this_thread::yield(); }));
  REQUIRE(got == 2000);
  REQUIRE(meter.max_in_flight.load() <= 2);
}

TEST_CASE("parallel_map_unordered with a wide window delivers every element once, within the window",
          "[exec][parallel_map_unordered]") {
  rs::test::in_flight_meter meter;
  std::vector<std::uint64_t> seen;
  rs::run(rs::test::metered_source(meter, 20'000) |
          rs::parallel_map_unordered(rs::parallelism{.workers = 2, .in_flight = 48},
                                     [](std::uint64_t x) { return x; }) |
          rs::for_each([&](std::uint64_t x) {
            meter.on_receive();
            seen.push_back(x);
          }));
  REQUIRE(meter.max_in_flight.load() <= 48);
  REQUIRE(each_once(seen, 20'000));
}

TEST_CASE("parallel_map_unordered with costly elements delivers every element once, within the window",
          "[exec][parallel_map_unordered]") {
  // Costly enough that, with a core to spare (a machine of 3 cores or more), the consumer naps
  // through half a window when it finds nothing to compute.
  rs::test::in_flight_meter meter;
  std::vector<std::uint64_t> seen;
  rs::run(rs::test::metered_source(meter, 2'000) |
          rs::parallel_map_unordered(rs::parallelism{.workers = 2, .in_flight = 16},
                                     [](std::uint64_t x) {
                                       const auto until =
                                           std::chrono::steady_clock::now() + std::chrono::microseconds(30);
                                       while (std::chrono::steady_clock::now() < until) {
                                       }
                                       return x;
                                     }) |
          rs::for_each([&](std::uint64_t x) {
            meter.on_receive();
            seen.push_back(x);
          }));
  REQUIRE(meter.max_in_flight.load() <= 16);
  REQUIRE(each_once(seen, 2'000));
}

TEST_CASE("parallel_map_unordered rejects a zero parallelism", "[exec][parallel_map_unordered]") {
  REQUIRE_THROWS_AS(rs::parallel_map_unordered(0, [](int x) { return x; }), rs::config_error);
}

TEST_CASE("parallel_map_unordered's workers take from upstream themselves while the feeder is late",
          "[exec][parallel_map_unordered]") {
  // The feeder task starts only once the workers are done: they must feed the window. After 10 s
  // it starts anyway, so that a failure cannot hang.
  rs::test::late_first_task sched;
  std::jthread watchdog([&sched](std::stop_token cancel) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cancel.stop_requested() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sched.give_up();
  });
  rs::test::pull_counts counts;  // a source that may wait: the stage has a feeder
  const auto v = rs::run(rs::test::counting_source(counts, 2000) |
                             rs::parallel_map_unordered(rs::parallelism{.workers = 2, .in_flight = 64},
                                                        [](int x) { return x; }) |
                             rs::to_vector(),
                         sched);
  REQUIRE(!sched.gave_up());
  REQUIRE(each_once(v, 2000));
}
