#pragma once
// `decode_json_fields`: one JSON object's members straight into variables, for json_codec.hpp's
// `rstreams_decode`, in one pass over the text (no document tree, no dependency):
//
//     struct order { std::uint64_t id; std::string customer; double total; std::string country; };
//     void rstreams_decode(std::string_view text, order& o) {
//       rstreams::decode_json_fields(text, rstreams::json_field("id", o.id),
//                                    rstreams::json_field("customer", o.customer),
//                                    rstreams::json_field("total", o.total),
//                                    rstreams::json_optional_field("country", o.country));
//     }
//
// It reads one JSON object (RFC 8259: strict grammar, UTF-8 checked, \u escapes and surrogate
// pairs decoded), assigns the members it names (bool, integers with a range check, floating
// point, std::string, std::optional of those with null = empty; a repeated member must fit
// each time, and the last one wins), checks and skips the others (nested up to 1024 levels), and throws json_decode_error
// with the byte offset on malformed JSON, a member of the wrong type or out of range, or text
// after the object; a required member that is missing is named without an offset.
//
// Why its own scanner: a payload type wants a handful of scalar members, and matching them while
// scanning needs no tree and no dependency; on flat 100-byte objects it runs within a few
// percent of reading the same members through simdjson's On-Demand (benchmarks/bus_enrich_bench).

#include <rstreams/json/json_codec.hpp>

#include <bit>
#include <bitset>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
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

template <class T>
inline constexpr bool is_std_optional_v = false;
template <class T>
inline constexpr bool is_std_optional_v<std::optional<T>> = true;

// The bytes a string's fast loop stops at: '"', '\\', control characters and non-ASCII.
inline constexpr auto json_string_stop = [] {
  struct table {
    bool stop[256] = {};
  } t;
  for (int c = 0; c < 0x20; ++c) t.stop[c] = true;
  for (int c = 0x80; c < 0x100; ++c) t.stop[c] = true;
  t.stop[static_cast<unsigned char>('"')] = true;
  t.stop[static_cast<unsigned char>('\\')] = true;
  return t;
}();

// The first byte in [p, end) that ends a string's plain run (json_string_stop), or `end`. Eight
// bytes at a time: a byte is flagged when it is '"' or '\\' (zero after the xor), below 0x20, or
// 0x80 and up. Borrows can only flag bytes above the first real stop, so the lowest flag is exact.
[[gnu::always_inline]] inline const char* json_plain_run_end(const char* p, const char* end) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    constexpr std::uint64_t ones = 0x0101010101010101u;
    constexpr std::uint64_t highs = 0x8080808080808080u;
    const auto zero_bytes = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const std::uint64_t stops = zero_bytes(w ^ (ones * '"')) | zero_bytes(w ^ (ones * '\\')) |
                                  ((w - ones * 0x20) & ~w & highs) | (w & highs);
      if (stops != 0) return p + (std::countr_zero(stops) >> 3);
      p += 8;
    }
  }
  while (p != end && !json_string_stop.stop[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

// A number as the scanner read it: the text, and its digits as an integer when that is exact.
struct json_number_token {
  std::string_view text;
  std::uint64_t digits = 0;  // the digits before and after the point, as one integer
  int digit_count = 0;       // how many (leading zeros included); above 19 `digits` is not exact
  int fraction_digits = 0;
  bool negative = false;
  bool exponent = false;
  [[nodiscard]] bool integral() const noexcept { return fraction_digits == 0 && !exponent; }
};

/// The scanner behind decode_json_fields: a cursor over the text and the checks of the grammar.
/// Its small steps are forced inline: GCC at -O2 left them as calls, a fifth of the decoder's
/// instructions (callgrind, bus_enrich_bench typed_fields).
class json_field_reader {
 public:
  static constexpr std::size_t max_depth = 1024;

  explicit json_field_reader(std::string_view text) noexcept
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  [[noreturn, gnu::cold, gnu::noinline]] void fail(const char* at, const std::string& reason) const {
    throw json_decode_error(static_cast<std::size_t>(at - begin_), reason);
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_here(const std::string& reason) const { fail(p_, reason); }

  [[gnu::always_inline]] void ws() noexcept {
    // Compact JSON has none: one test on the way.
    if (p_ != end_ && static_cast<unsigned char>(*p_) <= ' ') [[unlikely]]
      while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  [[nodiscard]] bool at_end() const noexcept { return p_ == end_; }
  [[nodiscard]] char peek() const noexcept { return p_ != end_ ? *p_ : '\0'; }
  [[nodiscard]] const char* position() const noexcept { return p_; }
  [[gnu::always_inline]] void expect(char c, const char* what) {
    if (p_ == end_ || *p_ != c)
      fail_here(std::string("expected ") + what + (p_ == end_ ? " (end of the text)" : ""));
    ++p_;
  }

  /// A member name at `p_` (a string): its text, unescaped into `scratch_` only when it has escapes.
  [[gnu::always_inline]] std::string_view key() {
    if (peek() != '"') fail_here("expected a member name (a string)");
    const char* const start = ++p_;
    p_ = json_plain_run_end(p_, end_);
    if (p_ != end_ && *p_ == '"') return {start, static_cast<std::size_t>(p_++ - start)};
    scratch_.assign(start, static_cast<std::size_t>(p_ - start));
    string_rest(&scratch_);
    return scratch_;
  }

  /// A string value at `p_` into `out` (replacing its contents); `out` null: checked and skipped.
  [[gnu::always_inline]] void string(std::string* out) {
    if (peek() != '"') fail_here("expected a string");
    const char* const start = ++p_;
    p_ = json_plain_run_end(p_, end_);
    if (out != nullptr) out->assign(start, static_cast<std::size_t>(p_ - start));
    if (p_ != end_ && *p_ == '"') {
      ++p_;
      return;
    }
    string_rest(out);
  }

  /// A number token at `p_`, checked against the JSON grammar, its digits gathered on the way.
  [[gnu::always_inline]] json_number_token number() {
    json_number_token t;
    const char* const start = p_;
    const auto digits = [&] {
      const char* const from = p_;
      while (p_ != end_ && digit(*p_)) t.digits = t.digits * 10 + static_cast<unsigned>(*p_++ - '0');
      return static_cast<int>(p_ - from);
    };
    if (p_ != end_ && *p_ == '-') {
      t.negative = true;
      ++p_;
    }
    if (p_ == end_ || !digit(*p_)) fail(start, "expected a value");
    if (*p_ == '0') {
      ++p_;
      t.digit_count = 1;
    } else {
      t.digit_count = digits();
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      t.fraction_digits = digits();
      if (t.fraction_digits == 0) fail_here("expected a digit after the decimal point");
      t.digit_count += t.fraction_digits;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      t.exponent = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) fail_here("expected a digit in the exponent");
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    t.text = {start, static_cast<std::size_t>(p_ - start)};
    return t;
  }

  /// `true`, `false` or `null` at `p_`: true when it was `word`.
  [[gnu::always_inline]] bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0)
      return false;
    p_ += word.size();
    return true;
  }

  /// Checks and skips one value of any kind (containers without recursion).
  void skip_value() {
    std::bitset<max_depth> in_object;
    std::size_t depth = 0;
    for (;;) {
      ws();
      bool closed = false;  // the value just read was an empty container or a scalar
      const char c = peek();
      if (c == '{' || c == '[') {
        if (depth == max_depth) fail_here("nested deeper than " + std::to_string(max_depth) + " levels");
        ++p_;
        ws();
        if (peek() == (c == '{' ? '}' : ']')) {
          ++p_;
          closed = true;
        } else {
          in_object[depth++] = c == '{';
          if (c == '{') member_head();
          continue;  // the first element's value
        }
      }
      if (!closed) scalar();
      // After a value: the rest of its containers, up to the next value or the end.
      for (;;) {
        if (depth == 0) return;
        ws();
        const bool object = in_object[depth - 1];
        if (peek() == ',') {
          ++p_;
          if (object) member_head();
          break;
        }
        if (peek() == (object ? '}' : ']')) {
          ++p_;
          --depth;
          continue;
        }
        fail_here(object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
      }
    }
  }

  /// Reads the value at `p_` into `out`; on a type mismatch, fails naming `key`.
  template <class V>
  void assign(std::string_view key, V& out) {
    const char* const at = p_;
    const auto wrong = [&](const char* reason) { fail_member(at, key, reason); };
    if constexpr (std::is_same_v<V, bool>) {
      if (literal("true")) {
        out = true;
      } else if (literal("false")) {
        out = false;
      } else {
        wrong("expected true or false");
      }
    } else if constexpr (std::is_integral_v<V>) {
      if (peek() != '-' && !digit(peek())) wrong("expected an integer");
      const auto t = number();
      if (!t.integral()) wrong("expected an integer, found a number with a fraction or exponent");
      if constexpr (std::is_unsigned_v<V>)
        if (t.negative && t.digits != 0) wrong("out of range (negative)");  // -0 is zero
      using wide = std::conditional_t<std::is_signed_v<V>, std::int64_t, std::uint64_t>;
      wide x = 0;
      if (t.digit_count <= 18) {  // below 10^18: exact in t.digits, and fits either type
        x = t.negative ? static_cast<wide>(0 - static_cast<wide>(t.digits)) : static_cast<wide>(t.digits);
      } else if (std::from_chars(t.text.data(), t.text.data() + t.text.size(), x).ec != std::errc{}) {
        wrong("out of range");
      }
      if (!std::in_range<V>(x)) wrong("out of range");
      out = static_cast<V>(x);
    } else if constexpr (std::is_floating_point_v<V>) {
      if (peek() != '-' && !digit(peek())) wrong("expected a number");
      const auto t = number();
      double x = 0;
      if (!t.exponent && t.digit_count <= 15) {
        // Both the digits (below 10^15 < 2^53) and the power of ten (at most 10^15) are exact
        // doubles, and IEEE division rounds correctly: the nearest double, as from_chars gives.
        x = static_cast<double>(t.digits) / pow10[t.fraction_digits];
        if (t.negative) x = -x;
      } else {
        const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), x);
        if (r.ec == std::errc::result_out_of_range) {
          // Too small rounds to zero (as other JSON readers do); too large is refused.
          x = std::strtod(std::string(t.text).c_str(), nullptr);
          if (std::isinf(x)) wrong("out of range");
        } else if (r.ec != std::errc{}) {
          wrong("expected a number");
        }
      }
      if constexpr (!std::is_same_v<V, double>)
        if (std::isinf(static_cast<V>(x))) wrong("out of range");
      out = static_cast<V>(x);
    } else if constexpr (std::is_same_v<V, std::string>) {
      if (peek() != '"') wrong("expected a string");
      string(&out);
    } else if constexpr (is_std_optional_v<V>) {
      if (literal("null")) {
        out.reset();
      } else {
        if (!out) out.emplace();
        assign(key, *out);
      }
    } else {
      static_assert(sizeof(V) == 0,
                    "rstreams::json_field: the variable's type is not bool, an integer, a floating-point "
                    "type, std::string or std::optional of those.");
    }
  }

 private:
  static constexpr bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
  static constexpr double pow10[16] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

  [[noreturn, gnu::cold, gnu::noinline]] void fail_member(const char* at, std::string_view key,
                                                          const char* reason) const {
    fail(at, "member \"" + std::string(key) + "\": " + reason);
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_expected(const char* what) const {
    fail_here(std::string("expected ") + what + (p_ == end_ ? " (end of the text)" : ""));
  }

  // A member's name and colon, in an object being skipped.
  void member_head() {
    ws();
    if (peek() != '"') fail_here("expected a member name (a string)");
    string(nullptr);
    ws();
    expect(':', "':' after a member name");
  }

  void scalar() {
    switch (peek()) {
      case '"':
        string(nullptr);
        return;
      case 't':
        if (!literal("true")) fail_here("expected a value");
        return;
      case 'f':
        if (!literal("false")) fail_here("expected a value");
        return;
      case 'n':
        if (!literal("null")) fail_here("expected a value");
        return;
      default: {
        if (at_end()) fail_here("expected a value (end of the text)");
        (void)number();
      }
    }
  }

  // The rest of a string from `p_` (a stop byte or the end) to its closing quote: escapes
  // decoded and UTF-8 checked, appended to `out` when not null.
  void string_rest(std::string* out) {
    for (;;) {
      const char* run = p_;
      p_ = json_plain_run_end(p_, end_);
      if (out != nullptr && p_ != run) out->append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) fail_here("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return;
      }
      if (c == '\\') {
        escape(out);
      } else if (c < 0x20) {
        fail_here("control character in a string (it must be escaped)");
      } else {
        const char* const from = p_;
        utf8_sequence();
        if (out != nullptr) out->append(from, static_cast<std::size_t>(p_ - from));
      }
    }
  }

  void escape(std::string* out) {
    const char* const at = p_++;
    if (p_ == end_) fail(at, "unterminated escape in a string");
    char c = *p_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        break;
      case 'b':
        c = '\b';
        break;
      case 'f':
        c = '\f';
        break;
      case 'n':
        c = '\n';
        break;
      case 'r':
        c = '\r';
        break;
      case 't':
        c = '\t';
        break;
      case 'u': {
        std::uint32_t cp = hex4(at);
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          fail(at, "a lone low surrogate (\\u" + std::string(at + 2, 4) + ")");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u')
            fail(at, "a high surrogate not followed by a low one");
          const char* const low_at = p_;
          p_ += 2;
          const std::uint32_t low = hex4(low_at);
          if (low < 0xDC00 || low > 0xDFFF) fail(low_at, "a high surrogate not followed by a low one");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (out != nullptr) append_utf8(*out, cp);
        return;
      }
      default:
        fail(at, std::string("unknown escape \\") + c);
    }
    if (out != nullptr) out->push_back(c);
  }

  std::uint32_t hex4(const char* at) {
    if (end_ - p_ < 4) fail(at, "a \\u escape needs four hex digits");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = *p_++;
      v <<= 4;
      if (h >= '0' && h <= '9') {
        v |= static_cast<std::uint32_t>(h - '0');
      } else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') {
        v |= static_cast<std::uint32_t>((h | 0x20) - 'a' + 10);
      } else {
        fail(at, "a \\u escape needs four hex digits");
      }
    }
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // One UTF-8 sequence at `p_` (its first byte is 0x80 or more), checked (no overlong forms,
  // no surrogates, nothing past U+10FFFF) and passed.
  void utf8_sequence() {
    const auto b = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const auto cont = [&](std::ptrdiff_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
      return end_ - p_ > i && b(i) >= lo && b(i) <= hi;
    };
    const unsigned char c = b(0);
    std::ptrdiff_t n = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = cont(1) ? 2 : 0;
    } else if (c == 0xE0) {
      n = cont(1, 0xA0) && cont(2) ? 3 : 0;
    } else if (c == 0xED) {
      n = cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    } else if (c >= 0xE1 && c <= 0xEF) {
      n = cont(1) && cont(2) ? 3 : 0;
    } else if (c == 0xF0) {
      n = cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    } else if (c >= 0xF1 && c <= 0xF3) {
      n = cont(1) && cont(2) && cont(3) ? 4 : 0;
    } else if (c == 0xF4) {
      n = cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    }
    if (n == 0) fail_here("invalid UTF-8 in a string");
    p_ += n;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string scratch_;  // a member name with escapes, unescaped
};

}  // namespace detail

/// Reads the JSON object `text` into the fields given (json_field / json_optional_field).
/// Throws json_decode_error (with the byte where known) when it does not.
template <class... V>
void decode_json_fields(std::string_view text, json_field_ref<V>... fields) {
  detail::json_field_reader in(text);
  constexpr std::size_t n = sizeof...(V);
  const std::string_view keys[n + 1] = {fields.key..., {}};
  bool seen[n + 1] = {};
  in.ws();
  if (in.peek() != '{') in.fail_here("the text is not a JSON object");
  in.expect('{', "'{'");
  in.ws();
  if (in.peek() == '}') {
    in.expect('}', "'}'");
  } else {
    std::size_t next = 0;  // members usually come in the order the fields are given: try that one first
    for (;;) {
      const std::string_view key = in.key();
      in.ws();
      in.expect(':', "':' after a member name");
      in.ws();
      std::size_t hit = n;
      for (std::size_t t = 0, k = next; t < n; ++t, k = k + 1 == n ? 0 : k + 1) {
        if (keys[k] == key) {
          hit = k;
          break;
        }
      }
      if (hit == n) {
        in.skip_value();
      } else {
        seen[hit] = true;
        next = hit + 1 == n ? 0 : hit + 1;
        std::size_t i = 0;
        (void)((i++ == hit ? (in.assign(fields.key, *fields.target), true) : false) || ...);
      }
      in.ws();
      if (in.peek() == ',') {
        in.expect(',', "','");
        in.ws();
        continue;
      }
      if (in.peek() != '}') in.fail_here("expected ',' or '}' after a member");
      in.expect('}', "'}'");
      break;
    }
  }
  in.ws();
  if (!in.at_end()) in.fail_here("text after the JSON object");
  std::size_t i = 0;
  const auto present = [&](auto& field) {
    if (field.required && !seen[i])
      throw json_decode_error(json_decode_error::unknown,
                              "missing member \"" + std::string(field.key) + "\"");
    ++i;
  };
  (present(fields), ...);
}

}  // namespace rstreams
