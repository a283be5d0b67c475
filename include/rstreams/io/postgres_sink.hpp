#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/io/detail/pg_handle.hpp>
#include <rstreams/io/detail/sql_params.hpp>
#include <rstreams/io/sql_error.hpp>
#include <rstreams/io/sql_options.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

struct postgres_sink_fn {
  template <class B>
  class closure : public sink_closure<closure<B>> {
   public:
    static constexpr std::string_view name = "postgres_sink";

    closure(std::string url, std::string sql, B binder, sql_batch_options o)
        : url_(std::move(url)), sql_(std::move(sql)), binder_(std::move(binder)), o_(o) {}

    template <class T>
    auto consumer(std::size_t /*position*/) && {
      static_assert(
          std::invocable<B&, const T&>,
          "rstreams::postgres_sink: the binder cannot be called with the element type; it "
          "takes `const T&` and returns the statement's parameters (a std::tuple or a std::vector).");
      class consumer_type {
       public:
        consumer_type(std::string url, std::string sql, B binder, sql_batch_options o)
            : url_(std::move(url)), sql_(std::move(sql)), binder_(std::move(binder)), o_(o) {}

        std::size_t demand() const noexcept { return o_.batch_size; }

        bool accept(const T& x) {
          if (!conn_) open();
          if (!in_tx_) {
            detail::pg_exec(conn_.get(), "BEGIN");
            in_tx_ = true;
          }
          const auto params = detail::to_sql_params(std::invoke(binder_, x));
          auto r = detail::pg_exec_prepared(conn_.get(), "rstreams_sink", params);
          const auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
          if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(detail::pg_message(conn_.get(), r.get()));
          ++index_;
          if (++in_batch_ == o_.batch_size) commit();
          return true;
        }

        /// The number of items written.
        std::size_t finish() {
          if (!conn_) open();
          commit();
          return written_;
        }

       private:
        void open() {
          conn_ = detail::pg_connect(url_);
          detail::pg_prepare(conn_.get(), "rstreams_sink", sql_);
        }
        void commit() {
          if (!in_tx_) return;
          try {
            detail::pg_exec(conn_.get(), "COMMIT");
          } catch (const sql_error& e) {
            const std::size_t batch_start = index_ - in_batch_;
            in_tx_ = false;
            in_batch_ = 0;
            throw sql_error("COMMIT", e.what(), batch_start, written_);
          }
          in_tx_ = false;
          written_ += in_batch_;
          in_batch_ = 0;
        }
        [[noreturn]] void fail(const std::string& msg) {
          const std::size_t item = index_;
          detail::pg_result_ptr r(PQexec(conn_.get(), "ROLLBACK"));
          in_tx_ = false;
          in_batch_ = 0;
          throw sql_error(sql_, msg, item, written_);
        }

        std::string url_;
        std::string sql_;
        B binder_;
        sql_batch_options o_;
        detail::pg_conn_ptr conn_;
        std::size_t index_ = 0;
        std::size_t in_batch_ = 0;
        std::size_t written_ = 0;
        bool in_tx_ = false;
      };
      return consumer_type(std::move(url_), std::move(sql_), std::move(binder_), o_);
    }

   private:
    std::string url_;
    std::string sql_;
    B binder_;
    sql_batch_options o_;
  };

  template <class B>
  auto operator()(std::string url, std::string sql, B binder, sql_batch_options o = {}) const {
    if (o.batch_size == 0) throw config_error("rstreams::postgres_sink: batch_size must be positive");
    return closure<B>(std::move(url), std::move(sql), std::move(binder), o);
  }
};

/// A sink that runs one prepared statement per element (`INSERT ... ON CONFLICT (...) DO
/// UPDATE ...` for upserts), `batch_size` elements per transaction; yields the count written.
///
/// Forms: `src | postgres_sink(url, sql, binder, opts)`; `binder(const T&)` returns the
/// parameters `$1, $2, ...` as a std::tuple or a std::vector.
/// Errors: a failing statement is a sql_error naming it, the failing item and the items
/// committed before it (its batch is rolled back). A dropped connection is never retried
/// silently. Demand: `batch_size` items per step. Example: examples/34-postgres.cpp
inline constexpr postgres_sink_fn postgres_sink{};

}  // namespace rstreams
