#pragma once
// Checkpoints and bot state in the JetStream key-value bucket `<prefix>_checkpoints`:
// compare-and-set by revision, forced puts, listing bots (see nats_backend.hpp).

#include <rstreams/bus/backend.hpp>
#include <rstreams/bus/bot_state.hpp>
#include <rstreams/bus/checkpoint.hpp>
#include <rstreams/bus/nats/checkpoint_consumer.hpp>
#include <rstreams/bus/nats/nats_error.hpp>
#include <rstreams/bus/nats/nats_state.hpp>
#include <rstreams/core/error.hpp>

#include <nats/nats.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::bus::detail {

/// A checkpoint as stored, with the revision a compare-and-set updates.
struct nats_kv_entry {
  checkpoint value;
  std::uint64_t revision = 0;
};

/// The key of a checkpoint in `<prefix>_checkpoints`: `<bot>.<queue>`, both escaped.
inline std::string nats_checkpoint_key(std::string_view bot, std::string_view queue) {
  return nats_escape(bot) + "." + nats_escape(queue);
}

/// The suffix of a bot state key: a checkpoint key's part after the dot is an escaped queue
/// name, which never starts with '=' (queue names never start with '.').
inline constexpr std::string_view nats_bot_state_suffix = "=state";

inline std::string nats_bot_state_key(std::string_view bot) {
  return nats_escape(bot) + "." + std::string(nats_bot_state_suffix);
}

/// Whether `key` of the checkpoints bucket is a checkpoint (`<bot>.<queue>`), not a bot state
/// or another entry kept there (after the dot a '=' that no escaped queue name starts with).
inline bool nats_is_checkpoint_key(std::string_view key) {
  const auto dot = key.find('.');
  return dot != std::string_view::npos && dot + 1 < key.size() && key[dot + 1] != '=';
}

inline kvStore* nats_checkpoints_bucket(nats_state& st) {
  return st.bucket(st.checkpoints, "checkpoints");
}

inline std::optional<nats_kv_entry> nats_get_entry(nats_state& st, const std::string& key) {
  auto& conn = *st.conn;
  kvStore* kv = nats_checkpoints_bucket(st);
  kvEntry* e = nullptr;
  const natsStatus s = conn.call(
      "read checkpoint " + key, [&](jsErrCode*) { return kvStore_Get(&e, kv, key.c_str()); },
      [](natsStatus s2, int) { return s2 == NATS_NOT_FOUND; });
  if (s != NATS_OK || e == nullptr) return std::nullopt;
  nats_kv_entry out;
  out.revision = kvEntry_Revision(e);
  const auto j = nlohmann::json::parse(kvEntry_ValueString(e), nullptr, false);
  kvEntry_Destroy(e);
  if (!j.is_object()) return std::nullopt;
  out.value = j.get<checkpoint>();
  return out;
}

inline std::optional<checkpoint> nats_get_checkpoint(nats_state& st, std::string_view bot,
                                                     std::string_view queue) {
  auto e = nats_get_entry(st, nats_checkpoint_key(bot, queue));
  if (!e) return std::nullopt;
  return e->value;
}

/// Compare-and-set of `bot`'s checkpoint on `queue` (see nats_backend.hpp).
inline void nats_commit_checkpoint(nats_state& st, std::string_view bot, std::string_view queue,
                                   const std::optional<std::string>& expected_eid, const checkpoint& next,
                                   bool force) {
  auto& conn = *st.conn;
  kvStore* kv = nats_checkpoints_bucket(st);
  const std::string key = nats_checkpoint_key(bot, queue);
  const std::string value = nlohmann::json(next).dump();
  if (force) {
    conn.call("put checkpoint " + key,
              [&](jsErrCode*) { return kvStore_PutString(nullptr, kv, key.c_str(), value.c_str()); });
    nats_mirror_checkpoint(st, bot, queue, next.eid);
    return;
  }
  const auto current = nats_get_entry(st, key);
  const std::optional<std::string> found =
      current ? std::optional<std::string>(current->value.eid) : std::nullopt;
  if (found != expected_eid)
    throw stale_checkpoint(std::string(bot), std::string(queue), expected_eid, found);
  const auto refused = [](natsStatus s, int code) {
    return code == JSStreamWrongLastSequenceErr || (s == NATS_ERR && code == 0);
  };
  const natsStatus s = conn.call(
      "commit checkpoint " + key,
      [&](jsErrCode*) {
        return current ? kvStore_UpdateString(nullptr, kv, key.c_str(), value.c_str(), current->revision)
                       : kvStore_CreateString(nullptr, kv, key.c_str(), value.c_str());
      },
      refused);
  if (s != NATS_OK) {
    // Lost the race: someone wrote between our read and our update (or our retried update
    // had already landed: then the stored value is ours and all is well).
    const auto now = nats_get_entry(st, key);
    if (now && now->value == next) {
      nats_mirror_checkpoint(st, bot, queue, next.eid);
      return;
    }
    throw stale_checkpoint(std::string(bot), std::string(queue), expected_eid,
                           now ? std::optional<std::string>(now->value.eid) : std::nullopt);
  }
  nats_mirror_checkpoint(st, bot, queue, next.eid);
}

inline std::vector<bot_info> nats_bots(nats_state& st) {
  auto& conn = *st.conn;
  kvStore* kv = nats_checkpoints_bucket(st);
  kvKeysList keys{nullptr, 0};
  const natsStatus s = conn.call(
      "list checkpoints", [&](jsErrCode*) { return kvStore_Keys(&keys, kv, nullptr); },
      [](natsStatus st2, int) { return st2 == NATS_NOT_FOUND; });
  std::map<std::string, bot_info> by_bot;
  if (s == NATS_OK) {
    std::vector<std::string> list(keys.Keys, keys.Keys + keys.Count);
    kvKeysList_Destroy(&keys);
    for (const auto& key : list) {
      if (!nats_is_checkpoint_key(key)) continue;
      const auto dot = key.find('.');
      auto e = nats_get_entry(st, key);
      if (!e) continue;
      const std::string bot = nats_unescape(std::string_view(key).substr(0, dot));
      auto& b = by_bot[bot];
      b.id = bot;
      b.checkpoints[nats_unescape(std::string_view(key).substr(dot + 1))] = e->value;
    }
  }
  std::vector<bot_info> out;
  for (auto& [_, b] : by_bot) out.push_back(std::move(b));
  return out;
}

/// The bot runtime's stored state of `bot` (see bot_state and the class comment), or nothing
/// when none was stored. An entry that is not bot_state JSON throws io_error naming its key.
inline std::optional<bot_state> nats_get_bot_state(nats_state& st, std::string_view bot) {
  auto& conn = *st.conn;
  kvStore* kv = nats_checkpoints_bucket(st);
  const std::string key = nats_bot_state_key(bot);
  kvEntry* e = nullptr;
  const natsStatus s = conn.call(
      "read bot state " + key, [&](jsErrCode*) { return kvStore_Get(&e, kv, key.c_str()); },
      [](natsStatus s2, int) { return s2 == NATS_NOT_FOUND; });
  if (s != NATS_OK || e == nullptr) return std::nullopt;
  const char* v = kvEntry_ValueString(e);
  const std::string text = v != nullptr ? v : "";
  kvEntry_Destroy(e);
  try {
    return nlohmann::json::parse(text).get<bot_state>();
  } catch (const nlohmann::json::exception& x) {
    throw io_error(conn.url() + " " + st.opt().prefix + "_checkpoints/" + key,
                   std::string("unreadable bot state: ") + x.what());
  }
}

/// Replaces `bot`'s stored state (one key-value put: readers see the old or the new value).
inline void nats_put_bot_state(nats_state& st, std::string_view bot, const bot_state& s) {
  auto& conn = *st.conn;
  kvStore* kv = nats_checkpoints_bucket(st);
  const std::string key = nats_bot_state_key(bot);
  const std::string value = nlohmann::json(s).dump();
  conn.call("put bot state " + key,
            [&](jsErrCode*) { return kvStore_PutString(nullptr, kv, key.c_str(), value.c_str()); });
}

}  // namespace rstreams::bus::detail
