#pragma once
// Short, fast decoders for json/json_codec.hpp's `rstreams_decode`, on simdjson's On-Demand
// parser (the simdjson part: Debian libsimdjson-dev, CMake target rstreams::simdjson).
//
//     struct order { std::uint64_t id; std::string customer; double total; std::string country; };
//     void rstreams_decode(std::string_view text, order& o) {
//       rstreams::decode_json_fields(text, rstreams::json_field("id", o.id),
//                                    rstreams::json_field("customer", o.customer),
//                                    rstreams::json_field("total", o.total),
//                                    rstreams::json_optional_field("country", o.country));
//     }
//
// `decode_json_fields` reads one JSON object, assigns the members it names (bool, integers with
// a range check, floating point, std::string, std::optional of those with null = empty), skips
// the others, and throws json_decode_error with the byte offset on malformed JSON, a member of
// the wrong type or out of range, a required member that is missing, or text after the object
// (which simdjson reports as "not one JSON object"). For anything else (nested objects, arrays),
// `decode_with_simdjson` hands a simdjson ondemand::document to your function. Both reuse one
// parser and one padded buffer per thread, so neither may be called again from inside `f` (that
// call throws std::logic_error).

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

/// One member of a JSON object and the variable it goes into (see json_field).
template <class V>
struct json_field_ref {
  std::string_view key;
  V* target;
  bool required;
};

/// A member that must be present: `json_field("total", o.total)`.
template <class V>
json_field_ref<V> json_field(std::string_view key, V& target) {
  return {key, &target, true};
}

/// A member that may be absent (the variable keeps its value).
template <class V>
json_field_ref<V> json_optional_field(std::string_view key, V& target) {
  return {key, &target, false};
}

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

// Where the document's iterator stands, as a byte offset into the text (unknown at the end).
inline std::size_t simdjson_offset(simdjson::ondemand::document& doc, const char* base) {
  const char* at = nullptr;
  if (doc.current_location().get(at) != simdjson::SUCCESS || at == nullptr || at < base)
    return json_decode_error::unknown;
  return static_cast<std::size_t>(at - base);
}

template <class T>
inline constexpr bool is_std_optional_v = false;
template <class T>
inline constexpr bool is_std_optional_v<std::optional<T>> = true;

template <class V>
simdjson::error_code simdjson_assign(simdjson::ondemand::value& v, V& out) {
  if constexpr (std::is_same_v<V, bool>) {
    return v.get_bool().get(out);
  } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V>) {
    std::int64_t x = 0;
    if (const auto e = v.get_int64().get(x)) return e;
    if (!std::in_range<V>(x)) return simdjson::NUMBER_OUT_OF_RANGE;
    out = static_cast<V>(x);
    return simdjson::SUCCESS;
  } else if constexpr (std::is_integral_v<V>) {
    std::uint64_t x = 0;
    if (const auto e = v.get_uint64().get(x)) return e;
    if (!std::in_range<V>(x)) return simdjson::NUMBER_OUT_OF_RANGE;
    out = static_cast<V>(x);
    return simdjson::SUCCESS;
  } else if constexpr (std::is_floating_point_v<V>) {
    double x = 0;
    if (const auto e = v.get_double().get(x)) return e;
    out = static_cast<V>(x);
    return simdjson::SUCCESS;
  } else if constexpr (std::is_same_v<V, std::string>) {
    std::string_view s;
    if (const auto e = v.get_string().get(s)) return e;
    out.assign(s);
    return simdjson::SUCCESS;
  } else if constexpr (is_std_optional_v<V>) {
    bool null = false;
    if (const auto e = v.is_null().get(null)) return e;
    if (null) {
      out.reset();
      return simdjson::SUCCESS;
    }
    typename V::value_type x{};
    if (const auto e = simdjson_assign(v, x)) return e;
    out = std::move(x);
    return simdjson::SUCCESS;
  } else {
    static_assert(sizeof(V) == 0,
                  "rstreams::json_field: the variable's type is not bool, an integer, a floating-point "
                  "type, std::string or std::optional of those; use decode_with_simdjson for it.");
    return simdjson::INCORRECT_TYPE;
  }
}

}  // namespace detail

/// Calls `f(simdjson::ondemand::document&)` on `text` (copied into a padded per-thread buffer,
/// parsed by a per-thread parser) and returns what it returns. Throws json_decode_error when
/// simdjson rejects the text before `f` runs; what `f` throws propagates. Not re-entrant: when `f`
/// calls decode_with_simdjson or decode_json_fields, that call throws std::logic_error.
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

/// Reads the JSON object `text` into the fields given (json_field / json_optional_field).
/// Throws json_decode_error (with the byte where known) when it does not.
template <class... V>
void decode_json_fields(std::string_view text, json_field_ref<V>... fields) {
  decode_with_simdjson(text, [&](simdjson::ondemand::document& doc) {
    const char* const base = detail::simdjson_local().padded.get();
    const auto fail = [&](const std::string& reason) {
      throw json_decode_error(detail::simdjson_offset(doc, base), reason);
    };
    simdjson::ondemand::object obj;
    if (const auto e = doc.get_object().get(obj))
      fail(std::string("the text is not one JSON object (simdjson: ") + simdjson::error_message(e) + ")");
    constexpr std::size_t n = sizeof...(V);
    const std::string_view keys[n + 1] = {fields.key..., {}};
    bool seen[n + 1] = {};
    std::size_t next = 0;  // members usually come in the order the fields are given: try that one first
    for (auto member : obj) {
      simdjson::ondemand::field f;
      if (const auto e = std::move(member).get(f)) fail(simdjson::error_message(e));
      std::string_view key;
      if (const auto e = f.unescaped_key().get(key)) fail(simdjson::error_message(e));
      std::size_t hit = n;
      for (std::size_t t = 0, k = next; t < n; ++t, k = k + 1 == n ? 0 : k + 1) {
        if (keys[k] == key) {
          hit = k;
          break;
        }
      }
      if (hit == n) continue;  // not asked for: skipped
      seen[hit] = true;
      next = hit + 1 == n ? 0 : hit + 1;
      simdjson::ondemand::value& v = f.value();
      simdjson::error_code err = simdjson::SUCCESS;
      std::size_t i = 0;
      (void)((i++ == hit ? (err = detail::simdjson_assign(v, *fields.target), true) : false) || ...);
      if (err) fail("member \"" + std::string(key) + "\": " + simdjson::error_message(err));
    }
    if (detail::simdjson_offset(doc, base) != json_decode_error::unknown) fail("text after the JSON object");
    std::size_t i = 0;
    const auto present = [&](auto& field) {
      if (field.required && !seen[i])
        throw json_decode_error(json_decode_error::unknown,
                                "missing member \"" + std::string(field.key) + "\"");
      ++i;
    };
    (present(fields), ...);
  });
}

}  // namespace rstreams
