#pragma once
// open_bus(url): a bus chosen at run time by the URL's scheme, through the backend registry.

#include <rstreams/bus/any_backend.hpp>
#include <rstreams/bus/backend_registry.hpp>
#include <rstreams/core/error.hpp>

#include <string>
#include <string_view>

namespace rstreams::bus {

namespace detail {

/// "file (rstreams/bus/local/register.hpp), mem (...)": the registered schemes, for errors.
inline std::string describe_registered_backends() {
  std::string out;
  for (const auto& s : registered_backends()) {
    if (!out.empty()) out += ", ";
    out += s.scheme + " (" + s.header + ")";
  }
  return out.empty() ? std::string("none") : out;
}

inline config_error unknown_scheme_error(std::string_view scheme, std::string_view url) {
  const std::string registered = "; registered schemes: " + describe_registered_backends();
  for (const auto& known : builtin_backends) {
    if (known.scheme == scheme)
      return config_error("rstreams: open_bus: " + std::string(scheme) +
                          " backend not built into this program (" + std::string(url) + "): include <" +
                          std::string(known.header) + ">" + std::string(known.needs) + registered);
  }
  return config_error("rstreams: open_bus: unknown bus url scheme \"" + std::string(scheme) + "\" in \"" +
                      std::string(url) + "\"" + registered +
                      " (a directory path with no scheme opens the local backend)");
}

}  // namespace detail

/// Opens a bus from a URL: `<scheme>://...` opens the backend registered for the scheme (see
/// backend_registry.hpp); a path with no scheme means the local backend in that directory, as
/// `file://<path>` does. The library's backends register with their `register.hpp`:
/// `file://<dir>` and plain paths with <rstreams/bus/local/register.hpp>, `mem://<name>` with
/// <rstreams/bus/mem/register.hpp>, `nats://host:port[,host:port...]` with
/// <rstreams/bus/nats/register.hpp> (linking libnats); <rstreams/bus.hpp> includes the first
/// two. Throws config_error for an empty URL or a scheme this program did not register, naming
/// the registered schemes and, for one of the library's, the header that registers it.
inline any_backend open_bus(std::string_view url) {
  if (url.empty())
    throw config_error(
        "rstreams: open_bus: empty url (give a directory, or <scheme>://...; registered schemes: " +
        detail::describe_registered_backends() + ")");
  const auto sep = url.find("://");
  const std::string scheme =
      sep == std::string_view::npos ? std::string("file") : std::string(url.substr(0, sep));
  const std::string whole = sep == std::string_view::npos ? "file://" + std::string(url) : std::string(url);
  for (const auto& s : registered_backends()) {
    if (s.scheme != scheme) continue;
    if (!s.conflict.empty())
      throw config_error("rstreams: open_bus: scheme \"" + scheme + "\" is registered by both <" + s.header +
                         "> and <" + s.conflict + ">: include one of them");
    return s.open(whole);
  }
  throw detail::unknown_scheme_error(scheme, url);
}

}  // namespace rstreams::bus
