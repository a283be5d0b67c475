#pragma once
// Checkpoints and bot state of the local backend: one journal per bot
// (`checkpoints/<bot>/checkpoints.journal`, see checkpoint_journal.hpp) and the bot runtime's
// `.state.json`, replaced atomically, both under the bot's lock file.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/local/checkpoint_journal.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/lock.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus::detail {

class checkpoint_store {
 public:
  explicit checkpoint_store(std::string dir, journal_limits limits = {})
      : dir_(std::move(dir)), limits_(limits) {}

  [[nodiscard]] std::optional<checkpoint> get(std::string_view bot, std::string_view queue) {
    return journal(bot)->get(queue);
  }

  /// Compare-and-set, on disk before it returns as `sync` says.
  void commit(std::string_view bot, std::string_view queue, const std::optional<std::string>& expected,
              const checkpoint& next, bool force, journal_sync sync,
              std::chrono::milliseconds interval = {}) {
    journal(bot)->commit(queue, expected, next, force, sync, interval);
  }

  /// fsyncs the journal entries this handle wrote and did not sync yet.
  void flush() {
    std::vector<std::shared_ptr<checkpoint_journal>> open;
    {
      std::lock_guard l(mu_);
      for (const auto& [bot, j] : journals_) open.push_back(j);
    }
    for (const auto& j : open) j->flush();
  }

  /// A bot's state: `<bot>/.state.json` (a dot file, so listings skip it).
  [[nodiscard]] std::optional<bot_state> get_state(std::string_view bot) const {
    const auto path = bot_dir(bot) + "/.state.json";
    const auto text = read_whole_file(path);
    if (!text) return std::nullopt;
    try {
      return nlohmann::json::parse(*text).get<bot_state>();
    } catch (const nlohmann::json::exception& e) {
      throw io_error(path, std::string("unreadable bot state: ") + e.what());
    }
  }

  /// Replaces a bot's state atomically, under the bot's lock file.
  void put_state(std::string_view bot, const bot_state& state, bool durable) {
    const auto dir = bot_dir(bot);
    make_dirs(dir);
    file_lock lock(dir + "/.lock");
    replace_file(dir, ".state.json", nlohmann::json(state).dump(), durable);
  }

  [[nodiscard]] std::vector<bot_info> bots() {
    std::vector<bot_info> out;
    auto names = list_dir(dir_);
    std::sort(names.begin(), names.end());
    for (const auto& bot : names) {
      if (bot.empty() || bot.front() == '.' || !is_directory(dir_ + "/" + bot)) continue;
      bot_info info{bot, {}, {}};
      try {
        journal(bot)->all(info.checkpoints, info.errors);
      } catch (const io_error& e) {
        info.errors.emplace("", e.what());  // this bot's entry reports it; the others list
      }
      // Not a bot with only a state.
      if (!info.checkpoints.empty() || !info.errors.empty()) out.push_back(std::move(info));
    }
    return out;
  }

 private:
  [[nodiscard]] std::string bot_dir(std::string_view bot) const { return dir_ + "/" + std::string(bot); }

  // The journal object of `bot`. At most 64 stay cached (each holds up to two descriptors); past
  // that, those not in use are flushed and closed.
  std::shared_ptr<checkpoint_journal> journal(std::string_view bot) {
    std::vector<std::shared_ptr<checkpoint_journal>> closing;
    std::shared_ptr<checkpoint_journal> j;
    {
      std::lock_guard l(mu_);
      auto it = journals_.find(bot);
      if (it != journals_.end()) return it->second;
      if (journals_.size() >= 64) {
        for (auto at = journals_.begin(); at != journals_.end();) {
          if (at->second.use_count() == 1) {
            closing.push_back(std::move(at->second));
            at = journals_.erase(at);
          } else {
            ++at;
          }
        }
      }
      j = journals_.emplace(std::string(bot), std::make_shared<checkpoint_journal>(bot_dir(bot), limits_))
              .first->second;
    }
    for (const auto& c : closing) c->flush();
    return j;
  }

  std::string dir_;
  journal_limits limits_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<checkpoint_journal>, std::less<>> journals_;
};

}  // namespace rstreams::bus::detail
