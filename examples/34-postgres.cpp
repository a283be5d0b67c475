// PostgreSQL: batched upserts into a table, then a paged, keyed read of it. The server comes
// from RSTREAMS_PG_URL (`source .ci/services/postgres.sh` starts a throwaway one).
#include <rstreams/core/run.hpp>
#include <rstreams/io/postgres_sink.hpp>
#include <rstreams/io/postgres_source.hpp>
#include <rstreams/ops/transform.hpp>
#include <rstreams/sinks/to_vector.hpp>
#include <rstreams/sources/iota.hpp>

#include <libpq-fe.h>

#include <unistd.h>
#include <cstdlib>
#include <iostream>
#include <string>
#include <tuple>

namespace rs = rstreams;

namespace {
void exec(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  PQclear(PQexec(c, sql.c_str()));
  PQfinish(c);
}
}  // namespace

int main() {
  const char* env = std::getenv("RSTREAMS_PG_URL");
  if (env == nullptr) {
    std::cerr << "RSTREAMS_PG_URL is not set; run `source .ci/services/postgres.sh` first\n";
    return 1;
  }
  const std::string url = env;
  const std::string table = "example_scores_" + std::to_string(::getpid());
  exec(url, "CREATE TABLE " + table + "(player TEXT PRIMARY KEY, points BIGINT NOT NULL)");

  const std::string upsert = "INSERT INTO " + table +
                             "(player, points) VALUES($1, $2) "
                             "ON CONFLICT (player) DO UPDATE SET points = " +
                             table + ".points + EXCLUDED.points";
  auto bind = [](int i) { return std::make_tuple("player-" + std::to_string(i % 3), i); };
  const auto n = rs::run(rs::iota(1, 10) | rs::postgres_sink(url, upsert, bind, {.batch_size = 4}));
  std::cout << "upserted " << n << " scores\n";

  const auto rows =
      rs::run(rs::postgres_source(
                  url, "SELECT player, points FROM " + table + " WHERE player > $1 ORDER BY player LIMIT $2",
                  {.key = "player", .after = std::string(), .page_size = 2}) |
              rs::transform([](const rs::sql_row& r) {
                return r.get<std::string>("player") + ": " + std::to_string(r.get<long>("points"));
              }) |
              rs::to_vector());
  for (const auto& r : rows) std::cout << r << "\n";
  exec(url, "DROP TABLE " + table);
}
