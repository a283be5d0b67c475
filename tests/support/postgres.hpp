#pragma once
// The PostgreSQL server for the io tests: .ci/services/postgres.sh starts one and exports
// RSTREAMS_PG_URL. A test that needs it fails (never skips) when the variable is missing.

#include <support/catch.hpp>

#include <libpq-fe.h>

#include <unistd.h>
#include <cstdlib>
#include <string>

namespace io_test {

inline std::string pg_url() {
  const char* url = std::getenv("RSTREAMS_PG_URL");
  if (url == nullptr || *url == '\0')
    FAIL(
        "RSTREAMS_PG_URL is not set: start the test server with `source .ci/services/postgres.sh` "
        "(CI does this), then run the io tests again.");
  return url;
}

/// Runs SQL on the test server (for fixtures), failing the test on error.
inline void pg_run(const std::string& sql) {
  PGconn* c = PQconnectdb(pg_url().c_str());
  INFO(PQerrorMessage(c));
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);  // no "does not exist, skipping"
  PGresult* r = PQexec(c, sql.c_str());
  const auto st = PQresultStatus(r);
  INFO(sql << ": " << PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(c);
  REQUIRE((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK));
}

/// A table name unique to this process, so parallel test runs do not collide.
inline std::string pg_table(const std::string& stem) {
  return stem + "_" + std::to_string(::getpid());
}

}  // namespace io_test
