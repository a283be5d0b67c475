#pragma once
// The contract every event-bus backend meets (local directory, NATS JetStream, ...), and the
// vocabulary types it returns. Operations and bots are templates over `backend B`.

#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/record.hpp>
#include <rstreams/core/error.hpp>

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::bus {

/// A queue and how far it goes.
struct queue_info {
  std::string name;
  std::string last_eid;
  std::uint64_t records = 0;
  friend bool operator==(const queue_info&, const queue_info&) = default;
};

/// A bot and its checkpoint in each queue it reads.
struct bot_info {
  std::string id;
  std::map<std::string, checkpoint> checkpoints;
  /// Checkpoints that could not be read, by queue: what is wrong (file and cause). One bad
  /// file is reported here, for its bot only; the other bots and checkpoints still list.
  std::map<std::string, std::string> errors{};
  friend bool operator==(const bot_info&, const bot_info&) = default;
};

namespace detail {
/// What a backend implements behind a `lease`.
class lease_state {
 public:
  virtual ~lease_state() = default;
  /// Extends the lease by its ttl; false when it was lost meanwhile (expired and taken).
  virtual bool renew() = 0;
  /// True while this instance still owns the lease and it has not expired.
  [[nodiscard]] virtual bool held() const = 0;
  /// Gives the lease up (idempotent, never throws).
  virtual void release() noexcept = 0;
};
}  // namespace detail

/// The right to run one bot: at most one instance holds it at a time. It expires `ttl` after it
/// was taken or last renewed, so a hung holder loses it; it is released on destruction.
class lease {
 public:
  lease() = default;
  explicit lease(std::unique_ptr<detail::lease_state> state) : state_(std::move(state)) {}
  lease(lease&&) noexcept = default;
  lease& operator=(lease&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;
  ~lease() { release(); }

  /// Extends the lease by its ttl; returns false (and the lease is no longer held) when it had
  /// expired and another instance took it.
  bool renew() { return state_ != nullptr && state_->renew(); }
  /// True while this instance owns the lease.
  [[nodiscard]] bool held() const { return state_ != nullptr && state_->held(); }
  /// Gives the lease up now.
  void release() noexcept {
    if (state_) {
      state_->release();
      state_.reset();
    }
  }

 private:
  std::unique_ptr<detail::lease_state> state_;
};

/// The longest queue or bot name.
inline constexpr std::size_t max_name_size = 200;

namespace detail {
/// `name` as printable text for an error: a byte outside printable ASCII (a NUL, a control
/// byte, UTF-8) is shown as \xNN, so the message neither ends early nor garbles a terminal.
inline std::string printable_name(std::string_view name) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(name.size());
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

inline void validate_name(std::string_view what, std::string_view name) {
  const auto bad = [&](const std::string& why) {
    throw config_error("rstreams: bad " + std::string(what) + " name \"" + printable_name(name) +
                       "\": " + why);
  };
  if (name.empty()) bad("it is empty");
  if (name.size() > max_name_size) bad("longer than " + std::to_string(max_name_size) + " characters");
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '-';
    if (!ok) bad("character " + std::to_string(i) + " is not allowed (use letters, digits, '_', '.', '-')");
  }
  if (name.front() == '.') bad("it may not start with '.'");
}
}  // namespace detail

/// Throws config_error unless `name` matches `[A-Za-z0-9_.-]+`, does not start with '.', and
/// has at most 200 characters (the message shows the name with unprintable bytes as \xNN).
inline void validate_queue_name(std::string_view name) {
  detail::validate_name("queue", name);
}
/// The same rule for bot ids.
inline void validate_bot_name(std::string_view name) {
  detail::validate_name("bot", name);
}

/// An append with caller-given eids (`append_keeping_eids`) that are not strictly increasing in
/// their queue: `index()` is the record's place in the batch, `eid()` its eid, `previous()` the
/// eid it had to follow.
class eid_order_error : public rstreams::error {
 public:
  eid_order_error(std::string_view queue, std::size_t index, std::string eid, std::string previous)
      : error("rstreams: queue " + std::string(queue) + ": eid " + eid + " (record " + std::to_string(index) +
              " of the batch) is not after " + (previous.empty() ? std::string("(none)") : previous) +
              ": imported eids must strictly increase per queue"),
        index_(index),
        eid_(std::move(eid)),
        previous_(std::move(previous)) {}
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  [[nodiscard]] const std::string& eid() const noexcept { return eid_; }
  [[nodiscard]] const std::string& previous() const noexcept { return previous_; }

 private:
  std::size_t index_;
  std::string eid_;
  std::string previous_;
};

/// A backend that can store records under the eids they carry (imports keeping eids).
template <class B>
concept backend_keeping_eids = requires(B& b, std::string_view queue, std::span<record> records) {
  { b.append_keeping_eids(queue, records) } -> std::same_as<std::string>;
};

/// A backend whose appends can leave their sync for later, so that a bot overlaps the fsync of
/// what it wrote with its next work (bot_engine.hpp; the local backend):
/// * `syncs_each_append()`: true when `append` makes each batch durable before returning (a sync
///   worth moving off the bot's thread);
/// * `append_unsynced(queue, records)`: `append`, durable only once `sync_appended(queue)`
///   returns (visible to readers at once, as `append`'s are);
/// * `sync_appended(queue)`: makes durable everything this handle appended to `queue` so far.
template <class B>
concept backend_deferring_sync = requires(B& b, const B& cb, std::string_view queue,
                                          std::span<record> records) {
  { cb.syncs_each_append() } -> std::same_as<bool>;
  { b.append_unsynced(queue, records) } -> std::same_as<std::string>;
  b.sync_appended(queue);
};

/// A backend that reads into records a reader keeps from one batch to the next, so that their
/// strings keep their storage (a steady reader allocates nothing per event; the local backend):
/// `read_in_place(queue, after, max, out, skipped)` reads as `read` does (`skipped` null) or as
/// `read_skipping_damage` does (adding to `*skipped`), except that it overwrites `out[0, n)`,
/// growing `out` only when it is shorter, and returns n. Records past n are left as they were.
/// `after` must not view a string in `out` (the read overwrites it): copy it first.
template <class B>
concept backend_reading_in_place = requires(B& b, std::string_view queue, std::size_t max,
                                            std::vector<record>& out, std::uint64_t* skipped) {
  { b.read_in_place(queue, queue, max, out, skipped) } -> std::same_as<std::size_t>;
};

/// A backend of the event bus.
/// * `append(queue, records)`: assigns strictly increasing eids (written into the records), stores
///   them (durable per the backend's policy when it returns) and returns the last eid. Creates the
///   queue on first append; validates its name.
/// * `read(queue, after, max, out)`: appends to `out` up to `max` records with eid > `after` (an eid,
///   a prefix, or "" for the beginning); returns how many. An unknown queue reads as empty.
/// * `wait(queue, after, timeout, stop)`: true once a record after `after` exists; false on
///   timeout or stop.
/// * `get_checkpoint(bot, queue)`, `commit_checkpoint(bot, queue, expected, next, force)`: a
///   compare-and-set; throws stale_checkpoint when the stored eid is not `expected` (nullopt = no
///   checkpoint yet) unless `force`.
/// * `queues()`, `bots()`: listings; `try_lease(bot, ttl)`: one active instance per bot;
///   `describe()`: "local:/path", "nats://host:port", ...
template <class B>
concept backend = requires(B& b, const B& cb, std::string_view name, std::span<record> records,
                           std::size_t max, std::vector<record>& out, std::chrono::milliseconds timeout,
                           std::stop_token stop, const std::optional<std::string>& expected,
                           const checkpoint& next) {
  { b.append(name, records) } -> std::same_as<std::string>;
  { b.read(name, name, max, out) } -> std::same_as<std::size_t>;
  { b.wait(name, name, timeout, stop) } -> std::same_as<bool>;
  { b.get_checkpoint(name, name) } -> std::same_as<std::optional<checkpoint>>;
  b.commit_checkpoint(name, name, expected, next);
  b.commit_checkpoint(name, name, expected, next, true);
  { b.queues() } -> std::same_as<std::vector<queue_info>>;
  { b.bots() } -> std::same_as<std::vector<bot_info>>;
  { b.try_lease(name, timeout) } -> std::same_as<std::optional<lease>>;
  { cb.describe() } -> std::same_as<std::string>;
};

}  // namespace rstreams::bus
