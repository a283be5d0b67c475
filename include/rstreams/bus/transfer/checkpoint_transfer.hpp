#pragma once
// Bot checkpoints to and from JSON lines: {"bot":…,"queue":…,"checkpoint":{"eid":…,"records":…,
// "source_timestamp":…,"updated_at":…}}, selected by bot id and queue.

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/detail/gz_lines.hpp>
#include <rstreams/bus/eid.hpp>
#include <rstreams/bus/transfer/envelope_json.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

namespace rstreams::bus {

/// Which checkpoints move: empty = every bot / every queue.
struct checkpoint_selection {
  std::string bot{};
  std::string queue{};
  [[nodiscard]] bool matches(const std::string& b, const std::string& q) const {
    return (bot.empty() || bot == b) && (queue.empty() || queue == q);
  }
};

/// Writes the selected checkpoints to `path` (plain; gzip with `gzip`); returns how many.
template <backend B>
std::size_t export_checkpoints(B& bus, const std::string& path, const checkpoint_selection& sel = {},
                               bool gzip = false) {
  detail::gz_file out(path, gzip ? "wb6" : "wT", "export checkpoints " + path);
  std::size_t n = 0;
  for (const auto& b : bus.bots())
    for (const auto& [queue, cp] : b.checkpoints) {
      if (!sel.matches(b.id, queue)) continue;
      out.write(nlohmann::json{{"bot", b.id}, {"queue", queue}, {"checkpoint", cp}}.dump() + "\n");
      ++n;
    }
  out.close();
  return n;
}

/// Sets the selected checkpoints of the file at `path` (plain or gzip), overwriting what the bots
/// have (a forced commit); returns how many. Throws envelope_error naming the line of a bad one.
template <backend B>
std::size_t import_checkpoints(B& bus, const std::string& path, const checkpoint_selection& sel = {}) {
  detail::gz_file in(path, "rb", "import checkpoints " + path);
  std::string line;
  std::uint64_t line_no = 0;
  std::size_t n = 0;
  while (in.getline(line)) {
    ++line_no;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::string bot, queue;
    checkpoint cp;
    try {
      const auto j = nlohmann::json::parse(line);
      bot = j.at("bot").get<std::string>();
      queue = j.at("queue").get<std::string>();
      cp = j.at("checkpoint").get<checkpoint>();
      validate_bot_name(bot);
      validate_queue_name(queue);
      if (!cp.eid.empty()) validate_position(cp.eid);
    } catch (const std::exception& e) {
      throw envelope_error(path, line_no, std::string("not a checkpoint line: ") + e.what());
    }
    if (!sel.matches(bot, queue)) continue;
    const auto now = bus.get_checkpoint(bot, queue);
    bus.commit_checkpoint(bot, queue, now ? std::optional<std::string>(now->eid) : std::nullopt, cp, true);
    ++n;
  }
  return n;
}

}  // namespace rstreams::bus
