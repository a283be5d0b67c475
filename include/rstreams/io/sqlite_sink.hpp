#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/io/detail/sqlite_handle.hpp>
#include <rstreams/io/sql_error.hpp>
#include <rstreams/io/sql_options.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

struct sqlite_sink_fn {
  template <class B>
  class closure : public sink_closure<closure<B>> {
   public:
    static constexpr std::string_view name = "sqlite_sink";

    closure(std::string path, std::string sql, B binder, sql_batch_options o)
        : path_(std::move(path)), sql_(std::move(sql)), binder_(std::move(binder)), o_(o) {}

    template <class T>
    auto consumer(std::size_t /*position*/) && {
      static_assert(std::invocable<B&, const T&>,
                    "rstreams::sqlite_sink: the binder cannot be called with the element type; it takes "
                    "`const T&` and returns the statement's parameters (a std::tuple or a std::vector).");
      class consumer_type {
       public:
        consumer_type(std::string path, std::string sql, B binder, sql_batch_options o)
            : path_(std::move(path)), sql_(std::move(sql)), binder_(std::move(binder)), o_(o) {}
        consumer_type(consumer_type&&) noexcept = default;
        ~consumer_type() {
          if (in_tx_ && db_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        }

        std::size_t demand() const noexcept { return o_.batch_size; }

        bool accept(const T& x) {
          if (!db_) open();
          if (!in_tx_) {
            detail::sqlite_exec(db_.get(), "BEGIN IMMEDIATE");
            in_tx_ = true;
          }
          const auto params = detail::to_sql_params(std::invoke(binder_, x));
          sqlite3_stmt* s = stmt_.get();
          sqlite3_reset(s);
          sqlite3_clear_bindings(s);
          const int expected = sqlite3_bind_parameter_count(s);
          if (static_cast<int>(params.size()) != expected)
            fail("the binder gave " + std::to_string(params.size()) + " parameters, the statement takes " +
                 std::to_string(expected));
          for (std::size_t i = 0; i < params.size(); ++i)
            if (detail::sqlite_bind_one(s, static_cast<int>(i) + 1, params[i]) != SQLITE_OK)
              fail(sqlite3_errmsg(db_.get()));
          const int rc = sqlite3_step(s);
          if (rc != SQLITE_DONE && rc != SQLITE_ROW) fail(sqlite3_errmsg(db_.get()));
          ++index_;
          if (++in_batch_ == o_.batch_size) commit();
          return true;
        }

        /// The number of items written.
        std::size_t finish() {
          if (!db_) open();
          commit();
          return written_;
        }

       private:
        void open() {
          db_ = detail::sqlite_open(path_);
          stmt_ = detail::sqlite_prepare(db_.get(), sql_);
        }
        void commit() {
          if (!in_tx_) return;
          stmt_reset();
          try {
            detail::sqlite_exec(db_.get(), "COMMIT");
          } catch (const sql_error& e) {
            const std::size_t failed_at = index_ - in_batch_;
            rollback();
            throw sql_error("COMMIT", e.what(), failed_at, written_);
          }
          in_tx_ = false;
          written_ += in_batch_;
          in_batch_ = 0;
        }
        void stmt_reset() { sqlite3_reset(stmt_.get()); }
        void rollback() {
          stmt_reset();
          if (in_tx_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
          in_tx_ = false;
          in_batch_ = 0;
        }
        [[noreturn]] void fail(const std::string& msg) {
          const std::size_t item = index_;
          rollback();
          throw sql_error(sql_, msg, item, written_);
        }

        std::string path_;
        std::string sql_;
        B binder_;
        sql_batch_options o_;
        detail::sqlite_db_ptr db_;
        detail::sqlite_stmt_ptr stmt_;
        std::size_t index_ = 0;
        std::size_t in_batch_ = 0;
        std::size_t written_ = 0;
        bool in_tx_ = false;
      };
      return consumer_type(std::move(path_), std::move(sql_), std::move(binder_), o_);
    }

   private:
    std::string path_;
    std::string sql_;
    B binder_;
    sql_batch_options o_;
  };

  template <class B>
  auto operator()(std::string path, std::string sql, B binder, sql_batch_options o = {}) const {
    if (o.batch_size == 0) throw config_error("rstreams::sqlite_sink: batch_size must be positive");
    return closure<B>(std::move(path), std::move(sql), std::move(binder), o);
  }
};

/// A sink that runs one prepared statement per element (an INSERT, or an upsert with
/// `ON CONFLICT ... DO UPDATE`), `batch_size` elements per transaction; yields the count
/// written.
///
/// Forms: `src | sqlite_sink(db_path, sql, binder, opts)`; `binder(const T&)` returns the
/// parameters as a std::tuple or a std::vector (integers, reals, strings, std::optional).
/// Errors: a failing statement is a sql_error naming it, the failing item and the items
/// committed before it (its batch is rolled back). Demand: `batch_size` items per step.
/// Example: examples/33-sqlite.cpp
inline constexpr sqlite_sink_fn sqlite_sink{};

}  // namespace rstreams
