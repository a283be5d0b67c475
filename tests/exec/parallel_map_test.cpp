#include <rstreams/core/error.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/exec/parallel_map_unordered.hpp>
#include <rstreams/exec/thread_pool.hpp>
#include <rstreams/ops/take.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/for_each.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/blocking_source.hpp>
#include <support/catch.hpp>
#include <support/counting_source.hpp>
#include <support/fails_on_caller.hpp>
#include <support/in_flight.hpp>
#include <support/late_first_task.hpp>
#include <support/throwing.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <latch>
#include <mutex>
#include <numeric>
#include <ranges>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rs = rstreams;

namespace {
auto to_text = [](int x) { return std::to_string(x); };
using mapped = decltype(rs::iota(0, 3) | rs::parallel_map(2, to_text));
using windowed =
    decltype(rs::iota(0, 3) | rs::parallel_map(rs::parallelism{.workers = 2, .in_flight = 8}, to_text));
constexpr rs::parallelism wide{.workers = 2, .in_flight = 64};

/// About `us` microseconds of work: elements costly enough that a stage with a core to spare
/// keeps its consumer and feeder asleep (no timing is asserted, only behaviour).
template <class T>
T costly(T x, int us = 30) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
  while (std::chrono::steady_clock::now() < until) {
  }
  return x;
}

bool counts_up(const std::vector<int>& v, int from = 0) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != from + static_cast<int>(i)) return false;
  return true;
}
/// Runs a source that delivers 0, 1, 2 in one call and then blocks in that call until the run
/// stops, through parallel_map(shape, f), into a sink that asks for the stop once it has the
/// three. A watchdog stops the run anyway after 10 s so that a failure cannot hang. Returns
/// what the sink saw; `by_sink`: the sink asked for the stop (not the watchdog).
template <class F>
std::vector<int> three_before_a_block(rs::parallelism shape, F f, bool& by_sink) {
  std::stop_source stop;
  std::vector<int> seen;
  by_sink = false;
  std::jthread watchdog([&](std::stop_token cancel) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cancel.stop_requested() && !stop.stop_requested() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    stop.request_stop();
  });
  rs::run(rs::test::blocking_source(3) | rs::parallel_map(shape, std::move(f)) | rs::for_each([&](int x) {
            seen.push_back(x);
            if (seen.size() == 3) {
              by_sink = true;
              stop.request_stop();
            }
          }),
          stop.get_token());
  return seen;
}

/// Starts the feeder anyway after 10 s, so that a stage that waits for it fails instead of hanging.
std::jthread give_up_after_10s(rs::test::late_first_task& sched) {
  return std::jthread([&sched](std::stop_token cancel) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!cancel.stop_requested() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sched.give_up();
  });
}

}  // namespace

static_assert(rs::source_of<mapped, std::string>);
static_assert(rs::source_of<windowed, std::string>);
static_assert(rs::stage<decltype(rs::parallel_map(2, to_text))>);
static_assert(rs::stage<decltype(rs::parallel_map(wide, to_text))>);

TEST_CASE("parallel_map keeps the input order", "[exec][parallel_map]") {
  // Early elements are the slowest, so they finish last.
  const auto v = rs::run(rs::iota(0, 200) |
                         rs::parallel_map(4,
                                          [](int x) {
                                            if (x % 4 == 0)
                                              for (int i = 0; i < 50; ++i) std::this_thread::yield();
                                            return x * 3;
                                          }) |
                         rs::to_vector());
  REQUIRE(v.size() == 200);
  bool in_order = true;
  for (std::size_t i = 0; i < v.size(); ++i) in_order = in_order && v[i] == static_cast<int>(i) * 3;
  REQUIRE(in_order);
}

TEST_CASE("parallel_map runs n calls at once without waiting for downstream", "[exec][parallel_map]") {
  // Each call waits until n calls have started: this only finishes if n run together.
  constexpr int n = 3;
  std::latch all_started(n);
  const auto total = rs::run(rs::iota(0, n) |
                             rs::parallel_map(n,
                                              [&](int x) {
                                                all_started.arrive_and_wait();
                                                return x;
                                              }) |
                             rs::sum());
  REQUIRE(total == 3);
}

TEST_CASE("parallel_map keeps at most n elements in flight", "[exec][parallel_map]") {
  rs::test::in_flight_meter meter;
  const auto got =
      rs::run(rs::test::metered_source(meter) | rs::parallel_map(4, [](std::uint64_t x) { return x; }) |
              rs::test::metered_sink(meter, 3000, [] { std::this_thread::yield(); }));
  REQUIRE(got == 3000);
  REQUIRE(meter.max_in_flight.load() <= 4);
}

TEST_CASE("parallel_map bounds add up with async boundaries", "[exec][parallel_map]") {
  rs::test::in_flight_meter meter;
  rs::thread_pool pool(6);  // async, the parallel_map feeder and its 3 workers, async
  const auto got = rs::run(rs::test::metered_source(meter) | rs::async(16) |
                               rs::parallel_map(3, [](std::uint64_t x) { return x + 1; }) | rs::async(8) |
                               rs::test::metered_sink(meter, 3000, [] {}),
                           pool);
  REQUIRE(got == 3000);
  REQUIRE(meter.max_in_flight.load() <= 16 + 3 + 8);
}

TEST_CASE("an exception in a worker surfaces as the stage_error of that element", "[exec][parallel_map]") {
  auto p = rs::iota(0, 1000) |
           rs::parallel_map(4,
                            [](int x) {
                              if (x == 123) throw std::runtime_error("bad lookup");
                              return x;
                            }) |
           rs::sum();
  try {
    rs::run(p);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "parallel_map");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 123);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "bad lookup");
  }
}

TEST_CASE("parallel_map stops its workers when the sink is satisfied", "[exec][parallel_map]") {
  const auto v =
      rs::run(rs::iota(0) | rs::parallel_map(2, [](int x) { return x; }) | rs::take(5) | rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("parallel_map under skip drops failed elements and counts them", "[exec][parallel_map]") {
  std::atomic<std::size_t> skipped{0};
  const auto v = rs::run(rs::iota(0, 10) |
                         rs::parallel_map(
                             3,
                             [](int x) {
                               if (x % 3 == 0) throw std::runtime_error("no");
                               return x;
                             },
                             rs::on_error::skip{&skipped}) |
                         rs::to_vector());
  REQUIRE(v == std::vector<int>{1, 2, 4, 5, 7, 8});
  REQUIRE(skipped.load() == 4);
}

TEST_CASE("parallel_map rejects a zero or negative parallelism at construction", "[exec][parallel_map]") {
  REQUIRE_THROWS_WITH(rs::parallel_map(0, to_text),
                      "rstreams::parallel_map: parallelism must be at least 1 (got 0)");
  REQUIRE_THROWS_AS(rs::parallel_map(-1, to_text), rs::config_error);
  REQUIRE_THROWS_AS(rs::parallel_map(rs::iota(0, 3), 0, to_text), rs::config_error);
}

TEST_CASE("parallel_map works as a plain range outside run", "[exec][parallel_map]") {
  auto src = rs::iota(0, 4) | rs::parallel_map(2, [](int x) { return x * x; });
  std::vector<int> seen;
  for (int x : src) seen.push_back(x);
  REQUIRE(seen == std::vector<int>{0, 1, 4, 9});
}

// ---- a window wider than the workers: elements move in runs ------------------------------------

TEST_CASE("parallel_map with a wide window keeps the input order over many runs", "[exec][parallel_map]") {
  const auto v =
      rs::run(rs::iota(0, 20'000) | rs::parallel_map(wide, [](int x) { return x; }) | rs::to_vector());
  REQUIRE(v.size() == 20'000);
  REQUIRE(counts_up(v));
}

TEST_CASE("parallel_map keeps at most in_flight elements in flight", "[exec][parallel_map]") {
  rs::test::in_flight_meter meter;
  const auto got = rs::run(
      rs::test::metered_source(meter) |
      rs::parallel_map(rs::parallelism{.workers = 3, .in_flight = 32}, [](std::uint64_t x) { return x; }) |
      rs::test::metered_sink(meter, 5000, [] { std::this_thread::yield(); }));
  REQUIRE(got == 5000);
  REQUIRE(meter.max_in_flight.load() <= 32);
}

TEST_CASE("parallel_map hands on what a source delivered before it blocks", "[exec][parallel_map]") {
  // The three must come out without waiting for the stop.
  bool by_sink = false;
  REQUIRE(three_before_a_block(
              wide, [](int x) { return x; }, by_sink) == std::vector<int>{0, 1, 2});
  REQUIRE(by_sink);
}

TEST_CASE("a stop request ends parallel_map's intake and drains what is in flight", "[exec][parallel_map]") {
  std::stop_source stop;
  std::vector<int> seen;
  rs::run(rs::iota(0) | rs::parallel_map(wide, [](int x) { return x; }) | rs::for_each([&](int x) {
            seen.push_back(x);
            if (seen.size() == 1000) stop.request_stop();
          }),
          stop.get_token());
  REQUIRE(seen.size() >= 1000);  // and the run ended, although the source never does
  REQUIRE(counts_up(seen));
}

TEST_CASE("an upstream error reaches run after the elements before it", "[exec][parallel_map]") {
  std::vector<int> seen;
  try {
    rs::run(rs::iota(0, 1000) | rs::transform(rs::test::throw_on_call(50)) |
            rs::parallel_map(wide, [](int x) { return x; }) |
            rs::for_each([&](int x) { seen.push_back(x); }));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "transform");
    REQUIRE(e.element() == 50);
  }
  REQUIRE(seen.size() == 50);
  REQUIRE(counts_up(seen));
}

TEST_CASE("a worker's error in the middle of a run surfaces after the elements before it",
          "[exec][parallel_map]") {
  std::vector<int> seen;
  try {
    rs::run(rs::iota(0, 5000) |
            rs::parallel_map(wide,
                             [](int x) {
                               if (x == 1234) throw std::runtime_error("bad");
                               return x;
                             }) |
            rs::for_each([&](int x) { seen.push_back(x); }));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "parallel_map");
    REQUIRE(e.element() == 1234);
  }
  REQUIRE(seen.size() == 1234);
  REQUIRE(counts_up(seen));
}

TEST_CASE("parallel_map rejects a bad shape at construction", "[exec][parallel_map]") {
  REQUIRE_THROWS_WITH(rs::parallel_map(rs::parallelism{.workers = 0}, to_text),
                      "rstreams::parallel_map: workers must be at least 1 (got 0)");
  REQUIRE_THROWS_WITH(rs::parallel_map(rs::parallelism{.workers = 4, .in_flight = 2}, to_text),
                      "rstreams::parallel_map: in_flight (2) must be at least the number of workers (4)");
  REQUIRE_THROWS_AS(rs::parallel_map(rs::iota(0, 3), rs::parallelism{.workers = 0}, to_text),
                    rs::config_error);
  REQUIRE_NOTHROW(rs::parallel_map(rs::parallelism{.workers = 4}, to_text));  // in_flight 0: = workers
}

// ---- costly elements: the consumer naps through half a window, the workers wake nobody ---------

namespace {
// 2,000 elements of `us` microseconds each through `workers` workers and a window of 16: all
// arrive, in order, and never more than 16 are in flight.
void check_costly_order_and_window(std::size_t workers, int us) {
  rs::test::in_flight_meter meter;
  std::vector<std::uint64_t> seen;
  rs::run(rs::test::metered_source(meter, 2'000) |
          rs::parallel_map(rs::parallelism{.workers = workers, .in_flight = 16},
                           [us](std::uint64_t x) { return costly(x, us); }) |
          rs::for_each([&](std::uint64_t x) {
            meter.on_receive();
            seen.push_back(x);
          }));
  REQUIRE(meter.max_in_flight.load() <= 16);
  bool in_order = seen.size() == 2'000;
  for (std::size_t i = 0; in_order && i < seen.size(); ++i) in_order = seen[i] == i;
  REQUIRE(in_order);
}
}  // namespace

TEST_CASE("parallel_map with costly elements keeps the input order and the window", "[exec][parallel_map]") {
  check_costly_order_and_window(1, 30);  // inline on the caller
  check_costly_order_and_window(2, 30);  // the caller and a worker thread
}

TEST_CASE("parallel_map with costly elements on every core keeps the input order and the window",
          "[exec][parallel_map]") {
  // As many workers as cores: they feed themselves when dry and yield to a woken consumer.
  check_costly_order_and_window(std::max(2u, std::thread::hardware_concurrency()), 5);
}

TEST_CASE("parallel_map with costly elements hands on what a source delivered before it blocks",
          "[exec][parallel_map]") {
  // As above, with elements slow enough for the consumer to nap (with a core to spare): the
  // workers running dry must wake it, or the three would wait for the stop. With one worker the
  // caller applies the function inline as the source delivers.
  for (const std::size_t workers : {1, 2}) {
    bool by_sink = false;
    REQUIRE(three_before_a_block(
                rs::parallelism{.workers = workers, .in_flight = 64}, [](int x) { return costly(x, 500); },
                by_sink) == std::vector<int>{0, 1, 2});
    REQUIRE(by_sink);
  }
}

TEST_CASE("parallel_map: metered, in flight and errors counted across workers",
          "[exec][parallel_map][metered]") {
  rs::metrics_registry reg;
  const auto every_tenth_fails = [](int x) {
    if (x % 10 == 0) throw std::runtime_error("tenth");
    return x;
  };
  const auto got = rs::run(rs::iota(0, 200) |
                           rs::metered(reg, "p",
                                       rs::parallel_map(rs::parallelism{.workers = 2, .in_flight = 8},
                                                        every_tenth_fails, rs::on_error::skip{})) |
                           rs::to_vector());
  CHECK(got.size() == 180);
  const auto s = reg.snapshot().at(0);
  CHECK(s.stage == "parallel_map");
  CHECK(s.in == 200);
  CHECK(s.out == 180);
  CHECK(s.errors == 20);
  CHECK(s.in_flight_limit == 8);
  CHECK(s.in_flight == 0);  // all handed on
}

// ---- a late feeder: the workers take from upstream themselves ---------------------------------

TEST_CASE("parallel_map's workers take from upstream themselves while the feeder is late",
          "[exec][parallel_map]") {
  // The feeder task starts only once the workers are done: they must feed the window (from a
  // source that may wait, or the stage would have no feeder).
  rs::test::late_first_task sched;
  rs::test::pull_counts counts;
  const auto watchdog = give_up_after_10s(sched);
  const auto v = rs::run(rs::test::counting_source(counts, 2000) |
                             rs::parallel_map(wide, [](int x) { return x; }) | rs::to_vector(),
                         sched);
  REQUIRE(!sched.gave_up());
  REQUIRE(v.size() == 2000);
  REQUIRE(counts_up(v));
}

TEST_CASE("an upstream error reaches run after the elements before it while the feeder is late",
          "[exec][parallel_map]") {
  rs::test::late_first_task sched;
  const auto watchdog = give_up_after_10s(sched);
  rs::test::pull_counts counts;
  std::vector<int> seen;
  try {
    rs::run(rs::test::counting_source(counts, 1000) | rs::transform(rs::test::throw_on_call(50)) |
                rs::parallel_map(wide, [](int x) { return x; }) |
                rs::for_each([&](int x) { seen.push_back(x); }),
            sched);
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "transform");
    REQUIRE(e.element() == 50);
  }
  REQUIRE(!sched.gave_up());
  REQUIRE(seen.size() == 50);
  REQUIRE(counts_up(seen));
}

TEST_CASE("a stop request ends parallel_map's intake while the feeder is late", "[exec][parallel_map]") {
  // The workers end the intake themselves, or the run would wait for the feeder.
  rs::test::late_first_task sched;
  const auto watchdog = give_up_after_10s(sched);
  rs::test::pull_counts counts;
  std::stop_source stop;
  std::vector<int> seen;
  rs::run(rs::test::counting_source(counts) | rs::parallel_map(wide, [](int x) { return x; }) |
              rs::for_each([&](int x) {
                seen.push_back(x);
                if (seen.size() == 1000) stop.request_stop();
              }),
          sched, rs::run_context{stop.get_token()});
  REQUIRE(!sched.gave_up());
  REQUIRE(seen.size() >= 1000);
  REQUIRE(counts_up(seen));
}

TEST_CASE("parallel_map never calls the function more than `workers` times at once", "[exec][parallel_map]") {
  // Also while the workers feed themselves (a late feeder).
  rs::test::late_first_task sched;
  const auto watchdog = give_up_after_10s(sched);
  rs::test::pull_counts counts;
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  const auto total = rs::run(rs::test::counting_source(counts, 3000) |
                                 rs::parallel_map(wide,
                                                  [&](int x) {
                                                    const int n = now.fetch_add(1) + 1;
                                                    int m = most.load();
                                                    while (n > m && !most.compare_exchange_weak(m, n)) {
                                                    }
                                                    costly(0, 2);
                                                    now.fetch_sub(1);
                                                    return x;
                                                  }) |
                                 rs::sum(),
                             sched);
  REQUIRE(!sched.gave_up());
  REQUIRE(total == 3000 * 2999 / 2);
  REQUIRE(most.load() >= 1);
  REQUIRE(most.load() <= 2);
}

// ---- an upstream that never waits: no feeder, the caller feeds itself ------------------------

namespace {
/// A scheduler that starts each task on a thread of its own, held until `open()` (or, so that a
/// failure cannot hang, for 10 s: then `gave_up()`). Until it opens, the caller is the stage's
/// only thread. Counts the tasks it was given.
class gated_tasks {
 public:
  gated_tasks() = default;
  gated_tasks(const gated_tasks&) = delete;
  gated_tasks& operator=(const gated_tasks&) = delete;
  ~gated_tasks() {
    open();
    for (auto& t : threads_) t.join();
  }

  void execute(std::function<void()> task) {
    std::lock_guard lock(mutex_);
    ++spawned_;
    threads_.emplace_back([this, t = std::move(task)] {
      {
        std::unique_lock wait(mutex_);
        if (!turn_.wait_for(wait, std::chrono::seconds(10), [this] { return open_; })) gave_up_ = true;
      }
      t();
    });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    turn_.notify_all();
  }
  bool gave_up() {
    std::lock_guard lock(mutex_);
    return gave_up_;
  }
  std::size_t spawned() {
    std::lock_guard lock(mutex_);
    return spawned_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable turn_;
  bool open_ = false;
  bool gave_up_ = false;
  std::size_t spawned_ = 0;
  std::vector<std::thread> threads_;
};
}  // namespace

static_assert(rs::detail::never_waits<decltype(rs::iota(0, 3))>());
static_assert(rs::detail::never_waits<decltype(rs::as_source(std::declval<std::vector<int>&>()))>());
static_assert(
    !rs::detail::never_waits<decltype(rs::as_source(std::declval<std::ranges::istream_view<int>&>()))>(),
    "an input range may read a stream");
static_assert(!rs::detail::never_waits<rs::test::counting_source>());

TEST_CASE("parallel_map over an upstream that never waits has no feeder: the caller feeds itself",
          "[exec][parallel_map]") {
  // The worker task is held until element 500 is computed: until then the caller must take
  // from upstream itself (a feeder task would be held too, and nothing would move for 10 s).
  const auto caller = std::this_thread::get_id();
  for (const bool ordered : {true, false}) {
    gated_tasks sched;
    std::atomic<int> on_caller{0};
    const auto f = [&](int x) {
      if (std::this_thread::get_id() == caller) ++on_caller;
      if (x == 500) sched.open();  // from here on the worker thread computes too
      return x;
    };
    auto v = ordered
                 ? rs::run(rs::iota(0, 2000) | rs::parallel_map(wide, f) | rs::to_vector(), sched)
                 : rs::run(rs::iota(0, 2000) | rs::parallel_map_unordered(wide, f) | rs::to_vector(), sched);
    REQUIRE(!sched.gave_up());
    REQUIRE(sched.spawned() == 1);  // the one worker task
    if (!ordered) std::ranges::sort(v);
    REQUIRE(v.size() == 2000);
    REQUIRE(counts_up(v));
    REQUIRE(on_caller.load() >= 501);
  }
}

TEST_CASE("parallel_map has a feeder for an upstream that may wait, none for a container",
          "[exec][parallel_map]") {
  std::vector<int> numbers(1000);
  std::iota(numbers.begin(), numbers.end(), 0);
  {
    gated_tasks sched;
    sched.open();
    REQUIRE(
        rs::run(rs::from_range(numbers) | rs::parallel_map(wide, [](int x) { return x; }) | rs::to_vector(),
                sched) == numbers);
    REQUIRE(sched.spawned() == 1);
  }
  {
    gated_tasks sched;
    sched.open();
    rs::test::pull_counts counts;
    REQUIRE(rs::run(rs::test::counting_source(counts, 1000) |
                        rs::parallel_map(wide, [](int x) { return x; }) | rs::to_vector(),
                    sched) == numbers);
    REQUIRE(sched.spawned() == 2);  // the feeder and the worker
  }
}

TEST_CASE("a stop request ends the intake of an upstream that never waits, fed by the caller alone",
          "[exec][parallel_map]") {
  // The worker task stays held (for 10 s at most): the caller feeds, computes, and ends the
  // intake on the stop by itself.
  gated_tasks sched;
  std::stop_source stop;
  std::vector<int> seen;
  rs::run(rs::iota(0) | rs::parallel_map(wide, [](int x) { return x; }) | rs::for_each([&](int x) {
            seen.push_back(x);
            if (seen.size() == 1000) {
              stop.request_stop();
              sched.open();  // the run waits for its task: let it start and see the stop
            }
          }),
          sched, rs::run_context{stop.get_token()});
  REQUIRE(!sched.gave_up());
  REQUIRE(seen.size() >= 1000);
  REQUIRE(counts_up(seen));
}

// ---- the calling thread is one of the workers -------------------------------------------------

TEST_CASE("parallel_map with one worker runs inline on the calling thread", "[exec][parallel_map]") {
  const auto caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  const auto v = rs::run(rs::iota(0, 1000) |
                         rs::parallel_map(1,
                                          [&](int x) {
                                            if (std::this_thread::get_id() != caller) ++elsewhere;
                                            return x;
                                          }) |
                         rs::to_vector());
  REQUIRE(elsewhere.load() == 0);
  REQUIRE(v.size() == 1000);
  REQUIRE(counts_up(v));
}

TEST_CASE("parallel_map with one worker: errors, policies and stops", "[exec][parallel_map]") {
  std::vector<int> seen;
  try {
    rs::run(rs::iota(0, 100) |
            rs::parallel_map(1,
                             [](int x) {
                               if (x == 42) throw std::runtime_error("bad");
                               return x;
                             }) |
            rs::for_each([&](int x) { seen.push_back(x); }));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "parallel_map");
    REQUIRE(e.position() == 1);
    REQUIRE(e.element() == 42);
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "bad");
  }
  REQUIRE(seen.size() == 42);
  REQUIRE(counts_up(seen));

  seen.clear();
  try {
    rs::run(rs::iota(0, 100) | rs::transform(rs::test::throw_on_call(50)) |
            rs::parallel_map(1, [](int x) { return x; }) | rs::for_each([&](int x) { seen.push_back(x); }));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "transform");
    REQUIRE(e.element() == 50);
  }
  REQUIRE(seen.size() == 50);
  REQUIRE(counts_up(seen));

  std::atomic<std::size_t> skipped{0};
  REQUIRE(rs::run(rs::iota(0, 10) |
                  rs::parallel_map(
                      1,
                      [](int x) {
                        if (x % 3 == 0) throw std::runtime_error("no");
                        return x;
                      },
                      rs::on_error::skip{&skipped}) |
                  rs::to_vector()) == std::vector<int>{1, 2, 4, 5, 7, 8});
  REQUIRE(skipped.load() == 4);

  REQUIRE(rs::run(rs::iota(0) | rs::parallel_map(1, [](int x) { return x; }) | rs::take(5) |
                  rs::to_vector()) == std::vector<int>{0, 1, 2, 3, 4});

  std::stop_source stop;
  seen.clear();
  rs::run(rs::iota(0) | rs::parallel_map(1, [](int x) { return x; }) | rs::for_each([&](int x) {
            seen.push_back(x);
            if (seen.size() == 1000) stop.request_stop();
          }),
          stop.get_token());
  REQUIRE(seen.size() >= 1000);  // and the run ended, although the source never does
  REQUIRE(counts_up(seen));
}

TEST_CASE("parallel_map's calling thread is one of its workers", "[exec][parallel_map]") {
  // Two elements, two workers, and each call waits (at most 10 s) until both have started: the
  // caller and the one worker thread must compute one each, at once.
  const auto caller = std::this_thread::get_id();
  std::atomic<int> started{0};
  std::atomic<int> on_caller{0};
  std::atomic<int> together{0};
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  const auto v =
      rs::run(rs::iota(0, 2) |
              rs::parallel_map(2,
                               [&](int x) {
                                 if (std::this_thread::get_id() == caller) ++on_caller;
                                 ++started;
                                 while (started.load() < 2 && std::chrono::steady_clock::now() < until)
                                   std::this_thread::yield();
                                 if (started.load() == 2) ++together;
                                 return x;
                               }) |
              rs::to_vector());
  REQUIRE(v == std::vector<int>{0, 1});
  REQUIRE(on_caller.load() == 1);
  REQUIRE(together.load() == 2);
}

TEST_CASE("an error in an element the caller computed surfaces at that element", "[exec][parallel_map]") {
  // The worker thread's elements wait (at most 10 s, all told) until the caller has computed
  // one; every element the caller computes fails: the first of them is the error, after the
  // elements before it.
  rs::test::fails_on_caller f;
  std::vector<int> seen;
  try {
    rs::run(rs::iota(0, 100) | rs::parallel_map(rs::parallelism{.workers = 2, .in_flight = 16}, f.fn()) |
            rs::for_each([&](int x) { seen.push_back(x); }));
    FAIL("run should have thrown");
  } catch (const rs::stage_error& e) {
    REQUIRE(e.stage() == "parallel_map");
    REQUIRE(e.position() == 1);
    REQUIRE(f.first() >= 0);
    REQUIRE(e.element() == static_cast<std::size_t>(f.first()));
    REQUIRE_THROWS_WITH(std::rethrow_if_nested(e), "on the caller");
  }
  REQUIRE(seen.size() == static_cast<std::size_t>(f.first()));
  REQUIRE(counts_up(seen));
}

TEST_CASE("parallel_map's caller computing ahead stays within the window", "[exec][parallel_map]") {
  // The worker thread is slow and the caller fast: the caller computes most elements, ahead of
  // the one it waits for, and never more than the window are in flight.
  const auto caller = std::this_thread::get_id();
  std::atomic<int> on_caller{0};
  rs::test::in_flight_meter meter;
  std::vector<std::uint64_t> seen;
  rs::run(rs::test::metered_source(meter, 2'000) |
          rs::parallel_map(rs::parallelism{.workers = 2, .in_flight = 16},
                           [&](std::uint64_t x) {
                             if (std::this_thread::get_id() == caller) {
                               ++on_caller;
                               return x;
                             }
                             return costly(x, 200);
                           }) |
          rs::for_each([&](std::uint64_t x) {
            meter.on_receive();
            seen.push_back(x);
          }));
  REQUIRE(on_caller.load() > 0);
  REQUIRE(meter.max_in_flight.load() <= 16);
  bool in_order = seen.size() == 2'000;
  for (std::size_t i = 0; in_order && i < seen.size(); ++i) in_order = seen[i] == i;
  REQUIRE(in_order);
}

TEST_CASE("parallel_map stops when downstream is satisfied while the caller computes",
          "[exec][parallel_map]") {
  const auto v = rs::run(rs::iota(0) | rs::parallel_map(wide, [](int x) { return costly(x, 20); }) |
                         rs::take(50) | rs::to_vector());
  REQUIRE(v.size() == 50);
  REQUIRE(counts_up(v));
}
