// SQLite: upsert a stream into a table in batched transactions, then read the table back
// page by page (a keyed query, so the source never holds more than one page).
#include <rstreams/core/run.hpp>
#include <rstreams/io/sql_error.hpp>
#include <rstreams/io/sqlite_sink.hpp>
#include <rstreams/io/sqlite_source.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <sqlite3.h>

#include <iostream>
#include <string>
#include <tuple>

namespace rs = rstreams;

int main() {
  sqlite3* db = nullptr;
  sqlite3_open("shop.db", &db);
  sqlite3_exec(db, "CREATE TABLE stock(sku INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)", nullptr,
               nullptr, nullptr);
  sqlite3_close(db);

  const std::string upsert =
      "INSERT INTO stock(sku, name, qty) VALUES(?, ?, ?) ON CONFLICT(sku) DO UPDATE SET qty = qty + "
      "excluded.qty";
  auto bind = [](int i) { return std::make_tuple(i % 5, "item-" + std::to_string(i % 5), 1); };
  const auto n = rs::run(rs::iota(0, 23) | rs::sqlite_sink("shop.db", upsert, bind, {.batch_size = 10}));
  std::cout << "upserted " << n << " rows\n";

  const auto rows =
      rs::run(rs::sqlite_source(
                  "shop.db", "SELECT sku, name, qty FROM stock WHERE sku > :after ORDER BY sku LIMIT :limit",
                  {.key = "sku", .page_size = 2}) |
              rs::transform([](const rs::sql_row& r) {
                return r.get<std::string>("name") + " x" + std::to_string(r.get<int>("qty"));
              }) |
              rs::to_vector());
  for (const auto& r : rows) std::cout << r << "\n";

  // A failing statement names itself, the item, and what was committed before it.
  auto bad = [](int i) {
    return std::make_tuple(100 + i, i == 3 ? std::optional<std::string>() : std::optional<std::string>("x"),
                           0);
  };
  try {
    rs::run(rs::iota(0, 5) | rs::sqlite_sink("shop.db", upsert, bad, {.batch_size = 2}));
  } catch (const rs::sql_error& e) {
    std::cout << "item " << e.item() << " failed; " << e.written() << " written before it\n";
  }
}
