#pragma once
// The customization point for a type's JSON text, so a payload type can skip nlohmann::json.
//
// By default a payload `T` goes through nlohmann: its `from_json` / `to_json`, with the library's
// own scanner and writer in between (json/detail/json_text.hpp). A type that defines, next to
// itself (found by argument-dependent lookup, as `to_json` / `from_json` are):
//
//     void rstreams_decode(std::string_view text, T& out);   // one JSON document -> out
//     void rstreams_encode(const T& value, std::string& out); // appends compact JSON text
//
// is read and written through them instead, everywhere the library turns a T into JSON text or
// back: the bus (read, enrich, offload, derive, put, write, load, to_event / to_record) and io's
// `parse`. Either one may be given alone; the other stays nlohmann's.
//
// Contract. `rstreams_decode` gets exactly the stored text (no padding) and fills a
// value-initialised T; on bad input it throws (`json_decode_error` to give the byte offset, or any
// std::exception): the library adds the queue and the eid (bus) or the source and line (parse).
// `rstreams_encode` appends valid JSON text (UTF-8, strings escaped; `append_json_string` does
// that) and nothing else: the library stores it as given, without parsing it again, and the
// `invalid_utf8::replace` write option does not apply to it.
//
// json/simdjson_fields.hpp (the simdjson part) makes a decoder a one-liner per field.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace rstreams {

/// A JSON text that does not decode into the wanted type, and the byte where that was seen.
/// `what()` reads "at byte 17: <reason>", or just the reason when the place is not known
/// (`offset()` is then `unknown`).
class json_decode_error : public std::runtime_error {
 public:
  static constexpr std::size_t unknown = static_cast<std::size_t>(-1);
  json_decode_error(std::size_t offset, const std::string& reason)
      : std::runtime_error(offset == unknown ? reason : "at byte " + std::to_string(offset) + ": " + reason),
        offset_(offset) {}
  explicit json_decode_error(const std::string& reason) : json_decode_error(unknown, reason) {}
  [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

 private:
  std::size_t offset_;
};

/// `T` has its own decoder: `rstreams_decode(std::string_view, T&)`, found by ADL.
template <class T>
concept json_decodable = requires(std::string_view text, T& out) {
  rstreams_decode(text, out);
};

/// `T` has its own encoder: `rstreams_encode(const T&, std::string&)`, found by ADL.
template <class T>
concept json_encodable = requires(const T& value, std::string& out) {
  rstreams_encode(value, out);
};

namespace detail {

// 1 for the bytes a JSON string must escape: control characters, '"' and '\\'.
inline constexpr auto json_escape_table = [] {
  struct table {
    bool escape[256] = {};
  } t;
  for (int c = 0; c < 0x20; ++c) t.escape[c] = true;
  t.escape[static_cast<unsigned char>('"')] = true;
  t.escape[static_cast<unsigned char>('\\')] = true;
  return t;
}();

}  // namespace detail

/// Appends `s` as a JSON string (quoted; `"`, `\` and control characters escaped). Bytes from
/// 0x80 up are copied as they are: `s` must be UTF-8.
inline void append_json_string(std::string& out, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* from = p;
  while (p != end && !detail::json_escape_table.escape[static_cast<unsigned char>(*p)]) ++p;
  if (p == end) {  // nothing to escape: one append
    const auto at = out.size();
    out.resize(at + s.size() + 2);
    char* w = out.data() + at;
    w[0] = '"';
    if (!s.empty()) std::memcpy(w + 1, s.data(), s.size());
    w[s.size() + 1] = '"';
    return;
  }
  out.push_back('"');
  for (;;) {
    out.append(from, static_cast<std::size_t>(p - from));
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        static constexpr char hex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        out.append(esc, 6);
      }
    }
    from = p;
    while (p != end && !detail::json_escape_table.escape[static_cast<unsigned char>(*p)]) ++p;
  }
  out.push_back('"');
}

/// Appends `v` as a JSON number that reads back as exactly `v`: an integer as it is; a double
/// with up to 15 significant digits and at most 8 decimals (prices, measures, most data) in
/// plain notation with the fewest decimals that give `v` back, found without std::to_chars'
/// general shortest-digits search (half its instructions there: callgrind, bus_enrich_bench);
/// any other finite value as std::to_chars writes it. NaN and infinities have no JSON form: they
/// are written as `null`, as nlohmann does.
template <class N>
void append_json_number(std::string& out, N v) {
  static_assert(std::is_arithmetic_v<N> && !std::same_as<N, bool>,
                "rstreams::append_json_number: a number (write a bool as true / false)");
  char buf[40];
  char* end = buf;
  if constexpr (std::is_floating_point_v<N>) {
    if (!std::isfinite(v)) {
      out += "null";
      return;
    }
    const double a = std::fabs(static_cast<double>(v));
    if (std::is_same_v<N, double> && a >= 1e-3 && a < 1e15) {
      double scale = 1;
      for (int decimals = 0; decimals <= 8; ++decimals, scale *= 10) {
        const double scaled = a * scale;
        if (scaled >= 9007199254740992.0) break;  // 2^53: digits no longer exact
        const auto m = static_cast<std::uint64_t>(scaled + 0.5);
        // m and scale are exact, and IEEE division rounds correctly: equality means the text
        // m / 10^decimals reads back (correctly rounded) as `a`.
        if (static_cast<double>(m) / scale != a) continue;
        char digits[24];
        const auto n = static_cast<int>(std::to_chars(digits, digits + sizeof digits, m).ptr - digits);
        if (v < 0) *end++ = '-';
        if (n > decimals) {
          std::memcpy(end, digits, static_cast<std::size_t>(n - decimals));
          end += n - decimals;
        } else {
          *end++ = '0';
        }
        if (decimals > 0) {
          *end++ = '.';
          for (int z = n; z < decimals; ++z) *end++ = '0';
          const int frac = std::min(n, decimals);
          std::memcpy(end, digits + n - frac, static_cast<std::size_t>(frac));
          end += frac;
        }
        out.append(buf, static_cast<std::size_t>(end - buf));
        return;
      }
    }
  }
  end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace rstreams
