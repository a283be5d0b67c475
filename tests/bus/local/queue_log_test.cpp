// The queue log's safety rules: large records, torn tails told from damage, segment headers,
// foreign files, gaps, crash-safe creation. Each test damages real files the way a disk, a crash
// or a person would and asserts exactly what is kept, reported and dropped.

#include <rstreams/bus/local/local_backend.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rb = rstreams::bus;
namespace fs = std::filesystem;

namespace {

std::vector<rb::record> records_of(int from, int n, std::size_t pad = 0) {
  std::vector<rb::record> rs(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& r = rs[static_cast<std::size_t>(i)];
    r.id = "tester";
    r.payload = nlohmann::json{{"n", from + i}, {"pad", std::string(pad, 'x')}}.dump();
  }
  return rs;
}

std::vector<rb::record> read_every(rb::local_backend& bus, const std::string& queue, std::string after = "",
                                   std::size_t step = 1000) {
  std::vector<rb::record> all;
  while (true) {
    const auto got = bus.read(queue, after, step, all);
    if (got == 0) break;
    after = all.back().eid;
  }
  return all;
}

rb::local_options no_fsync() {
  rb::local_options o;
  o.fsync = rb::fsync_policy::never;
  return o;
}

std::string seg_path(const rstreams::test::temp_file& dir, const std::string& queue, int n = 0) {
  char name[32];
  std::snprintf(name, sizeof name, "%020d.seg", n);
  return (dir.path() / "queues" / queue / name).string();
}

}  // namespace

TEST_CASE("a record larger than the read buffer reads back intact from any position",
          "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  rb::local_backend bus(dir.path().string(), opt);
  auto big = records_of(0, 1, std::size_t{2} << 20);  // 2 MB, first in the queue
  bus.append("q", big);
  auto small = records_of(1, 2);
  bus.append("q", small);
  auto big2 = records_of(3, 1, std::size_t{3} << 20);  // 3 MB in the middle of a buffer
  bus.append("q", big2);

  for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{1000}}) {
    auto all = read_every(bus, "q", "", step);
    REQUIRE(all.size() == 4);
    REQUIRE(all[0] == big[0]);
    REQUIRE(all[1] == small[0]);
    REQUIRE(all[3] == big2[0]);
  }
  // From a fresh handle (no buffer, no cursor) at every position.
  rb::local_backend other(dir.path().string(), opt);
  std::vector<rb::record> out;
  REQUIRE(other.read("q", big[0].eid, 1, out) == 1);
  REQUIRE(out[0] == small[0]);
  out.clear();
  REQUIRE(other.read("q", small[1].eid, 5, out) == 1);
  REQUIRE(out[0] == big2[0]);
}

TEST_CASE("a large record does not hide the rest of its segment or the next one", "[bus][local][queue_log]") {
  rstreams::test::temp_file dir("bus", "");
  auto opt = no_fsync();
  opt.segment_bytes = std::uint64_t{4} << 20;
  rb::local_backend bus(dir.path().string(), opt);
  std::vector<rb::record> sent;
  for (int round = 0; round < 3; ++round) {
    auto big = records_of(round * 100, 1, std::size_t{2} << 20);
    bus.append("q", big);
    auto rest = records_of(round * 100 + 1, 51);
    bus.append("q", rest);
    sent.push_back(big[0]);
    sent.insert(sent.end(), rest.begin(), rest.end());
  }
  REQUIRE(fs::exists(seg_path(dir, "q", 1)));
  for (std::size_t step : {std::size_t{7}, std::size_t{1000}}) {
    const auto all = read_every(bus, "q", "", step);
    REQUIRE(all == sent);
  }
}
