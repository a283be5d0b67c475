#pragma once
// A payload kept as JSON text: bots that route or pass events through, or extract a field or
// two by hand, skip the parse on read and the dump on write.

#include <nlohmann/json.hpp>

#include <string>

namespace rstreams::bus {

/// A payload as its JSON text. `read_as<raw_json>`, `enrich` and `offload` functions taking it
/// get the stored text untouched; returned from `enrich` (or written by `write` / `load`), its
/// text is stored as is, unchecked: it must be valid JSON.
struct raw_json {
  std::string text;
  friend bool operator==(const raw_json&, const raw_json&) = default;
};

inline void to_json(nlohmann::json& j, const raw_json& r) {
  j = nlohmann::json::parse(r.text);
}
inline void from_json(const nlohmann::json& j, raw_json& r) {
  r.text = j.dump();
}

}  // namespace rstreams::bus
