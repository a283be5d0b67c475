#pragma once
// The shared state of one in-memory bus: its queues, checkpoints, bot states and leases behind
// one mutex, a condition variable that wakes waiting readers, and the process-wide table of
// buses by name.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/mem/mem_queue.hpp>
#include <rstreams/bus/record.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus::detail {

/// Who holds a bot's lease and until when.
struct mem_lease_slot {
  std::uint64_t owner = 0;  // 0: nobody
  std::chrono::steady_clock::time_point expires{};
};

class mem_store {
 public:
  explicit mem_store(std::string name) : name_(std::move(name)) {}
  mem_store(const mem_store&) = delete;
  mem_store& operator=(const mem_store&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  std::string append(std::string_view queue, std::span<record> records) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    std::string last;
    {
      std::lock_guard lock(mu_);
      auto it = queues_.find(queue);
      if (it == queues_.end()) it = queues_.emplace(std::string(queue), mem_queue(std::string(queue))).first;
      last = it->second.append(records, now);
    }
    changed_.notify_all();
    return last;
  }

  std::size_t read(std::string_view queue, std::string_view after, std::size_t max,
                   std::vector<record>& out) {
    std::lock_guard lock(mu_);
    const auto it = queues_.find(queue);
    return it == queues_.end() ? 0 : it->second.read(after, max, out);
  }

  bool wait(std::string_view queue, std::string_view after, std::chrono::milliseconds timeout,
            const std::stop_token& stop) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mu_);
    return changed_.wait_until(lock, stop, deadline, [&] {
      const auto it = queues_.find(queue);
      return it != queues_.end() && it->second.has_after(after);
    });
  }

  std::optional<checkpoint> get_checkpoint(std::string_view bot, std::string_view queue) {
    std::lock_guard lock(mu_);
    const auto b = checkpoints_.find(bot);
    if (b == checkpoints_.end()) return std::nullopt;
    const auto q = b->second.find(queue);
    if (q == b->second.end()) return std::nullopt;
    return q->second;
  }

  /// Compare-and-set (see `backend`): the check and the store happen under one lock.
  void commit_checkpoint(std::string_view bot, std::string_view queue,
                         const std::optional<std::string>& expected, const checkpoint& next, bool force) {
    std::lock_guard lock(mu_);
    auto& of_bot = checkpoints_[std::string(bot)];
    const auto q = of_bot.find(queue);
    if (!force) {
      const std::optional<std::string> found =
          q == of_bot.end() ? std::nullopt : std::optional<std::string>(q->second.eid);
      if (found != expected) throw stale_checkpoint(std::string(bot), std::string(queue), expected, found);
    }
    if (q == of_bot.end())
      of_bot.emplace(std::string(queue), next);
    else
      q->second = next;
  }

  std::vector<queue_info> queues() {
    std::lock_guard lock(mu_);
    std::vector<queue_info> out;
    out.reserve(queues_.size());
    for (const auto& [name, q] : queues_) out.push_back(q.info());
    return out;
  }

  std::vector<bot_info> bots() {
    std::lock_guard lock(mu_);
    std::vector<bot_info> out;
    for (const auto& [bot, cps] : checkpoints_) {
      if (cps.empty()) continue;
      bot_info b;
      b.id = bot;
      for (const auto& [queue, cp] : cps) b.checkpoints.emplace(queue, cp);
      out.push_back(std::move(b));
    }
    return out;
  }

  std::optional<bot_state> get_bot_state(std::string_view bot) {
    std::lock_guard lock(mu_);
    const auto it = states_.find(bot);
    if (it == states_.end()) return std::nullopt;
    return it->second;
  }

  void put_bot_state(std::string_view bot, const bot_state& s) {
    std::lock_guard lock(mu_);
    states_.insert_or_assign(std::string(bot), s);
  }

  /// Takes `bot`'s lease for `ttl` when nobody holds it or its holder's time ran out; returns
  /// the new owner id, or 0 when it is held.
  std::uint64_t take_lease(std::string_view bot, std::chrono::milliseconds ttl) {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    auto& slot = leases_[std::string(bot)];
    if (slot.owner != 0 && now < slot.expires) return 0;
    slot.owner = ++last_owner_;
    slot.expires = now + ttl;
    return slot.owner;
  }

  /// Extends `owner`'s lease of `bot` to now + `ttl`; false when another owner took it.
  bool renew_lease(const std::string& bot, std::uint64_t owner, std::chrono::milliseconds ttl) {
    std::lock_guard lock(mu_);
    const auto it = leases_.find(bot);
    if (it == leases_.end() || it->second.owner != owner) return false;
    it->second.expires = std::chrono::steady_clock::now() + ttl;
    return true;
  }

  /// True while `owner` holds `bot`'s lease and it has not expired.
  bool holds_lease(const std::string& bot, std::uint64_t owner) {
    std::lock_guard lock(mu_);
    const auto it = leases_.find(bot);
    return it != leases_.end() && it->second.owner == owner &&
           std::chrono::steady_clock::now() < it->second.expires;
  }

  void release_lease(const std::string& bot, std::uint64_t owner) noexcept {
    std::lock_guard lock(mu_);
    const auto it = leases_.find(bot);
    if (it != leases_.end() && it->second.owner == owner) leases_.erase(it);
  }

 private:
  std::string name_;
  std::mutex mu_;
  std::condition_variable_any changed_;
  std::map<std::string, mem_queue, std::less<>> queues_;
  std::map<std::string, std::map<std::string, checkpoint, std::less<>>, std::less<>> checkpoints_;
  std::map<std::string, bot_state, std::less<>> states_;
  std::map<std::string, mem_lease_slot, std::less<>> leases_;
  std::uint64_t last_owner_ = 0;
};

/// The buses of this process by name. A bus lives while a handle on it is open: the table holds
/// them weakly.
class mem_store_table {
 public:
  static std::shared_ptr<mem_store> open(const std::string& name) {
    auto& t = instance();
    std::lock_guard lock(t.mu_);
    auto& slot = t.stores_[name];
    auto store = slot.lock();
    if (!store) {
      store = std::make_shared<mem_store>(name);
      slot = store;
    }
    // Forget the names whose buses are gone, so the table does not grow with every name used.
    for (auto it = t.stores_.begin(); it != t.stores_.end();) {
      if (it->second.expired())
        it = t.stores_.erase(it);
      else
        ++it;
    }
    return store;
  }

 private:
  static mem_store_table& instance() {
    static mem_store_table t;
    return t;
  }
  std::mutex mu_;
  std::map<std::string, std::weak_ptr<mem_store>> stores_;
};

}  // namespace rstreams::bus::detail
