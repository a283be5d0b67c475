#pragma once
// The order events of the enrich benchmarks (bus_enrich_bench.cpp, metrics_bench.cpp): ~100 bytes
// of JSON each, the same as peers/bus_enrich.js makes, and the derivation every variant computes.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdio>
#include <string>

namespace orders {

/// Order `i` as JSON text.
inline std::string make_payload(std::size_t i) {
  static const char* const countries[] = {"NL", "DE", "FR", "US", "BR"};
  char buf[160];
  const int n = std::snprintf(
      buf, sizeof buf,
      R"({"id":%zu,"customer":"customer-%06zu","email":"c%zu@example.com","total":%zu.%02zu,"country":"%s"})",
      i, i % 100000, i % 100000, (i * 7919) % 1000, i % 100, countries[i % 5]);
  return std::string(buf, static_cast<std::size_t>(n));
}

/// A region from the country, and a VIP flag.
inline nlohmann::json enrich_order(nlohmann::json o) {
  const auto& c = o["country"].get_ref<const std::string&>();
  o["region"] = (c == "US" || c == "BR") ? "americas" : "europe";
  o["vip"] = o["total"].get<double>() >= 500.0;
  return o;
}

}  // namespace orders
