#pragma once
// Checkpoints of the local backend: `checkpoints/<bot>/<queue>.json`, replaced atomically (temp
// file, fsync, rename, fsync of the directory) under the bot's lock file, which makes the
// compare-and-set safe across processes.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/detail/now_ms.hpp>
#include <rstreams/bus/local/file.hpp>
#include <rstreams/bus/local/lock.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus::detail {

class checkpoint_store {
 public:
  explicit checkpoint_store(std::string dir) : dir_(std::move(dir)) {}

  [[nodiscard]] std::optional<checkpoint> get(std::string_view bot, std::string_view queue) const {
    return load(bot_dir(bot) + "/" + std::string(queue) + ".json");
  }

  /// Compare-and-set; `durable` adds the fsyncs.
  void commit(std::string_view bot, std::string_view queue, const std::optional<std::string>& expected,
              const checkpoint& next, bool force, bool durable) {
    const auto dir = bot_dir(bot);
    make_dirs(dir);
    file_lock lock(dir + "/.lock");
    const auto current = get(bot, queue);
    std::optional<std::string> found;
    if (current) found = current->eid;
    if (!force && found != expected)
      throw stale_checkpoint(std::string(bot), std::string(queue), expected, found);
    auto stored = next;
    if (stored.updated_at == 0) stored.updated_at = now_ms();
    replace_file(dir, std::string(queue) + ".json", nlohmann::json(stored).dump(), durable);
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

  [[nodiscard]] std::vector<bot_info> bots() const {
    std::vector<bot_info> out;
    auto names = list_dir(dir_);
    std::sort(names.begin(), names.end());
    for (const auto& bot : names) {
      if (bot.empty() || bot.front() == '.') continue;
      bot_info info{bot, {}, {}};
      for (const auto& file : list_dir(dir_ + "/" + bot)) {
        if (file.empty() || file.front() == '.' || file.size() <= 5 ||
            file.compare(file.size() - 5, 5, ".json") != 0)
          continue;
        const auto queue = file.substr(0, file.size() - 5);
        try {
          if (auto c = load(dir_ + "/" + bot + "/" + file)) info.checkpoints.emplace(queue, *c);
        } catch (const io_error& e) {
          info.errors.emplace(queue, e.what());  // this bot's entry reports it; the others list
        }
      }
      // Not a bot with only a state.
      if (!info.checkpoints.empty() || !info.errors.empty()) out.push_back(std::move(info));
    }
    return out;
  }

 private:
  [[nodiscard]] std::string bot_dir(std::string_view bot) const { return dir_ + "/" + std::string(bot); }

  static std::optional<checkpoint> load(const std::string& path) {
    const auto text = read_whole_file(path);
    if (!text) return std::nullopt;
    try {
      return nlohmann::json::parse(*text).get<checkpoint>();
    } catch (const nlohmann::json::exception& e) {
      throw io_error(path, std::string("unreadable checkpoint: ") + e.what());
    }
  }

  std::string dir_;
};

}  // namespace rstreams::bus::detail
