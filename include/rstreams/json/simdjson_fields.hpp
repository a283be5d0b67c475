#pragma once
// `decode_with_simdjson`: a simdjson On-Demand document of a JSON text, for json/json_codec.hpp's
// `rstreams_decode` when a payload type has nested objects or arrays to walk (the simdjson part:
// Debian libsimdjson-dev, CMake target rstreams::simdjson).
//
//     void rstreams_decode(std::string_view text, route& r) {
//       rstreams::decode_with_simdjson(text, [&](simdjson::ondemand::document& doc) {
//         for (auto stop : doc["stops"].get_array()) r.stops.emplace_back(std::string_view(stop));
//       });
//     }
//
// For flat objects of scalars, json/json_fields.hpp's `decode_json_fields` does the same in one
// line per field with no dependency, within a few percent of this (benchmarks/bus_enrich_bench:
// simdjson's stage 1 is AVX2 here, its On-Demand code portable). One parser and one padded
// buffer per thread are reused, so `f` may not call decode_with_simdjson again (that call
// throws std::logic_error).

#include <rstreams/json/json_codec.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {

struct simdjson_scratch {
  simdjson::ondemand::parser parser;
  std::unique_ptr<char[]> padded;  // the text and simdjson's padding after it
  std::size_t capacity = 0;
  bool busy = false;  // a document of this thread is being read

  const char* copy(std::string_view text) {
    if (text.size() + simdjson::SIMDJSON_PADDING > capacity) {
      capacity = std::max<std::size_t>(2 * capacity, text.size() + simdjson::SIMDJSON_PADDING);
      padded = std::make_unique<char[]>(capacity);
    }
    if (!text.empty()) std::memcpy(padded.get(), text.data(), text.size());
    std::memset(padded.get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
    return padded.get();
  }
};

inline simdjson_scratch& simdjson_local() {
  thread_local simdjson_scratch s;
  return s;
}

}  // namespace detail

/// Calls `f(simdjson::ondemand::document&)` on `text` (copied into a padded per-thread buffer,
/// parsed by a per-thread parser) and returns what it returns. Throws json_decode_error when
/// simdjson rejects the text before `f` runs; what `f` throws propagates. Not re-entrant: when `f`
/// calls decode_with_simdjson, that call throws std::logic_error.
template <class F>
decltype(auto) decode_with_simdjson(std::string_view text, F&& f) {
  auto& s = detail::simdjson_local();
  if (s.busy)
    throw std::logic_error(
        "rstreams::decode_with_simdjson: called again from inside its own function on the same thread "
        "(the thread's parser is in use); decode nested values with the simdjson value you were given");
  s.busy = true;
  struct release {
    bool& flag;
    ~release() { flag = false; }
  } guard{s.busy};
  const char* const padded = s.copy(text);
  simdjson::ondemand::document doc;
  if (const auto e = s.parser.iterate(padded, text.size(), s.capacity).get(doc))
    throw json_decode_error(simdjson::error_message(e));
  return std::forward<F>(f)(doc);
}

}  // namespace rstreams
