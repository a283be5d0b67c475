// What the in-memory backend adds to the backend contract (which tests/bus/mem/contract_test.cpp
// runs on it): buses shared by name, their lifetime, and many threads on one bus.
#include <rstreams/bus/mem/mem_backend.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/mem_bus.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using namespace std::chrono_literals;

static_assert(rb::backend<rb::mem_backend>);
static_assert(rb::stores_bot_state<rb::mem_backend>);
static_assert(std::movable<rb::mem_backend>);
static_assert(!std::copyable<rb::mem_backend>);

namespace {
std::vector<rb::record> records(int n) {
  std::vector<rb::record> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)].payload = std::to_string(i);
  return v;
}
}  // namespace

TEST_CASE("mem_backend: handles on one name share a bus; other names are other buses",
          "[bus][mem][mem_backend]") {
  rb::mem_backend a("shared-name");
  rb::mem_backend b("shared-name");
  rb::mem_backend other("other-name");
  auto batch = records(3);
  const auto last = a.append("q", batch);
  REQUIRE(last == batch.back().eid);
  REQUIRE(batch[0].event == "q");
  REQUIRE(batch[0].timestamp > 0);
  REQUIRE(batch[0].event_source_timestamp == batch[0].timestamp);
  REQUIRE(rt::read_all(b, "q") == batch);
  REQUIRE(rt::read_all(other, "q").empty());
  REQUIRE(other.queues().empty());
  b.commit_checkpoint("bot", "q", std::nullopt, {last, 3, 0, 0});
  REQUIRE(rt::checkpoint_of(a, "bot", "q") == last);
  REQUIRE(a.describe() == "mem://shared-name");
  REQUIRE(a.name() == "shared-name");
}

TEST_CASE("mem_backend: the bus lives while a handle or a lease on it does", "[bus][mem][mem_backend]") {
  std::optional<rb::lease> kept;
  {
    rb::mem_backend a("short-lived");
    auto batch = records(2);
    a.append("q", batch);
    kept = a.try_lease("bot", 10s);
    REQUIRE(kept);
  }
  {
    rb::mem_backend again("short-lived");  // the lease still holds the bus
    REQUIRE(rt::read_all(again, "q").size() == 2);
    REQUIRE_FALSE(again.try_lease("bot", 10s));
  }
  REQUIRE(kept->held());
  kept.reset();
  rb::mem_backend fresh("short-lived");  // nothing held it: an empty bus again
  REQUIRE(fresh.queues().empty());
  REQUIRE(fresh.try_lease("bot", 10s));
}

TEST_CASE("mem_backend: leases expire, renew and are released", "[bus][mem][mem_backend]") {
  rt::mem_bus fx;
  auto other = fx.reopen();
  auto l = fx.bus().try_lease("b", 50ms);
  REQUIRE(l);
  REQUIRE(l->held());
  REQUIRE_FALSE(other.try_lease("b", 50ms));
  REQUIRE(l->renew());
  std::this_thread::sleep_for(80ms);
  REQUIRE_FALSE(l->held());  // expired, nobody took it yet
  REQUIRE(l->renew());       // so renewing takes it back
  REQUIRE(l->held());
  std::this_thread::sleep_for(80ms);
  auto taken = other.try_lease("b", 10s);
  REQUIRE(taken);
  REQUIRE_FALSE(l->renew());  // lost to the other instance
  REQUIRE_FALSE(l->held());
  l.reset();  // releasing a lost lease leaves the new holder alone
  REQUIRE(taken->held());
  taken->release();
  REQUIRE(other.try_lease("b", 10s));
}

TEST_CASE("mem_backend: threads appending to one queue get distinct increasing eids, all stored",
          "[bus][mem][mem_backend]") {
  rt::mem_bus fx;
  constexpr int threads = 4;
  constexpr int batches = 200;
  std::vector<std::vector<std::string>> eids(threads);
  std::atomic<int> seen{0};
  {
    std::vector<std::jthread> writers;
    std::jthread reader([&](std::stop_token st) {
      auto bus = fx.reopen();
      std::string after;
      std::vector<rb::record> got;
      while (!st.stop_requested()) {
        if (!bus.wait("q", after, 20ms, st)) continue;
        got.clear();
        bus.read("q", after, 1000, got);
        if (!got.empty()) after = got.back().eid;
        seen += static_cast<int>(got.size());
      }
    });
    for (int t = 0; t < threads; ++t) {
      writers.emplace_back([&, t] {
        auto bus = fx.reopen();
        for (int i = 0; i < batches; ++i) {
          auto batch = records(3);
          bus.append("q", batch);
          for (const auto& r : batch) eids[static_cast<std::size_t>(t)].push_back(r.eid);
          if (i % 50 == 0) bus.commit_checkpoint("bot" + std::to_string(t), "q", std::nullopt, {}, true);
        }
      });
    }
    writers.clear();  // joined
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (seen.load() < threads * batches * 3 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
  }
  const auto all = rt::read_all(fx.bus(), "q");
  REQUIRE(all.size() == threads * batches * 3);
  REQUIRE(seen.load() == threads * batches * 3);
  REQUIRE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.eid < b.eid; }));
  std::set<std::string> unique;
  for (const auto& r : all) unique.insert(r.eid);
  REQUIRE(unique.size() == all.size());
  for (const auto& mine : eids) REQUIRE(std::is_sorted(mine.begin(), mine.end()));
  REQUIRE(fx.bus().bots().size() == threads);
}

TEST_CASE("mem_backend: wait is woken by another thread's append and honours timeout and stop",
          "[bus][mem][mem_backend]") {
  rt::mem_bus fx;
  REQUIRE_FALSE(fx.bus().wait("q", "", 20ms));
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(20ms);
    stop.request_stop();
  });
  REQUIRE_FALSE(fx.bus().wait("q", "", 10s, stop.get_token()));
  std::jthread writer([&] {
    std::this_thread::sleep_for(20ms);
    auto bus = fx.reopen();
    auto batch = records(1);
    bus.append("q", batch);
  });
  REQUIRE(fx.bus().wait("q", "", 10s));
}

TEST_CASE("mem_backend: bad names are config errors", "[bus][mem][mem_backend]") {
  REQUIRE_THROWS_WITH(rb::mem_backend(""), Catch::Contains("empty"));
  REQUIRE_THROWS_WITH(rb::mem_backend("a/b"), Catch::Contains("bad mem bus name \"a/b\""));
  rt::mem_bus fx;
  auto batch = records(1);
  REQUIRE_THROWS_AS(fx.bus().append("bad queue", batch), rstreams::config_error);
  REQUIRE_THROWS_AS(fx.bus().read("q", "z/2024/13", 1, batch), rb::eid_error);
  REQUIRE_THROWS_AS(fx.bus().try_lease("bad bot", 1s), rstreams::config_error);
}
