#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/core/scheduler.hpp>
#include <rstreams/exec/async.hpp>
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

TEST_CASE("a thread pool runs tasks and grows rather than queue behind a blocked one",
          "[exec][thread_pool]") {
  rs::thread_pool pool(1);
  std::latch both(2);
  std::atomic<int> done{0};
  // Each task waits for the other: with a single queued worker this would never finish.
  pool.execute([&] {
    both.arrive_and_wait();
    ++done;
  });
  pool.execute([&] {
    both.arrive_and_wait();
    ++done;
  });
  rs::run_scope scope(&pool);
  scope.spawn([&] { ++done; });
  scope.join();
  REQUIRE(pool.size() >= 2);
  while (done.load() != 3) std::this_thread::yield();
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
