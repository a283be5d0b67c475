#pragma once
// The in-memory fixture of the backend contract suite (see bus_backends.hpp): a fresh bus name
// per fixture, so every test sees an empty bus of its own.

#include <rstreams/bus/mem/mem_backend.hpp>

#include <atomic>
#include <string>
#include <string_view>

namespace rstreams::test {

class mem_bus {
 public:
  using backend_type = rstreams::bus::mem_backend;
  static constexpr std::string_view name = "mem";

  mem_bus() : name_(next_name()), bus_(name_) {}

  backend_type& bus() noexcept { return bus_; }
  /// Another handle on the same bus (it shares the events while this fixture holds its own).
  [[nodiscard]] backend_type reopen() const { return backend_type(name_); }
  [[nodiscard]] const std::string& bus_name() const noexcept { return name_; }

 private:
  static std::string next_name() {
    static std::atomic<int> n{0};
    return "test-" + std::to_string(n++);
  }
  std::string name_;
  backend_type bus_;
};

}  // namespace rstreams::test
