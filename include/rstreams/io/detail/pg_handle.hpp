#pragma once
// RAII for libpq connections and results, and the text form of parameters and values.

#include <rstreams/core/error.hpp>
#include <rstreams/io/sql_error.hpp>
#include <rstreams/io/sql_row.hpp>

#include <libpq-fe.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace rstreams::detail {

struct pg_conn_deleter {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct pg_result_deleter {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using pg_conn_ptr = std::unique_ptr<PGconn, pg_conn_deleter>;
using pg_result_ptr = std::unique_ptr<PGresult, pg_result_deleter>;

/// The URL without its password, for error messages.
inline std::string pg_safe_url(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

inline pg_conn_ptr pg_connect(const std::string& url) {
  pg_conn_ptr c(PQconnectdb(url.c_str()));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    std::string msg = c ? PQerrorMessage(c.get()) : "out of memory";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw io_error(pg_safe_url(url), "cannot connect to PostgreSQL: " + msg);
  }
  return c;
}

inline std::string pg_message(PGconn* c, PGresult* r) {
  std::string msg = r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(c);
  if (msg.empty()) msg = PQerrorMessage(c);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

/// Runs a statement without parameters; throws sql_error naming it on failure.
inline void pg_exec(PGconn* c, const std::string& sql) {
  pg_result_ptr r(PQexec(c, sql.c_str()));
  const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) throw sql_error(sql, pg_message(c, r.get()));
}

inline void pg_prepare(PGconn* c, const char* name, const std::string& sql) {
  pg_result_ptr r(PQprepare(c, name, sql.c_str(), 0, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw sql_error(sql, pg_message(c, r.get()));
}

inline std::optional<std::string> pg_text(const sql_value& v) {
  if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return std::string(buf);
  }
  return std::get<std::string>(v);
}

/// Executes a prepared statement with text parameters.
inline pg_result_ptr pg_exec_prepared(PGconn* c, const char* name, const std::vector<sql_value>& params) {
  std::vector<std::optional<std::string>> texts;
  texts.reserve(params.size());
  for (const auto& p : params) texts.push_back(pg_text(p));
  std::vector<const char*> ptrs;
  ptrs.reserve(texts.size());
  for (const auto& t : texts) ptrs.push_back(t ? t->c_str() : nullptr);
  return pg_result_ptr(
      PQexecPrepared(c, name, static_cast<int>(ptrs.size()), ptrs.data(), nullptr, nullptr, 0));
}

/// A result value typed by its column's type: integers and booleans as int64, floats and
/// numerics as double, everything else as text.
inline sql_value pg_value(PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col) != 0) return std::monostate{};
  const char* v = PQgetvalue(r, row, col);
  switch (PQftype(r, col)) {
    case 20:  // int8
    case 21:  // int2
    case 23:  // int4
      return static_cast<std::int64_t>(std::strtoll(v, nullptr, 10));
    case 16:  // bool
      return static_cast<std::int64_t>(v[0] == 't' ? 1 : 0);
    case 700:   // float4
    case 701:   // float8
    case 1700:  // numeric
      return std::strtod(v, nullptr);
    default:
      return std::string(v, static_cast<std::size_t>(PQgetlength(r, row, col)));
  }
}

}  // namespace rstreams::detail
