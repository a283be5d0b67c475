#include <rstreams/bus/enrich.hpp>
#include <rstreams/bus/offload.hpp>
#include <rstreams/bus/on_failure.hpp>

#include <support/catch.hpp>

namespace rb = rstreams::bus;

TEST_CASE("on_failure: the options' field of that name, fail by default", "[bus][on_failure]") {
  rb::enrich_options e;
  rb::offload_options o;
  CHECK(rb::detail::failure_policy(e) == rb::on_failure::fail);
  CHECK(rb::detail::failure_policy(o) == rb::on_failure::fail);
  e.on_failure = rb::on_failure::dead_letter;
  o.on_failure = rb::on_failure::dead_letter;
  CHECK(rb::detail::failure_policy(e) == rb::on_failure::dead_letter);
  CHECK(rb::detail::failure_policy(o) == rb::on_failure::dead_letter);
}

TEST_CASE("on_failure: the deprecated field `on_error` still works, and wins when set", "[bus][on_failure]") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  rb::enrich_options e;
  e.on_error = rb::on_failure::dead_letter;
  CHECK(rb::detail::failure_policy(e) == rb::on_failure::dead_letter);
  rb::offload_options o;
  o.on_failure = rb::on_failure::dead_letter;
  o.on_error = rb::on_failure::fail;
  CHECK(rb::detail::failure_policy(o) == rb::on_failure::fail);
#pragma GCC diagnostic pop
}
