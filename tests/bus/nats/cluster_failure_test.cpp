// The NATS backend on a three-node JetStream cluster with streams replicated three times: a
// node is killed in the middle of an enrich run, the run completes, nothing acknowledged is
// lost, duplicates stay within the last uncommitted batch; the node restarts and catches up.

#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/nats/nats_backend.hpp>
#include <rstreams/bus/put.hpp>

#include <support/bus_backends.hpp>
#include <support/catch.hpp>
#include <support/nats_server.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using namespace std::chrono_literals;

namespace {
struct item {
  int n = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(item, n)

rb::nats_options cluster_options() {
  rb::nats_options opt;
  opt.prefix = "cluster";
  opt.replicas = 3;
  opt.attempts = 40;  // leader elections take a few seconds
  opt.backoff = 50ms;
  opt.max_backoff = 500ms;
  opt.request_timeout = 2s;
  return opt;
}

/// True once every replica of `stream` reports itself current with no lag.
bool replicas_current(rb::nats_backend& bus, const std::string& stream, int expected) {
  jsStreamInfo* si = nullptr;
  jsErrCode code{};
  if (js_GetStreamInfo(&si, bus.connection().js(), stream.c_str(), nullptr, &code) != NATS_OK) return false;
  bool ok =
      si->Cluster != nullptr && si->Cluster->Leader != nullptr && si->Cluster->ReplicasLen == expected - 1;
  for (int i = 0; ok && i < si->Cluster->ReplicasLen; ++i) {
    const jsPeerInfo* p = si->Cluster->Replicas[i];
    ok = p->Current && !p->Offline && p->Lag == 0;
  }
  jsStreamInfo_Destroy(si);
  return ok;
}

/// Waits (up to 30 s) until `stream`, as its current leader sees it, holds `n` messages: right
/// after a node is killed a leader is being elected, and a restarted node that reported itself
/// current may still be copying messages from a peer when it takes over.
bool holds_messages(rb::nats_backend& bus, const std::string& stream, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    jsStreamInfo* si = nullptr;
    jsErrCode code{};
    if (js_GetStreamInfo(&si, bus.connection().js(), stream.c_str(), nullptr, &code) == NATS_OK) {
      const std::uint64_t msgs = si->State.Msgs;
      jsStreamInfo_Destroy(si);
      if (msgs == n) return true;
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}
}  // namespace

TEST_CASE("nats cluster: a node killed mid-enrich loses nothing acknowledged and catches up",
          "[bus][nats][cluster]") {
  rt::nats_cluster cluster(3);
  rb::nats_backend bus(cluster.url(), cluster_options());

  constexpr int total = 6000;
  std::vector<item> items;
  for (int i = 0; i < total; ++i) items.push_back({i});
  const auto in_eids = rb::put_events(bus, "loader", "items", items);
  REQUIRE(in_eids.size() == static_cast<std::size_t>(total));

  constexpr std::size_t commit_every = 500;
  std::atomic<int> seen{0};
  rb::enrich_options o{.bot = "doubler", .in = "items", .out = "doubled"};
  o.read.batch = 250;
  o.write.records = commit_every;
  o.write.checkpoint.records = commit_every;
  const auto stats = rb::enrich(bus, o, [&](const item& x) {
    if (++seen == total / 2) cluster.kill(0);  // in the middle of the run
    return item{x.n * 2};
  });
  REQUIRE(stats.in == static_cast<std::uint64_t>(total));
  REQUIRE(stats.checkpoint == in_eids.back());
  REQUIRE(rt::checkpoint_of(bus, "doubler", "items") == in_eids.back());

  // Everything acknowledged is there: all inputs, and an output for every input, in order.
  const auto in = rt::read_all(bus, "items");
  REQUIRE(in.size() == static_cast<std::size_t>(total));
  const auto out = rt::read_all(bus, "doubled");
  std::map<std::string, int> per_parent;
  for (std::size_t i = 0; i < out.size(); ++i) {
    REQUIRE(out[i].correlation_id);
    ++per_parent[out[i].correlation_id->start];
    if (i > 0) REQUIRE(out[i - 1].eid < out[i].eid);
  }
  REQUIRE(per_parent.size() == static_cast<std::size_t>(total));
  REQUIRE(out.size() - per_parent.size() <= commit_every);  // duplicates only from one uncommitted batch
  for (std::size_t i = 0; i < in.size(); ++i) REQUIRE(per_parent.count(in[i].eid) == 1);

  // The node comes back and catches up with both streams.
  cluster.restart(0);
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  bool caught_up = false;
  while (!caught_up && std::chrono::steady_clock::now() < deadline) {
    caught_up = replicas_current(bus, "cluster_Q_items", 3) && replicas_current(bus, "cluster_Q_doubled", 3);
    if (!caught_up) std::this_thread::sleep_for(200ms);
  }
  REQUIRE(caught_up);
  // With another node down, the restarted one carries the quorum: the data is all there.
  cluster.kill(1);
  rb::nats_backend after(cluster.url(0), cluster_options());
  REQUIRE(holds_messages(after, "cluster_Q_doubled", out.size()));
  REQUIRE(holds_messages(after, "cluster_Q_items", in.size()));
  REQUIRE(rt::read_all(after, "doubled").size() == out.size());
  REQUIRE(rt::read_all(after, "items").size() == in.size());
}
