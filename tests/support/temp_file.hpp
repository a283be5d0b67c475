#pragma once
// A uniquely named path in the system temp directory, removed (file or directory tree) when the
// object goes out of scope — for tests that need real files:
//
//   rstreams::test::temp_file f("lines");   // .../rstreams-lines-<random>.txt, not created yet
//   f.write("a\nb\n");
//   ... rstreams::read_lines(f.path()) ...
//
// Names are random so parallel test processes never collide.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <ios>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>

namespace rstreams::test {

class temp_file {
 public:
  explicit temp_file(std::string_view stem = "test", std::string_view extension = ".txt") {
    std::random_device rd;
    std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
    for (;;) {
      std::ostringstream name;
      name << "rstreams-" << stem << '-' << std::hex << gen() << extension;
      path_ = std::filesystem::temp_directory_path() / name.str();
      if (!std::filesystem::exists(path_)) break;
    }
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  /// Replaces the file's content with `bytes`, exactly.
  void write(std::string_view bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  /// The file's content, exactly.
  [[nodiscard]] std::string read() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace rstreams::test
