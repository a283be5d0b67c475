#pragma once
// How the backend contract cases (support/contract/*_cases.hpp) become Catch2 test cases for
// one backend: each case file has `template <class TestType> void add_<op>_cases(contract_registry&)`
// that adds its cases as plain functions of the fixture type, and contract_registry registers
// each one under "<name> - <backend>" with the tags "<tags>[contract][<backend>]".

#include <support/catch.hpp>

#include <source_location>
#include <string>
#include <string_view>

namespace rstreams::test {

class contract_registry {
 public:
  explicit contract_registry(std::string_view backend) : backend_(backend) {}

  /// Registers `body` (a function, or a lambda without captures) as one Catch2 test case.
  void add(std::string_view name, std::string_view tags, void (*body)(),
           std::source_location at = std::source_location::current()) const {
    const std::string full_name = std::string(name) + " - " + backend_;
    const std::string full_tags = std::string(tags) + "[contract][" + backend_ + "]";
    // What TEST_CASE expands to, with a name made at run time (Catch2 copies name and tags).
    Catch::AutoReg(Catch::makeTestInvoker(body), Catch::SourceLineInfo(at.file_name(), at.line()),
                   Catch::StringRef(), Catch::NameAndTags{full_name, full_tags});
  }

 private:
  std::string backend_;
};

}  // namespace rstreams::test
