#include <rstreams/core/run_scope.hpp>
#include <rstreams/core/scheduler.hpp>

#include <support/catch.hpp>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

namespace rs = rstreams;

namespace {

// Runs each task on a thread of its own and counts the tasks it was given.
class counting_executor final : public rs::executor {
 public:
  ~counting_executor() override {
    for (auto& t : threads_) t.join();
  }
  void execute(std::function<void()> task) override {
    ++executed;
    threads_.emplace_back(std::move(task));
  }
  std::atomic<int> executed{0};

 private:
  std::vector<std::thread> threads_;
};

}  // namespace

static_assert(!std::is_copy_constructible_v<rs::run_scope>);

TEST_CASE("a scope that spawned nothing joins at once and has no error", "[core][run_scope]") {
  rs::run_scope scope;
  REQUIRE_FALSE(scope.token().stop_requested());
  scope.stop_and_join();
  REQUIRE(scope.token().stop_requested());
  REQUIRE(scope.cancel_token().stop_requested());
  REQUIRE_NOTHROW(scope.rethrow_if_error());
}

TEST_CASE("the caller's stop request reaches the scope's token", "[core][run_scope]") {
  std::stop_source caller;
  rs::run_scope scope(nullptr, caller.get_token());
  REQUIRE_FALSE(scope.token().stop_requested());
  caller.request_stop();
  REQUIRE(scope.token().stop_requested());
  REQUIRE_FALSE(scope.cancel_token().stop_requested());  // only the end of the run cancels
}

TEST_CASE("tasks spawned from several threads at once, and by tasks, are all joined", "[core][run_scope]") {
  std::atomic<int> done{0};
  {
    rs::run_scope scope;
    std::vector<std::thread> spawners;
    for (int t = 0; t < 4; ++t)  // races on the scope's first spawn
      spawners.emplace_back([&] {
        for (int i = 0; i < 8; ++i)
          scope.spawn([&] {
            scope.spawn([&] { ++done; });  // a task spawning a task while the scope may wait
            ++done;
          });
      });
    for (auto& s : spawners) s.join();
    scope.join();
    REQUIRE(done == 64);
  }
  REQUIRE(done == 64);
}

TEST_CASE("a scope waits for a task that only ends on the stop request", "[core][run_scope]") {
  std::atomic<bool> saw_stop{false};
  rs::run_scope scope;
  scope.spawn([&] {
    std::stop_token stop = scope.token();
    while (!stop.stop_requested()) std::this_thread::yield();
    saw_stop = true;
  });
  scope.stop_and_join();
  REQUIRE(saw_stop);
}

TEST_CASE("the first error escaping a task is rethrown once", "[core][run_scope]") {
  rs::run_scope scope;
  scope.spawn([] { throw std::runtime_error("first"); });
  scope.join();
  scope.spawn([] { throw std::runtime_error("second"); });
  scope.join();
  REQUIRE_THROWS_WITH(scope.rethrow_if_error(), "first");
  REQUIRE_NOTHROW(scope.rethrow_if_error());
}

TEST_CASE("a scope given an executor runs its tasks there", "[core][run_scope]") {
  counting_executor ex;
  std::atomic<int> ran{0};
  {
    rs::run_scope scope(&ex);
    for (int i = 0; i < 3; ++i) scope.spawn([&] { ++ran; });
    scope.stop_and_join();
  }
  REQUIRE(ex.executed == 3);
  REQUIRE(ran == 3);
}
