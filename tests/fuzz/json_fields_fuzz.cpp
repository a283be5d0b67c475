// Differential fuzz target for decode_json_fields (json/json_fields.hpp) against nlohmann: for
// any bytes, decoding five optional members (an unsigned, a string, a double, an optional signed
// integer, a bool) succeeds exactly when nlohmann parses the text as an object whose members of
// those names have fitting types, and then gives the same values. The one allowed difference:
// nesting deeper than decode_json_fields' 1024 levels, which it refuses, and a number beyond a
// double in a member it skips, which nlohmann refuses; nlohmann ends the input at a NUL byte,
// which decode_json_fields refuses; a member given twice must fit both times for
// decode_json_fields, only the last time for nlohmann.
#include <rstreams/json/json_fields.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;

struct fields {
  std::uint64_t id = 0;
  std::string s;
  double d = 0;
  std::optional<std::int64_t> o;
  bool b = false;
};

[[noreturn]] void mismatch(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "json_fields_fuzz: %s\n  input (%zu bytes): %.*s\n  %s\n", what, input.size(),
               static_cast<int>(input.size() > 400 ? 400 : input.size()), input.data(), detail.c_str());
  std::abort();
}

bool is_integer(const json& v) {
  return v.is_number_integer();
}  // signed or unsigned, not float

// Whether nlohmann's object has each wanted member (when present) with a type that fits.
bool fits(const json& j) {
  if (const auto it = j.find("id"); it != j.end()) {
    if (!is_integer(*it)) return false;
    if (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() < 0) return false;
  }
  if (const auto it = j.find("s"); it != j.end() && !it->is_string()) return false;
  if (const auto it = j.find("d"); it != j.end() && !it->is_number()) return false;
  if (const auto it = j.find("o"); it != j.end() && !it->is_null()) {
    if (!is_integer(*it)) return false;
    if (it->is_number_unsigned() &&
        it->get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return false;
  }
  if (const auto it = j.find("b"); it != j.end() && !it->is_boolean()) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fields f;
  std::string ours_error;
  try {
    rstreams::decode_json_fields(
        text, rstreams::json_optional_field("id", f.id), rstreams::json_optional_field("s", f.s),
        rstreams::json_optional_field("d", f.d), rstreams::json_optional_field("o", f.o),
        rstreams::json_optional_field("b", f.b));
  } catch (const rstreams::json_decode_error& e) {
    ours_error = e.what();
  }
  std::optional<json> theirs;
  std::string theirs_error;
  bool repeated = false;  // a wanted member appears twice at the top level
  try {
    const std::set<std::string> wanted{"id", "s", "d", "o", "b"};
    std::set<std::string> keys;
    theirs = json::parse(text, [&](int depth, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second)
        repeated = repeated || wanted.count(parsed.get<std::string>()) != 0;
      return true;
    });
  } catch (const json::exception& e) {  // parse_error, or out_of_range 406 for 1e400
    theirs_error = e.what();
  }
  const bool ours_ok = ours_error.empty();
  // nlohmann reads a NUL byte as the end of the input; JSON has no place for one (in a string it
  // must be escaped), so any text with one must be refused.
  if (text.find('\0') != std::string_view::npos) {
    if (ours_ok) mismatch("a text with a NUL byte was accepted", text, "");
    return 0;
  }
  // nlohmann converts every number and refuses one beyond a double (1e400) wherever it is;
  // decode_json_fields checks a skipped member's grammar only, and refuses it in a wanted one.
  if (!theirs && theirs_error.find(".406]") != std::string::npos) {
    if (ours_ok && !std::isfinite(f.d))
      mismatch("an infinite double was accepted", text, std::to_string(f.d));
    return 0;
  }
  const bool theirs_ok = theirs && theirs->is_object() && fits(*theirs);
  if (ours_ok != theirs_ok) {
    const auto brackets =
        std::count(text.begin(), text.end(), '[') + std::count(text.begin(), text.end(), '{');
    if (!ours_ok && ours_error.find("nested deeper than") != std::string::npos && brackets > 1024) return 0;
    // A repeated member: decode_json_fields wants every occurrence to fit, nlohmann the last.
    if (!ours_ok && repeated) return 0;
    mismatch("decode_json_fields and nlohmann disagree on whether the text decodes", text,
             ours_ok ? "nlohmann: " + (theirs ? theirs->dump() : theirs_error)
                     : "decode_json_fields: " + ours_error);
  }
  if (!ours_ok) return 0;
  const json& j = *theirs;
  if (j.contains("id") && f.id != j["id"].get<std::uint64_t>())
    mismatch("id differs", text, std::to_string(f.id));
  if (j.contains("s") && f.s != j["s"].get<std::string>()) mismatch("s differs", text, f.s);
  if (j.contains("d") && f.d != j["d"].get<double>()) mismatch("d differs", text, std::to_string(f.d));
  if (j.contains("o") && (j["o"].is_null() ? f.o.has_value() : f.o != j["o"].get<std::int64_t>()))
    mismatch("o differs", text, f.o ? std::to_string(*f.o) : "null");
  if (j.contains("b") && f.b != j["b"].get<bool>()) mismatch("b differs", text, f.b ? "true" : "false");
  return 0;
}
