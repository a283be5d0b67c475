// The json part: parse JSON lines into values and write them back.
#include <rstreams/core/run.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/stringify.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/from_range.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main() {
  namespace rs = rstreams;
  const std::vector<std::string> in{R"({"a":1})", R"([true,null])"};
  const auto out = rs::run(rs::from_range(in) | rs::parse() | rs::stringify() | rs::to_vector());
  for (const auto& s : out) std::printf("%s", s.c_str());
  std::printf("\n");
  return out.size() == 2 && out[0].find("\"a\":1") != std::string::npos ? 0 : 1;
}
