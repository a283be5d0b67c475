#pragma once
// The application as a graph: bots, the queues they read and write, and the external sources
// and sinks they name (files, HTTP, databases), with lag and write rates on the edges; drawn as
// Graphviz DOT or Mermaid text.

#include <rstreams/bus/stats.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus {

/// A node: a queue, a bot, or an external source or sink (named "kind:what", e.g.
/// "file:input/orders.csv", as bots declare them in bot_options::reads / writes).
struct topology_node {
  enum class kind { queue, bot, external };
  std::string id;  // unique: "q:<queue>", "b:<bot>", "x:<kind:what>" (a bot may share a queue's name)
  std::string name;
  kind type = kind::queue;
  bool paused = false;       // bots
  std::uint64_t events = 0;  // queues
  friend bool operator==(const topology_node&, const topology_node&) = default;
};

/// A directed edge between node ids: a bot reads a queue (`lag_events`/`lag_ms` of the bot there) or writes one
/// (`rate`: the queue's write rate, events/s), or reads or writes an external node.
struct topology_edge {
  std::string from;
  std::string to;
  bool reads = false;  // from is a queue or external source read by `to`
  std::uint64_t lag_events = 0;
  std::int64_t lag_ms = 0;
  double rate = 0;
  friend bool operator==(const topology_edge&, const topology_edge&) = default;
};

struct topology {
  std::vector<topology_node> nodes;
  std::vector<topology_edge> edges;
};

/// The graph of a bus from its stats: every queue; every bot, with a read edge per checkpoint
/// and per declared read, a write edge per declared write (recorded in its state by the bot
/// runtime at each run). Nodes sorted by name; edges by (from, to).
inline topology topology_of(const bus_stats& s) {
  topology t;
  std::map<std::string, topology_node> nodes;
  std::map<std::string, const queue_stats*> queues;
  for (const auto& q : s.queues) {
    queues[q.name] = &q;
    nodes["q:" + q.name] = topology_node{"q:" + q.name, q.name, topology_node::kind::queue, false, q.events};
  }
  const auto is_external = [](const std::string& n) { return n.find(':') != std::string::npos; };
  // The node id of a queue or external name, added when new.
  const auto touch = [&](const std::string& n) {
    const bool ext = is_external(n);
    const auto id = (ext ? "x:" : "q:") + n;
    if (nodes.count(id) == 0)
      nodes[id] =
          topology_node{id, n, ext ? topology_node::kind::external : topology_node::kind::queue, false, 0};
    return id;
  };
  std::map<std::pair<std::string, std::string>, topology_edge> edges;
  for (const auto& b : s.bots) {
    const auto bid = "b:" + b.id;
    nodes[bid] = topology_node{bid, b.id, topology_node::kind::bot, b.state.paused, 0};
    for (const auto& l : b.inputs) {
      const auto from = touch(l.queue);
      edges[{from, bid}] = topology_edge{from, bid, true, l.lag_events, l.lag_ms, 0};
    }
    for (const auto& r : b.state.reads) {
      const auto from = touch(r);
      edges.try_emplace({from, bid}, topology_edge{from, bid, true, 0, 0, 0});
    }
    for (const auto& w : b.state.writes) {
      const auto to = touch(w);
      const auto q = queues.find(w);
      edges[{bid, to}] = topology_edge{bid, to, false, 0, 0, q != queues.end() ? q->second->write_rate : 0.0};
    }
  }
  for (auto& [_, n] : nodes) t.nodes.push_back(n);
  for (auto& [_, e] : edges) t.edges.push_back(e);
  return t;
}

namespace detail {
inline std::string dot_quote(std::string_view v) {
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}
inline std::string edge_label(const topology_edge& e) {
  char buf[64];
  if (e.reads && (e.lag_events > 0 || e.lag_ms > 0)) {
    std::snprintf(buf, sizeof buf, "lag %llu (%.1fs)", static_cast<unsigned long long>(e.lag_events),
                  static_cast<double>(e.lag_ms) / 1000.0);
    return buf;
  }
  if (e.reads) return "lag 0";
  if (e.rate > 0) {
    std::snprintf(buf, sizeof buf, "%.1f/s", e.rate);
    return buf;
  }
  return {};
}
// Mermaid node ids allow [A-Za-z0-9_]: others become _xx (hex).
inline std::string mermaid_id(std::string_view name) {
  std::string out = "n_";
  for (const char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "_%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    }
  }
  return out;
}
inline std::string mermaid_text(std::string_view v) {
  std::string out;
  for (const char c : v) out += c == '"' ? '\'' : c;
  return out;
}
}  // namespace detail

/// Graphviz DOT: queues as cylinders, bots as boxes (grey when paused), external nodes as
/// notes; read edges labelled with the lag (red when behind), write edges with the rate.
inline std::string to_dot(const topology& t) {
  std::string out = "digraph rstreams {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  for (const auto& n : t.nodes) {
    out += "  " + detail::dot_quote(n.id) + " [";
    switch (n.type) {
      case topology_node::kind::queue:
        out += "shape=cylinder, label=" +
               detail::dot_quote(n.name + "\n" + std::to_string(n.events) + " events");
        break;
      case topology_node::kind::bot:
        out += "shape=box, style=\"rounded,filled\", fillcolor=" +
               std::string(n.paused ? "\"#cccccc\"" : "\"#dbeafe\"") +
               ", label=" + detail::dot_quote(n.paused ? n.name + "\n(paused)" : n.name);
        break;
      case topology_node::kind::external:
        out += "shape=note, label=" + detail::dot_quote(n.name);
        break;
    }
    out += "];\n";
  }
  for (const auto& e : t.edges) {
    out += "  " + detail::dot_quote(e.from) + " -> " + detail::dot_quote(e.to);
    const auto label = detail::edge_label(e);
    std::string attrs;
    if (!label.empty()) attrs += "label=" + detail::dot_quote(label);
    if (e.reads && e.lag_events > 0) attrs += std::string(attrs.empty() ? "" : ", ") + "color=red";
    if (!attrs.empty()) out += " [" + attrs + "]";
    out += ";\n";
  }
  return out + "}\n";
}

/// Mermaid `flowchart LR` text (queues as cylinders, bots as rounded boxes, external nodes as
/// parallelograms), edges labelled like to_dot's.
inline std::string to_mermaid(const topology& t) {
  std::string out = "flowchart LR\n";
  for (const auto& n : t.nodes) {
    const auto id = detail::mermaid_id(n.id);
    const auto text = detail::mermaid_text(n.name);
    switch (n.type) {
      case topology_node::kind::queue:
        out += "  " + id + "[(\"" + text + "<br/>" + std::to_string(n.events) + " events\")]\n";
        break;
      case topology_node::kind::bot:
        out += "  " + id + "(\"" + text + (n.paused ? " (paused)" : "") + "\")\n";
        break;
      case topology_node::kind::external:
        out += "  " + id + "[/\"" + text + "\"/]\n";
        break;
    }
  }
  for (const auto& e : t.edges) {
    const auto label = detail::edge_label(e);
    out += "  " + detail::mermaid_id(e.from) + (label.empty() ? " --> " : " -->|\"" + label + "\"| ") +
           detail::mermaid_id(e.to) + "\n";
  }
  return out;
}

}  // namespace rstreams::bus
