#include <rstreams/bus/backend_registry.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/local/register.hpp>
#include <rstreams/bus/open_bus.hpp>

#include <support/catch.hpp>
#include <support/temp_file.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace rb = rstreams::bus;

namespace {
// A scheme of this test's own: "dirtest://<dir>" opens the local backend in <dir>/bus.
rb::any_backend open_dirtest(std::string_view url) {
  url.remove_prefix(std::string_view("dirtest://").size());
  return rb::any_backend(rb::local_backend(std::string(url) + "/bus"));
}
rb::any_backend open_other(std::string_view url) {
  return open_dirtest(url);
}
const rb::backend_registration dirtest_registration{"dirtest", &open_dirtest,
                                                    "tests/bus/backend_registry_test.cpp"};

bool registered(std::string_view scheme) {
  const auto all = rb::registered_backends();
  return std::any_of(all.begin(), all.end(), [&](const rb::backend_scheme& s) { return s.scheme == scheme; });
}
}  // namespace

TEST_CASE("backend_registry: a registration object makes open_bus dispatch its scheme",
          "[bus][backend_registry]") {
  REQUIRE(dirtest_registration.registered);
  rstreams::test::temp_file dir("reg", "");
  auto bus = rb::open_bus("dirtest://" + dir.path().string());
  REQUIRE(bus.describe() == "local:" + std::filesystem::canonical(dir.path() / "bus").string());
  const auto all = rb::registered_backends();
  REQUIRE(std::is_sorted(
      all.begin(), all.end(),
      [](const rb::backend_scheme& a, const rb::backend_scheme& b) { return a.scheme < b.scheme; }));
  const auto dirtest =
      std::find_if(all.begin(), all.end(), [](const auto& s) { return s.scheme == "dirtest"; });
  REQUIRE(dirtest != all.end());
  REQUIRE(dirtest->header == "tests/bus/backend_registry_test.cpp");
  REQUIRE(registered("file"));  // by local/register.hpp
  REQUIRE_FALSE(registered("nats"));
  REQUIRE_THROWS_WITH(rb::open_bus("nope://x"),
                      Catch::Contains("dirtest (tests/bus/backend_registry_test.cpp)"));
}

TEST_CASE("backend_registry: the same registration again is harmless; another header's is a conflict",
          "[bus][backend_registry]") {
  REQUIRE(rb::register_backend("dirtest", &open_dirtest, "tests/bus/backend_registry_test.cpp"));
  rstreams::test::temp_file dir("reg", "");
  REQUIRE(rb::open_bus("dirtest://" + dir.path().string()).target<rb::local_backend>() != nullptr);

  REQUIRE(rb::register_backend("twice", &open_dirtest, "first.hpp"));
  REQUIRE_FALSE(rb::register_backend("twice", &open_other, "second.hpp"));
  REQUIRE_THROWS_WITH(rb::open_bus("twice://x"),
                      Catch::Contains("registered by both <first.hpp> and <second.hpp>"));
}

TEST_CASE("backend_registry: bad schemes and null openers register nothing", "[bus][backend_registry]") {
  REQUIRE_FALSE(rb::register_backend("", &open_dirtest, "x.hpp"));
  REQUIRE_FALSE(rb::register_backend("Upper", &open_dirtest, "x.hpp"));
  REQUIRE_FALSE(rb::register_backend("9lives", &open_dirtest, "x.hpp"));
  REQUIRE_FALSE(rb::register_backend("has space", &open_dirtest, "x.hpp"));
  REQUIRE_FALSE(rb::register_backend("nullopener", nullptr, "x.hpp"));
  REQUIRE_FALSE(registered("nullopener"));
  REQUIRE(rb::register_backend("s3+v2.x-y", &open_dirtest, "x.hpp"));
  REQUIRE(registered("s3+v2.x-y"));
}
