#pragma once
// The table `open_bus` dispatches on: URL scheme -> the function that opens a bus of that
// scheme. Backends register themselves (each backend's register.hpp holds one inline
// `backend_registration`), so adding a backend touches no generic header.

#include <algorithm>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rstreams::bus {

class any_backend;

/// Opens a bus from a whole URL of the scheme it was registered for (e.g. "mem://tests").
/// Throws config_error for a URL it cannot use.
using backend_opener = any_backend (*)(std::string_view url);

/// One registered scheme: the opener and the header that registered it (named in errors).
struct backend_scheme {
  std::string scheme;  // without "://", e.g. "nats"
  backend_opener open = nullptr;
  std::string header;  // e.g. "rstreams/bus/nats/register.hpp"
  /// Set when a second header registered the same scheme with another opener: the first one
  /// stays, and opening the scheme fails naming both (a registration cannot throw).
  std::string conflict;
};

namespace detail {

struct backend_table {
  std::mutex mu;
  std::vector<backend_scheme> schemes;  // sorted by scheme
};

inline backend_table& backend_registry_table() {
  static backend_table table;
  return table;
}

/// The library's own backends: the header that registers each, and what else it needs, named
/// in the error for a scheme this program did not register. A new backend need not be listed.
struct builtin_backend {
  std::string_view scheme;
  std::string_view header;
  std::string_view needs;  // "" or e.g. " and link libnats"
};
inline constexpr builtin_backend builtin_backends[] = {
    {"file", "rstreams/bus/local/register.hpp", ""},
    {"mem", "rstreams/bus/mem/register.hpp", ""},
    {"nats", "rstreams/bus/nats/register.hpp", " and link libnats"},
};

inline bool valid_scheme(std::string_view s) noexcept {
  if (s.empty() || !(s.front() >= 'a' && s.front() <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  });
}

}  // namespace detail

/// Registers `scheme` (lower-case letters, digits, '+', '-', '.'; starting with a letter) so
/// that `open_bus("<scheme>://...")` calls `open`. Registering the same scheme again with the
/// same header or opener replaces nothing and returns true; with another one it keeps the first,
/// marks the conflict (opening the scheme then throws config_error naming both headers) and
/// returns false. Returns false, registering nothing, for a bad scheme or a null opener.
/// Never throws (it runs during static initialisation).
inline bool register_backend(std::string_view scheme, backend_opener open, std::string_view header) noexcept {
  try {
    if (!detail::valid_scheme(scheme) || open == nullptr) return false;
    auto& t = detail::backend_registry_table();
    std::lock_guard lock(t.mu);
    const auto at =
        std::lower_bound(t.schemes.begin(), t.schemes.end(), scheme,
                         [](const backend_scheme& s, std::string_view k) { return s.scheme < k; });
    if (at != t.schemes.end() && at->scheme == scheme) {
      if (at->open == open || at->header == header) return true;
      at->conflict = std::string(header);
      return false;
    }
    t.schemes.insert(at, backend_scheme{std::string(scheme), open, std::string(header), {}});
    return true;
  } catch (...) {  // out of memory: the scheme stays unregistered and open_bus says so
    return false;
  }
}

/// The schemes registered in this program, sorted by scheme.
inline std::vector<backend_scheme> registered_backends() {
  auto& t = detail::backend_registry_table();
  std::lock_guard lock(t.mu);
  return t.schemes;
}

/// Registers a backend's scheme when constructed. A backend header holds one as an inline
/// variable, so every program that includes the header knows the scheme:
///
///     namespace rstreams::bus::detail {
///     inline any_backend open_my_bus(std::string_view url) { return any_backend(my_backend(url)); }
///     inline const backend_registration my_bus_registration{"my", &open_my_bus,
///                                                           "my/register.hpp"};
///     }
struct backend_registration {
  backend_registration(std::string_view scheme, backend_opener open, std::string_view header) noexcept
      : registered(register_backend(scheme, open, header)) {}
  /// False when the scheme was bad or already taken by another header (see register_backend).
  bool registered;
};

}  // namespace rstreams::bus
