#pragma once
// One bot's checkpoints on the local backend: an append-only journal,
// `checkpoints/<bot>/checkpoints.journal`, one CRC-checked entry per commit, read back by every
// process (the latest entry of a queue wins). Commits are a compare-and-set under flock of the
// bot's `.lock`; the fsync, when the policy wants one, is shared by the commits of one handle
// that wait for it at the same time (group commit) and is done outside the lock. The file is
// preallocated with zeros in 64 KiB steps, so a synced commit overwrites allocated blocks
// (fdatasync then has no size to record), and rewritten with only the latest entry of each
// queue once it passes a bound (compaction), so memory and disk stay bounded.
// Checkpoints written before the journal existed (`<queue>.json`) are still read; the journal
// wins where it has the queue, and compaction moves them into it.
// Format: docs/local-log-format.md, "Checkpoints, bot state, leases".

#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/local/crc32c.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/lock.hpp>
#include <rstreams/core/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>

namespace rstreams::bus::detail {

inline constexpr const char* checkpoint_journal_name = "checkpoints.journal";
inline constexpr std::uint32_t checkpoint_journal_magic = 0x4A435352;  // "RSCJ"
inline constexpr std::uint32_t checkpoint_entry_magic = 0x4B435352;    // "RSCK"
inline constexpr std::uint16_t checkpoint_journal_version = 1;
inline constexpr std::size_t checkpoint_journal_header = 16;
inline constexpr std::size_t checkpoint_entry_header = 12;  // magic, body length, CRC32C
inline constexpr std::size_t checkpoint_entry_fixed = 32;   // body before the queue and eid bytes
inline constexpr std::uint8_t checkpoint_entry_set = 1;

/// How a commit reaches the disk: not at all (the OS writes it back), at most once per interval,
/// or before the commit returns.
enum class journal_sync { none, interval, every_commit };

/// Sizes of the journal (tests make them small).
struct journal_limits {
  /// The file grows by this many zero bytes at a time.
  std::uint64_t prealloc_bytes = 64 << 10;
  /// Compact once the entries pass this many bytes and 4 times what the latest entries need.
  std::uint64_t compact_bytes = 1 << 20;
};

namespace journal_bytes {
inline void put16(char* p, std::uint16_t v) {
  std::memcpy(p, &v, 2);
}
inline void put32(char* p, std::uint32_t v) {
  std::memcpy(p, &v, 4);
}
inline void put64(char* p, std::uint64_t v) {
  std::memcpy(p, &v, 8);
}
template <class T>
T read_le(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
}  // namespace journal_bytes

// CRC32C of an entry's body length field followed by its body.
inline std::uint32_t entry_crc(const char* entry, std::size_t body) noexcept {
  return crc32c(crc32c(0, entry + 4, 4), entry + checkpoint_entry_header, body);
}

/// The bytes of one entry: magic, body length, CRC32C of the length and the body, then the body
/// (kind, flags, queue length, eid length, reserved, records, source timestamp, updated at,
/// queue, eid).
inline std::string encode_checkpoint_entry(std::string_view queue, const checkpoint& c) {
  using namespace journal_bytes;
  const auto body = checkpoint_entry_fixed + queue.size() + c.eid.size();
  std::string e(checkpoint_entry_header + body, '\0');
  char* p = e.data();
  put32(p, checkpoint_entry_magic);
  put32(p + 4, static_cast<std::uint32_t>(body));
  char* b = p + checkpoint_entry_header;
  b[0] = static_cast<char>(checkpoint_entry_set);
  put16(b + 2, static_cast<std::uint16_t>(queue.size()));
  put16(b + 4, static_cast<std::uint16_t>(c.eid.size()));
  put64(b + 8, c.records);
  put64(b + 16, static_cast<std::uint64_t>(c.source_timestamp));
  put64(b + 24, static_cast<std::uint64_t>(c.updated_at));
  std::memcpy(b + checkpoint_entry_fixed, queue.data(), queue.size());
  std::memcpy(b + checkpoint_entry_fixed + queue.size(), c.eid.data(), c.eid.size());
  put32(p + 8, entry_crc(p, body));
  return e;
}

/// The longest entry: a queue name and an eid of 65,535 bytes each.
inline constexpr std::size_t checkpoint_entry_max =
    checkpoint_entry_header + checkpoint_entry_fixed + 2 * 65535;

/// Decodes the entry at `p` (`n` bytes available): its size, or 0 when there is none there
/// (zeros: the preallocated end) or it is torn or damaged (both end the journal). `need` is set
/// to the entry's size when the bytes end inside an entry that may be whole in the file.
inline std::size_t decode_checkpoint_entry(const char* p, std::size_t n, std::string& queue, checkpoint& c,
                                           std::size_t& need) {
  using namespace journal_bytes;
  need = 0;
  if (n < checkpoint_entry_header) {
    need = checkpoint_entry_header + checkpoint_entry_fixed;
    return 0;
  }
  if (read_le<std::uint32_t>(p) != checkpoint_entry_magic) return 0;
  const auto body = read_le<std::uint32_t>(p + 4);
  if (body < checkpoint_entry_fixed || checkpoint_entry_header + body > checkpoint_entry_max) return 0;
  if (body > n - checkpoint_entry_header) {
    need = checkpoint_entry_header + body;
    return 0;
  }
  if (entry_crc(p, body) != read_le<std::uint32_t>(p + 8)) return 0;
  const char* b = p + checkpoint_entry_header;
  const auto ql = read_le<std::uint16_t>(b + 2);
  const auto el = read_le<std::uint16_t>(b + 4);
  if (static_cast<std::uint8_t>(b[0]) != checkpoint_entry_set || checkpoint_entry_fixed + ql + el != body)
    return 0;
  c.records = read_le<std::uint64_t>(b + 8);
  c.source_timestamp = static_cast<std::int64_t>(read_le<std::uint64_t>(b + 16));
  c.updated_at = static_cast<std::int64_t>(read_le<std::uint64_t>(b + 24));
  queue.assign(b + checkpoint_entry_fixed, ql);
  c.eid.assign(b + checkpoint_entry_fixed + ql, el);
  return checkpoint_entry_header + body;
}

inline std::string encode_journal_header() {
  using namespace journal_bytes;
  std::string h(checkpoint_journal_header, '\0');
  put32(h.data(), checkpoint_journal_magic);
  put16(h.data() + 4, checkpoint_journal_version);
  put16(h.data() + 6, static_cast<std::uint16_t>(checkpoint_journal_header));
  put32(h.data() + 12, crc32c(0, h.data(), 12));
  return h;
}

/// The journal of one bot (see the top of this file). One object may be used from several
/// threads; several processes (or objects) may share the file.
class checkpoint_journal {
 public:
  /// `dir` is the bot's directory (`checkpoints/<bot>`); nothing is created until a commit.
  explicit checkpoint_journal(std::string dir, journal_limits limits = {})
      : dir_(std::move(dir)), path_(dir_ + "/" + checkpoint_journal_name), limits_(limits) {}

  checkpoint_journal(const checkpoint_journal&) = delete;
  checkpoint_journal& operator=(const checkpoint_journal&) = delete;

  /// The latest checkpoint of `queue`, as any process committed it. Throws io_error for an
  /// old-format file of that queue that cannot be read (and no journal entry replaces it).
  [[nodiscard]] std::optional<checkpoint> get(std::string_view queue) {
    std::lock_guard l(mu_);
    refresh();
    return lookup(queue);
  }

  /// Adds every queue's latest checkpoint to `out`; old-format files that cannot be read (and
  /// that no journal entry replaces) go to `errors`, by queue.
  void all(std::map<std::string, checkpoint>& out, std::map<std::string, std::string>& errors) {
    std::lock_guard l(mu_);
    refresh();
    for (const auto& [q, c] : legacy_) out.insert_or_assign(q, c);
    for (const auto& [q, c] : latest_) out.insert_or_assign(q, c);
    for (const auto& [q, e] : legacy_errors_)
      if (latest_.find(q) == latest_.end()) errors.emplace(q, dir_ + "/" + q + ".json: " + e);
  }

  /// Compare-and-set of `queue`'s checkpoint (throws stale_checkpoint when the stored eid is not
  /// `expected`, unless `force`); on disk before it returns as `sync` says.
  void commit(std::string_view queue, const std::optional<std::string>& expected, const checkpoint& next,
              bool force, journal_sync sync, std::chrono::milliseconds interval = {}) {
    std::uint64_t generation = 0, end = 0;
    bool due = sync == journal_sync::every_commit;
    {
      std::lock_guard l(mu_);
      const bool durable = sync != journal_sync::none;
      if (!lock_fd_) {
        if (!is_directory(dir_)) {
          make_dirs(dir_);
          if (durable) fsync_dir(parent_dir(dir_));
        }
        lock_fd_ = open_file(dir_ + "/.lock", O_RDWR | O_CREAT);
      }
      flock_guard locked(lock_fd_.get(), dir_ + "/.lock");
      refresh();
      const auto current = lookup(queue);
      std::optional<std::string> found;
      if (current) found = current->eid;
      if (!force && found != expected)
        throw stale_checkpoint(bot_name(), std::string(queue), expected, found);
      auto stored = next;
      if (stored.updated_at == 0) stored.updated_at = now_ms();
      append(queue, stored, durable);
      generation = generation_;
      end = end_;
      if (sync == journal_sync::interval) due = std::chrono::steady_clock::now() - last_sync_ >= interval;
    }
    if (due) sync_through(generation, end);
  }

  /// fsyncs what this object appended and did not sync yet.
  void flush() {
    std::uint64_t generation = 0, end = 0;
    {
      std::lock_guard l(mu_);
      if (!file_ || !writable_ || (synced_generation_ == generation_ && synced_to_ >= end_)) return;
      generation = generation_;
      end = end_;
    }
    sync_through(generation, end);
  }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  struct open_journal {
    unique_fd fd;
    dev_t dev = 0;
    ino_t ino = 0;
  };

  static std::shared_ptr<open_journal> describe(unique_fd fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno(path, "cannot stat");
    auto j = std::make_shared<open_journal>();
    j->fd = std::move(fd);
    j->dev = st.st_dev;
    j->ino = st.st_ino;
    return j;
  }

  [[nodiscard]] std::string bot_name() const { return dir_.substr(dir_.find_last_of('/') + 1); }

  [[nodiscard]] std::optional<checkpoint> lookup(std::string_view queue) const {
    if (auto it = latest_.find(queue); it != latest_.end()) return it->second;
    if (auto it = legacy_errors_.find(queue); it != legacy_errors_.end())
      throw io_error(dir_ + "/" + std::string(queue) + ".json", it->second);
    if (auto it = legacy_.find(queue); it != legacy_.end()) return it->second;
    return std::nullopt;
  }

  // Catches up with what other processes appended, or reloads the whole file when it was
  // replaced (compacted) or appeared since the last look.
  void refresh() {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) throw_errno(path_, "cannot stat");
      if (!legacy_loaded_) load_legacy();
      return;
    }
    if (!file_ || file_->dev != st.st_dev || file_->ino != st.st_ino) {
      unique_fd fd;
      try {
        fd = open_if_exists(path_, O_RDWR | O_NOFOLLOW);
        writable_ = static_cast<bool>(fd);
      } catch (const io_error&) {  // a read-only file system or file: read it all the same
        fd = open_if_exists(path_, O_RDONLY | O_NOFOLLOW);
        writable_ = false;
      }
      if (!fd) return;  // replaced meanwhile: the next look finds the new file
      file_ = describe(std::move(fd), path_);
      ++generation_;
      latest_.clear();
      tail_checked_ = false;
      load_legacy();
      read_header();
    }
    read_entries();
  }

  void read_header() {
    using namespace journal_bytes;
    char h[checkpoint_journal_header];
    const auto got = pread_full(file_->fd.get(), h, sizeof h, 0, path_);
    if (got < sizeof h || read_le<std::uint32_t>(h) != checkpoint_journal_magic ||
        crc32c(0, h, 12) != read_le<std::uint32_t>(h + 12))
      throw io_error(path_, "not an rstreams checkpoint journal (its header is damaged or foreign)");
    if (read_le<std::uint16_t>(h + 4) != checkpoint_journal_version)
      throw io_error(path_, "checkpoint journal version " + std::to_string(read_le<std::uint16_t>(h + 4)) +
                                " is newer than this library reads (" +
                                std::to_string(checkpoint_journal_version) +
                                "); upgrade rstreams to read it");
    end_ = read_le<std::uint16_t>(h + 6);
    entry_bytes_ = 0;
  }

  // Reads entries from `end_` up to the first that is absent, torn or damaged.
  void read_entries() {
    const int fd = file_->fd.get();
    if (buf_.size() < 8192) buf_.resize(8192);
    std::string q;
    checkpoint c;
    for (;;) {
      const auto got = pread_full(fd, buf_.data(), buf_.size(), end_, path_);
      std::size_t at = 0, need = 0;
      while (const auto n = decode_checkpoint_entry(buf_.data() + at, got - at, q, c, need)) {
        latest_.insert_or_assign(q, c);
        at += n;
      }
      end_ += at;
      entry_bytes_ += at;
      if (got < buf_.size()) break;  // the end of the file
      if (need > buf_.size()) buf_.resize(need);
      if (at == 0 && need == 0) break;  // zeros, a torn tail or damage
    }
    allocated_ = std::max(file_size(fd, path_), end_);
  }

  void load_legacy() {
    legacy_.clear();
    legacy_errors_.clear();
    legacy_loaded_ = true;
    for (const auto& file : list_dir(dir_)) {
      if (file.empty() || file.front() == '.' || file.size() <= 5 ||
          file.compare(file.size() - 5, 5, ".json") != 0)
        continue;
      const auto queue = file.substr(0, file.size() - 5);
      const auto text = read_whole_file(dir_ + "/" + file);
      if (!text) continue;
      try {
        legacy_.insert_or_assign(queue, nlohmann::json::parse(*text).get<checkpoint>());
      } catch (const nlohmann::json::exception& e) {
        legacy_errors_.insert_or_assign(queue, std::string("unreadable checkpoint: ") + e.what());
      }
    }
  }

  // Under the locks: writes the entry after the last valid one, growing or compacting the file
  // first when it is full.
  void append(std::string_view queue, const checkpoint& c, bool durable) {
    if (!file_ || !writable_) {
      compact(queue, c);  // creates the journal, moving old-format files into it
      return;
    }
    if (!tail_checked_) clear_tail(durable);
    const auto entry = encode_checkpoint_entry(queue, c);
    if (end_ + entry.size() > allocated_) {
      std::uint64_t live = 0;
      for (const auto& [q, v] : latest_)
        live += checkpoint_entry_header + checkpoint_entry_fixed + q.size() + v.eid.size();
      if (entry_bytes_ >= limits_.compact_bytes && entry_bytes_ >= 4 * live) {
        compact(queue, c);
        return;
      }
      auto to = allocated_ + limits_.prealloc_bytes;
      while (to < end_ + entry.size()) to += limits_.prealloc_bytes;
      const std::string zeros(static_cast<std::size_t>(to - allocated_), '\0');
      pwrite_full(file_->fd.get(), zeros.data(), zeros.size(), allocated_, path_);
      allocated_ = to;
    }
    pwrite_full(file_->fd.get(), entry.data(), entry.size(), end_, path_);
    end_ += entry.size();
    entry_bytes_ += entry.size();
    latest_.insert_or_assign(std::string(queue), c);
  }

  // After a torn tail (a power cut during a write), bytes of entries that were never
  // acknowledged may follow the last valid entry; an entry written over the torn one could
  // make them readable again. Zero them (durably, before the first new entry) once per file.
  void clear_tail(bool durable) {
    std::vector<char> chunk(64 << 10);
    bool dirty = false;
    for (auto at = end_; at < allocated_ && !dirty; at += chunk.size()) {
      const auto got = pread_full(file_->fd.get(), chunk.data(), chunk.size(), at, path_);
      for (std::size_t i = 0; i < got && !dirty; ++i) dirty = chunk[i] != 0;
      if (got < chunk.size()) break;
    }
    if (dirty) {
      const std::string zeros(static_cast<std::size_t>(allocated_ - end_), '\0');
      pwrite_full(file_->fd.get(), zeros.data(), zeros.size(), end_, path_);
      if (durable) fsync_fd(file_->fd.get(), path_);
    }
    tail_checked_ = true;
  }

  // Rewrites the journal with the latest entry of each queue (old-format files included, which
  // are then removed) and `queue`'s new one: temporary file, fsync, rename, directory fsync.
  // Synced whatever this handle's policy: the rewrite replaces entries other handles (other
  // processes, with their own policy) made durable, and the old-format files it removes. About
  // once per `compact_bytes` of entries.
  void compact(std::string_view queue, const checkpoint& c) {
    std::map<std::string, checkpoint, std::less<>> live = legacy_;
    for (const auto& [q, v] : latest_) live.insert_or_assign(q, v);
    live.insert_or_assign(std::string(queue), c);
    std::string content = encode_journal_header();
    for (const auto& [q, v] : live) content += encode_checkpoint_entry(q, v);
    const auto used = content.size();
    auto size = limits_.prealloc_bytes;
    while (size < used + limits_.prealloc_bytes / 2) size += limits_.prealloc_bytes;
    content.resize(static_cast<std::size_t>(size), '\0');
    replace_file(dir_, checkpoint_journal_name, content, true);
    file_ = describe(open_file(path_, O_RDWR | O_NOFOLLOW), path_);
    writable_ = true;
    tail_checked_ = true;
    ++generation_;
    latest_ = std::move(live);
    end_ = used;
    entry_bytes_ = used - checkpoint_journal_header;
    allocated_ = size;
    synced_generation_ = generation_;
    synced_to_ = end_;
    last_sync_ = std::chrono::steady_clock::now();
    // The journal holds the old-format checkpoints now; an unreadable one stays where it is.
    for (const auto& [q, v] : legacy_) ::unlink((dir_ + "/" + q + ".json").c_str());
    legacy_.clear();
  }

  // Group commit: waits for a running fsync and returns when it covered `end` of `generation`,
  // else fsyncs everything appended so far (for the commits waiting behind it too).
  void sync_through(std::uint64_t generation, std::uint64_t end) {
    std::lock_guard s(sync_mu_);
    std::shared_ptr<open_journal> f;
    std::uint64_t g = 0, e = 0;
    {
      std::lock_guard l(mu_);
      if (synced_generation_ == generation && synced_to_ >= end) return;
      f = file_;
      g = generation_;
      e = end_;
    }
    if (!f) return;
    fsync_fd(f->fd.get(), path_);
    std::lock_guard l(mu_);
    if (g > synced_generation_ || (g == synced_generation_ && e > synced_to_)) {
      synced_generation_ = g;
      synced_to_ = e;
    }
    last_sync_ = std::chrono::steady_clock::now();
  }

  std::string dir_;
  std::string path_;
  journal_limits limits_;
  std::mutex mu_;       // the state below; a commit holds it with the flock
  std::mutex sync_mu_;  // one fsync at a time, held while it runs (taken before mu_)
  unique_fd lock_fd_;
  std::shared_ptr<open_journal> file_;
  bool writable_ = false;
  bool tail_checked_ = false;
  std::uint64_t generation_ = 0;  // counts the files this object opened or wrote
  std::uint64_t end_ = 0;         // the first byte after the last valid entry
  std::uint64_t allocated_ = 0;   // the file's size: entries, then zeros
  std::uint64_t entry_bytes_ = 0;
  std::map<std::string, checkpoint, std::less<>> latest_;
  std::map<std::string, checkpoint, std::less<>> legacy_;
  std::map<std::string, std::string, std::less<>> legacy_errors_;
  bool legacy_loaded_ = false;
  std::vector<char> buf_;
  std::uint64_t synced_generation_ = 0, synced_to_ = 0;
  std::chrono::steady_clock::time_point last_sync_{};
};

}  // namespace rstreams::bus::detail
