#pragma once
// The topology (bus/topology.hpp) as SVG. In-process with Graphviz's library when the
// rstreams::graphviz part is linked (Debian: libgraphviz-dev; the part defines
// RSTREAMS_WITH_GRAPHVIZ), else through Graphviz's `dot` program (Debian: graphviz).

#include <rstreams/bus/topology.hpp>
#include <rstreams/core/error.hpp>

#if defined(RSTREAMS_WITH_GRAPHVIZ)
#include <graphviz/gvc.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>

#include <sys/wait.h>
#include <unistd.h>

namespace rstreams::bus {

namespace detail {

/// SVG from DOT text by running `dot -Tsvg` (found on PATH); throws rstreams::error with dot's
/// message when it fails or is not installed.
inline std::string svg_with_dot_program(std::string_view dot) {
  char path[] = "/tmp/rstreams-topology-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) throw rstreams::error("rstreams: topology svg: cannot create a temporary file");
  const auto written = ::write(fd, dot.data(), dot.size());
  ::close(fd);
  std::string svg;
  int status = -1;
  if (written == static_cast<ssize_t>(dot.size())) {
    const std::string cmd = std::string("dot -Tsvg ") + path + " 2>&1";
    if (FILE* pipe = ::popen(cmd.c_str(), "r")) {
      char buf[4096];
      std::size_t n = 0;
      while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) svg.append(buf, n);
      status = ::pclose(pipe);
    }
  }
  ::unlink(path);
  if (status != 0)
    throw rstreams::error(
        "rstreams: topology svg needs Graphviz: the rstreams::graphviz part (Debian: "
        "libgraphviz-dev) or the `dot` program (Debian: graphviz); dot said: " +
        svg);
  return svg;
}

#if defined(RSTREAMS_WITH_GRAPHVIZ)
/// SVG from DOT text with Graphviz's library: layout "dot", render "svg", in this process.
/// Graphviz keeps global state: calls are serialised, on one context kept for the process.
inline std::string svg_with_graphviz(std::string_view dot) {
  static std::mutex m;
  std::lock_guard lock(m);
  static thread_local std::string errors;
  errors.clear();
  const agusererrf before = agseterrf([](char* text) {
    errors += text;
    return 0;
  });
  struct restore {
    agusererrf f;
    ~restore() { agseterrf(f); }
  } restore_errors{before};
  // One context for the process, never freed: Graphviz 2.42 keeps a font cache across contexts
  // that a freed context leaves dangling (a use after free in the next layout, found by ASan).
  static GVC_t* const gvc = gvContext();
  if (gvc == nullptr) throw rstreams::error("rstreams: topology svg: Graphviz could not start (gvContext)");
  const std::string text(dot);
  Agraph_t* g = agmemread(text.c_str());
  if (g == nullptr)
    throw rstreams::error("rstreams: topology svg: Graphviz cannot read the DOT text: " + errors);
  struct graph {
    GVC_t* gvc;
    Agraph_t* g;
    bool laid_out = false;
    ~graph() {
      if (laid_out) gvFreeLayout(gvc, g);
      agclose(g);
    }
  } own_graph{gvc, g};
  if (gvLayout(gvc, g, "dot") != 0)
    throw rstreams::error("rstreams: topology svg: Graphviz layout failed: " + errors);
  own_graph.laid_out = true;
  char* data = nullptr;
  unsigned int length = 0;
  if (gvRenderData(gvc, g, "svg", &data, &length) != 0 || data == nullptr)
    throw rstreams::error("rstreams: topology svg: Graphviz cannot render SVG: " + errors);
  std::string svg(data, length);
  gvFreeRenderData(data);
  return svg;
}
#endif

}  // namespace detail

/// SVG of DOT text (from to_dot): in-process with the rstreams::graphviz part, else `dot -Tsvg`.
/// Throws rstreams::error naming what is missing or what Graphviz said.
inline std::string dot_to_svg(std::string_view dot) {
#if defined(RSTREAMS_WITH_GRAPHVIZ)
  return detail::svg_with_graphviz(dot);
#else
  return detail::svg_with_dot_program(dot);
#endif
}

/// The topology drawn as SVG (Graphviz's dot layout of to_dot(t)).
inline std::string to_svg(const topology& t) {
  return dot_to_svg(to_dot(t));
}

}  // namespace rstreams::bus
