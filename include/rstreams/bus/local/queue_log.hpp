#pragma once
// One queue of the local backend: a directory of segments (segment.hpp) with their sparse
// indexes (index.hpp), a lock file whose mutex (lock_page.hpp) appenders of every process hold
// while they write, and the per-process state that appends (eid assignment, group commit) and
// reads (cursors, buffer).

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint_expired.hpp>
#include <rstreams/bus/detail/eid_sequencer.hpp>
#include <rstreams/bus/detail/fork_generation.hpp>
#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/local/corrupt_record.hpp>
#include <rstreams/bus/local/encode_buffer.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/index.hpp>
#include <rstreams/bus/local/lock.hpp>
#include <rstreams/bus/local/lock_page.hpp>
#include <rstreams/bus/local/notifier.hpp>
#include <rstreams/bus/local/options.hpp>
#include <rstreams/bus/local/record_codec.hpp>
#include <rstreams/bus/local/retention_ledger.hpp>
#include <rstreams/bus/local/segment.hpp>
#include <rstreams/bus/local/segment_header.hpp>
#include <rstreams/bus/local/segment_list.hpp>
#include <rstreams/bus/local/verify.hpp>
#include <rstreams/bus/queue_stats.hpp>
#include <rstreams/bus/record.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rstreams::bus::detail {

struct segment_file {
  std::uint64_t num = 0;
  std::string path;
  unique_fd fd;
  std::uint64_t data_start = 0;  // after the segment header (0 for a version 1 segment)
  bool durable = false;          // bytes past `horizon` may be torn by a power cut
  std::uint64_t horizon = 0;
  std::uint64_t base_recno = 0;
  bool headed = false;
  bool provisional = false;       // empty, or a header still being written: look again before use
  std::uint16_t version = 1;      // segment format version: 3 holds batch frames, older ones records
  std::uint64_t reserved_to = 0;  // blocks this process allocated past the size, up to here
  bool reserve_failed = false;    // fallocate failed here: no more reserving (reserve_ahead)
};

enum class tail_kind { clean, torn, corrupt };

/// How to judge a bad frame met by a scan: only the last segment has a tail that can be torn,
/// and of a segment written under an fsync policy, only past its durable horizon.
struct scan_rules {
  bool last = true;
  bool durable = false;
  std::uint64_t horizon = 0;
};

/// What a scan of a segment's frames found.
struct scan_result {
  std::uint64_t end = 0;  // the offset after the last valid frame
  tail_kind kind = tail_kind::clean;
  bool keep_torn = false;  // a torn tail that is not just a cut frame: quarantine it, not drop it
  std::uint64_t bad_offset = 0;
  std::string reason;
  bool has_last = false;
  std::string last_eid;
  std::uint64_t last_recno = 0;
  bool has_first = false;
  std::uint64_t first_recno = 0;
};

/// Scans the frames of a segment from `from` (a frame boundary) to `size`, verifying each.
/// A torn tail is what an interrupted write can leave: a last frame cut short by the end of the
/// file, or (in a durable segment) anything past the durable horizon. Every other bad frame is
/// damage to a complete record.
inline scan_result scan_frames(int fd, const std::string& path, std::uint64_t from, std::uint64_t size,
                               const scan_rules& rules = {}) {
  scan_result r;
  r.end = from;
  // At most 1 MiB at a time; nothing for an empty tail (a new queue's first append scans one).
  std::vector<char> buf(static_cast<std::size_t>(
      std::min<std::uint64_t>(std::uint64_t{1} << 20, size > from ? size - from : 0)));
  std::uint64_t boff = from;
  std::size_t blen = 0;
  std::uint64_t pos = from;
  std::size_t need = frame_header_size;
  while (pos < size) {
    std::size_t avail = pos < boff + blen ? static_cast<std::size_t>(boff + blen - pos) : 0;
    if (avail < need) {
      if (buf.size() < need) buf.resize(need);
      boff = pos;
      blen = pread_full(fd, buf.data(),
                        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - pos)), pos, path);
      avail = blen;
    }
    frame_view f;
    record_view last;
    auto st = parse_frame(buf.data() + (pos - boff), avail, f);
    if (st == frame_status::ok) st = check_records(f, &last, &r.last_eid);
    if (st == frame_status::ok) {
      pos += f.size;
      r.end = pos;
      if (!r.has_first) {
        r.has_first = true;
        r.first_recno = f.recno;
      }
      r.has_last = true;
      r.last_recno = last.recno;
      need = frame_header_size;
      continue;
    }
    if (st == frame_status::incomplete) {
      if (pos + avail >= size) {  // the file ends inside this frame
        r.kind = rules.last ? tail_kind::torn : tail_kind::corrupt;
        r.bad_offset = pos;
        r.reason = rules.last ? "incomplete last record" : "segment ends inside a record (truncated segment)";
        break;
      }
      std::size_t frame = 0;
      need =
          parse_frame_header(buf.data() + (pos - boff), avail, frame) == frame_status::incomplete && frame > 0
              ? frame
              : frame_header_size;
      if (need <= avail) need = avail + 1;
      continue;
    }
    r.bad_offset = pos;
    r.reason = frame_status_reason(st);
    if (rules.last && rules.durable && pos >= rules.horizon) {
      r.kind = tail_kind::torn;
      r.keep_torn = true;
    } else {
      r.kind = tail_kind::corrupt;
    }
    break;
  }
  return r;
}

/// Calls `on(record)` (a record_view) for each record of the valid frames of a segment from
/// `from` (a frame boundary) on, until it returns false (then true is returned), the segment
/// ends, or a frame does not parse (a tail being written, or damage that read() reports): a
/// read-only walk in chunks of `chunk` bytes.
template <class F>
bool visit_frames(int fd, const std::string& path, std::uint64_t from, std::uint64_t size, std::size_t chunk,
                  F&& on) {
  std::string buf;
  std::uint64_t boff = from;
  std::size_t blen = 0;
  std::uint64_t pos = from;
  std::size_t need = frame_header_size;
  while (pos < size) {
    std::size_t avail = pos < boff + blen ? static_cast<std::size_t>(boff + blen - pos) : 0;
    if (avail < need) {
      const auto want = std::max(need, chunk);
      if (buf.size() < want) buf.resize(want);
      boff = pos;
      blen = pread_full(fd, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(want, size - pos)),
                        pos, path);
      avail = blen;
      if (avail < need) return false;  // the segment ends inside this frame
    }
    frame_view f;
    const auto st = parse_frame(buf.data() + (pos - boff), avail, f, false);
    if (st == frame_status::ok) {
      frame_records recs(f);
      record_view r;
      while (recs.next(r))
        if (!on(static_cast<const record_view&>(r))) return true;
      if (recs.status() != frame_status::ok) return false;
      pos += f.size;
      need = frame_header_size;
      continue;
    }
    std::size_t frame = 0;
    if (st != frame_status::incomplete ||
        parse_frame_header(buf.data() + (pos - boff), avail, frame) != frame_status::incomplete ||
        frame <= avail)
      return false;
    need = frame;
  }
  return false;
}

/// The queue's state in this process. Appends and reads lock separately; appends of every
/// process exclude each other with the mutex in the queue's `lock` file (and with flock on it
/// while appenders of the previous library may be about: see change_section).
class queue_log {
 public:
  queue_log(std::string dir, std::string name, const local_options& opt)
      : dir_(std::move(dir)), name_(std::move(name)), opt_(opt), segs_(dir_) {}

  queue_log(const queue_log&) = delete;
  queue_log& operator=(const queue_log&) = delete;
  ~queue_log() { let_go_of_tail(); }

  [[nodiscard]] const std::string& dir() const noexcept { return dir_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] bool exists() const { return path_exists(lock_path()); }

  /// Assigns eids, writes the batch with one write, fsyncs per the policy; returns the last eid.
  /// On an exception (a field too long, an I/O error) nothing is stored; the records' eid
  /// fields may have been overwritten.
  /// With `keep_eids` the records keep the full eids they carry, which must strictly increase
  /// after the queue's last eid (else eid_order_error, and nothing is stored). Without `sync`
  /// no fsync is made here whatever the policy: `flush()` makes the batch durable later.
  std::string append(std::span<record> records, bool keep_eids = false, bool sync = true) {
    std::shared_ptr<segment_file> written;
    std::uint64_t gen = 0;
    std::string last;
    {
      std::lock_guard wl(wmu_);
      reset_after_fork();
      if (!lock_fd_) {
        if (make_dir(dir_)) {
          // The new queue's directory entry must survive a power cut like its records.
          if (opt_.fsync != fsync_policy::never) fsync_dir(parent_dir(dir_));
        } else {
          check_own_dir();  // one this handle created is its own
        }
        lock_fd_ = open_file(lock_path(), O_RDWR | O_CREAT | O_NOFOLLOW);
      }
      change_section section(*this, mutex_only_ ? flock_need::when_needed : flock_need::always);
      if (damaged_.load(std::memory_order_relaxed)) tail_known_ = false;
      defer_index_ = announce_change();  // the tail is as this handle left it
      if (!defer_index_) refresh_tail();
      if (records.empty()) return last_eid_;
      // A segment of an older format (one record per frame) is closed: batch frames go to a new
      // segment of the current version, so every segment holds one kind of frame.
      const bool rolled =
          (end_ >= opt_.segment_bytes && end_ > seg_->data_start) || seg_->version < segment_version;
      if (rolled) roll_segment();
      auto& buf = encode_buffer::for_this_thread();
      encode_batch(records, keep_eids, buf);  // restores the tail state itself if it throws
      write_batch(buf);
      if (rolled && opt_.retention_of(name_).active()) {
        // The batch is stored: a retention failure (a damaged old segment, an archive that
        // threw) must not fail it. That segment is kept; apply_retention() reports why.
        try {
          retain_locked();
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): kept, reported by apply_retention
        }
      }
      last = last_eid_;
      written = seg_;
      gen = ++written_gen_;
      note_mutex_only();
    }
    if (sync) sync_after_append(gen);
    return last;
  }

  /// Truncates a torn tail now (as the first append would). Damage in the middle of the tail is
  /// left for append and read to report.
  void recover_now() {
    std::lock_guard wl(wmu_);
    reset_after_fork();
    if (!path_exists(lock_path())) return;
    check_own_dir();
    if (!lock_fd_) lock_fd_ = open_file(lock_path(), O_RDWR | O_CREAT | O_NOFOLLOW);
    {
      change_section section(*this, flock_need::always);
      announce_change();
      try {
        recover_tail();
      } catch (const io_error&) {
        // Damage, a foreign file or a newer format: reported by the first append and read, and
        // by verify(); nothing was changed.
      }
    }
    // Keep no descriptor for a queue this process may never append to: opening a bus must not
    // cost three descriptors per queue (the first append opens them again).
    seg_.reset();
    idx_fd_.reset();
    forget_lock();
    tail_known_ = false;
  }

  /// Every damaged range, gap and foreign file of the queue (see verify.hpp); changes nothing.
  verify_report verify() {
    // A bus opened read-only cannot stop appenders: it verifies again (a few times) until no
    // change of the queue overlapped the pass.
    for (int attempt = 0;; ++attempt) {
      reader_section section(*this);
      auto rep = verify_queue(dir_, name_);
      if (section.still() || attempt == 20) return rep;
      std::this_thread::sleep_for(std::chrono::milliseconds(attempt));
    }
  }

  /// Quarantines damaged ranges, fills gaps, clears the damage mark; reports what was lost.
  verify_report repair() {
    std::lock_guard wl(wmu_);
    reset_after_fork();
    if (!path_exists(lock_path())) return verify_queue(dir_, name_);
    check_own_dir();
    if (!lock_fd_) lock_fd_ = open_file(lock_path(), O_RDWR | O_CREAT | O_NOFOLLOW);
    change_section section(*this, flock_need::always);
    announce_change();
    auto rep = repair_queue(dir_, name_, opt_.fsync != fsync_policy::never, now_ms());
    seg_.reset();
    ibuf_.clear();
    tail_known_ = false;
    damaged_.store(false);
    {
      std::lock_guard rl(rmu_);
      reset_reader();
      first_eids_.clear();
      segs_.forget();
    }
    return rep;
  }

  /// Removes the closed segments the queue's retention policy no longer keeps (oldest first;
  /// never the segment being appended to), archiving each first when the policy has an archive.
  /// A damaged segment, or an archive that throws, stops the pass with the exception; what was
  /// removed before stays removed and is recorded in the queue's retention ledger.
  retention_report apply_retention() {
    std::lock_guard wl(wmu_);
    reset_after_fork();
    if (!path_exists(lock_path())) return {name_, 0, 0, 0, {}};
    check_own_dir();
    if (!lock_fd_) lock_fd_ = open_file(lock_path(), O_RDWR | O_CREAT | O_NOFOLLOW);
    change_section section(*this, flock_need::always);
    return retain_locked();
  }

  /// True once this process found damage in the queue (or a `damaged` mark is on disk).
  [[nodiscard]] bool damaged() const { return damaged_.load() || path_exists(damage_mark_path()); }

  /// fsyncs what this process appended and has not synced yet.
  void flush() {
    std::uint64_t gen;
    {
      std::lock_guard wl(wmu_);
      gen = written_gen_;
    }
    group_sync(gen);
  }

  /// Appends to `out` up to `max` records with eid > `after`; returns how many. With `skipped`,
  /// reads past damaged records (still reported: the queue is marked damaged) and adds the
  /// events each damaged range held to it; without, damage throws corrupt_record.
  std::size_t read(std::string_view after, std::size_t max, std::vector<record>& out,
                   std::uint64_t* skipped = nullptr) {
    return read_at(after, max, out, out.size(), skipped);
  }

  /// `read`, writing the records over `out[at, at + n)` (their strings keep their storage, so a
  /// reader reusing its records allocates nothing per event); `out` grows only when it is
  /// shorter. Records past `at + n` are left as they were. Requires at <= out.size().
  std::size_t read_at(std::string_view after, std::size_t max, std::vector<record>& out, std::size_t at,
                      std::uint64_t* skipped = nullptr) {
    std::lock_guard rl(rmu_);
    if (rfork_ != fork_generation()) {
      reset_reader();
      rfork_ = fork_generation();
    }
    if (max == 0) return 0;
    std::uint64_t seg = 0, off = 0;
    frame_pos in{};  // records of the frame at `off` already read (a cursor inside a batch)
    bool skipping = true;
    if (auto* c = find_cursor(after)) {
      seg = c->seg;
      off = c->off;
      in = c->in;
      skipping = false;
    } else {
      check_retention(after, segs_.current());
      if (!locate(after, seg, off)) return 0;
    }
    std::size_t n = 0;
    bool retried = false;
    bool skipped_here = false;
    while (n < max) {
      if (!open_read_segment(seg)) {
        // Removed by retention since the cursor was saved (or deleted: damage). Deliver what was
        // read; the next read reports.
        if (n > 0 || !next_kept_segment(after, seg)) break;
        off = 0;
        in = {};
        continue;
      }
      if (off < rfile_->data_start) {
        off = rfile_->data_start;
        in = {};
      }
      // The frames of this segment: a checksum per frame, then decode and copy per record.
      auto st = frame_status::ok;
      while (n < max) {
        frame_view f;
        const char* p = nullptr;
        st = frame_at(off, f, p);
        if (st != frame_status::ok) break;
        frame_records recs(f);
        if (in.index > 0) recs.seek(in.index, in.offset);
        bool checked = verified_seg_ == seg && verified_off_ == off;
        record_view v;
        while (n < max && recs.next(v)) {
          if (skipping && v.eid <= after) {
            in = {recs.index(), recs.offset()};
            continue;
          }
          skipping = false;
          if (!checked) {
            if (get_le<std::uint32_t>(p + 8) !=
                crc32c(0, p + frame_header_size, f.size - frame_header_size)) {
              st = frame_status::bad_body;
              break;
            }
            checked = true;
            verified_seg_ = seg;
            verified_off_ = off;
          }
          view_to_record(v, name_, at + n < out.size() ? out[at + n] : out.emplace_back());
          ++n;
          in = {recs.index(), recs.offset()};
        }
        if (st == frame_status::ok) st = recs.status();
        if (st != frame_status::ok || in.index < f.count) break;  // damage, or max read inside the frame
        off += f.size;
        in = {};
      }
      if (st == frame_status::ok) break;  // max records read
      const auto size = file_size(rfile_->fd.get(), rfile_->path);
      if (off < size) {
        // A bad or unfinished frame: damage, a torn tail, or a batch still being written.
        if (n > 0) break;  // deliver the good records first; the next read reports the damage
        try {
          if (judge_under_lock(off) || retried) break;
        } catch (const corrupt_record& e) {
          if (skipped == nullptr) throw;
          off = skip_damage(e, *skipped);
          in = {};
          skipped_here = true;
          rbuf_len_ = 0;
          continue;
        }
        retried = true;  // the frame was completed meanwhile
        continue;
      }
      // The end of this segment. A full segment with no successor: removed by retention (the
      // open above finds out) or deleted.
      if (!path_exists(segment_path(dir_, seg + 1)) && size < opt_.segment_bytes) break;
      ++seg;
      off = 0;
      in = {};
    }
    if (n > 0 && out[at + n - 1].eid > read_max_) read_max_ = out[at + n - 1].eid;
    if (n > 0 || !skipped_here) {
      save_cursor(n > 0 ? std::string_view(out[at + n - 1].eid) : after, seg, off, in);
    } else if (auto* c = find_cursor(after)) {
      c->valid = false;  // a position past damage, only for readers that skip it
    }
    return n;
  }

  /// Closes every descriptor the queue holds (the next append or read opens them again, its
  /// read cursors stay valid); first fsyncs what this process appended and has not synced, unless
  /// the policy is `never`. Called by the handle's bounded cache of open queues.
  void release_descriptors() {
    {
      std::lock_guard sl(sync_mu_);
      std::lock_guard wl(wmu_);
      if (seg_ && opt_.fsync != fsync_policy::never && synced_gen_ < written_gen_) {
        fsync_fd(seg_->fd.get(), seg_->path);
        synced_gen_ = written_gen_;
        last_sync_ = std::chrono::steady_clock::now();
      }
      let_go_of_tail();
      seg_.reset();
      idx_fd_.reset();
      forget_lock();
      tail_known_ = false;
    }
    std::lock_guard rl(rmu_);
    rfile_.reset();
    rbuf_len_ = 0;
    std::vector<char>().swap(rbuf_);
  }

  /// The queue's last eid and record count (read-only; ignores a torn tail).
  /// True when this process has appended or read an event with eid >= `eid`: a cheap proof
  /// that `eid` is not past the end (a bot commits positions it has just read), so the caller
  /// can skip info()'s scan of the tail.
  bool seen_at_or_after(std::string_view eid) {
    {
      std::lock_guard wl(wmu_);
      if (tail_known_ && last_eid_ >= eid) return true;
    }
    std::lock_guard rl(rmu_);
    return read_max_ >= eid;
  }

  queue_info info() {
    queue_info qi{name_, {}, 0};
    // The last few segments hold the last record unless they are empty; then all of them.
    auto nums = segment_numbers(tail_window);
    if (nums.size() == tail_window && info_from(nums, qi)) return qi;
    if (nums.size() == tail_window) nums = segment_numbers();
    info_from(nums, qi);
    return qi;
  }

  /// The position just after the last record whose eid is <= `after` (that record's number + 1),
  /// or the first record's number when there is none: which segment from the cached first eids,
  /// where in it from the sparse index, then a walk of at most `index_every_bytes`. Read-only;
  /// never reads a pending event's payload.
  std::uint64_t position(std::string_view after) {
    std::uint64_t seg = 0;
    std::vector<std::uint64_t> nums;
    {
      std::lock_guard rl(rmu_);
      if (rfork_ != fork_generation()) {
        reset_reader();
        rfork_ = fork_generation();
      }
      if (!segment_for(after, seg)) return 0;
      const auto& all = segs_.current();
      nums.assign(std::lower_bound(all.begin(), all.end(), seg), all.end());
    }
    std::uint64_t pos = 0;
    for (auto n = nums.begin(); n != nums.end(); ++n) {
      segment_file sf;
      if (!open_segment_for_stats(*n, sf)) continue;
      const auto size = file_size(sf.fd.get(), sf.path);
      std::uint64_t from = sf.data_start;
      if (!after.empty() && *n == seg)
        from = std::max(from, indexed_offset(sf.fd.get(), sf.path, *n, size, after));
      bool found = false;
      visit_frames(sf.fd.get(), sf.path, from, size, scan_chunk(), [&](const record_view& r) {
        if (!after.empty() && r.eid <= after) {
          pos = r.recno + 1;
          return true;
        }
        pos = r.recno;
        found = true;
        return false;
      });
      if (found) return pos;
    }
    return pos;
  }

  /// Size and ends of the queue: first and last eid and position, bytes in segments, the time of
  /// the last eid (write_rate is left to stats()). Reads the first frame, the index and the
  /// indexed tail of the last segment.
  queue_stats stats() {
    queue_stats st;
    st.name = name_;
    const auto nums = segment_numbers();
    for (const auto n : nums) {
      const auto path = segment_path(dir_, n);
      if (auto fd = open_if_exists(path, O_RDONLY)) st.bytes += file_size(fd.get(), path);
    }
    for (const auto n : nums) {
      segment_file sf;
      if (!open_segment_for_stats(n, sf)) continue;
      const bool any = visit_frames(sf.fd.get(), sf.path, sf.data_start, file_size(sf.fd.get(), sf.path),
                                    4096, [&](const record_view& r) {
                                      st.first_eid.assign(r.eid);
                                      st.first_position = r.recno;
                                      return false;
                                    });
      if (any) break;
    }
    const auto last = info();
    st.last_eid = last.last_eid;
    st.head_position = last.records;
    if (!st.last_eid.empty()) {
      st.last_write_ms = eid_to_ms(st.last_eid);
      st.events = st.head_position - st.first_position;
    } else {
      st.first_position = st.head_position;
    }
    return st;
  }

 private:
  // A position inside a frame: records read (index) and where the next one starts in the body.
  struct frame_pos {
    std::uint32_t index = 0;
    std::size_t offset = 0;
  };

  struct index_start {
    std::uint64_t offset = 0;
    std::size_t kept = 0;  // index entries up to and including the one used
  };

  struct cursor {
    std::string after;
    std::uint64_t seg = 0;
    std::uint64_t off = 0;
    frame_pos in{};
    std::uint64_t used = 0;
    bool valid = false;
  };

  // The last eid and record count from the last of `nums` that holds a record; false when none.
  bool info_from(const std::vector<std::uint64_t>& nums, queue_info& qi) {
    for (auto it = nums.rbegin(); it != nums.rend(); ++it) {
      segment_file f;
      f.num = *it;
      f.path = segment_path(dir_, *it);
      f.fd = open_if_exists(f.path, O_RDONLY | O_NOFOLLOW);
      if (!f.fd) continue;
      const auto size = file_size(f.fd.get(), f.path);
      if (load_head(f, size, false) != segment_kind::headed && !f.fd) continue;
      const auto start =
          verified_index_start(f.fd.get(), f.path, index_path(dir_, *it), size, f.data_start).offset;
      const auto r =
          scan_frames(f.fd.get(), f.path, start, size, {it == nums.rbegin(), f.durable, f.horizon});
      if (r.has_last) {
        qi.last_eid = r.last_eid;
        qi.records = r.last_recno + 1;
        return true;
      }
    }
    return false;
  }

  // The last `last` of the queue's segment numbers (all by default), from the checked cache.
  std::vector<std::uint64_t> segment_numbers(std::size_t last = SIZE_MAX) {
    std::lock_guard rl(rmu_);
    const auto& all = segs_.current();
    return {all.end() - static_cast<std::ptrdiff_t>(std::min(last, all.size())), all.end()};
  }

  static constexpr std::size_t tail_window = 8;

  [[nodiscard]] const std::string& lock_path() const noexcept { return lock_path_; }

  std::int64_t now_ms() const {
    const auto t = opt_.now_ms ? opt_.now_ms() : detail::now_ms();
    return t < 0 ? 0 : t;
  }

  // ---- retention ------------------------------------------------------------------------

  // One retention pass; the caller holds wmu_ and the queue's lock.
  retention_report retain_locked() {
    const auto& pol = opt_.retention_of(name_);
    retention_report rep{name_, 0, 0, 0, {}};
    if (!pol.active()) return rep;
    const auto nums = list_segments(dir_);
    if (nums.size() < 2) return rep;
    std::vector<std::uint64_t> sizes;
    std::uint64_t total = 0;
    for (const auto n : nums) {
      struct stat st {};
      const auto path = segment_path(dir_, n);
      if (::lstat(path.c_str(), &st) != 0) throw_errno(path, "cannot stat");
      sizes.push_back(static_cast<std::uint64_t>(st.st_size));
      total += sizes.back();
    }
    auto ledger = read_retention_ledger(dir_);
    const bool durable = opt_.fsync != fsync_policy::never;
    const auto now = now_ms();
    for (std::size_t i = 0; i + 1 < nums.size(); ++i) {  // never the last: it is appended to
      const auto path = segment_path(dir_, nums[i]);
      const bool by_size = pol.max_bytes && total > *pol.max_bytes;
      const bool by_age = pol.max_age && now - file_mtime_ms(path) > pol.max_age->count();
      if (!by_size && !by_age) break;
      auto seg = read_closed_segment(path, name_, nums[i], static_cast<bool>(pol.archive));
      if (pol.archive) pol.archive(seg);
      // The ledger first: a crash before the unlink leaves a segment the next pass removes again.
      if (seg.records > 0 && (ledger.empty() || ledger.segments.back().number < nums[i])) {
        ledger.segments.push_back({nums[i], seg.first_eid, seg.last_eid, seg.records});
        write_retention_ledger(dir_, ledger, durable);
      }
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno(path, "cannot remove segment");
      const auto ipath = index_path(dir_, nums[i]);
      if (::unlink(ipath.c_str()) != 0 && errno != ENOENT) throw_errno(ipath, "cannot remove index");
      total -= sizes[i];
      ++rep.segments;
      rep.records += seg.records;
      rep.bytes += sizes[i];
      if (seg.records > 0) rep.removed_through = seg.last_eid;
    }
    if (rep.segments > 0) {
      if (durable) fsync_dir(dir_);
      std::lock_guard rl(rmu_);
      reset_reader();
      first_eids_.clear();
      segs_.forget();
    }
    return rep;
  }

  // Whether retention removed segment `seg` (else a missing segment is damage).
  bool removed_by_retention(std::uint64_t seg) {
    const auto ledger = read_retention_ledger(dir_);
    return !ledger.empty() && ledger.segments.back().number >= seg;
  }

  // Throws checkpoint_expired when retention removed events after `after` (the beginning, "",
  // is the oldest kept event: a read without a position never fails).
  void check_retention(std::string_view after, const std::vector<std::uint64_t>& nums) {
    auto ledger = read_retention_ledger(dir_);
    if (ledger.empty()) return;
    // A crash between writing the ledger and removing a segment: that segment is still there.
    if (!nums.empty())
      std::erase_if(ledger.segments, [&](const ledger_segment& s) { return s.number >= nums.front(); });
    if (ledger.empty() || after.empty() || after >= ledger.removed_through()) return;
    std::string oldest;
    for (const auto n : nums) {
      oldest = first_eid_of(n);
      if (!oldest.empty()) break;
    }
    throw checkpoint_expired({}, name_, std::string(after), oldest, ledger.removed_through(),
                             ledger.removed_after(after));
  }

  // ---- appending ------------------------------------------------------------------------

  // When this handle lets go of the queue: writes the index entries still waiting (if no other
  // appender came since: it indexed from what is on disk) and frees the blocks reserve_ahead
  // allocated past the segment's end (truncating it to its own size: under the queue's lock
  // nobody is mid-append, so the size is the end), keeping its modification time, which
  // retention by age reads. Best effort: what fails costs a scan or stays allocated.
  void let_go_of_tail() noexcept {
    if (!seg_ || (ibuf_.empty() && seg_->reserved_to == 0) || !lock_fd_ || wfork_ != fork_generation())
      return;
    try {
      change_section section(*this, flock_need::when_needed);
      if (tail_known_ && page_.unchanged()) write_index();
      ibuf_.clear();
      struct stat st {};
      const int fd = seg_->fd.get();
      if (::fstat(fd, &st) != 0 || seg_->reserved_to <= static_cast<std::uint64_t>(st.st_size)) return;
      if (::ftruncate(fd, st.st_size) != 0) return;
      const timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
      (void)::futimens(fd, times);
      seg_->reserved_to = 0;
    } catch (...) {  // NOLINT(bugprone-empty-catch): a hint and free blocks lost, no record
    }
  }

  void reset_after_fork() {
    if (wfork_ == fork_generation()) return;
    // A child of fork() must not share the parent's descriptors (and flock) or cached tail. The
    // attach lock belongs to the descriptor the parent still holds: the child leaves it be.
    forget_lock(false);
    seg_.reset();
    idx_fd_.reset();
    ibuf_.clear();  // the parent's to write
    tail_known_ = false;
    appended_ = 0;  // the child's own reserve starts over
    wfork_ = fork_generation();
  }

  enum class flock_need { always, when_needed };

  // The queue's exclusive lock for one change of the queue: the lock page's mutex, and flock
  // on the lock file as well
  // * always while this process may share the queue with appenders of the previous library
  //   (they lock with flock alone, and append to segments before version 5), or when the lock
  //   file is not a page of this library (then every process locks with flock alone);
  // * and otherwise (mutex_only_) only for what such appenders could still look at: finding the
  //   tail from the files (recover_tail), which completes a half-made segment header, and
  //   starting a segment (need_flock()).
  // Order: the mutex, then flock (readers too), so that no two holders wait for each other.
  class change_section {
   public:
    change_section(queue_log& q, flock_need need) : q_(q) {
      if (q.page_.attach(q.lock_fd_.get(), q.lock_path())) {
        if (q.page_.lock(q.lock_path())) q.tail_known_ = false;  // its holder died mid-change
        locked_ = true;
      }
      try {
        if (need == flock_need::always || !locked_) q.need_flock();
      } catch (...) {
        release();
        throw;
      }
    }
    change_section(const change_section&) = delete;
    change_section& operator=(const change_section&) = delete;
    ~change_section() { release(); }

   private:
    void release() noexcept {
      q_.section_flock_.reset();
      if (locked_) {
        q_.page_.done();
        q_.page_.unlock();
      }
      locked_ = false;
    }
    queue_log& q_;
    bool locked_ = false;
  };

  // Keeps appenders of every process from changing the queue while a reader judges what it
  // found: the lock page's mutex (attached on a descriptor of its own), then flock shared
  // (which stops the previous library's appenders). A bus opened read-only writes nothing, so
  // it does not attach the page: it holds flock shared alone and reads the page's generation
  // and writing flag around what it reads, and still() says whether nothing changed meanwhile.
  class reader_section {
   public:
    explicit reader_section(const queue_log& q) {
      const auto& path = q.lock_path();
      if (!q.opt_.read_only) {
        // Not open_if_exists: a lock file this process may not write is read as below, not an error.
        const int fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) fd_ = unique_fd(fd);
        if (fd_ && page_.attach(fd_.get(), path)) {
          page_.lock(path);  // a holder that died: the next appender finds its bump
          locked_ = true;
        }
      }
      if (!fd_) fd_ = open_if_exists(path, O_RDONLY | O_NOFOLLOW);
      if (!fd_) return;  // no lock file: nothing was ever appended
      try {
        fl_.emplace(fd_.get(), path, lock_mode::shared);
        if (!locked_ && page_.view(fd_.get())) {
          viewing_ = true;
          gen_ = page_.generation();
          busy_ = page_.writing();
        }
      } catch (...) {
        release();
        throw;
      }
    }
    reader_section(const reader_section&) = delete;
    reader_section& operator=(const reader_section&) = delete;
    ~reader_section() { release(); }

    /// False when an appender changed the queue (or was changing it) while this section was
    /// held without the mutex.
    [[nodiscard]] bool still() const noexcept {
      return !viewing_ || (!busy_ && !page_.writing() && page_.generation() == gen_);
    }

   private:
    void release() noexcept {
      fl_.reset();
      if (locked_) page_.unlock();
      locked_ = false;
      page_.detach();
    }
    unique_fd fd_;
    lock_page page_;
    std::optional<flock_guard> fl_;
    bool locked_ = false;
    bool viewing_ = false;
    bool busy_ = false;
    std::uint64_t gen_ = 0;
  };

  // Takes flock on the lock file for the rest of the change_section (at most once).
  void need_flock() {
    if (!section_flock_) section_flock_.emplace(lock_fd_.get(), lock_path());
  }

  // An appender whose tail is a segment of version 5 or later, with the lock page attached,
  // locks with the mutex alone from now on: no appender of the previous library appends there
  // (it refuses the segment as newer than it reads), and this library's all hold the mutex.
  void note_mutex_only() noexcept {
    mutex_only_ = page_.attached() && seg_ && seg_->version >= segment_version_queue_mutex;
  }

  // Under the queue's exclusive lock, before anything of the queue changes: bumps the tail
  // generation (so other appenders look at the files before their next append), and tells
  // whether this appender's cached tail is still the queue's (nobody else bumped since its last
  // bump, and the segment is of a version whose appenders all bump).
  bool announce_change() {
    const bool current =
        tail_known_ && seg_ && seg_->version >= segment_version_tail_generation && page_.unchanged();
    page_.bump();
    return current;
  }

  // Closes the lock file (a later append opens and maps it again); `let_go` false in a child of
  // fork(), whose descriptor shares its attach lock with the parent's.
  void forget_lock(bool let_go = true) noexcept {
    page_.detach(let_go);
    lock_fd_.reset();
    mutex_only_ = false;
  }

  // Finds the last eid, record number and end of the queue; truncates a torn tail (we hold the
  // queue's lock, so whoever left it is gone); refuses to append after damage, to a file that is
  // not this queue's segment, or to a newer format.
  void recover_tail() {
    need_flock();
    tail_known_ = false;
    ibuf_.clear();  // it reads the index from disk
    // Batches this process wrote to the old tail may not be synced yet, and group_sync only
    // syncs the current segment: sync it before moving on.
    if (seg_ && opt_.fsync != fsync_policy::never) fsync_fd(seg_->fd.get(), seg_->path);
    refuse_if_damaged();
    auto nums = list_segments(dir_);
    if (nums.empty()) {
      // A new queue (or one without segments): its first segment, known as written, so not read
      // back (a header, no frames, no index).
      start_segment(create_segment(0, 0));
      eids_.reset();
      last_eid_.clear();
      next_recno_ = 0;
      tail_known_ = true;
      return;
    }
    auto f = std::make_shared<segment_file>();
    f->num = nums.back();
    f->path = segment_path(dir_, f->num);
    f->fd = open_file(f->path, O_RDWR | O_NOFOLLOW);
    std::uint64_t size = file_size(f->fd.get(), f->path);
    // The segment before the last: where the record numbers continue from when the last is empty.
    scan_result prev;
    const auto scan_prev = [&] {
      if (nums.size() < 2) return;
      segment_file pf;
      pf.num = nums[nums.size() - 2];
      pf.path = segment_path(dir_, pf.num);
      pf.fd = open_file(pf.path, O_RDONLY | O_NOFOLLOW);
      const auto psize = file_size(pf.fd.get(), pf.path);
      load_head(pf, psize, true);
      const auto pstart =
          verified_index_start(pf.fd.get(), pf.path, index_path(dir_, pf.num), psize, pf.data_start);
      prev = scan_frames(pf.fd.get(), pf.path, pstart.offset, psize, {false, pf.durable, pf.horizon});
      if (prev.kind == tail_kind::corrupt) report_damage(pf.path, prev.bad_offset, prev.reason);
    };
    if (load_head(*f, size, true) == segment_kind::empty) {
      // Its creator died before the header was complete: finish it (no record was written yet).
      scan_prev();
      const auto base = prev.has_last ? prev.last_recno + 1 : 0;
      const auto h = encode_segment_header(name_, f->num, base, now_ms(), opt_.fsync != fsync_policy::never);
      pwrite_full(f->fd.get(), h.data(), h.size(), 0, f->path);
      truncate_fd(f->fd.get(), h.size(), f->path);
      if (opt_.fsync != fsync_policy::never) fsync_fd(f->fd.get(), f->path);
      size = h.size();
      load_head(*f, size, true);
    }
    const auto ipath = index_path(dir_, f->num);
    const auto start = verified_index_start(f->fd.get(), f->path, ipath, size, f->data_start);
    const auto r = scan_frames(f->fd.get(), f->path, start.offset, size, {true, f->durable, f->horizon});
    if (r.kind == tail_kind::corrupt) report_damage(f->path, r.bad_offset, r.reason);
    if (r.kind == tail_kind::torn) cut_torn_tail(*f, r, size);
    idx_fd_ = open_file(ipath, O_RDWR | O_CREAT | O_NOFOLLOW);
    idx_path_ = ipath;
    idx_size_ = start.kept * index_entry_size;
    if (file_size(idx_fd_.get(), ipath) != idx_size_) truncate_fd(idx_fd_.get(), idx_size_, ipath);
    seg_has_index_ = start.kept > 0;
    last_index_offset_ = start.offset;
    seg_ = std::move(f);
    end_ = r.end;
    eids_.reset();
    last_eid_.clear();
    next_recno_ = seg_->base_recno;
    if (r.has_last) {
      set_last(r.last_eid, r.last_recno);
    } else if (nums.size() > 1) {
      // An empty last segment (its creator died before writing): keep it, and continue from
      // the last record of the one before.
      if (!prev.has_last) scan_prev();
      if (prev.has_last) set_last(prev.last_eid, prev.last_recno);
    }
    tail_known_ = true;
  }

  // A torn tail is cut off; one that is more than a frame cut short (bytes past the durable
  // horizon that do not parse) is first copied to a quarantine file beside the segment.
  void cut_torn_tail(segment_file& f, const scan_result& r, std::uint64_t size) {
    if (r.keep_torn) quarantine(f, r.end, size, "torn");
    truncate_fd(f.fd.get(), r.end, f.path);
    if (opt_.fsync != fsync_policy::never) fsync_fd(f.fd.get(), f.path);
  }

  // Copies bytes [from, to) of a segment to `<segment>.<why>-<from>` (never overwriting a file).
  std::string quarantine(segment_file& f, std::uint64_t from, std::uint64_t to, const char* why) {
    std::string bytes(to - from, '\0');
    bytes.resize(pread_full(f.fd.get(), bytes.data(), bytes.size(), from, f.path));
    auto qpath = f.path + "." + why + "-" + std::to_string(from);
    for (int k = 2; path_exists(qpath); ++k)
      qpath = f.path + "." + why + "-" + std::to_string(from) + "." + std::to_string(k);
    auto q = open_file(qpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
    pwrite_full(q.get(), bytes.data(), bytes.size(), 0, qpath);
    fsync_fd(q.get(), qpath, false);
    fsync_dir(dir_);
    return qpath;
  }

  // A new segment with its header, durable (file and directory entry) under an fsync policy.
  std::shared_ptr<segment_file> create_segment(std::uint64_t num, std::uint64_t base_recno) {
    const bool durable = opt_.fsync != fsync_policy::never;
    auto f = std::make_shared<segment_file>();
    f->num = num;
    f->path = segment_path(dir_, num);
    f->fd = open_file(f->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW);
    const auto h = encode_segment_header(name_, num, base_recno, now_ms(), durable);
    pwrite_full(f->fd.get(), h.data(), h.size(), 0, f->path);
    if (durable) {
      fsync_fd(f->fd.get(), f->path);
      fsync_dir(dir_);
    }
    f->headed = true;
    f->data_start = h.size();
    f->durable = durable;
    f->horizon = h.size();
    f->base_recno = base_recno;
    f->version = segment_version;
    return f;
  }

  // Reads the head of segment `f`. A foreign file or a newer format throws (nothing is changed);
  // `empty` is a segment whose creator died before its header was complete.
  segment_kind load_head(segment_file& f, std::uint64_t size, bool strict) {
    const auto h = read_segment_head(f.fd.get(), f.path, size, name_, f.num);
    f.headed = h.kind == segment_kind::headed;
    f.provisional = h.kind == segment_kind::empty;
    f.data_start = h.kind == segment_kind::empty ? size : h.data_start;
    f.durable = h.durable;
    f.horizon = h.horizon;
    f.base_recno = h.base_recno;
    f.version = h.kind == segment_kind::headed ? h.version : 1;
    if (h.kind == segment_kind::future) throw io_error(f.path, "queue " + name_ + ": " + h.problem);
    if (h.kind == segment_kind::foreign) {
      if (!strict) {
        f.fd.reset();
        return h.kind;
      }
      throw io_error(f.path, "queue " + name_ + ": not an rstreams segment of this queue (" + h.problem +
                                 "); the file is left untouched: move it out of the queue directory");
    }
    return h.kind;
  }

  // A symbolic link in place of the queue's directory is not followed.
  void check_own_dir() const {
    struct stat st {};
    if (::lstat(dir_.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
      throw io_error(dir_,
                     "queue " + name_ +
                         ": the queue directory is a symbolic link; rstreams does not follow links it did "
                         "not create (left untouched)");
  }

  [[nodiscard]] std::string damage_mark_path() const { return dir_ + "/damaged"; }

  // Damage found: remembered in this process and marked on disk (so appends of every process
  // refuse until repair), then reported.
  [[noreturn]] void report_damage(const std::string& file, std::uint64_t offset, const std::string& reason) {
    damaged_.store(true);
    if (!opt_.read_only && !path_exists(damage_mark_path())) {
      try {
        replace_file(dir_, "damaged",
                     nlohmann::json{{"file", file}, {"offset", offset}, {"reason", reason}}.dump() + "\n",
                     opt_.fsync != fsync_policy::never);
      } catch (const io_error&) {  // read-only: the error below still reports it
      }
    }
    throw corrupt_record(name_, file, offset,
                         reason + "; appends to this queue are refused until it is repaired");
  }

  void refuse_if_damaged() {
    const auto text = read_whole_file(damage_mark_path());
    if (!text) {
      if (damaged_.load())
        throw corrupt_record(name_, dir_, 0,
                             "the queue is damaged; appends are refused until it is repaired");
      return;
    }
    std::string file = dir_;
    std::uint64_t offset = 0;
    std::string reason = "the queue is damaged";
    try {
      const auto j = nlohmann::json::parse(*text);
      file = j.at("file").get<std::string>();
      offset = j.at("offset").get<std::uint64_t>();
      reason = j.at("reason").get<std::string>();
    } catch (const nlohmann::json::exception&) {
    }
    damaged_.store(true);
    throw corrupt_record(name_, file, offset,
                         reason + "; appends to this queue are refused until it is repaired");
  }

  void set_last(const std::string& eid, std::uint64_t recno) {
    eids_.continue_after(parse_eid(eid));
    last_eid_ = eid;
    next_recno_ = recno + 1;
  }

  // The index entry to start a scan from: the last one that points at the frame it names.
  index_start verified_index_start(int fd, const std::string& path, const std::string& ipath,
                                   std::uint64_t size, std::uint64_t data_start) {
    const auto entries = read_index(ipath, size);
    for (std::size_t k = entries.size(); k-- > 0;) {
      const auto& e = entries[k];
      std::vector<char> head(std::size_t{64} + frame_header_size + frame_body_fixed);
      const auto got = pread_full(fd, head.data(), head.size(), e.offset, path);
      std::size_t fsize = 0;
      if (parse_frame_header(head.data(), got, fsize) == frame_status::bad_header) continue;
      std::string frame(fsize, '\0');
      if (pread_full(fd, frame.data(), fsize, e.offset, path) != fsize) continue;
      frame_view f;
      if (parse_frame(frame.data(), fsize, f) != frame_status::ok) continue;
      record_view first;
      std::string eid;
      if (f.recno != e.recno || !first_record(f, first, eid) || eid != make_eid(e.ms, e.seq)) continue;
      return {e.offset, k + 1};
    }
    return {data_start, 0};
  }

  // Brings the cached tail up to date with what other processes appended.
  void refresh_tail() {
    ibuf_.clear();  // another appender indexed from what is on disk
    if (!tail_known_ || path_exists(segment_path(dir_, seg_->num + 1))) {
      recover_tail();
      return;
    }
    const auto size = file_size(seg_->fd.get(), seg_->path);
    if (size == end_) return;
    if (size < end_) {
      recover_tail();
      return;
    }
    const auto r = scan_frames(seg_->fd.get(), seg_->path, end_, size, {true, seg_->durable, seg_->horizon});
    if (r.kind == tail_kind::corrupt) report_damage(seg_->path, r.bad_offset, r.reason);
    if (r.kind == tail_kind::torn) cut_torn_tail(*seg_, r, size);
    end_ = r.end;
    if (r.has_last) set_last(r.last_eid, r.last_recno);
    // Other appenders wrote index entries too (maybe some past a torn tail): reload them.
    const auto ipath = index_path(dir_, seg_->num);
    const auto entries = read_index(ipath, end_);
    idx_size_ = entries.size() * index_entry_size;
    if (file_size(idx_fd_.get(), ipath) != idx_size_) truncate_fd(idx_fd_.get(), idx_size_, ipath);
    seg_has_index_ = !entries.empty();
    last_index_offset_ = entries.empty() ? 0 : entries.back().offset;
  }

  void roll_segment() {
    need_flock();
    if (opt_.fsync != fsync_policy::never) {
      fsync_fd(seg_->fd.get(), seg_->path);
      if (seg_->headed) write_segment_horizon(seg_->fd.get(), seg_->path, end_);
    }
    write_index();  // the closed segment's
    start_segment(create_segment(seg_->num + 1, next_recno_));
  }

  // Makes `f`, just created, the tail, with an empty index (one left by an earlier segment of
  // that number is emptied).
  void start_segment(std::shared_ptr<segment_file> f) {
    idx_path_ = index_path(dir_, f->num);
    idx_fd_ = open_file(idx_path_, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW);
    seg_ = std::move(f);
    end_ = seg_->data_start;
    idx_size_ = 0;
    seg_has_index_ = false;
    last_index_offset_ = 0;
  }

  // The batch as batch frames in `buf` (its first blen_ bytes): a new frame starts before a
  // record that would take the current one past min(index_every_bytes, 1 MiB), so a reader
  // holds at most that much beside one record, and an index entry is due at most once a frame.
  // One pass per record (checks, eid, envelope, encoding) while it is in cache; nothing is on
  // disk yet, so a record that fails a check abandons the buffer and restores the tail state.
  // A record goes through the general path below, then the common ones after it (no
  // correlation, the frame's bot id, eids assigned here) through batch_writer::add_run, which
  // keeps the frame's state in registers; it hands back the first record it does not take.
  // No software prefetch of the records' strings: an A/B with and without it (one process,
  // alternating) measured it 1-4% slower on batches of 1000 and 14% on one of 100k records.
  void encode_batch(std::span<record> records, bool keep_eids, encode_buffer& buf) {
    saved_ = {eids_.where(), next_recno_, seg_has_index_, last_index_offset_, ibuf_.size(), last_eid_};
    const auto now = now_ms();
    const auto target =
        static_cast<std::size_t>(std::min<std::uint64_t>(opt_.index_every_bytes, batch_frame_max));
    try {
      auto recno = saved_.recno;
      std::size_t len = 0;
      batch_writer w;
      bool open = false;
      std::size_t room = 0;  // the open frame's room in `buf` (see below)
      eid_sequencer::run run(eids_);
      for (std::size_t i = 0; i < records.size(); ++i) {
        auto& r = records[i];
        // The eid's numbers (`at`), and `parts`: the same when it is stored as numbers, else
        // nullptr.
        eid_parts at;
        const eid_parts* parts = &at;
        if (keep_eids) [[unlikely]] {
          const auto [kept, as_numbers] = take_eid(records, i);
          at = kept;
          if (!as_numbers) parts = nullptr;
        } else {
          at = run.next(now, r.eid);  // strictly increasing per queue
        }
        // After the eid: an eid the append assigns replaces whatever the record carried.
        check_frame_limits(r);
        if (!same_text(r.event, name_)) r.event.assign(name_);
        if (r.timestamp == 0) r.timestamp = now;
        if (r.event_source_timestamp == 0) r.event_source_timestamp = r.timestamp;
        // One compare for most records: the open frame has room below both its target size
        // and the end of `buf` (`room`, from the frame's start).
        const auto max = batch_record_max(r);
        if (!open || w.size() + max > room) [[unlikely]] {
          if (open && w.size() + max > target) {
            len += w.finish();
            open = false;
          }
          // Room for the record at its longest, and for a new frame's header: the buffer is
          // kept between appends, so it grows only while it is smaller than any batch before.
          const auto need = len + (open ? w.size() : 0) + max + (open ? 0 : batch_frame_overhead(r));
          if (need > buf.size())
            grow_buf(buf, need, records.subspan(i + 1), target, len, open ? &w : nullptr);
          if (!open) {
            const auto offset = end_ + len;
            if (!seg_has_index_ || offset - last_index_offset_ >= opt_.index_every_bytes) {
              encode_index_entry(ibuf_, {at.ms, at.seq, recno, offset});
              seg_has_index_ = true;
              last_index_offset_ = offset;
            }
            w.begin(buf.data() + len, r, parts, recno);
            open = true;
          }
          room = std::min(target, buf.size() - len);
        }
        w.add(r, parts);
        ++recno;
        if (!keep_eids) {
          // The common records after it, while they fit the open frame.
          const auto stop = w.add_run(records, i + 1, room, run, now, name_);
          recno += stop - (i + 1);
          i = stop - 1;
        }
      }
      if (open) len += w.finish();
      run.commit();
      blen_ = len;
      next_recno_ = recno;
    } catch (...) {
      restore_tail();
      throw;
    }
    last_eid_ = records.back().eid;
  }

  // The eid record `i` carries, taken as the queue's next (append_keeping_eids), and whether it
  // is in the standard form (stored as numbers, else as text).
  [[gnu::noinline]] std::pair<eid_parts, bool> take_eid(std::span<record> records, std::size_t i) {
    const auto& r = records[i];
    const auto at = parse_eid(r.eid);  // throws eid_error naming the text
    if (!eids_.take(at)) throw eid_order_error(name_, i, r.eid, i > 0 ? records[i - 1].eid : saved_.eid);
    // Stored as numbers only when make_eid writes exactly this text back.
    return {at, make_eid(at.ms, at.seq) == r.eid};
  }

  // Grows `buf` to at least `need` bytes, plus room for the records still to come (`rest`) at
  // their longest in frames of `target` bytes, so that a batch grows it once; the bytes encoded
  // so far (`len`, and the open frame `w` if any) move with it.
  [[gnu::noinline]] static void grow_buf(encode_buffer& buf, std::size_t need, std::span<const record> rest,
                                         std::size_t target, std::size_t len, batch_writer* w) {
    std::size_t more = 0;
    for (const auto& r : rest) more += batch_record_max(r);
    if (!rest.empty()) more += (more / target + 2) * batch_frame_overhead(rest.front());
    const char* old = buf.data();
    buf.grow(need + more, len + (w ? w->size() : 0));
    if (w) w->rebase(old, buf.data());
  }

  void restore_tail() {
    eids_.restore(saved_.eids);
    next_recno_ = saved_.recno;
    seg_has_index_ = saved_.has_index;
    last_index_offset_ = saved_.index_offset;
    ibuf_.resize(saved_.index_pending);
    last_eid_ = saved_.eid;
  }

  void write_batch(encode_buffer& buf) {
    if (end_ + blen_ > seg_->reserved_to) reserve_ahead(*seg_, end_ + blen_);
    try {
      pwrite_full(seg_->fd.get(), buf.data(), blen_, end_, seg_->path);
    } catch (...) {
      // Leave no partial batch behind, and forget the eids it took; look at the file again
      // before the next append (the truncation may have failed too).
      (void)::ftruncate(seg_->fd.get(), static_cast<off_t>(end_));
      restore_tail();
      tail_known_ = false;
      throw;
    }
    end_ += blen_;
    appended_ += blen_;
    if (!defer_index_ || ibuf_.size() >= index_defer_bytes) write_index();
    buf.release_above(std::size_t{16} << 20);
  }

  // Index entries wait in ibuf_ while this handle appends alone (the tail as it left it), up to
  // eight (a system call saved on most batches),
  // and are written when eight are due, when the segment is closed and when the handle lets go
  // of the queue. An appender that finds the tail changed writes its entries at once. Entries
  // that were waiting when another process appended are dropped (that one indexes from what is
  // on disk): the index is a hint, so what a crash or that drop costs is a longer scan, at most
  // eight entries' worth of segment (512 KiB by default), for a read that seeks into it.
  static constexpr std::size_t index_defer_bytes = 8 * index_entry_size;

  void write_index() noexcept {
    if (ibuf_.empty()) return;
    // The index is a hint: a failure here costs a scan later, never a record.
    try {
      pwrite_full(idx_fd_.get(), ibuf_.data(), ibuf_.size(), idx_size_, idx_path_);
      idx_size_ += ibuf_.size();
    } catch (...) {  // an io_error, or no memory for its message
      (void)::ftruncate(idx_fd_.get(), static_cast<off_t>(idx_size_));
    }
    ibuf_.clear();
  }

  // Allocates the segment's blocks ahead of its end (fallocate keeping the size, so readers see
  // nothing of it) once this handle has appended 16 MiB, 8 MiB ahead of what a write needs
  // (never past segment_bytes): a write into allocated blocks skips the filesystem's
  // reservation of each new block (ext4's delayed allocation), 15-20 us a MiB here (raw
  // write() of 10 MB, bus_append_bench), and the segment's blocks come in a few extents. What
  // is left when the handle lets go of the queue is given back (let_go_of_tail): a truncation,
  // 80-230 us here (on a filesystem mounted with `discard`, freeing blocks not yet committed
  // waits for the device), which 5-15 MiB of writes into reserved blocks earn back. So only a
  // handle that has shown itself a long-running producer reserves: counting its own bytes, not
  // the segment's size, spares a short-lived one (a bot run as a function, one batch into a
  // long segment) the fallocate and the truncation: a new handle's batch of 1000 records into a
  // segment of 3-24 MB, appended and let go, 343-387 us when the segment's size decided, 188-197
  // now (bus_append_short_lived). A process that died leaves its reserve to the next appender.
  // Not under every_batch: an fdatasync after each batch must then also record the blocks as
  // written, which measured 10% slower. Where fallocate fails (not supported, a full disk) the
  // segment is written as before.
  static constexpr std::uint64_t reserve_after_bytes = std::uint64_t{16} << 20;

  void reserve_ahead(segment_file& s, std::uint64_t need) {
    if (s.reserve_failed || appended_ < reserve_after_bytes || opt_.fsync == fsync_policy::every_batch)
      return;
    const auto from = std::max(s.reserved_to, end_);
    const auto to = std::min(need + (std::uint64_t{8} << 20), opt_.segment_bytes);
    if (to <= need) return;  // the write allocates what the segment still takes
    if (::fallocate(s.fd.get(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(from),
                    static_cast<off_t>(to - from)) != 0) {
      s.reserve_failed = true;  // what was reserved before stays in reserved_to, given back as usual
      return;
    }
    s.reserved_to = to;
  }

  void sync_after_append(std::uint64_t gen) {
    switch (opt_.fsync) {
      case fsync_policy::never:
        return;
      case fsync_policy::every_batch:
        group_sync(gen);
        return;
      case fsync_policy::interval: {
        bool due;
        {
          std::lock_guard sl(sync_mu_);
          due = std::chrono::steady_clock::now() - last_sync_ >= opt_.fsync_interval;
        }
        if (due) group_sync(gen);
        return;
      }
    }
  }

  // Group commit: one fsync covers every batch written before it, so threads that appended
  // while another was syncing find their batch already durable.
  void group_sync(std::uint64_t gen) {
    std::lock_guard sl(sync_mu_);
    if (synced_gen_ >= gen) return;
    std::shared_ptr<segment_file> f;
    std::uint64_t upto;
    std::uint64_t end;
    {
      std::lock_guard wl(wmu_);
      f = seg_;
      upto = written_gen_;
      end = end_;
    }
    if (f) {
      fsync_fd(f->fd.get(), f->path);
      // What the fsync covered is durable: say so in the header (made durable by the next
      // fsync), so recovery after a power cut tells a torn tail from damage.
      if (f->headed && f->durable) write_segment_horizon(f->fd.get(), f->path, end);
    }
    synced_gen_ = upto;
    last_sync_ = std::chrono::steady_clock::now();
  }

  // ---- reading --------------------------------------------------------------------------

  void reset_reader() {
    rfile_.reset();
    rbuf_len_ = 0;
    verified_off_ = UINT64_MAX;
    for (auto& c : cursors_) c.valid = false;
  }

  cursor* find_cursor(std::string_view after) {
    for (auto& c : cursors_) {
      if (c.valid && c.after == after) {
        c.used = ++use_clock_;
        return &c;
      }
    }
    return nullptr;
  }

  void save_cursor(std::string_view after, std::uint64_t seg, std::uint64_t off, frame_pos in) {
    cursor* slot = nullptr;
    for (auto& c : cursors_) {
      if (c.valid && c.after == after) {
        slot = &c;
        break;
      }
    }
    if (slot == nullptr) {
      slot = &cursors_[0];
      for (auto& c : cursors_) {
        if (!c.valid) {
          slot = &c;
          break;
        }
        if (c.used < slot->used) slot = &c;
      }
    }
    slot->after.assign(after);
    slot->seg = seg;
    slot->off = off;
    slot->in = in;
    slot->used = ++use_clock_;
    slot->valid = true;
  }

  bool open_read_segment(std::uint64_t seg) {
    if (rfile_ && rfile_->num == seg) {
      // Opened while its creator had not written the header yet (a reader racing the first
      // append): read the head again until it is there.
      if (rfile_->provisional) {
        load_head(*rfile_, file_size(rfile_->fd.get(), rfile_->path), true);
        rbuf_len_ = 0;
      }
      return true;
    }
    const auto path = segment_path(dir_, seg);
    auto fd = open_if_exists(path, O_RDONLY | O_NOFOLLOW);
    if (!fd) return false;
    auto f = std::make_shared<segment_file>();
    f->num = seg;
    f->path = path;
    f->fd = std::move(fd);
    load_head(*f, file_size(f->fd.get(), path), true);
    rfile_ = std::move(f);
    rbuf_len_ = 0;
    verified_off_ = UINT64_MAX;
    return true;
  }

  void refill(std::uint64_t off, std::size_t need) {
    const auto want = std::max(need, read_chunk);
    // Memory stays bounded by max(record, read chunk): a buffer grown for a large record shrinks
    // back once smaller reads follow.
    if (rbuf_.size() > want && rbuf_.size() > read_chunk) std::vector<char>(want).swap(rbuf_);
    if (rbuf_.size() < want) rbuf_.resize(want);
    rbuf_off_ = off;
    rbuf_len_ = pread_full(rfile_->fd.get(), rbuf_.data(), want, off, rfile_->path);
  }

  frame_status parse_buffered(std::uint64_t off, frame_view& f, const char*& p, std::size_t& need) {
    if (rbuf_len_ == 0 || off < rbuf_off_ || off >= rbuf_off_ + rbuf_len_) {
      need = frame_header_size;
      return frame_status::incomplete;
    }
    p = rbuf_.data() + (off - rbuf_off_);
    const auto avail = static_cast<std::size_t>(rbuf_off_ + rbuf_len_ - off);
    const auto st = parse_frame(p, avail, f, false);
    need = frame_header_size;
    if (st == frame_status::incomplete) {
      std::size_t size = 0;
      if (parse_frame_header(p, avail, size) == frame_status::incomplete && size > 0) need = size;
    }
    return st;
  }

  // The frame at `off` of the open read segment (its body checksum not yet verified).
  frame_status frame_at(std::uint64_t off, frame_view& f, const char*& p) {
    std::size_t need = 0;
    auto st = parse_buffered(off, f, p, need);
    if (st == frame_status::ok) return st;
    refill(off, need);  // fresh bytes: the file may have grown, or the buffer held a stale tail
    st = parse_buffered(off, f, p, need);
    if (st == frame_status::incomplete && need > rbuf_len_ && rbuf_len_ >= frame_header_size) {
      // A frame larger than what one refill read: its header gave the size, read all of it.
      refill(off, need);
      st = parse_buffered(off, f, p, need);
    }
    return st;
  }

  // A bad or unfinished frame at `off` of the read segment, judged again under the queue's lock
  // (so no append is in flight): damage throws corrupt_record; a torn tail (which an appender
  // truncates) returns true; false when valid frames are there now.
  bool judge_under_lock(std::uint64_t off) {
    reader_section section(*this);
    rbuf_len_ = 0;
    auto& f = *rfile_;
    const auto size = file_size(f.fd.get(), f.path);
    load_head(f, size, true);              // the durable horizon may have moved
    if (off < f.data_start) return false;  // the header was completed meanwhile: read again
    const bool last = !path_exists(segment_path(dir_, f.num + 1));
    const auto r = scan_frames(f.fd.get(), f.path, off, size, {last, f.durable, f.horizon});
    if (r.end > off) return false;
    if (!section.still()) return true;  // an appender changed it meanwhile: not judged now
    if (r.kind == tail_kind::corrupt) report_damage(f.path, r.bad_offset, r.reason);
    return true;
  }

  // The offset after the damaged range `e` reports; adds the events it held to `skipped`.
  std::uint64_t skip_damage(const corrupt_record& e, std::uint64_t& skipped) {
    const auto rep = verify_queue(dir_, name_);
    for (const auto& d : rep.damage) {
      if (d.file == e.file() && d.offset <= e.offset() && e.offset() < d.offset + d.length) {
        skipped += d.events;
        return d.offset + d.length;
      }
    }
    throw e;  // not a range verify can bound: nothing to skip to
  }

  // Segment `seg` is gone: moves `seg` to the next one there is (false when none). A segment
  // retention did not remove is damage (a gap); throws checkpoint_expired when retention removed
  // events after `after`.
  bool next_kept_segment(std::string_view after, std::uint64_t& seg) {
    const auto& nums = segs_.relist();
    const auto later = std::upper_bound(nums.begin(), nums.end(), seg);
    if (later == nums.end()) return false;
    if (!removed_by_retention(seg)) check_no_gap_after(seg - 1, nums);
    check_retention(after, nums);
    seg = *later;
    return true;
  }

  // Throws when a segment after `seg` exists but `seg + 1` does not.
  void check_no_gap_after(std::uint64_t seg, const std::vector<std::uint64_t>& nums) {
    const auto later = std::upper_bound(nums.begin(), nums.end(), seg);
    if (later == nums.end()) return;
    report_damage(segment_path(dir_, seg + 1), 0,
                  "segment " + std::to_string(seg + 1) + " is missing (deleted?) while segment " +
                      std::to_string(*later) + " exists: the records between them are lost");
  }

  // The first eid of a segment, "" when it holds no valid frame.
  std::string first_eid_of(std::uint64_t num) {
    segment_file sf;
    sf.num = num;
    sf.path = segment_path(dir_, num);
    sf.fd = open_if_exists(sf.path, O_RDONLY | O_NOFOLLOW);
    if (!sf.fd) return {};
    const auto fsize = file_size(sf.fd.get(), sf.path);
    load_head(sf, fsize, true);
    std::vector<char> head(4096);
    auto got = pread_full(sf.fd.get(), head.data(), head.size(), sf.data_start, sf.path);
    frame_view f;
    auto st = parse_frame(head.data(), got, f, false);
    if (st == frame_status::incomplete) {
      std::size_t size = 0;
      if (parse_frame_header(head.data(), got, size) != frame_status::incomplete || size == 0) return {};
      head.resize(size);
      got = pread_full(sf.fd.get(), head.data(), size, sf.data_start, sf.path);
      st = parse_frame(head.data(), got, f, false);
    }
    record_view first;
    std::string eid;
    return st == frame_status::ok && first_record(f, first, eid) ? eid : std::string{};
  }

  // The first eid of segment `num`, cached once known.
  const std::string& cached_first_eid(std::uint64_t num) {
    auto& e = first_eids_[num];
    if (e.empty()) e = first_eid_of(num);
    return e;
  }

  // Where to start reading for eids > after: the segment and the indexed offset at or before it.
  // A binary search over the segments' first eids.
  bool locate(std::string_view after, std::uint64_t& seg, std::uint64_t& off) {
    off = 0;
    if (!segment_for(after, seg)) return false;
    if (after.empty()) return true;
    if (!open_read_segment(seg)) return true;
    const auto size = file_size(rfile_->fd.get(), rfile_->path);
    const auto entries = read_index(index_path(dir_, seg), size);
    for (const auto* e = index_floor(entries, after); e != nullptr;) {
      frame_view f;
      const char* p = nullptr;
      record_view first;
      std::string eid;
      if (frame_at(e->offset, f, p) == frame_status::ok && f.recno == e->recno &&
          first_record(f, first, eid) && eid == make_eid(e->ms, e->seq))
        off = e->offset;
      break;
    }
    return true;
  }

  // The segment holding the first record after `after`'s predecessors: the last one whose first
  // eid is <= after (the first one for ""); false when there is none. Caches first eids (rmu_).
  bool segment_for(std::string_view after, std::uint64_t& seg) {
    const auto& nums = segs_.current();
    if (nums.empty()) return false;
    seg = nums.front();
    if (after.empty()) return true;
    if (first_eids_.size() > 2 * nums.size() + 64) first_eids_.clear();  // forget deleted segments
    std::size_t lo = 0, hi = nums.size();  // the first segment whose first eid is > after (or none)
    while (lo < hi) {
      const auto mid = lo + (hi - lo) / 2;
      // An empty segment (the last one, or one repair stood in for a lost file) says nothing
      // about eids: the next one with records decides. Taken as "> after", it sent reads back to
      // an earlier segment, to scan all of it.
      auto probe = mid;
      while (probe < hi && cached_first_eid(nums[probe]).empty()) ++probe;
      if (probe < hi && cached_first_eid(nums[probe]) <= after) {
        lo = probe + 1;
      } else {
        hi = mid;
      }
    }
    if (lo > 0) seg = nums[lo - 1];
    return true;
  }

  // Opens segment `num` read-only with its header read (where frames start); false when it is
  // gone or not an rstreams segment of this queue.
  bool open_segment_for_stats(std::uint64_t num, segment_file& sf) {
    sf.num = num;
    sf.path = segment_path(dir_, num);
    sf.fd = open_if_exists(sf.path, O_RDONLY | O_NOFOLLOW);
    if (!sf.fd) return false;
    load_head(sf, file_size(sf.fd.get(), sf.path), false);
    return static_cast<bool>(sf.fd);
  }

  // The offset of the last index entry at or before `after` that names the frame it points at
  // (0 without one), read with its own descriptor (no reader state).
  std::uint64_t indexed_offset(int fd, const std::string& path, std::uint64_t num, std::uint64_t size,
                               std::string_view after) {
    const auto entries = read_index(index_path(dir_, num), size);
    const auto* e = index_floor(entries, after);
    if (e == nullptr) return 0;
    bool ok = false;
    visit_frames(fd, path, e->offset, size, 4096, [&](const record_view& r) {
      ok = r.recno == e->recno && r.eid == make_eid(e->ms, e->seq);
      return false;
    });
    return ok ? e->offset : 0;
  }

  [[nodiscard]] std::size_t scan_chunk() const {
    return static_cast<std::size_t>(std::min<std::uint64_t>(opt_.index_every_bytes + 4096, read_chunk));
  }

  static constexpr std::size_t read_chunk = std::size_t{1} << 20;

  std::string dir_;
  std::string name_;
  std::string lock_path_ = dir_ + "/lock";  // built once: every append names it to the lock
  const local_options& opt_;

  // appender (wmu_)
  std::mutex wmu_;
  std::uint64_t wfork_ = 0;  // fork_generation() the appender's state belongs to
  unique_fd lock_fd_;
  lock_page page_;           // the lock file's page: mutex, tail generation (mapped once lock_fd_ is open)
  bool mutex_only_ = false;  // see note_mutex_only()
  std::optional<flock_guard> section_flock_;  // held for the rest of a change_section
  std::shared_ptr<segment_file> seg_;
  unique_fd idx_fd_;
  std::string idx_path_;  // idx_fd_'s, for errors
  std::uint64_t idx_size_ = 0;
  std::uint64_t end_ = 0;
  std::uint64_t appended_ = 0;  // bytes this handle has appended (reserve_ahead)
  bool tail_known_ = false;
  detail::eid_sequencer eids_;
  std::string last_eid_;
  std::uint64_t next_recno_ = 0;
  bool seg_has_index_ = false;
  std::uint64_t last_index_offset_ = 0;
  std::string ibuf_;          // index entries not written yet (write_index)
  bool defer_index_ = false;  // this append found the tail as this handle left it
  std::size_t blen_ = 0;      // the batch's bytes in the thread's encode buffer
  std::uint64_t written_gen_ = 0;
  struct saved_tail {
    detail::eid_sequencer::position eids;
    std::uint64_t recno = 0;
    bool has_index = false;
    std::uint64_t index_offset = 0;
    std::size_t index_pending = 0;
    std::string eid;
  } saved_;

  // group commit (sync_mu_, taken before wmu_)
  std::mutex sync_mu_;
  std::uint64_t synced_gen_ = 0;
  std::chrono::steady_clock::time_point last_sync_ = std::chrono::steady_clock::now();

  // reader (rmu_)
  std::mutex rmu_;
  std::uint64_t rfork_ = 0;  // fork_generation() the reader's state belongs to
  std::array<cursor, 4> cursors_{};
  std::string read_max_;  // the greatest eid this process has read from the queue
  std::uint64_t use_clock_ = 0;
  std::map<std::uint64_t, std::string> first_eids_;
  segment_list segs_;  // the segment numbers, checked with two stat calls per use
  std::shared_ptr<segment_file> rfile_;
  std::vector<char> rbuf_;
  std::atomic<bool> damaged_{false};
  std::uint64_t rbuf_off_ = 0;
  std::size_t rbuf_len_ = 0;
  // The frame of the read segment whose body checksum was checked last (a batch read in parts).
  std::uint64_t verified_seg_ = 0;
  std::uint64_t verified_off_ = UINT64_MAX;
};

}  // namespace rstreams::bus::detail
