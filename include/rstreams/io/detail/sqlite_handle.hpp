#pragma once
// RAII for sqlite3 connections and statements, and binding of C++ values.

#include <rstreams/core/error.hpp>
#include <rstreams/io/detail/sql_params.hpp>
#include <rstreams/io/sql_error.hpp>
#include <rstreams/io/sql_row.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

namespace rstreams::detail {

struct sqlite_db_deleter {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct sqlite_stmt_deleter {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using sqlite_db_ptr = std::unique_ptr<sqlite3, sqlite_db_deleter>;
using sqlite_stmt_ptr = std::unique_ptr<sqlite3_stmt, sqlite_stmt_deleter>;

inline sqlite_db_ptr sqlite_open(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  sqlite_db_ptr db(raw);
  if (rc != SQLITE_OK)
    throw io_error(path, std::string("cannot open the SQLite database: ") +
                             (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(raw, 5000);
  return db;
}

inline void sqlite_exec(sqlite3* db, const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg != nullptr ? msg : "unknown error";
    sqlite3_free(msg);
    throw sql_error(sql, text);
  }
}

inline sqlite_stmt_ptr sqlite_prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
    throw sql_error(sql, sqlite3_errmsg(db));
  return sqlite_stmt_ptr(raw);
}

inline int sqlite_bind_one(sqlite3_stmt* s, int i, const sql_value& v) {
  return std::visit(
      [&](const auto& x) -> int {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::monostate>)
          return sqlite3_bind_null(s, i);
        else if constexpr (std::is_same_v<X, std::int64_t>)
          return sqlite3_bind_int64(s, i, x);
        else if constexpr (std::is_same_v<X, double>)
          return sqlite3_bind_double(s, i, x);
        else
          return sqlite3_bind_text(s, i, x.data(), static_cast<int>(x.size()), SQLITE_TRANSIENT);
      },
      v);
}

inline sql_value sqlite_column(sqlite3_stmt* s, int i) {
  switch (sqlite3_column_type(s, i)) {
    case SQLITE_NULL:
      return std::monostate{};
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_column_int64(s, i));
    case SQLITE_FLOAT:
      return sqlite3_column_double(s, i);
    default: {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
      const int n = sqlite3_column_bytes(s, i);
      return std::string(p != nullptr ? p : "", static_cast<std::size_t>(n));
    }
  }
}

}  // namespace rstreams::detail
