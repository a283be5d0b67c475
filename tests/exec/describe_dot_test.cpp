// core/describe_dot.hpp; here rather than in tests/core since it draws the exec operators
// (async, parallel_map, merge, zip, tee) too.
#include <rstreams/core/describe_dot.hpp>
#include <rstreams/core/metered.hpp>
#include <rstreams/exec/async.hpp>
#include <rstreams/exec/merge.hpp>
#include <rstreams/exec/parallel_map.hpp>
#include <rstreams/exec/tee.hpp>
#include <rstreams/exec/zip.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <support/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace rs = rstreams;

namespace {

const auto twice = [](int x) { return 2 * x; };
const auto even = [](int x) { return x % 2 == 0; };

bool has(const std::string& dot, const std::string& part) {
  return dot.find(part) != std::string::npos;
}

std::size_t count(const std::string& dot, const std::string& part) {
  std::size_t n = 0;
  for (auto at = dot.find(part); at != std::string::npos; at = dot.find(part, at + 1)) ++n;
  return n;
}

// Graphviz's dot, when installed, must accept the text.
void check_with_dot(const std::string& dot) {
  if (::access("/usr/bin/dot", X_OK) != 0) return;
  char path[] = "/tmp/rstreams-describe-dot-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, dot.data(), dot.size()) == static_cast<ssize_t>(dot.size()));
  ::close(fd);
  const std::string cmd = std::string("/usr/bin/dot -Tsvg ") + path + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int st = ::pclose(pipe);
  ::unlink(path);
  INFO(out);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  CHECK(has(out, "<svg"));
}

}  // namespace

TEST_CASE("describe_dot: a fused pipeline is one segment of stages", "[core][describe_dot]") {
  const auto dot = rs::describe_dot(rs::iota(0, 10) | rs::transform(twice) | rs::filter(even) | rs::sum());
  INFO(dot);
  CHECK(has(dot, "digraph pipeline {"));
  CHECK(has(dot, "n0 [label=\"iota\", shape=invhouse];"));
  CHECK(has(dot, "n1 [label=\"transform\", shape=box];"));
  CHECK(has(dot, "n2 [label=\"filter\", shape=box];"));
  CHECK(has(dot, "[label=\"sum\", shape=house];"));
  CHECK(has(dot, "n0 -> n1;\n  n1 -> n2;\n  n2 -> n3;"));
  CHECK(count(dot, "subgraph cluster_") == 1);
  CHECK(!has(dot, "style=dashed]"));
  check_with_dot(dot);
}

TEST_CASE("describe_dot: an async boundary starts a segment; parallel stages show their shape",
          "[core][describe_dot]") {
  const auto dot = rs::describe_dot(rs::iota(0, 10) | rs::transform(twice) | rs::async(64) |
                                    rs::parallel_map(rs::parallelism{.workers = 3, .in_flight = 12}, twice) |
                                    rs::to_vector());
  INFO(dot);
  CHECK(count(dot, "subgraph cluster_") == 2);
  CHECK(has(dot, "label=\"async\", shape=cds"));
  CHECK(has(dot, "label=\"parallel_map\\n3 workers, 12 in flight\", shape=box3d"));
  CHECK(has(dot, "[label=\"channel 64\", style=dashed]"));
  // iota and transform run in segment 1, upstream of the channel; async and after in segment 0.
  const auto seg1 = dot.substr(dot.find("subgraph cluster_1"));
  CHECK(has(seg1.substr(0, seg1.find('}')), "label=\"transform\""));
  const auto seg0 = dot.substr(dot.find("subgraph cluster_0"));
  CHECK(!has(seg0.substr(0, seg0.find('}')), "label=\"transform\""));
  check_with_dot(dot);
}

TEST_CASE("describe_dot: fan-in and fan-out", "[core][describe_dot]") {
  SECTION("merge: each input a segment; zip: pulled in place") {
    const auto dot = rs::describe_dot(
        rs::zip(rs::merge(rs::iota(0, 5), rs::iota(0, 5) | rs::filter(even)), rs::iota(0, 9)) | rs::count());
    INFO(dot);
    CHECK(has(dot, "label=\"merge\", shape=invtrapezium"));
    CHECK(has(dot, "label=\"zip\", shape=invtrapezium"));
    CHECK(count(dot, "subgraph cluster_") == 3);  // the caller and the two inputs of merge
    CHECK(count(dot, "style=dashed]") == 2);      // the two channels into merge
    check_with_dot(dot);
  }
  SECTION("tee: each branch a segment, its stages drawn") {
    const auto dot =
        rs::describe_dot(rs::iota(0, 5) | rs::tee(rs::to_vector(), rs::transform(twice) | rs::sum()));
    INFO(dot);
    CHECK(has(dot, "label=\"tee\", shape=trapezium"));
    CHECK(has(dot, "label=\"to_vector\", shape=house"));
    CHECK(has(dot, "label=\"transform\", shape=box"));
    CHECK(has(dot, "label=\"sum\", shape=house"));
    CHECK(count(dot, "subgraph cluster_") == 3);
    CHECK(count(dot, "[label=\"channel\", style=dashed]") == 2);
    check_with_dot(dot);
  }
}

TEST_CASE("describe_dot: a metered pipeline draws as the unmetered one", "[core][describe_dot]") {
  rs::metrics_registry reg;
  const auto plain = rs::describe_dot(rs::iota(0, 5) | rs::transform(twice) | rs::filter(even) | rs::sum());
  const auto metered = rs::describe_dot(
      rs::iota(0, 5) | rs::metered(reg, "p", rs::transform(twice) | rs::filter(even)) | rs::sum());
  CHECK(metered == plain);
}

TEST_CASE("describe_dot: a metered merge draws as the unmetered one", "[core][describe_dot]") {
  rs::metrics_registry reg;
  const auto plain =
      rs::describe_dot(rs::merge(rs::iota(0, 5), rs::iota(0, 5) | rs::filter(even)) | rs::sum());
  const auto metered = rs::describe_dot(
      rs::metered(reg, "p", rs::merge(rs::iota(0, 5), rs::iota(0, 5) | rs::filter(even))) | rs::sum());
  CHECK(metered == plain);
  CHECK(rs::describe(rs::metered(reg, "p", rs::merge(rs::iota(0, 5), rs::iota(0, 3)))) ==
        rs::describe(rs::merge(rs::iota(0, 5), rs::iota(0, 3))));
}
