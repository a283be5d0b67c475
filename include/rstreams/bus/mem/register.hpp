#pragma once
// Registers the in-memory backend's scheme: `open_bus("mem://<name>")` (see mem_backend.hpp).

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/backend_registry.hpp>
#include <rstreams/bus/mem/mem_backend.hpp>

#include <string_view>

namespace rstreams::bus::detail {

inline any_backend open_mem_bus(std::string_view url) {
  constexpr std::string_view prefix = "mem://";
  if (url.substr(0, prefix.size()) == prefix) url.remove_prefix(prefix.size());
  return any_backend(mem_backend(url));
}

inline const backend_registration mem_bus_registration{"mem", &open_mem_bus, "rstreams/bus/mem/register.hpp"};

}  // namespace rstreams::bus::detail
