// A read without a cached cursor on a queue of many segments (issue 18, item 18: it took 3 ms at
// 1,000 segment files, 94 ms at 16,000 and 1.27 s at 64,000; lookup must be logarithmic or
// better), against its baseline in the same run:
//
// * bus_segment_lookup/rstreams_<n>seg: read the one record after a position in the middle of
//   a queue of n segments (n = 1, 1000, 16000, 64000), rotating through 256 positions spread
//   over the queue, so no read finds a cursor left by the read before (a handle keeps 4). The
//   handle is long-lived: what a reader pays per read once its handle is open (the first read
//   of a new handle lists the directory once). With n = 1 the queue holds 1,000 records in one
//   segment: the sparse index and a short walk find the record.
// * bus_segment_lookup/baseline_open_pread: the least any lookup costs: open the segment file
//   that holds the record (its number known), pread its first 4 KiB, close.
//
// The queues are built once per run in the temp directory with segment_bytes = 1 (one record
// per segment, fsync off; about 10 s for all of them) and removed at exit. Real time, since the
// lookup is file system calls.

#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/local/segment.hpp>
#include <rstreams/bus/record.hpp>

#include <benchmark/benchmark.h>
#include "support/scratch_dir.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t positions_per_queue = 256;

const fs::path& scratch_root() {
  static const bench::scratch_dir s("seglookup-bench");
  return s.path();
}

rb::local_options options(std::uint64_t segments) {
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  if (segments > 1) o.segment_bytes = 1;  // every append after the first starts a new segment
  return o;
}

// A bus whose queue "q" has `segments` segments (one record each), or one segment of 1,000
// records; and the eids of 256 positions spread over the queue, each with its record's segment.
struct lookup_bus {
  fs::path dir;
  std::vector<std::string> after;        // read after these
  std::vector<std::uint64_t> segment;    // the segment holding the record after each
  std::vector<std::uint64_t> record_at;  // its record's index in the queue
};

const lookup_bus& bus_of(std::uint64_t segments) {
  static std::map<std::uint64_t, lookup_bus> built;
  auto& b = built[segments];
  if (!b.dir.empty()) return b;
  b.dir = scratch_root() / ("segments-" + std::to_string(segments));
  const std::uint64_t records = segments > 1 ? segments : 1000;
  rb::local_backend bus(b.dir.string(), options(segments));
  std::vector<std::string> eids;
  eids.reserve(records);
  std::vector<rb::record> one(1);
  std::vector<rb::record> all(1000);
  if (segments > 1) {
    for (std::uint64_t i = 0; i < records; ++i) {
      one[0] = rb::record{};
      one[0].id = "bench";
      one[0].payload = R"({"n":)" + std::to_string(i) + "}";
      eids.push_back(bus.append("q", one));
    }
  } else {
    for (std::uint64_t i = 0; i < records; ++i) {
      all[i].id = "bench";
      all[i].payload = R"({"n":)" + std::to_string(i) + "}";
    }
    bus.append("q", all);
    for (const auto& r : all) eids.push_back(r.eid);
  }
  for (std::size_t k = 0; k < positions_per_queue; ++k) {
    const auto i = (records - 2) * k / positions_per_queue;  // the record after is i + 1
    b.after.push_back(eids[i]);
    b.segment.push_back(segments > 1 ? i + 1 : 0);
    b.record_at.push_back(i + 1);
  }
  return b;
}

void bench_lookup(benchmark::State& state, std::uint64_t segments) {
  const auto& b = bus_of(segments);
  rb::local_backend bus(b.dir.string(), options(segments));
  std::vector<rb::record> out;
  std::size_t k = 0;
  {  // the handle's first read lists the directory once: outside the timed loop
    out.clear();
    (void)bus.read("q", "", 1, out);
  }
  for (auto _ : state) {
    out.clear();
    const auto at = k++ % positions_per_queue;
    if (bus.read("q", b.after[at], 1, out) != 1 ||
        out[0].payload != R"({"n":)" + std::to_string(b.record_at[at]) + "}") {
      state.SkipWithError("the lookup found the wrong record");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bench_open_pread(benchmark::State& state) {
  const auto& b = bus_of(64000);
  const auto qdir = (b.dir / "queues" / "q").string();
  std::vector<char> buf(4096);
  std::size_t k = 0;
  for (auto _ : state) {
    const auto path = rb::detail::segment_path(qdir, b.segment[k++ % positions_per_queue]);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::pread(fd, buf.data(), buf.size(), 0) <= 0) {
      state.SkipWithError("cannot read the segment");
      break;
    }
    ::close(fd);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

const auto registered = [] {
  benchmark::RegisterBenchmark("bus_segment_lookup/baseline_open_pread", bench_open_pread)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  for (const std::uint64_t n : {1, 1000, 16000, 64000}) {
    benchmark::RegisterBenchmark(("bus_segment_lookup/rstreams_" + std::to_string(n) + "seg").c_str(),
                                 bench_lookup, n)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
