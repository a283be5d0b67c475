#include <rstreams/bus/bot.hpp>
#include <rstreams/bus/put.hpp>
#include <rstreams/bus/stats.hpp>
#include <rstreams/bus/topology.hpp>

#include <support/catch.hpp>
#include <support/ops_backends.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;
using json = nlohmann::json;

namespace {
const rb::topology_edge* edge(const rb::topology& t, const std::string& from, const std::string& to) {
  for (const auto& e : t.edges)
    if (e.from == from && e.to == to) return &e;
  return nullptr;
}
}  // namespace

TEMPLATE_LIST_TEST_CASE("topology: bots, the queues they read and write, external nodes, lag on edges",
                        "[bus][topology]", rt::ops_backends) {
  TestType fx;
  auto& bus = fx.bus();
  using B = std::remove_reference_t<decltype(bus)>;
  const auto eids = rb::put_events(bus, "loader", "orders", std::vector<json>(10, json{{"x", 1}}));
  rb::bot_options bo;
  bo.id = "enricher";
  bo.reads = {"file:input/orders.csv"};
  bo.writes = {"orders-enriched", "postgres:warehouse.orders"};
  rb::bot<B> enricher(bus, bo, [&](const rstreams::run_context&) {
    bus.commit_checkpoint("enricher", "orders", std::nullopt, rb::checkpoint{eids[6], 7, 0, 0}, true);
    rb::put_events(bus, "enricher", "orders-enriched", std::vector<json>(7, json{{"y", 1}}));
    return rb::bot_stats{7, 7, 0, 1, eids[6]};
  });
  REQUIRE(enricher.run_once());
  rb::pause_bot(bus, "enricher");

  const auto t = rb::topology_of(rb::stats(bus));
  REQUIRE(t.nodes.size() == 5);
  REQUIRE(t.edges.size() == 4);
  const auto* in = edge(t, "q:orders", "b:enricher");
  REQUIRE(in != nullptr);
  REQUIRE(in->reads);
  REQUIRE(in->lag_events == 3);
  const auto* out = edge(t, "b:enricher", "q:orders-enriched");
  REQUIRE(out != nullptr);
  REQUIRE_FALSE(out->reads);
  REQUIRE(out->rate > 0);
  REQUIRE(edge(t, "x:file:input/orders.csv", "b:enricher") != nullptr);
  REQUIRE(edge(t, "b:enricher", "x:postgres:warehouse.orders") != nullptr);

  const auto dot = rb::to_dot(t);
  REQUIRE(dot.find("digraph rstreams {") == 0);
  REQUIRE(dot.find("\"q:orders\" -> \"b:enricher\" [label=\"lag 3 (") != std::string::npos);
  REQUIRE(dot.find("color=red") != std::string::npos);
  REQUIRE(dot.find("\"b:enricher\" [shape=box") != std::string::npos);
  REQUIRE(dot.find("(paused)") != std::string::npos);
  REQUIRE(dot.find("\"x:file:input/orders.csv\" [shape=note") != std::string::npos);

  const auto mermaid = rb::to_mermaid(t);
  REQUIRE(mermaid.find("flowchart LR\n") == 0);
  REQUIRE(mermaid.find("n_q_3aorders -->|\"lag 3 (") != std::string::npos);
  REQUIRE(mermaid.find("n_q_3aorders_2denriched[(\"orders-enriched<br/>7 events\")]") != std::string::npos);
  REQUIRE(mermaid.find("n_x_3afile_3ainput_2forders_2ecsv[/\"file:input/orders.csv\"/]") !=
          std::string::npos);
}
