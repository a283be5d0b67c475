#pragma once
// The sparse index of a segment, `<number>.idx`: a 32-byte entry (eid time and sequence, record
// number, byte offset, checksum) every few tens of KiB, so a read seeks to an eid without
// scanning. The index is a hint: entries are checked against the frame they point to, and a
// missing or damaged index only costs a scan.

#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/local/crc32c.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/record_codec.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus::detail {

inline constexpr std::size_t index_entry_size = 32;

struct index_entry {
  std::int64_t ms = 0;
  std::uint32_t seq = 0;
  std::uint64_t recno = 0;
  std::uint64_t offset = 0;
};

inline void encode_index_entry(std::string& out, const index_entry& e) {
  char b[index_entry_size];
  put_le<std::int64_t>(b, e.ms);
  put_le<std::uint32_t>(b + 8, e.seq);
  put_le<std::uint64_t>(b + 16, e.recno);
  put_le<std::uint64_t>(b + 24, e.offset);
  put_le<std::uint32_t>(b + 12, 0);
  put_le<std::uint32_t>(b + 12, crc32c(0, b, index_entry_size));
  out.append(b, index_entry_size);
}

/// The valid entries of an index file (stopping at the first damaged one, or at an entry at or
/// beyond `segment_end`).
inline std::vector<index_entry> read_index(const std::string& path, std::uint64_t segment_end) {
  std::vector<index_entry> entries;
  const auto text = read_whole_file(path);
  if (!text) return entries;
  for (std::size_t at = 0; at + index_entry_size <= text->size(); at += index_entry_size) {
    char b[index_entry_size];
    std::memcpy(b, text->data() + at, index_entry_size);
    const auto crc = get_le<std::uint32_t>(b + 12);
    put_le<std::uint32_t>(b + 12, 0);
    if (crc != crc32c(0, b, index_entry_size)) break;
    index_entry e{get_le<std::int64_t>(b), get_le<std::uint32_t>(b + 8), get_le<std::uint64_t>(b + 16),
                  get_le<std::uint64_t>(b + 24)};
    if (e.offset >= segment_end || (!entries.empty() && e.offset <= entries.back().offset)) break;
    entries.push_back(e);
  }
  return entries;
}

/// The last entry whose eid is <= `after` (text order), or nullptr.
inline const index_entry* index_floor(const std::vector<index_entry>& entries, std::string_view after) {
  std::size_t lo = 0, hi = entries.size();  // first entry with eid > after
  while (lo < hi) {
    const auto mid = lo + (hi - lo) / 2;
    if (make_eid(entries[mid].ms, entries[mid].seq) <= after) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo == 0 ? nullptr : &entries[lo - 1];
}

}  // namespace rstreams::bus::detail
