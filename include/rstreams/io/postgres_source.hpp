#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/io/detail/pg_handle.hpp>
#include <rstreams/io/sql_error.hpp>
#include <rstreams/io/sql_options.hpp>
#include <rstreams/io/sql_row.hpp>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace rstreams {

class postgres_source_type : public source_interface<postgres_source_type> {
 public:
  static constexpr std::string_view name = "postgres_source";
  using value_type = sql_row;

  postgres_source_type(std::string url, std::string query, sql_page_options o)
      : url_(std::move(url)), query_(std::move(query)), o_(std::move(o)), after_(o_.after) {}

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (done_) return flow::done;
    if (!conn_) open();
    while (n != 0) {
      if (row_ == rows_) {
        if (page_started_ && static_cast<std::size_t>(rows_) < o_.page_size) return finish();
        fetch_page();
        if (rows_ == 0) return finish();
      }
      sql_row row{columns_, {}};
      const int cols = PQnfields(page_.get());
      row.values.reserve(static_cast<std::size_t>(cols));
      for (int c = 0; c < cols; ++c) row.values.push_back(detail::pg_value(page_.get(), row_, c));
      ++row_;
      --n;
      after_ = row.values.at(key_index_);
      if (!f(std::move(row))) return flow::more;
    }
    return flow::more;
  }

 private:
  flow finish() {
    done_ = true;
    page_.reset();
    conn_.reset();
    return flow::done;
  }

  void open() {
    conn_ = detail::pg_connect(url_);
    detail::pg_prepare(conn_.get(), "rstreams_page", query_);
    detail::pg_result_ptr d(PQdescribePrepared(conn_.get(), "rstreams_page"));
    if (!d || PQresultStatus(d.get()) != PGRES_COMMAND_OK)
      throw sql_error(query_, detail::pg_message(conn_.get(), d.get()));
    if (PQnparams(d.get()) != 2)
      throw config_error(
          "rstreams::postgres_source: the query must take $1 (the key to start after) and $2 (the "
          "page size), as in \"... WHERE id > $1 ORDER BY id LIMIT $2\" (got \"" +
          query_ + "\")");
    key_type_ = PQparamtype(d.get(), 0);
  }

  // The default start key is the smallest int64; a narrower key column takes the smallest
  // value of its own type instead (PostgreSQL would refuse the int64 as out of range).
  [[nodiscard]] sql_value bound_after() const {
    if (const auto* i = std::get_if<std::int64_t>(&after_)) {
      if (key_type_ == 23 && *i < INT32_MIN) return std::int64_t{INT32_MIN};
      if (key_type_ == 21 && *i < INT16_MIN) return std::int64_t{INT16_MIN};
    }
    return after_;
  }

  void fetch_page() {
    page_ = detail::pg_exec_prepared(conn_.get(), "rstreams_page",
                                     {bound_after(), sql_value(static_cast<std::int64_t>(o_.page_size))});
    if (!page_ || PQresultStatus(page_.get()) != PGRES_TUPLES_OK)
      throw sql_error(query_, detail::pg_message(conn_.get(), page_.get()));
    page_started_ = true;
    rows_ = PQntuples(page_.get());
    row_ = 0;
    if (!columns_) {
      auto names = std::make_shared<std::vector<std::string>>();
      for (int c = 0; c < PQnfields(page_.get()); ++c) names->emplace_back(PQfname(page_.get(), c));
      key_index_ = names->size();
      for (std::size_t i = 0; i < names->size(); ++i)
        if ((*names)[i] == o_.key) key_index_ = i;
      if (key_index_ == names->size())
        throw config_error("rstreams::postgres_source: the query returns no column named '" + o_.key +
                           "' (the key that pages it)");
      columns_ = std::move(names);
    }
  }

  std::string url_;
  std::string query_;
  sql_page_options o_;
  sql_value after_;
  detail::pg_conn_ptr conn_;
  detail::pg_result_ptr page_;
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::size_t key_index_ = 0;
  Oid key_type_ = 0;
  int rows_ = 0;
  int row_ = 0;
  bool page_started_ = false;
  bool done_ = false;
};

struct postgres_source_fn {
  postgres_source_type operator()(std::string url, std::string query, sql_page_options o = {}) const {
    if (o.page_size == 0) throw config_error("rstreams::postgres_source: page_size must be positive");
    return postgres_source_type(std::move(url), std::move(query), std::move(o));
  }
};

/// A source of the rows of a PostgreSQL query, read page by page by key so that it never
/// holds more than one page: the query takes `$1` (the last key seen) and `$2` (the page
/// size), as in `SELECT id, name FROM users WHERE id > $1 ORDER BY id LIMIT $2`.
///
/// Forms: `postgres_source(url, query, opts)` (a libpq connection string or URL)
/// Values: integers and booleans as int64, float/numeric as double, the rest as text.
/// Errors: io_error naming the server (password hidden) when it cannot connect; sql_error
/// naming the statement when it fails. Demand: one row per element; one query per page.
/// Example: examples/34-postgres.cpp
inline constexpr postgres_source_fn postgres_source{};

}  // namespace rstreams
