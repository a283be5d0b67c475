#pragma once
// Options shared by the SQL sources and sinks.

#include <rstreams/io/sql_row.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace rstreams {

/// Options of a SQL source that reads a query page by page, keyed.
///
/// The query returns rows ordered by the key column and takes two parameters: the key
/// after which the page starts and the page size (SQLite: `:after` and `:limit`;
/// PostgreSQL: `$1` and `$2`), e.g.
/// `SELECT id, name FROM users WHERE id > :after ORDER BY id LIMIT :limit`.
struct sql_page_options {
  /// The column whose last value starts the next page.
  std::string key = "id";
  /// The key the first page starts after.
  sql_value after = std::numeric_limits<std::int64_t>::min();
  /// Rows per query.
  std::size_t page_size = 1000;
};

/// Options of a SQL sink.
struct sql_batch_options {
  /// Items per transaction.
  std::size_t batch_size = 500;
};

}  // namespace rstreams
