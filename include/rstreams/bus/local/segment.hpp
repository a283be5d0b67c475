#pragma once
// Segment files of a queue: `<20-digit number>.seg`, numbered from 0 without gaps, each holding
// frames (record_codec.hpp) back to back; the last one is the one appended to.

#include <rstreams/bus/local/file.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace rstreams::bus::detail {

inline std::string numbered_name(std::uint64_t num, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(num));
  return std::string(buf) + ext;
}

inline std::string segment_path(const std::string& queue_dir, std::uint64_t num) {
  return queue_dir + "/" + numbered_name(num, ".seg");
}

inline std::string index_path(const std::string& queue_dir, std::uint64_t num) {
  return queue_dir + "/" + numbered_name(num, ".idx");
}

/// The segment numbers present in a queue directory, ascending.
inline std::vector<std::uint64_t> list_segments(const std::string& queue_dir) {
  std::vector<std::uint64_t> nums;
  for (const auto& name : list_dir(queue_dir)) {
    if (name.size() != 24 || name.compare(20, 4, ".seg") != 0) continue;
    if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) continue;
    nums.push_back(std::stoull(name.substr(0, 20)));
  }
  std::sort(nums.begin(), nums.end());
  return nums;
}

}  // namespace rstreams::bus::detail
