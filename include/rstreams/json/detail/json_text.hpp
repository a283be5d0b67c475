#pragma once
// Payload JSON between text and nlohmann::json, faster than nlohmann's own parse and dump for
// the common case: a hand-written scanner builds the same nlohmann::json values (objects, arrays,
// strings, numbers as number_unsigned / number_integer / number_float, exactly as nlohmann
// types them), and a writer appends spans and std::to_chars numbers instead of one character at
// a time. Anything unusual (non-ASCII text, \u escapes, integers beyond 64 bits, deep nesting,
// and every error) goes to nlohmann, so validation and error messages stay nlohmann's.
//
// The one JSON text reader and writer of the library: the bus's payloads (bus/record.hpp,
// bus/detail/payload_codec.hpp) and io's `parse` both decode through `decode_json`.

#include <rstreams/json/json_codec.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace rstreams::detail {

/// The fast path of parse_json; false when nlohmann must parse `text` (it may be valid).
class json_scanner {
 public:
  static bool parse(std::string_view text, nlohmann::json& out) {
    json_scanner s(text);
    if (!s.value(out, 0)) return false;
    s.skip_ws();
    return s.p_ == s.end_;
  }

 private:
  explicit json_scanner(std::string_view t) : p_(t.data()), end_(t.data() + t.size()) {}

  static constexpr int max_depth = 64;

  void skip_ws() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0)
      return false;
    p_ += word.size();
    return true;
  }

  bool value(nlohmann::json& out, int depth) {
    skip_ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"': {
        ++p_;
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't':
        out = true;
        return literal("true");
      case 'f':
        out = false;
        return literal("false");
      case 'n':
        out = nullptr;
        return literal("null");
      default:
        return number(out);
    }
  }

  bool object(nlohmann::json& out, int depth) {
    if (depth > max_depth) return false;
    ++p_;
    out = nlohmann::json::object();
    auto& obj = out.get_ref<nlohmann::json::object_t&>();
    skip_ws();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    for (;;) {
      skip_ws();
      if (p_ == end_ || *p_ != '"') return false;
      ++p_;
      key.clear();
      if (!string(key)) return false;
      skip_ws();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      // A repeated key keeps the last value, as nlohmann's parser does.
      auto it = obj.try_emplace(obj.end(), std::move(key));
      if (!value(it->second, depth)) return false;
      skip_ws();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != '}') return false;
      ++p_;
      return true;
    }
  }

  bool array(nlohmann::json& out, int depth) {
    if (depth > max_depth) return false;
    ++p_;
    out = nlohmann::json::array();
    auto& arr = out.get_ref<nlohmann::json::array_t&>();
    skip_ws();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      if (!value(arr.emplace_back(), depth)) return false;
      skip_ws();
      if (p_ == end_) return false;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') return false;
      ++p_;
      return true;
    }
  }

  // After the opening quote; ASCII text with the short escapes only.
  bool string(std::string& s) {
    for (;;) {
      const char* run = p_;
      while (p_ != end_) {
        const auto c = static_cast<unsigned char>(*p_);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p_;
      }
      s.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return false;
      const char c = *p_++;
      if (c == '"') return true;
      if (c != '\\' || p_ == end_) return false;
      switch (*p_++) {
        case '"':
          s.push_back('"');
          break;
        case '\\':
          s.push_back('\\');
          break;
        case '/':
          s.push_back('/');
          break;
        case 'b':
          s.push_back('\b');
          break;
        case 'f':
          s.push_back('\f');
          break;
        case 'n':
          s.push_back('\n');
          break;
        case 'r':
          s.push_back('\r');
          break;
        case 't':
          s.push_back('\t');
          break;
        default:
          return false;  // \u escapes (and errors): nlohmann
      }
    }
  }

  static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

  bool number(nlohmann::json& out) {
    const char* start = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    bool integral = true;
    if (p_ != end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (integral) {
      if (*start == '-') {
        std::int64_t v = 0;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec != std::errc{} || r.ptr != p_) return false;
        out = v;
      } else {
        std::uint64_t v = 0;
        const auto r = std::from_chars(start, p_, v);
        if (r.ec != std::errc{} || r.ptr != p_) return false;
        out = v;
      }
      return true;
    }
    double v = 0;
    const auto r = std::from_chars(start, p_, v);
    if (r.ec != std::errc{} || r.ptr != p_ || !std::isfinite(v)) return false;
    out = v;
    return true;
  }

  const char* p_;
  const char* end_;
};

/// Parses JSON text into nlohmann::json; throws nlohmann's parse_error when it is not JSON.
inline nlohmann::json parse_json(std::string_view text) {
  nlohmann::json j;
  if (json_scanner::parse(text, j)) return j;
  return nlohmann::json::parse(text);
}

/// JSON text into `T`: nlohmann::json itself, `T` through its own `rstreams_decode`
/// (json/json_codec.hpp), or `T` through its `from_json`. Throws nlohmann's parse_error when the
/// text is not JSON, and what the decoder or `from_json` throws when it does not convert.
template <class T>
T decode_json(std::string_view text) {
  if constexpr (std::is_same_v<T, nlohmann::json>) {
    return parse_json(text);
  } else if constexpr (json_decodable<T>) {
    T out{};
    rstreams_decode(text, out);
    return out;
  } else {
    return parse_json(text).template get<T>();
  }
}

/// The fast path of dump_json_append; false when nlohmann must write `j`.
class json_writer {
 public:
  static bool write(std::string& out, const nlohmann::json& j) {
    json_writer w(out);
    return w.value(j, 0);
  }

 private:
  explicit json_writer(std::string& out) : out_(out) {}

  static constexpr int max_depth = 256;

  template <class N>
  void integer(N v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, static_cast<std::size_t>(r.ptr - buf));
  }

  void floating(double v) {
    if (!std::isfinite(v)) {
      out_.append("null");  // as nlohmann writes NaN and infinities
      return;
    }
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    const auto n = static_cast<std::size_t>(r.ptr - buf);
    out_.append(buf, n);
    // Keep it a float when read back (nlohmann writes 500.0, not 500).
    if (std::memchr(buf, '.', n) == nullptr && std::memchr(buf, 'e', n) == nullptr) out_.append(".0");
  }

  bool string(const std::string& s) {
    out_.push_back('"');
    const char* p = s.data();
    const char* const end = p + s.size();
    while (p != end) {
      const char* run = p;
      while (p != end) {
        const auto c = static_cast<unsigned char>(*p);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++p;
      }
      out_.append(run, static_cast<std::size_t>(p - run));
      if (p == end) break;
      const auto c = static_cast<unsigned char>(*p++);
      switch (c) {
        case '"':
          out_.append("\\\"");
          break;
        case '\\':
          out_.append("\\\\");
          break;
        case '\b':
          out_.append("\\b");
          break;
        case '\f':
          out_.append("\\f");
          break;
        case '\n':
          out_.append("\\n");
          break;
        case '\r':
          out_.append("\\r");
          break;
        case '\t':
          out_.append("\\t");
          break;
        default:
          if (c >= 0x80) return false;  // UTF-8: nlohmann validates it
          {
            static constexpr char hex[] = "0123456789abcdef";
            const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out_.append(esc, 6);
          }
      }
    }
    out_.push_back('"');
    return true;
  }

  bool value(const nlohmann::json& j, int depth) {
    using t = nlohmann::json::value_t;
    switch (j.type()) {
      case t::null:
        out_.append("null");
        return true;
      case t::boolean:
        out_.append(j.get_ref<const nlohmann::json::boolean_t&>() ? "true" : "false");
        return true;
      case t::number_integer:
        integer(j.get_ref<const nlohmann::json::number_integer_t&>());
        return true;
      case t::number_unsigned:
        integer(j.get_ref<const nlohmann::json::number_unsigned_t&>());
        return true;
      case t::number_float:
        floating(j.get_ref<const nlohmann::json::number_float_t&>());
        return true;
      case t::string:
        return string(j.get_ref<const std::string&>());
      case t::object: {
        if (depth >= max_depth) return false;
        out_.push_back('{');
        bool first = true;
        for (const auto& [k, v] : j.get_ref<const nlohmann::json::object_t&>()) {
          if (!first) out_.push_back(',');
          first = false;
          if (!string(k)) return false;
          out_.push_back(':');
          if (!value(v, depth + 1)) return false;
        }
        out_.push_back('}');
        return true;
      }
      case t::array: {
        if (depth >= max_depth) return false;
        out_.push_back('[');
        bool first = true;
        for (const auto& v : j.get_ref<const nlohmann::json::array_t&>()) {
          if (!first) out_.push_back(',');
          first = false;
          if (!value(v, depth + 1)) return false;
        }
        out_.push_back(']');
        return true;
      }
      default:
        return false;  // binary, discarded
    }
  }

  std::string& out_;
};

/// Appends the compact JSON text of `j` to `out` (nlohmann's dump where the fast path declines:
/// non-ASCII strings are validated and written by nlohmann, which throws on invalid UTF-8).
inline void dump_json_append(std::string& out, const nlohmann::json& j, bool replace_invalid_utf8 = false) {
  const auto at = out.size();
  if (json_writer::write(out, j)) return;
  out.resize(at);
  nlohmann::detail::serializer<nlohmann::json> s(nlohmann::detail::output_adapter<char>(out), ' ',
                                                 replace_invalid_utf8
                                                     ? nlohmann::json::error_handler_t::replace
                                                     : nlohmann::json::error_handler_t::strict);
  s.dump(j, false, false, 0);
}

/// Appends the compact JSON text of `value`: its own `rstreams_encode` (json/json_codec.hpp),
/// else nlohmann::json itself or through `to_json`, written as dump_json_append does.
template <class T>
void encode_json_append(std::string& out, const T& value, bool replace_invalid_utf8 = false) {
  if constexpr (std::is_same_v<T, nlohmann::json>)
    dump_json_append(out, value, replace_invalid_utf8);
  else if constexpr (json_encodable<T>)
    rstreams_encode(value, out);
  else
    dump_json_append(out, nlohmann::json(value), replace_invalid_utf8);
}

}  // namespace rstreams::detail
