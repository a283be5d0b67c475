// libFuzzer target: arbitrary bytes through gunzip fail only as a codec_error (with and without
// member verification), and gzip then gunzip gives the bytes back.
#include <rstreams/core/run.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/gunzip.hpp>
#include <rstreams/io/gzip.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s;
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> chunks;
  for (std::size_t i = 0; i < bytes.size(); i += 7) chunks.push_back(bytes.substr(i, 7));
  std::string plain, verified;
  bool plain_failed = false, verified_failed = false;
  try {
    plain = join(rstreams::run(chunks | rstreams::gunzip() | rstreams::to_vector()));
  } catch (const rstreams::codec_error&) {
    plain_failed = true;
  }
  try {
    verified =
        join(rstreams::run(chunks | rstreams::gunzip({.verify_members = 1 << 20}) | rstreams::to_vector()));
  } catch (const rstreams::codec_error&) {
    verified_failed = true;
  }
  // A member over the verify bound is the one case where the verified read may fail alone.
  if (!verified_failed && (plain_failed || plain != verified)) std::abort();
  const auto gz =
      join(rstreams::run(std::vector<std::string>{bytes} | rstreams::gzip() | rstreams::to_vector()));
  if (join(rstreams::run(std::vector<std::string>{gz} | rstreams::gunzip() | rstreams::to_vector())) != bytes)
    std::abort();
  return 0;
}
