// CSV both ways (RFC 4180): quoted fields with commas, quotes and newlines, a header row
// giving names to fields, a null token; rows out again with the same dialect.
#include <rstreams/core/run.hpp>
#include <rstreams/io/csv_format.hpp>
#include <rstreams/io/csv_parse.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace rs = rstreams;

int main() {
  // Chunks as they might come from a socket: records and quoted fields cut anywhere.
  const std::vector<std::string> chunks{"name,city,note\nAda,London,\"wrote the first",
                                        " program\"\nLinus,NULL,\"said \"\"talk",
                                        " is cheap\"\"\"\nGrace,\"Arlington, VA\",\n"};
  const auto rows = rs::run(chunks | rs::csv_parse({.null_token = "NULL"}) | rs::to_vector());
  for (const auto& r : rows)
    std::cout << *r["name"] << " | " << r.value_or("city", "(unknown)") << " | " << *r["note"] << "\n";

  const auto out = rs::run(rows | rs::filter([](const rs::csv_row& r) { return r["city"].has_value(); }) |
                           rs::csv_format({.delimiter = ';', .line_end = "\n"}) | rs::to_vector());
  for (const auto& line : out) std::cout << line;
}
