#pragma once
// Records, options and reads for the local backend's tests: numbered payloads, options without
// fsync, and a whole queue read back in order.

#include <rstreams/bus/local/options.hpp>
#include <rstreams/bus/record.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace rstreams::test {

/// Local options that never fsync (tests that do not cut power need no durability).
inline rstreams::bus::local_options no_fsync() {
  rstreams::bus::local_options o;
  o.fsync = rstreams::bus::fsync_policy::never;
  return o;
}

/// `n` records from bot "tester" with payloads {"n": from + i, "pad": <pad x's>}.
inline std::vector<rstreams::bus::record> numbered_records(int from, int n, std::size_t pad = 0) {
  std::vector<rstreams::bus::record> rs(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& r = rs[static_cast<std::size_t>(i)];
    r.id = "tester";
    r.payload = nlohmann::json{{"n", from + i}, {"pad", std::string(pad, 'x')}}.dump();
  }
  return rs;
}

/// Every record of `queue` after `after`, read `step` at a time.
template <class Backend>
auto read_every(Backend& bus, const std::string& queue, std::string after = "", std::size_t step = 1000) {
  std::vector<rstreams::bus::record> all;
  while (bus.read(queue, after, step, all) != 0) after = all.back().eid;
  return all;
}

}  // namespace rstreams::test
