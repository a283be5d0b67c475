// JSON lines in and out: read a file line by line, parse each line into a typed order,
// keep the large ones, write them back as JSON lines; a malformed line names the file, the
// line and the column.
#include <rstreams/core/run.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/parse.hpp>
#include <rstreams/io/read_lines.hpp>
#include <rstreams/io/stringify.hpp>
#include <rstreams/io/write_file.hpp>
#include <rstreams/ops/filter.hpp>
#include <rstreams/sinks/to_vector.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <string>

namespace rs = rstreams;

struct order {
  int id = 0;
  std::string item;
  double total = 0;
};
void from_json(const nlohmann::json& j, order& o) {
  j.at("id").get_to(o.id);
  j.at("item").get_to(o.item);
  j.at("total").get_to(o.total);
}
void to_json(nlohmann::json& j, const order& o) {
  j = {{"id", o.id}, {"item", o.item}, {"total", o.total}};
}

int main() {
  std::ofstream("orders.jsonl") << R"({"id":1,"item":"tea","total":3.5})"
                                << "\n"
                                << R"({"id":2,"item":"piano","total":4200})"
                                << "\n"
                                << "\n"
                                << R"({"id":3,"item":"bike","total":640})"
                                << "\n";

  const auto written = rs::run(rs::read_lines("orders.jsonl") | rs::parse<order>({.source = "orders.jsonl"}) |
                               rs::filter([](const order& o) { return o.total > 100; }) | rs::stringify() |
                               rs::write_file("large.jsonl"));
  std::cout << "kept " << written.items << " orders\n";
  for (const auto& line : rs::run(rs::read_lines("large.jsonl") | rs::to_vector())) std::cout << line << "\n";

  std::ofstream("broken.jsonl") << R"({"id":1,"item":"tea","total":3.5})"
                                << "\n"
                                << R"({"id":2,"item":"x" "total":1})"
                                << "\n";
  try {
    rs::run(rs::read_lines("broken.jsonl") | rs::parse<order>({.source = "broken.jsonl"}) | rs::to_vector());
  } catch (const rs::codec_error& e) {
    std::cout << "error in " << e.source() << " at line " << e.line() << ", column " << e.column() << "\n";
  }
}
