// libFuzzer target: split_lines gives the same lines whatever the chunk boundaries, and the
// lines joined back with "\n" are the input without its "\r" before "\n" and final newline.
#include <rstreams/core/run.hpp>
#include <rstreams/io/split_lines.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);
  // Chunk sizes from the first two bytes, varying along the input.
  std::vector<std::string> chunks;
  std::size_t at = 0;
  unsigned k = 0;
  while (at < text.size()) {
    const std::size_t n = 1 + (k % 2 == 0 ? data[0] : data[1]) % 9;
    chunks.push_back(text.substr(at, n));
    at += n;
    ++k;
  }
  const auto whole =
      rstreams::run(std::vector<std::string>{text} | rstreams::split_lines() | rstreams::to_vector());
  const auto pieces = rstreams::run(chunks | rstreams::split_lines() | rstreams::to_vector());
  if (whole != pieces) std::abort();
  std::size_t newlines = 0;
  for (char c : text) newlines += c == '\n';
  const std::size_t expected = newlines + (text.empty() || text.back() == '\n' ? 0 : 1);
  if (whole.size() != expected) std::abort();
  for (const auto& l : whole)
    if (l.find('\n') != std::string::npos) std::abort();
  return 0;
}
