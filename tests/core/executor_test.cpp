// `run(p, s)` with only <rstreams/core/run.hpp> for the scheduler: the executor interface,
// the public `scheduler` concept and the adapter come with it (core/executor.hpp).
#include <rstreams/core/run.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <cstdint>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

namespace rs = rstreams;

namespace {

/// A user's scheduler: each task on a thread of its own, joined when the scheduler goes.
struct my_scheduler {
  std::vector<std::thread> threads;
  int executed = 0;
  void execute(std::function<void()> task) {
    ++executed;
    threads.emplace_back(std::move(task));
  }
  ~my_scheduler() {
    for (auto& t : threads) t.join();
  }
};

struct not_a_scheduler {
  void run() {}
};

template <class P, class S>
concept runs_on = requires(P p, S& s) {
  rs::run(std::move(p), s);
};

}  // namespace

static_assert(rs::scheduler<my_scheduler>);
static_assert(!rs::scheduler<not_a_scheduler>);
static_assert(!rs::scheduler<int>);

TEST_CASE("run accepts a user's scheduler with only core/run.hpp included", "[core][executor]") {
  my_scheduler sched;
  auto p = rs::iota(std::uint64_t{1}, std::uint64_t{101}) | rs::sum();
  STATIC_REQUIRE(runs_on<decltype(p), my_scheduler>);
  CHECK(rs::run(std::move(p), sched) == 5050);
  CHECK(sched.executed == 0);  // a synchronous pipeline spawns nothing
}

TEST_CASE("run refuses what is not a scheduler", "[core][executor]") {
  using P = decltype(rs::iota(0, 3) | rs::sum());
  STATIC_REQUIRE(!runs_on<P, not_a_scheduler>);
  STATIC_REQUIRE(!runs_on<P, int>);
  STATIC_REQUIRE(runs_on<P, my_scheduler>);
}

TEST_CASE("the executor adapter hands tasks to the scheduler", "[core][executor]") {
  my_scheduler sched;
  int ran = 0;
  {
    rs::detail::executor_ref<my_scheduler> ex(sched);
    rs::executor& as_executor = ex;
    as_executor.execute([&ran] { ran = 7; });
  }
  for (auto& t : sched.threads) t.join();
  sched.threads.clear();
  CHECK(sched.executed == 1);
  CHECK(ran == 7);
}
