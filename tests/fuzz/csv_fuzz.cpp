// libFuzzer target: CSV bytes parsed, formatted with csv_format and parsed again give the same
// records; malformed input fails as a codec_error. The first byte picks the chunk size.
#include <rstreams/core/run.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/csv_format.hpp>
#include <rstreams/io/csv_parse.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {
std::vector<std::string> chunks(const std::string& s, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); i += n) out.push_back(s.substr(i, n));
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 16;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  rstreams::csv_options o{.header = false};
  std::vector<rstreams::csv_row> rows;
  try {
    rows = rstreams::run(chunks(text, chunk) | rstreams::csv_parse(o) | rstreams::to_vector());
  } catch (const rstreams::codec_error&) {
    return 0;
  }
  const auto formatted = rstreams::run(rows | rstreams::csv_format(o) | rstreams::to_vector());
  std::string again;
  for (const auto& s : formatted) again += s;
  std::vector<rstreams::csv_row> back;
  try {
    back = rstreams::run(chunks(again, chunk) | rstreams::csv_parse(o) | rstreams::to_vector());
  } catch (const rstreams::codec_error&) {
    std::abort();  // csv_format wrote something csv_parse refuses
  }
  if (back.size() != rows.size()) std::abort();
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (back[i].fields != rows[i].fields) std::abort();
  return 0;
}
