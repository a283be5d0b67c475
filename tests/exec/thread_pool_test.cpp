#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/exec/thread_pool.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <atomic>
#include <latch>
#include <thread>

namespace rs = rstreams;

static_assert(rs::scheduler<rs::thread_pool>);
static_assert(!rs::scheduler<int>);

TEST_CASE("a thread pool rejects zero or negative sizes", "[exec][thread_pool]") {
  REQUIRE_THROWS_WITH(rs::thread_pool(0),
                      "rstreams::thread_pool: the number of threads must be at least 1 (got 0)");
  REQUIRE_THROWS_AS(rs::thread_pool(-2), rs::config_error);
}

TEST_CASE("a thread pool of n never runs more than n threads, even when its tasks block",
          "[exec][thread_pool]") {
  rs::thread_pool pool(2);
  std::latch release(1);
  std::atomic<int> done{0};
  for (int i = 0; i < 2; ++i)
    pool.execute([&] {
      release.wait();
      ++done;
    });
  // Both threads are held by blocking tasks: a third task is refused with the reason, not run
  // on a new thread and not queued behind tasks that may never end.
  REQUIRE_THROWS_WITH(pool.execute([] {}),
                      Catch::Contains("all 2 threads are busy") && Catch::Contains("max_threads"));
  REQUIRE(pool.size() == 2);
  release.count_down();
  while (done.load() != 2) std::this_thread::yield();
  // Threads freed by finished tasks are reused.
  std::latch again(2);
  pool.execute([&] { again.count_down(); });
  pool.execute([&] { again.count_down(); });
  again.wait();
  REQUIRE(pool.size() == 2);
}

TEST_CASE("a run that needs more threads than its pool has fails with the reason", "[exec][thread_pool]") {
  rs::thread_pool pool(2);
  // Two async boundaries and a parallel_map of 3 (a feeder and two workers besides the caller)
  // run five concurrent tasks.
  auto p = rs::iota(0, 1000) | rs::async(16) | rs::parallel_map(3, [](int x) { return x; }) | rs::async(8) |
           rs::sum();
  REQUIRE_THROWS_AS(rs::run(p, pool), rs::config_error);
  REQUIRE(pool.size() == 2);
}

TEST_CASE("growth is an explicit, capped option", "[exec][thread_pool]") {
  rs::thread_pool pool(1, rs::thread_pool_options{.max_threads = 3});
  std::latch all(3);
  std::latch release(1);
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i)
    pool.execute([&] {
      all.count_down();
      release.wait();
      ++done;
    });
  all.wait();  // three tasks that wait for each other ran at once
  REQUIRE(pool.size() == 3);
  REQUIRE_THROWS_WITH(pool.execute([] {}), Catch::Contains("all 3 threads are busy"));
  release.count_down();
  while (done.load() != 3) std::this_thread::yield();
  REQUIRE_THROWS_AS(rs::thread_pool(4, rs::thread_pool_options{.max_threads = 2}), rs::config_error);
}

TEST_CASE("a scope on a pool runs its tasks", "[exec][thread_pool]") {
  rs::thread_pool pool(2);
  std::atomic<int> done{0};
  rs::run_scope scope(&pool);
  scope.spawn([&] { ++done; });
  scope.join();
  REQUIRE(done.load() == 1);
}

TEST_CASE("a scope joins the tasks it spawned and keeps an escaped error", "[exec][thread_pool]") {
  rs::thread_pool pool(2);
  std::atomic<int> ran{0};
  {
    rs::run_scope scope(&pool);
    for (int i = 0; i < 10; ++i) scope.spawn([&] { ++ran; });
    scope.spawn([] { throw rs::config_error("escaped"); });
    scope.join();
    REQUIRE(ran.load() == 10);
    REQUIRE_THROWS_WITH(scope.rethrow_if_error(), "escaped");
  }
}

TEST_CASE("run with a thread pool drives several pipelines on the same workers", "[exec][thread_pool]") {
  rs::thread_pool pool(2);
  long long total = 0;
  for (int i = 0; i < 20; ++i) total += rs::run(rs::iota(0, 100) | rs::async(4) | rs::sum(), pool);
  REQUIRE(total == 20 * 4950);
}
