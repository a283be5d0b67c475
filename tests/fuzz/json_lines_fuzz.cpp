// libFuzzer target: JSON lines through split_lines | parse. Every line either decodes to the
// value nlohmann reads from it, or fails as a codec_error; nothing else escapes.
#include <rstreams/core/error.hpp>
#include <rstreams/core/run.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/split_lines.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  try {
    lines = rstreams::run(std::vector<std::string>{text} | rstreams::split_lines() | rstreams::to_vector());
  } catch (const rstreams::codec_error&) {
    return 0;
  }
  for (const auto& line : lines) {
    std::vector<nlohmann::json> got;
    bool failed = false;
    try {
      got = rstreams::run(std::vector<std::string>{line} | rstreams::parse() | rstreams::to_vector());
    } catch (const rstreams::codec_error&) {
      failed = true;
    }
    const bool blank = line.find_first_not_of(" \t\r\n") == std::string::npos;
    const auto want = nlohmann::json::parse(line, nullptr, false);
    if (blank) {
      if (failed || !got.empty()) std::abort();
    } else if (want.is_discarded() != failed || (!failed && (got.size() != 1 || got[0] != want))) {
      // NaN never equals itself; nlohmann reads no NaN from text, so this is a real mismatch.
      std::abort();
    }
  }
  return 0;
}
