#pragma once
// Registers the local backend's scheme: `open_bus("file://<dir>")`, and a path with no scheme;
// and `open_bus(url, local_options)`.

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/backend_registry.hpp>
#include <rstreams/bus/local/local_backend.hpp>
#include <rstreams/bus/local/options.hpp>
#include <rstreams/bus/open_bus.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace rstreams::bus::detail {

/// The directory of a `file://<dir>` URL, or the path itself.
inline std::string_view local_dir_of(std::string_view url) {
  constexpr std::string_view prefix = "file://";
  if (url.substr(0, prefix.size()) == prefix) url.remove_prefix(prefix.size());
  return url;
}

inline any_backend open_local_bus(std::string_view url) {
  return any_backend(local_backend(std::string(local_dir_of(url))));
}

inline const backend_registration local_bus_registration{"file", &open_local_bus,
                                                         "rstreams/bus/local/register.hpp"};

}  // namespace rstreams::bus::detail

namespace rstreams::bus {

/// `open_bus(url)` with options for the local backend: a directory path or `file://<dir>` opens
/// it with `opt`; any other scheme opens as `open_bus(url)` does (`opt` unused).
inline any_backend open_bus(std::string_view url, local_options opt) {
  const auto sep = url.find("://");
  if (url.empty() || (sep != std::string_view::npos && url.substr(0, sep) != "file")) return open_bus(url);
  return any_backend(local_backend(std::string(detail::local_dir_of(url)), std::move(opt)));
}

}  // namespace rstreams::bus
