#pragma once

#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/io/detail/sqlite_handle.hpp>
#include <rstreams/io/sql_error.hpp>
#include <rstreams/io/sql_options.hpp>
#include <rstreams/io/sql_row.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams {

class sqlite_source_type : public source_interface<sqlite_source_type> {
 public:
  static constexpr std::string_view name = "sqlite_source";
  using value_type = sql_row;

  sqlite_source_type(std::string database, std::string query, sql_page_options o)
      : path_(std::move(database)), query_(std::move(query)), o_(std::move(o)), after_(o_.after) {}

  template <class F>
  flow push(std::size_t n, F&& f) {
    if (done_) return flow::done;
    if (!db_) open();
    for (; n != 0; --n) {
      if (!in_page_) {
        if (page_started_ && rows_in_page_ < o_.page_size) return finish();
        begin_page();
      }
      const int rc = sqlite3_step(stmt_.get());
      if (rc == SQLITE_DONE) {
        in_page_ = false;
        ++n;  // no row delivered: try the next page
        continue;
      }
      if (rc != SQLITE_ROW) throw sql_error(query_, sqlite3_errmsg(db_.get()));
      ++rows_in_page_;
      sql_row row{columns_, {}};
      const int cols = sqlite3_column_count(stmt_.get());
      row.values.reserve(static_cast<std::size_t>(cols));
      for (int i = 0; i < cols; ++i) row.values.push_back(detail::sqlite_column(stmt_.get(), i));
      after_ = row.values[key_index_];
      if (!f(std::move(row))) return flow::more;
    }
    return flow::more;
  }

 private:
  flow finish() {
    done_ = true;
    stmt_.reset();
    db_.reset();
    return flow::done;
  }

  void open() {
    db_ = detail::sqlite_open(path_);
    stmt_ = detail::sqlite_prepare(db_.get(), query_);
    after_param_ = sqlite3_bind_parameter_index(stmt_.get(), ":after");
    limit_param_ = sqlite3_bind_parameter_index(stmt_.get(), ":limit");
    if (after_param_ == 0 || limit_param_ == 0)
      throw config_error(
          "rstreams::sqlite_source: the query must take :after and :limit, as in "
          "\"... WHERE id > :after ORDER BY id LIMIT :limit\" (got \"" +
          query_ + "\")");
    auto names = std::make_shared<std::vector<std::string>>();
    const int cols = sqlite3_column_count(stmt_.get());
    for (int i = 0; i < cols; ++i) names->emplace_back(sqlite3_column_name(stmt_.get(), i));
    key_index_ = names->size();
    for (std::size_t i = 0; i < names->size(); ++i)
      if ((*names)[i] == o_.key) key_index_ = i;
    if (key_index_ == names->size())
      throw config_error("rstreams::sqlite_source: the query returns no column named '" + o_.key +
                         "' (the key that pages it)");
    columns_ = std::move(names);
  }

  void begin_page() {
    sqlite3_reset(stmt_.get());
    detail::sqlite_bind_one(stmt_.get(), after_param_, after_);
    sqlite3_bind_int64(stmt_.get(), limit_param_, static_cast<sqlite3_int64>(o_.page_size));
    in_page_ = true;
    page_started_ = true;
    rows_in_page_ = 0;
  }

  std::string path_;
  std::string query_;
  sql_page_options o_;
  sql_value after_;
  detail::sqlite_db_ptr db_;
  detail::sqlite_stmt_ptr stmt_;
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::size_t key_index_ = 0;
  int after_param_ = 0;
  int limit_param_ = 0;
  std::size_t rows_in_page_ = 0;
  bool in_page_ = false;
  bool page_started_ = false;
  bool done_ = false;
};

struct sqlite_source_fn {
  sqlite_source_type operator()(std::string path, std::string query, sql_page_options o = {}) const {
    if (o.page_size == 0) throw config_error("rstreams::sqlite_source: page_size must be positive");
    return sqlite_source_type(std::move(path), std::move(query), std::move(o));
  }
};

/// A source of the rows of a SQLite query, read page by page by key so that it never holds
/// more than one page: the query takes `:after` (the last key seen) and `:limit`.
///
/// Forms: `sqlite_source(db_path, "SELECT ... WHERE id > :after ORDER BY id LIMIT :limit", opts)`
/// Errors: a failed statement is a sql_error naming it; a query without the parameters or
/// the key column a config_error at the first pull.
/// Demand: one row per element; a query per `page_size` rows. Example: examples/33-sqlite.cpp
inline constexpr sqlite_source_fn sqlite_source{};

}  // namespace rstreams
