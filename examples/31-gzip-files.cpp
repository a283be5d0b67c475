// Files: write JSON lines gzip-compressed, rotated every 400 records (each file appears only
// once complete), then read the whole set back through a glob, in name order.
#include <rstreams/core/run.hpp>
#include <rstreams/io/gunzip.hpp>  // lets read_file and write_file handle ".gz" names (links zlib)
#include <rstreams/io/parse.hpp>
#include <rstreams/io/read_file.hpp>
#include <rstreams/io/split_lines.hpp>
#include <rstreams/io/stringify.hpp>
#include <rstreams/io/write_file.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/sum.hpp>
#include <rstreams/sources/iota.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace rs = rstreams;
using nlohmann::json;

int main() {
  const auto w = rs::run(rs::iota(0, 1000) | rs::transform([](int i) {
                           return json{{"n", i}, {"square", i * i}};
                         }) |
                         rs::stringify() | rs::write_file("events-{n}.jsonl.gz", {.max_items = 400}));
  for (const auto& f : w.files) std::cout << "wrote " << f.string() << "\n";
  std::cout << w.items << " lines, " << w.bytes << " bytes before compression\n";

  const auto total = rs::run(rs::read_file("events-*.jsonl.gz") | rs::split_lines() | rs::parse() |
                             rs::transform([](const json& j) { return j["n"].get<long>(); }) | rs::sum());
  std::cout << "sum of n read back: " << total << "\n";
}
