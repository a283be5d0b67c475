// libFuzzer target: cron expressions. Arbitrary text builds a schedule or fails with a
// config_error; a schedule's next firing is after the start and matches.
#include <rstreams/bus/cron.hpp>
#include <rstreams/core/error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace std::chrono;
  if (size < 4) return 0;
  std::uint32_t start = 0;
  for (int i = 0; i < 4; ++i) start = (start << 8) | data[i];
  const std::string text(reinterpret_cast<const char*>(data + 4), size - 4);
  std::optional<rstreams::bus::cron_schedule> c;
  try {
    c.emplace(text);
  } catch (const rstreams::config_error&) {
    return 0;
  }
  const auto t = system_clock::time_point{seconds{start}};
  const auto n = c->next(t);
  if (n) {
    if (*n <= floor<seconds>(t)) std::abort();
    if (!c->matches(*n)) std::abort();
  }
  return 0;
}
