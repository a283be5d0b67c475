// Replays fuzz inputs without libFuzzer, with any compiler: runs every file of the folders
// (or the files) given on the command line through the target's LLVMFuzzerTestOneInput once,
// in name order. tests/fuzz/CMakeLists.txt links it with each target and registers it as a
// test over the target's checked-in corpus. A crash names the input it happened on; an empty
// corpus is a failure (a replay of nothing cannot fail).
#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

char current_input[4096] = "";

extern "C" void report_crash(int sig) {
  // Only async-signal-safe calls here.
  const char head[] = "fuzz_replay: crashed on input ";
  [[maybe_unused]] auto r1 = ::write(2, head, sizeof head - 1);
  [[maybe_unused]] auto r2 = ::write(2, current_input, std::strlen(current_input));
  [[maybe_unused]] auto r3 = ::write(2, "\n", 1);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& p) {
  std::vector<std::filesystem::path> out;
  if (std::filesystem::is_directory(p)) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(p))
      if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
  } else {
    out.push_back(p);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, report_crash);
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::exists(argv[i])) {
      std::fprintf(stderr, "fuzz_replay: %s does not exist\n", argv[i]);
      return 1;
    }
    for (const auto& file : inputs_of(argv[i])) {
      const std::string name = file.string();
      std::snprintf(current_input, sizeof current_input, "%s", name.c_str());
      std::ifstream in(file, std::ios::binary);
      const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      try {
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_replay: %s: uncaught exception: %s\n", name.c_str(), e.what());
        return 1;
      }
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "fuzz_replay: no inputs (usage: %s corpus-folder-or-file...)\n", argv[0]);
    return 1;
  }
  std::printf("fuzz_replay: %zu inputs, no failure\n", replayed);
  return 0;
}
