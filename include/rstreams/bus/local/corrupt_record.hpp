#pragma once
// The error a damaged segment gives: it names the queue, the file and the byte offset.

#include <rstreams/core/error.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace rstreams::bus {

/// A stored record failed its checksum (or its frame is malformed) in the middle of a segment,
/// which is damage, not a torn tail. Records before it are still read; none after it is returned
/// until the segment is repaired, and appends to that queue are refused.
class corrupt_record : public io_error {
 public:
  corrupt_record(std::string queue, std::string file, std::uint64_t offset, const std::string& reason)
      : io_error(file,
                 "queue " + queue + ": corrupt record at offset " + std::to_string(offset) + ": " + reason),
        queue_(std::move(queue)),
        offset_(offset) {}
  [[nodiscard]] const std::string& queue() const noexcept { return queue_; }
  /// The segment file (same as path()).
  [[nodiscard]] const std::string& file() const noexcept { return path(); }
  [[nodiscard]] std::uint64_t offset() const noexcept { return offset_; }

 private:
  std::string queue_;
  std::uint64_t offset_;
};

}  // namespace rstreams::bus
