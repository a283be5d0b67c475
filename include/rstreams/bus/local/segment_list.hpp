#pragma once
// The sorted segment numbers of a queue, kept between reads so that finding a segment does not
// list the whole directory (a readdir and sort costs milliseconds at thousands of segments).

#include <rstreams/bus/detail/fork_generation.hpp>
#include <rstreams/bus/local/segment.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

/// A queue's segment numbers, ascending, checked against the directory on each use with two
/// stat calls instead of a listing: the first cached segment must still exist (retention
/// removes the oldest segments; when it did, the directory is listed again) and the segment
/// after the last cached one must not (appenders of any process create segments one number
/// after the last; those found are added one by one). A segment missing in the middle
/// (deleted: damage) is not seen by this check; a caller that fails to open a listed segment
/// calls relist(). Not thread-safe: the queue's reader mutex guards it. A child of fork()
/// lists again.
class segment_list {
 public:
  explicit segment_list(std::string queue_dir) : dir_(std::move(queue_dir)) {}

  /// The segment numbers, checked as described above.
  const std::vector<std::uint64_t>& current() {
    if (!known_ || fork_ != fork_generation() || nums_.empty() ||
        !path_exists(segment_path(dir_, nums_.front())))
      return relist();
    // Never more than a few new segments between two reads unless the reader was idle long:
    // past a handful of probes a listing is cheaper than one stat per segment.
    for (int probes = 0; path_exists(segment_path(dir_, nums_.back() + 1)); ++probes) {
      if (probes == max_probes) return relist();
      nums_.push_back(nums_.back() + 1);
    }
    return nums_;
  }

  /// The segment numbers as the directory lists them now.
  const std::vector<std::uint64_t>& relist() {
    nums_ = list_segments(dir_);
    known_ = true;
    fork_ = fork_generation();
    ++listings_;
    return nums_;
  }

  /// The next use lists the directory (after this process removed or rewrote segments).
  void forget() noexcept { known_ = false; }

  /// How many times the directory was listed (for tests of the cache).
  [[nodiscard]] std::uint64_t listings() const noexcept { return listings_; }

 private:
  static constexpr int max_probes = 64;

  std::string dir_;
  std::vector<std::uint64_t> nums_;
  bool known_ = false;
  std::uint64_t fork_ = 0;
  std::uint64_t listings_ = 0;
};

}  // namespace rstreams::bus::detail
