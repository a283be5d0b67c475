#include <rstreams/bus/topology.hpp>
#include <rstreams/bus/topology_svg.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace rt = rstreams::test;

#if defined(__SANITIZE_ADDRESS__)
// Graphviz lays text out through pango and fontconfig, which keep caches they never free:
// LeakSanitizer reports them at exit. Not rstreams' memory; suppressed for this program only.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libfontconfig\nleak:libpango\nleak:libgvplugin_pango\n";
}
#endif

namespace {

// Three bots, four queues and an external sink, with names that need escaping in XML.
rb::topology sample() {
  using K = rb::topology_node::kind;
  rb::topology t;
  t.nodes = {{"q:orders", "orders", K::queue, false, 1025},
             {"q:orders-enriched", "orders-enriched", K::queue, false, 1022},
             {"q:orders.error", "orders.error", K::queue, false, 3},
             {"q:analytics", "analytics", K::queue, false, 5},
             {"b:order-enricher", "order-enricher", K::bot, false, 0},
             {"b:analytics", "analytics", K::bot, false, 0},
             {"b:warehouse", "warehouse", K::bot, true, 0},
             {"x:postgres:<wh>&orders", "postgres:<wh>&orders", K::external, false, 0}};
  t.edges = {{"q:orders", "b:order-enricher", true, 25, 1200, 0},
             {"b:order-enricher", "q:orders-enriched", false, 0, 0, 17.0},
             {"b:order-enricher", "q:orders.error", false, 0, 0, 0.1},
             {"q:orders-enriched", "b:analytics", true, 0, 0, 0},
             {"q:orders-enriched", "b:warehouse", true, 0, 0, 0},
             {"b:analytics", "q:analytics", false, 0, 0, 0.1},
             {"b:warehouse", "x:postgres:<wh>&orders", false, 0, 0, 0}};
  return t;
}

// The SVG through python3's XML parser: its status and the text of every <text> element.
struct checked {
  int status = -1;
  std::string texts;
};
checked check_svg(const std::string& svg) {
  rt::temp_file file("topology", ".svg");
  std::ofstream(file.path()) << svg;
  const std::string cmd = std::string("python3 ") + RSTREAMS_SOURCE_DIR + "/tests/support/svg_check.py " +
                          file.path().string() + " 2>&1";
  checked c;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) c.texts.append(buf.data(), n);
  const int st = ::pclose(pipe);
  c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return c;
}

void require_names_everything(const std::string& svg) {
  const auto c = check_svg(svg);
  INFO(c.texts);
  REQUIRE(c.status == 0);
  for (const char* name : {"order-enricher", "analytics", "warehouse", "(paused)", "postgres:<wh>&orders"})
    CHECK(c.texts.find(std::string(name) + "\n") != std::string::npos);
  for (const char* queue : {"orders", "orders-enriched", "orders.error"})
    CHECK(c.texts.find(std::string(queue) + "\n") != std::string::npos);
  CHECK(c.texts.find("1025 events\n") != std::string::npos);
}

bool have_python_and_dot() {
  return std::system("command -v python3 >/dev/null 2>&1 && command -v dot >/dev/null 2>&1") == 0;
}

}  // namespace

TEST_CASE("topology_svg: well-formed SVG naming every bot, queue and external node", "[bus][topology_svg]") {
  if (std::system("command -v python3 >/dev/null 2>&1") != 0) {
    WARN("python3 not found: SVG not checked");
    return;
  }
#if defined(RSTREAMS_WITH_GRAPHVIZ)
  SECTION("in-process, with Graphviz's library") {
    const auto svg = rb::to_svg(sample());
    REQUIRE(svg.find("<svg") != std::string::npos);
    require_names_everything(svg);
  }
#endif
  SECTION("through the dot program") {
    if (!have_python_and_dot()) {
      WARN("Graphviz's dot not found: fallback not checked");
      return;
    }
    require_names_everything(rb::detail::svg_with_dot_program(rb::to_dot(sample())));
  }
  SECTION("the checker can fail") {
    CHECK(check_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a</svg>").status != 0);
    CHECK(check_svg("<html/>").status != 0);
  }
}

#if defined(RSTREAMS_WITH_GRAPHVIZ)
TEST_CASE("topology_svg: DOT Graphviz cannot read is an error that says so", "[bus][topology_svg]") {
  try {
    (void)rb::dot_to_svg("digraph { a -> ");
    FAIL("no error");
  } catch (const rstreams::error& e) {
    CHECK(std::string(e.what()).find("Graphviz cannot read the DOT text") != std::string::npos);
  }
  // Still usable afterwards.
  CHECK(rb::dot_to_svg("digraph { a -> b }").find("<svg") != std::string::npos);
}
#endif
