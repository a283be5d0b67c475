// libFuzzer target: sql_row's conversions of text and numbers. Each get either gives a value
// or throws rstreams::error naming the column; no undefined behaviour on any value.
#include <rstreams/core/error.hpp>
#include <rstreams/io/sql_row.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {
template <class T>
void get(const rstreams::sql_row& row, const char* name) {
  try {
    (void)row.get<T>(name);
  } catch (const rstreams::error&) {
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 16) return 0;
  double d = 0;
  std::int64_t i = 0;
  std::memcpy(&d, data, 8);
  std::memcpy(&i, data + 8, 8);
  rstreams::sql_row row;
  row.columns =
      std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"t", "d", "i", "n"});
  row.values = {std::string(reinterpret_cast<const char*>(data + 16), size - 16), d, i, std::monostate{}};
  for (const char* c : {"t", "d", "i", "n"}) {
    get<int>(row, c);
    get<std::int64_t>(row, c);
    get<unsigned>(row, c);
    get<std::uint64_t>(row, c);
    get<short>(row, c);
    get<bool>(row, c);
    get<float>(row, c);
    get<double>(row, c);
    get<std::string>(row, c);
    get<std::optional<int>>(row, c);
  }
  return 0;
}
