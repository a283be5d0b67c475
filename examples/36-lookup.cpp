// lookup (RStreams' joinExternal): enrich a stream of orders with customer names from
// SQLite, one query per batch of orders (not one per order), answers joined back in order.
#include <rstreams/core/run.hpp>
#include <rstreams/io/lookup.hpp>
#include <rstreams/io/sqlite_source.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/for_each.hpp>

#include <sqlite3.h>

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rs = rstreams;

struct order {
  int id;
  int customer;
};

int main() {
  sqlite3* db = nullptr;
  sqlite3_open("crm.db", &db);
  sqlite3_exec(db,
               "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT);"
               "INSERT INTO customers VALUES(1, 'Ada'), (2, 'Grace'), (3, 'Linus');",
               nullptr, nullptr, nullptr);

  int queries = 0;
  // One SELECT ... IN (...) per batch of distinct keys.
  auto fetch_names = [&](const std::vector<int>& ids) {
    ++queries;
    std::string sql = "SELECT id, name FROM customers WHERE id IN (";
    for (std::size_t i = 0; i < ids.size(); ++i) sql += (i ? "," : "") + std::to_string(ids[i]);
    sql += ")";
    std::map<int, std::string> out;
    sqlite3_exec(
        db, sql.c_str(),
        [](void* m, int, char** v, char**) {
          (*static_cast<std::map<int, std::string>*>(m))[std::stoi(v[0])] = v[1];
          return 0;
        },
        &out, nullptr);
    return out;
  };

  const std::vector<order> orders{{100, 1}, {101, 2}, {102, 1}, {103, 9}, {104, 3}, {105, 2}};
  rs::run(orders | rs::lookup([](const order& o) { return o.customer; }, fetch_names, {.batch_size = 4}) |
          rs::for_each([](const std::pair<order, std::optional<std::string>>& x) {
            std::cout << "order " << x.first.id << " by " << x.second.value_or("(unknown customer)") << "\n";
          }));
  std::cout << queries << " queries for " << orders.size() << " orders\n";
  sqlite3_close(db);
}
