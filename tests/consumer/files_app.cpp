// Plain file io, linked with rstreams::rstreams alone: it must link without zlib, and a ".gz"
// name (whose codec the program did not include) must be refused with a message saying how.
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/io/read_lines.hpp>
#include <rstreams/io/write_file.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/count.hpp>
#include <rstreams/sources/iota.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  namespace rs = rstreams;
  const std::string dir = argc > 1 ? argv[1] : ".";
  const auto line = [](int i) { return std::to_string(i) + "\n"; };
  rs::run(rs::iota(0, 5) | rs::transform(line) | rs::write_file(dir + "/lines.txt"));
  const auto n = rs::run(rs::read_lines(dir + "/lines.txt") | rs::count());
  if (n != 5) {
    std::printf("read %zu lines, wrote 5\n", static_cast<std::size_t>(n));
    return 1;
  }
  try {
    rs::run(rs::iota(0, 5) | rs::transform(line) | rs::write_file(dir + "/lines.txt.gz"));
  } catch (const rs::config_error& e) {
    if (std::string(e.what()).find("rstreams/io/gzip.hpp") != std::string::npos) return 0;
    std::printf("unexpected message: %s\n", e.what());
    return 1;
  }
  std::printf("a .gz name was accepted without the gzip part\n");
  return 1;
}
