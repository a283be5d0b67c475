// Fuzz target for the local log's segment recovery and reading (bus/local/queue_log.hpp,
// verify.hpp): the input is the only segment of queue "q" in a real bus directory. Opening the
// bus (which recovers the tail), reading everything, verify and repair must never crash or throw
// anything but rstreams' io_error family; after repair, verify finds nothing wrong (unless the
// file is foreign, which is never changed) and every record reads back.
#include <rstreams/bus/local/local_backend.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace {

namespace fs = std::filesystem;
namespace rb = rstreams::bus;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "local_segment_fuzz: %s\n", what);
    std::abort();
  }
}

const fs::path& bus_dir() {
  static const fs::path dir = [] {
    char tmpl[] = "/tmp/rstreams-segment-fuzz-XXXXXX";
    check(::mkdtemp(tmpl) != nullptr, "mkdtemp failed");
    rb::local_backend created(tmpl);  // the bus exists before any queue file is planted
    return fs::path(tmpl);
  }();
  return dir;
}

std::size_t read_all(rb::local_backend& bus) {
  std::vector<rb::record> out;
  std::string after;
  while (bus.read("q", after, 7, out) > 0) after = out.back().eid;
  return out.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto qdir = bus_dir() / "queues" / "q";
  std::error_code ec;
  fs::remove_all(qdir, ec);
  fs::create_directories(qdir);
  std::ofstream(qdir / "00000000000000000000.seg", std::ios::binary)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  std::ofstream(qdir / "lock").flush();
  rb::local_options opt;
  opt.fsync = rb::fsync_policy::never;
  try {
    rb::local_backend bus(bus_dir().string(), opt);
    try {
      read_all(bus);
    } catch (const rstreams::io_error&) {
    }
    const auto report = bus.verify("q");
    if (!report.foreign.empty()) return 0;
    const auto repaired = bus.repair("q");
    check(repaired.damage.size() == report.damage.size(), "repair found other damage than verify");
    const auto after = bus.verify("q");
    check(after.ok(), "verify finds damage after repair");
    check(read_all(bus) == after.records, "reads after repair disagree with verify");
    std::vector<rb::record> one(1);
    one[0].payload = "{}";
    bus.append("q", one);
  } catch (const rstreams::io_error&) {
    // A refused file (newer format) is an answer, not a crash.
  }
  return 0;
}
