#pragma once
// Registers the NATS JetStream backend's scheme: `open_bus("nats://host:port[,host:port...]")`
// (default nats_options). Needs libnats.

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/backend_registry.hpp>
#include <rstreams/bus/nats/nats_backend.hpp>

#include <string>
#include <string_view>

namespace rstreams::bus::detail {

inline any_backend open_nats_bus(std::string_view url) {
  return any_backend(nats_backend(std::string(url)));
}

inline const backend_registration nats_bus_registration{"nats", &open_nats_bus,
                                                        "rstreams/bus/nats/register.hpp"};

}  // namespace rstreams::bus::detail
