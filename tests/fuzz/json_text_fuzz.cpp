// Differential fuzz target for the bus's JSON text codec (json/detail/json_text.hpp) against
// nlohmann: for any bytes, parse_json and nlohmann::json::parse both fail or both give the
// same value with the same types (number_unsigned / number_integer / number_float, as the fast
// path promises); dump_json_append writes a parsed value when nlohmann's dump can (both refuse
// invalid UTF-8), as text that nlohmann reads back as the same value.
#include <rstreams/json/detail/json_text.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;

// nlohmann's operator== treats 1, 1u and 1.0 as equal; the codec must also keep the type.
// Text cannot keep one distinction: -0 parses as a signed integer 0, which is written "0"
// and reads back unsigned (nlohmann's own dump does the same), so `text_equal` accepts
// signed and unsigned integers of the same non-negative value.
bool same(const json& a, const json& b, bool text_equal = false) {
  if (text_equal && a.is_number_integer() && b.is_number_integer() && !a.is_number_float() &&
      !b.is_number_float())
    return a == b;
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib)
      if (ia.key() != ib.key() || !same(ia.value(), ib.value(), text_equal)) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i], text_equal)) return false;
    return true;
  }
  return a == b;
}

[[noreturn]] void mismatch(const char* what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "json_text_fuzz: %s\n  input (%zu bytes): %.*s\n  %s\n", what, input.size(),
               static_cast<int>(input.size() > 400 ? 400 : input.size()), input.data(), detail.c_str());
  std::abort();
}

template <class F>
std::optional<json> try_parse(F&& parse, std::string& error) {
  try {
    return parse();
  } catch (const json::exception& e) {  // parse_error, or out_of_range 406 for 1e400
    error = e.what();
    return std::nullopt;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string ours_error;
  std::string theirs_error;
  const auto ours = try_parse([&] { return rstreams::detail::parse_json(text); }, ours_error);
  const auto theirs = try_parse([&] { return json::parse(text); }, theirs_error);
  if (ours.has_value() != theirs.has_value())
    mismatch("parse_json and nlohmann disagree on whether this is JSON", text,
             ours ? "nlohmann: " + theirs_error : "parse_json: " + ours_error);
  if (!ours) return 0;
  if (!same(*ours, *theirs))
    mismatch("parse_json and nlohmann parse different values", text,
             "parse_json: " + ours->dump() + "\n  nlohmann:   " + theirs->dump());

  // Writing: nlohmann's dump throws type_error 316 on invalid UTF-8 in a string; so must ours.
  std::string written;
  std::string expected;
  bool ours_threw = false;
  bool theirs_threw = false;
  try {
    rstreams::detail::dump_json_append(written, *ours);
  } catch (const json::type_error&) {
    ours_threw = true;
  }
  try {
    expected = theirs->dump();
  } catch (const json::type_error&) {
    theirs_threw = true;
  }
  if (ours_threw != theirs_threw)
    mismatch("dump_json_append and nlohmann's dump disagree on whether the value can be written", text,
             ours_threw ? "nlohmann wrote: " + expected : "dump_json_append wrote: " + written);
  if (ours_threw) return 0;
  // The text may differ from nlohmann's (18474644073709551616.0 where nlohmann writes
  // 1.847464407370955e+19: both shortest round-trip forms), the value it reads back must not.
  std::string back_error;
  const auto back = try_parse([&] { return json::parse(written); }, back_error);
  if (!back || !same(*back, *ours, /*text_equal=*/true))
    mismatch("dump_json_append writes text that nlohmann reads back as another value", text,
             "written: " + written + (back ? "\n  read back: " + back->dump() : "\n  " + back_error));
  return 0;
}
