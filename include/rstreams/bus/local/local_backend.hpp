#pragma once
// The embedded default backend: one directory holds the whole bus.
//
//   <dir>/rstreams-bus.json          marker (format and version)
//   <dir>/queues/<queue>/            one directory per queue: NNN.seg segments, NNN.idx indexes, lock
//   <dir>/checkpoints/<bot>/         checkpoints.journal (appended), .state.json, .lock
//   <dir>/leases/<bot>.lease         bot leases
//
// Several processes may share the directory: appends to a queue hold the mutex in its lock file
// (lock_page.hpp), checkpoint commits take their bot's lock file (flock), and readers need no
// lock.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/local/checkpoint_store.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/lease_file.hpp>
#include <rstreams/bus/local/lock.hpp>
#include <rstreams/bus/local/notifier.hpp>
#include <rstreams/bus/local/options.hpp>
#include <rstreams/bus/local/queue_log.hpp>
#include <rstreams/bus/queue_stats.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rstreams::bus {

namespace detail {

inline constexpr const char* bus_marker_name = "rstreams-bus.json";
inline constexpr const char* bus_format = "rstreams-local-bus";
inline constexpr int bus_version = 1;

inline bool half_created_bus(const std::string& root);

// Opens (and on first use creates) the bus directory; refuses a directory that is not a bus.
inline std::string open_bus_dir(const std::string& path, bool create, bool read_only) {
  if (path.empty()) throw config_error("rstreams: local backend: empty directory path");
  if (!path_exists(path)) {
    if (!create || read_only) throw io_error(path, "no such bus directory");
    make_dirs(path);
    fsync_dir(parent_dir(path));
  }
  if (!is_directory(path)) throw io_error(path, "not a directory, so not a bus");
  char resolved[PATH_MAX];
  const std::string root = ::realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
  const auto marker = root + "/" + bus_marker_name;
  // Serialise the first initialisation between processes on the directory itself.
  auto dir_fd = open_file(root, O_RDONLY | O_DIRECTORY);
  std::optional<flock_guard> lock;
  if (!read_only) lock.emplace(dir_fd.get(), root);
  if (const auto text = read_whole_file(marker)) {
    try {
      const auto j = nlohmann::json::parse(*text);
      if (j.at("format").get<std::string>() != bus_format)
        throw io_error(marker,
                       "not an rstreams bus marker (format is not \"" + std::string(bus_format) + "\")");
      if (j.at("version").get<int>() != bus_version)
        throw io_error(marker, "unsupported bus version " + j.at("version").dump() +
                                   " (this library reads version " + std::to_string(bus_version) + ")");
    } catch (const nlohmann::json::exception& e) {
      throw io_error(marker, std::string("unreadable bus marker: ") + e.what());
    }
  } else {
    if (!create || read_only)
      throw io_error(root, "not an rstreams bus (no " + std::string(bus_marker_name) + ")" +
                               (read_only ? "; opened read-only, so it is not created" : ""));
    if (!half_created_bus(root))
      throw io_error(root, "not an rstreams bus: the directory is not empty and has no " +
                               std::string(bus_marker_name) + " (use an empty or new directory)");
    // New, or what a creation that was killed (or ran out of space) left: (re)do every step.
    // The marker comes last, so a directory with a marker is always complete.
    for (const auto& name : list_dir(root))
      if (name.rfind("." + std::string(bus_marker_name) + ".tmp.", 0) == 0)
        ::unlink((root + "/" + name).c_str());
    make_dir(root + "/queues");
    make_dir(root + "/checkpoints");
    make_dir(root + "/leases");
    fsync_dir(root);
    replace_file(root, bus_marker_name,
                 nlohmann::json{{"format", bus_format}, {"version", bus_version}}.dump() + "\n", true);
  }
  return root;
}

// True for an empty directory, or one holding only what creating a bus makes before its marker:
// the empty `queues`, `checkpoints` and `leases` directories and the marker's temporary file.
inline bool half_created_bus(const std::string& root) {
  for (const auto& name : list_dir(root)) {
    if (name == "queues" || name == "checkpoints" || name == "leases") {
      struct stat st {};
      if (::lstat((root + "/" + name).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return false;
      if (!list_dir(root + "/" + name).empty()) return false;
      continue;
    }
    if (name.rfind("." + std::string(bus_marker_name) + ".tmp.", 0) == 0) continue;
    return false;
  }
  return true;
}

struct local_state {
  std::string root;
  local_options opt;
  std::mutex mu;
  std::map<std::string, std::unique_ptr<queue_log>, std::less<>> queues;
  checkpoint_store checkpoints;
  std::list<queue_log*> lru;  // queues that may hold descriptors, most recently used first (mu)
  std::unordered_map<queue_log*, std::list<queue_log*>::iterator> lru_pos;
  bus_notifier notifier;  // one inotify instance for every wait of this handle

  local_state(std::string r, local_options o)
      : root(std::move(r)),
        opt(std::move(o)),
        checkpoints(
            root + "/checkpoints",
            detail::journal_limits{std::clamp<std::uint64_t>(opt.checkpoint_journal_bytes, 1024, 64 << 10),
                                   opt.checkpoint_journal_bytes}) {}

  queue_log& queue(std::string_view name) {
    std::lock_guard l(mu);
    auto it = queues.find(name);
    if (it == queues.end())
      it = queues
               .emplace(std::string(name), std::make_unique<queue_log>(root + "/queues/" + std::string(name),
                                                                       std::string(name), opt))
               .first;
    return *it->second;
  }

  // Marks `q` as just used; past `max_open_queues`, closes the least recently used queue's
  // descriptors (outside `mu`, so a queue in use by another thread simply opens them again).
  void used(queue_log& q) {
    queue_log* victim = nullptr;
    {
      std::lock_guard l(mu);
      if (auto it = lru_pos.find(&q); it != lru_pos.end()) {
        lru.splice(lru.begin(), lru, it->second);
      } else {
        lru.push_front(&q);
        lru_pos.emplace(&q, lru.begin());
      }
      if (lru.size() > opt.max_open_queues) {
        victim = lru.back();
        lru_pos.erase(victim);
        lru.pop_back();
      }
    }
    if (victim != nullptr) victim->release_descriptors();
  }

  void flush_queues() {
    std::vector<queue_log*> logs;
    {
      std::lock_guard l(mu);
      for (auto& [name, log] : queues) logs.push_back(log.get());
    }
    for (auto* log : logs) log->flush();
  }

  // The queues first: a checkpoint is never more durable than the events behind it.
  void flush_all() {
    flush_queues();
    checkpoints.flush();
  }
};

}  // namespace detail

/// The embedded backend: a bus in one directory, shared safely by the processes of one machine.
/// Models `backend`. Movable, not copyable; one object may be used from several threads.
/// Open a new one in a child after fork().
class local_backend {
 public:
  /// Opens the bus in `dir`, creating it when the directory is new or empty (unless
  /// `opt.create` is false). Throws io_error for a directory that is not a bus.
  explicit local_backend(const std::string& dir, local_options opt = {}) {
    if (opt.segment_bytes == 0) throw config_error("rstreams: local backend: segment_bytes must be positive");
    if (opt.index_every_bytes == 0)
      throw config_error("rstreams: local backend: index_every_bytes must be positive");
    if (opt.max_open_queues == 0)
      throw config_error("rstreams: local backend: max_open_queues must be positive");
    if (opt.fsync == fsync_policy::interval && opt.fsync_interval.count() < 0)
      throw config_error("rstreams: local backend: fsync_interval must not be negative");
    if (!opt.read_only && detail::is_directory(dir) && ::access(dir.c_str(), W_OK) != 0) opt.read_only = true;
    auto root = detail::open_bus_dir(dir, opt.create, opt.read_only);
    state_ = std::make_unique<detail::local_state>(std::move(root), std::move(opt));
    if (state_->opt.read_only) return;
    // Temporary files of checkpoint, state and marker writers that died before renaming.
    detail::remove_stale_temp_files(state_->root);
    for (const auto& bot : detail::list_dir(state_->root + "/checkpoints"))
      detail::remove_stale_temp_files(state_->root + "/checkpoints/" + bot);
    if (state_->opt.recover_on_open) {
      for (const auto& name : detail::list_dir(state_->root + "/queues")) {
        if (valid_queue_dir(name)) state_->queue(name).recover_now();
      }
    }
  }

  local_backend(local_backend&&) noexcept = default;
  local_backend& operator=(local_backend&&) noexcept = default;
  local_backend(const local_backend&) = delete;
  local_backend& operator=(const local_backend&) = delete;

  /// fsyncs what the interval policy left unsynced.
  ~local_backend() {
    if (state_ && state_->opt.fsync == fsync_policy::interval) {
      try {
        state_->flush_all();
      } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor cannot report it
      }
    }
  }

  /// Appends a batch; see `backend`. The records get their eid, `event` (the queue), and
  /// `timestamp` / `event_source_timestamp` when those were 0.
  std::string append(std::string_view queue, std::span<record> records) {
    return append_to(queue, records, true);
  }

  /// True under fsync_policy::every_batch: `append` fsyncs each batch before it returns.
  [[nodiscard]] bool syncs_each_append() const noexcept {
    return state_->opt.fsync == fsync_policy::every_batch;
  }

  /// `append` without its fsync, whatever the policy: the batch is visible to readers at once
  /// and survives a process crash, but a power loss may take it until `sync_appended(queue)` (or
  /// `flush()`) returns. For a writer that commits what depends on the batch only after that
  /// sync (bots, bot_engine.hpp: the fsync of one span overlaps the work on the next).
  std::string append_unsynced(std::string_view queue, std::span<record> records) {
    return append_to(queue, records, false);
  }

  /// fsyncs what this handle appended to `queue` and has not synced yet (nothing under
  /// fsync_policy::never); threads syncing one queue at once share one fsync.
  void sync_appended(std::string_view queue) {
    validate_queue_name(queue);
    if (state_->opt.fsync == fsync_policy::never) return;
    state_->queue(queue).flush();
  }

  /// Appends records that keep the full eids they carry (an import): each must be after the
  /// queue's last eid and the one before it, else eid_order_error and nothing of the batch is
  /// stored. `event`, and a zero `timestamp` / `event_source_timestamp`, are filled in as by
  /// `append`.
  std::string append_keeping_eids(std::string_view queue, std::span<record> records) {
    validate_queue_name(queue);
    return state_->queue(queue).append(records, true);
  }

  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<record>& out) {
    return read_queue(queue, after, [&](auto& q) { return q.read(after, max, out); });
  }

  /// Like read, but reads past damaged records (corrupt_policy::skip), adding the events each
  /// damaged range held to `skipped`. The damage is still reported (the queue is marked damaged
  /// and refuses appends until repaired).
  std::size_t read_skipping_damage(std::string_view queue, std::string_view after, std::size_t max,
                                   std::vector<record>& out, std::uint64_t& skipped) {
    return read_queue(queue, after, [&](auto& q) { return q.read(after, max, out, &skipped); });
  }

  /// `read` (`skipped` null) or `read_skipping_damage` (`*skipped`) into records the caller
  /// reuses: overwrites `out[0, n)`, growing `out` only when it is shorter, and returns n (see
  /// backend_reading_in_place). `after` must not view a string in `out`.
  std::size_t read_in_place(std::string_view queue, std::string_view after, std::size_t max,
                            std::vector<record>& out, std::uint64_t* skipped) {
    return read_queue(queue, after, [&](auto& q) { return q.read_at(after, max, out, 0, skipped); });
  }

  /// Blocks until the queue has a record after `after` (true), `timeout` passes or `stop` is
  /// requested (false). Woken by appends of any process.
  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            std::stop_token stop = {}) {
    validate_queue_name(queue);
    validate_position(after);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto& q = state_->queue(queue);
    const auto parent = state_->root + "/queues";
    std::vector<record> probe;
    bool found = false;
    while (true) {
      // Armed before each check, so an append between the check and the sleep still wakes us.
      const auto t = state_->notifier.arm(q.dir(), parent);
      probe.clear();
      if (q.exists() && q.read(after, 1, probe) > 0) {
        found = true;
        break;
      }
      if (stop.stop_requested() || std::chrono::steady_clock::now() >= deadline) break;
      state_->notifier.wait_until(t, deadline, stop);
    }
    state_->used(q);
    return found;
  }

  std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    return state_->checkpoints.get(bot, queue);
  }

  /// Compare-and-set; see `backend`. Appends an entry to the bot's checkpoint journal, fsynced
  /// before this returns under every_batch, at most once per fsync_interval under interval (and
  /// on flush() and close), never under never. Under interval, first fsyncs the queues this
  /// process appended to, so a checkpoint is never more durable than the events behind it.
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected_eid, const checkpoint& next,
                         bool force = false) {
    validate_bot_name(bot);
    validate_queue_name(queue);
    if (!next.eid.empty()) validate_position(next.eid);
    refuse_if_read_only("commit a checkpoint");
    if (is_full_eid(next.eid)) {
      // A full eid names an event: one past the queue's end cannot be (a prefix is a position).
      auto& q = state_->queue(queue);
      // Cheap first: a position this process appended or read exists (a bot commits what it
      // has just read); only otherwise scan the tail.
      auto last = q.seen_at_or_after(next.eid) ? next.eid : q.exists() ? q.info().last_eid : std::string{};
      if (next.eid > last && q.exists()) {
        // info() stops at damage in the last segment: look past it before refusing.
        std::vector<record> more;
        std::uint64_t skipped = 0;
        while (q.read(last, 1000, more, &skipped) > 0) {
          last = more.back().eid;
          more.clear();
        }
      }
      if (next.eid > last)
        throw config_error("rstreams::bus: checkpoint of bot " + std::string(bot) + " on queue " +
                           std::string(queue) + ": " + next.eid + " is past the end of the queue (last eid " +
                           (last.empty() ? std::string("none: the queue is empty") : last) + ")");
    }
    // What was derived from the events is on disk first (every_batch appends are synced already).
    if (state_->opt.fsync == fsync_policy::interval) state_->flush_queues();
    const auto sync = state_->opt.fsync == fsync_policy::every_batch ? detail::journal_sync::every_commit
                      : state_->opt.fsync == fsync_policy::interval  ? detail::journal_sync::interval
                                                                     : detail::journal_sync::none;
    state_->checkpoints.commit(bot, queue, expected_eid, next, force, sync, state_->opt.fsync_interval);
  }

  std::vector<queue_info> queues() {
    std::vector<queue_info> out;
    auto names = detail::list_dir(state_->root + "/queues");
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (valid_queue_dir(name)) out.push_back(state_->queue(name).info());
    }
    return out;
  }

  std::vector<bot_info> bots() { return state_->checkpoints.bots(); }

  /// Runs retention (local_options::retention, queue_retention) over every queue now: removes
  /// the closed segments each policy no longer keeps, archiving them first when it has an
  /// archive. Retention otherwise runs only when an append closes a segment.
  std::vector<retention_report> apply_retention() {
    refuse_if_read_only("apply retention");
    std::vector<retention_report> out;
    auto names = detail::list_dir(state_->root + "/queues");
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (valid_queue_dir(name)) out.push_back(state_->queue(name).apply_retention());
    }
    return out;
  }

  /// Runs retention over one queue now.
  retention_report apply_retention(std::string_view queue) {
    validate_queue_name(queue);
    refuse_if_read_only("apply retention");
    return state_->queue(queue).apply_retention();
  }

  /// Checks every record of a queue: damaged ranges (file, offset, events affected), missing
  /// segments and foreign files. Changes nothing.
  verify_report verify(std::string_view queue) {
    validate_queue_name(queue);
    return state_->queue(queue).verify();
  }

  /// Repairs a damaged queue: damaged bytes move to `<segment>.damaged-<offset>` beside their
  /// segment, a missing segment is replaced by an empty one, the damage mark is cleared so
  /// appends resume. Returns exactly what was lost. Foreign files are left for you to move.
  verify_report repair(std::string_view queue) {
    validate_queue_name(queue);
    refuse_if_read_only("repair");
    auto& q = state_->queue(queue);
    auto rep = q.repair();
    state_->used(q);
    return rep;
  }

  /// The bot runtime's stored state of `bot` (see bot_state), next to its checkpoints.
  std::optional<bot_state> get_bot_state(std::string_view bot) {
    validate_bot_name(bot);
    return state_->checkpoints.get_state(bot);
  }
  /// Replaces it atomically.
  void put_bot_state(std::string_view bot, const bot_state& s) {
    validate_bot_name(bot);
    refuse_if_read_only("store bot state");
    state_->checkpoints.put_state(bot, s, state_->opt.fsync != fsync_policy::never);
  }

  /// The position after the last record with eid <= `eid` in `queue` (see reports_stats): an
  /// index lookup, independent of how far behind `eid` is.
  std::uint64_t position(std::string_view queue, std::string_view eid) {
    validate_queue_name(queue);
    validate_position(eid);
    auto& q = state_->queue(queue);
    if (!q.exists()) return 0;
    return q.position(eid);
  }

  /// The queue's size and ends (see queue_stats); zeros for an unknown queue.
  bus::queue_stats queue_stats(std::string_view queue) {
    validate_queue_name(queue);
    auto& q = state_->queue(queue);
    if (!q.exists()) return bus::queue_stats{std::string(queue)};
    return q.stats();
  }

  /// The live holder of `bot`'s lease ("pid <n>" and its expiry), or nothing.
  std::optional<bus::lease_holder> lease_holder(std::string_view bot) {
    validate_bot_name(bot);
    const auto path = state_->root + "/leases/" + std::string(bot) + ".lease";
    auto fd = detail::open_if_exists(path, O_RDONLY);
    if (!fd) return std::nullopt;
    const auto l = detail::read_lease(fd.get(), path);
    if (detail::lease_is_free(l)) return std::nullopt;
    return bus::lease_holder{"pid " + std::to_string(l->pid), l->expires_at};
  }

  /// Takes the bot's lease for `ttl` if no live instance holds it.
  std::optional<lease> try_lease(std::string_view bot, std::chrono::milliseconds ttl) {
    validate_bot_name(bot);
    refuse_if_read_only("take a lease");
    return detail::try_lease_file(state_->root + "/leases", bot, ttl);
  }

  /// "local:<absolute directory>".
  [[nodiscard]] std::string describe() const { return "local:" + state_->root; }

  /// fsyncs every queue this process appended to and has not synced yet, then the checkpoint
  /// journals it wrote.
  void flush() { state_->flush_all(); }

  /// How waits of this handle learn of appends: one inotify instance for the handle, or polling
  /// (with the reason) when inotify could not be had; see `notifier_status`.
  [[nodiscard]] notifier_status notifier() const { return state_->notifier.status(); }

  /// The bus directory (absolute).
  [[nodiscard]] const std::string& path() const noexcept { return state_->root; }
  [[nodiscard]] const local_options& options() const noexcept { return state_->opt; }

 private:
  // The reads: `f(log)` on an existing queue (0 records otherwise), the log
  // marked used however `f` ends (a failed read may have opened the queue's files too).
  template <class F>
  std::size_t read_queue(std::string_view queue, std::string_view after, F&& f) {
    validate_queue_name(queue);
    validate_position(after);
    auto& q = state_->queue(queue);
    if (!q.exists()) return 0;
    std::size_t n = 0;
    try {
      n = f(q);
    } catch (...) {
      state_->used(q);
      throw;
    }
    state_->used(q);
    return n;
  }

  // `append` and `append_unsynced`: the queue's fsync policy applies when `sync`.
  std::string append_to(std::string_view queue, std::span<record> records, bool sync) {
    validate_queue_name(queue);
    refuse_if_read_only("append");
    auto& q = state_->queue(queue);
    std::string last;
    try {
      last = q.append(records, false, sync);
    } catch (...) {
      state_->used(q);  // a failed append may have opened the queue's files too
      throw;
    }
    state_->used(q);
    return last;
  }

  void refuse_if_read_only(const char* what) const {
    if (state_->opt.read_only)
      throw io_error(state_->root, std::string("cannot ") + what + ": the bus is open read-only" +
                                       " (opened with read_only, or the directory is not writable)");
  }

  static bool valid_queue_dir(const std::string& name) {
    try {
      validate_queue_name(name);
      return true;
    } catch (const config_error&) {
      return false;
    }
  }

  std::unique_ptr<detail::local_state> state_;
};

static_assert(backend<local_backend>);
static_assert(reports_stats<local_backend>);
static_assert(backend_deferring_sync<local_backend>);
static_assert(backend_reading_in_place<local_backend>);

}  // namespace rstreams::bus
