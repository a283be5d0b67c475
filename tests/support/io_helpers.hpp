#pragma once
// Helpers for the io tests: a temporary directory that cleans up, collecting a source into a
// vector, and reading/writing whole files.

#include <rstreams/core/concepts.hpp>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace io_test {

/// A fresh directory under the system temp dir, removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ =
        std::filesystem::temp_directory_path() / ("rstreams-io-" + std::to_string(::getpid()) + "-" +
                                                  std::to_string(stamp) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Pulls a source to its end.
template <class S>
std::vector<rstreams::value_t<S>> collect(S&& src) {
  std::vector<rstreams::value_t<S>> out;
  for (auto&& x : src) out.push_back(std::move(x));
  return out;
}

inline void write_bytes(const std::filesystem::path& p, std::string_view bytes, bool append = false) {
  std::ofstream f(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

/// Concatenates chunks.
template <class V>
std::string join(const V& chunks) {
  std::string out;
  for (const auto& c : chunks) out.append(c.data(), c.size());
  return out;
}

/// Cuts `s` into chunks of `size` bytes (the last may be shorter).
inline std::vector<std::string> chunks_of(std::string_view s, std::size_t size) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); i += size) out.emplace_back(s.substr(i, size));
  return out;
}

/// Bytes that do not compress well, for gzip tests that must span many output chunks.
inline std::string noise(std::size_t n, unsigned seed = 7) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>('a' + static_cast<int>(gen() % 26));
  return out;
}

}  // namespace io_test
