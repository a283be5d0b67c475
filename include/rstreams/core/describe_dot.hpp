#pragma once
// `describe_dot(pipeline)`: a pipeline as a Graphviz DOT graph: its stages, the segments that
// async boundaries cut it into (each a cluster: its own task), parallel stages, fan-in (merge,
// zip, concat) and fan-out (tee / broadcast).

#include <rstreams/core/describe.hpp>
#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace rstreams {

namespace detail {

/// The graph `describe_dot` draws; nodes in segments (0: where the pipeline is driven).
struct pipeline_graph {
  enum class kind { source, stage, boundary, parallel, fan_in, fan_out, sink };
  struct node {
    std::string label;
    kind k;
    std::size_t segment;
  };
  struct edge {
    std::size_t from, to;
    std::string label;
    bool boundary;  // crosses a channel between segments
  };
  std::vector<node> nodes;
  std::vector<edge> edges;
  std::size_t segments = 1;

  std::size_t add(std::string label, kind k, std::size_t segment) {
    nodes.push_back({std::move(label), k, segment});
    return nodes.size() - 1;
  }
  std::size_t new_segment() { return segments++; }
};

template <class X>
std::string node_name(const X& x) {
  if constexpr (requires { X::name; })
    return std::string(X::name);
  else
    return rstreams::describe(x);
}

// One source and everything upstream of it; returns the node of its output.
template <class X>
std::size_t graph_of(const X& x, pipeline_graph& g, std::size_t seg) {
  using K = pipeline_graph::kind;
  if constexpr (requires { x.upstreams(); }) {
    // Fan-in: concurrent inputs (merge) each run as a segment of their own.
    constexpr bool concurrent = requires {
      X::drains_on_stop;
    };
    std::vector<std::size_t> ups;
    std::apply(
        [&](const auto&... s) { (ups.push_back(graph_of(s, g, concurrent ? g.new_segment() : seg)), ...); },
        x.upstreams());
    const auto id = g.add(node_name(x), K::fan_in, seg);
    for (const auto up : ups) g.edges.push_back({up, id, concurrent ? "channel" : "", concurrent});
    return id;
  } else if constexpr (requires { x.upstream(); }) {
    if constexpr (requires {
                    x.workers();
                    x.in_flight_limit();
                  }) {
      const auto up = graph_of(x.upstream(), g, seg);
      const auto id = g.add(node_name(x) + "\\n" + std::to_string(x.workers()) + " workers, " +
                                std::to_string(x.in_flight_limit()) + " in flight",
                            K::parallel, seg);
      g.edges.push_back({up, id, "", false});
      return id;
    } else if constexpr (requires {
                           x.capacity();
                           X::drains_on_stop;
                         }) {
      // An async boundary: what is upstream runs as a segment of its own.
      const auto up = graph_of(x.upstream(), g, g.new_segment());
      const auto id = g.add(node_name(x), K::boundary, seg);
      g.edges.push_back({up, id, "channel " + std::to_string(x.capacity()), true});
      return id;
    } else if constexpr (requires { X::name; }) {
      const auto up = graph_of(x.upstream(), g, seg);
      const auto id = g.add(node_name(x), K::stage, seg);
      g.edges.push_back({up, id, "", false});
      return id;
    } else {
      return graph_of(x.upstream(), g, seg);  // a wrapper without a name of its own (metered)
    }
  } else {
    return g.add(node_name(x), K::source, seg);
  }
}

// A sink fed by node `from`. A fan-out sink's branches each run as a segment of their own; a
// branch with stages (`stage | sink`) is drawn stage by stage.
template <class K>
void graph_of_sink(const K& k, std::size_t from, pipeline_graph& g, std::size_t seg) {
  using kind = pipeline_graph::kind;
  if constexpr (requires { k.branches(); }) {
    const auto id = g.add(node_name(k), kind::fan_out, seg);
    g.edges.push_back({from, id, "", false});
    std::apply([&](const auto&... b) { (graph_of_sink(b, id, g, g.new_segment()), ...); }, k.branches());
  } else {
    std::string text = rstreams::describe(k);
    std::size_t prev = from;
    bool crossing = g.nodes[from].k == kind::fan_out;
    for (std::size_t at = 0;;) {
      const auto bar = text.find(" | ", at);
      const auto id = g.add(text.substr(at, bar == std::string::npos ? bar : bar - at),
                            bar == std::string::npos ? kind::sink : kind::stage, seg);
      g.edges.push_back({prev, id, crossing ? "channel" : "", crossing});
      crossing = false;
      prev = id;
      if (bar == std::string::npos) break;
      at = bar + 3;
    }
  }
}

inline void dot_escape(std::string& out, std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '"' || (c == '\\' && (i + 1 == s.size() || s[i + 1] != 'n'))) out += '\\';
    out += c;
  }
}

inline std::string to_dot(const pipeline_graph& g) {
  using K = pipeline_graph::kind;
  std::string out = "digraph pipeline {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  const auto node_line = [&](std::size_t i) {
    const auto& n = g.nodes[i];
    out += "    n" + std::to_string(i) + " [label=\"";
    dot_escape(out, n.label);
    out += "\"";
    switch (n.k) {
      case K::source:
        out += ", shape=invhouse";
        break;
      case K::stage:
        out += ", shape=box";
        break;
      case K::boundary:
        out += ", shape=cds, style=filled, fillcolor=\"#ffe9a8\"";
        break;
      case K::parallel:
        out += ", shape=box3d, style=filled, fillcolor=\"#cfe8ff\"";
        break;
      case K::fan_in:
        out += ", shape=invtrapezium, style=filled, fillcolor=\"#d8f5d0\"";
        break;
      case K::fan_out:
        out += ", shape=trapezium, style=filled, fillcolor=\"#d8f5d0\"";
        break;
      case K::sink:
        out += ", shape=house";
        break;
    }
    out += "];\n";
  };
  for (std::size_t seg = 0; seg < g.segments; ++seg) {
    out +=
        "  subgraph cluster_" + std::to_string(seg) + " {\n    label=\"" +
        (seg == 0 ? std::string("segment 0 (the caller)") : "segment " + std::to_string(seg) + " (a task)") +
        "\";\n    style=dashed;\n";
    for (std::size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].segment == seg) node_line(i);
    out += "  }\n";
  }
  for (const auto& e : g.edges) {
    out += "  n" + std::to_string(e.from) + " -> n" + std::to_string(e.to);
    if (e.boundary || !e.label.empty()) {
      out += " [";
      if (!e.label.empty()) {
        out += "label=\"";
        dot_escape(out, e.label);
        out += "\"";
        if (e.boundary) out += ", ";
      }
      if (e.boundary) out += "style=dashed";
      out += "]";
    }
    out += ";\n";
  }
  return out + "}\n";
}

}  // namespace detail

struct describe_dot_fn {
  /// A whole pipeline (`src | ... | sink`).
  template <class S, class K>
  std::string operator()(const pipeline<S, K>& p) const {
    detail::pipeline_graph g;
    detail::graph_of_sink(p.sink(), detail::graph_of(p.source(), g, 0), g, 0);
    return detail::to_dot(g);
  }
  /// A source and its stages (`src | ...`), without a sink.
  template <source S>
  std::string operator()(const S& s) const {
    detail::pipeline_graph g;
    detail::graph_of(s, g, 0);
    return detail::to_dot(g);
  }
};

/// The pipeline (or source) as Graphviz DOT: one node per source, stage and sink, left to
/// right; each segment (the part before an async boundary, each input of a merge, each branch
/// of a tee: what runs as a task of its own) a dashed cluster, segment 0 being where `run` drives
/// it; async boundaries as their own shape with the channel's capacity on a dashed edge; parallel
/// stages with their workers and in-flight limit; fan-in (merge, zip, concat) and fan-out (tee,
/// broadcast) nodes. Render with `dot -Tsvg`.
///
/// Forms: `describe_dot(src | ... | sink)` · `describe_dot(src | ...)`
inline constexpr describe_dot_fn describe_dot{};

}  // namespace rstreams
