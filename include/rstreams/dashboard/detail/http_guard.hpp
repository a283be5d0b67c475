#pragma once
// The dashboard server's checks on a request, kept apart from HTTP: the action token, the Host
// header of a loopback server, numbers in query strings.

#include <rstreams/dashboard/api_error.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace rstreams::dashboard::detail {

/// 128 random bits as 32 hex digits (std::random_device: the kernel's generator on Linux).
inline std::string random_token() {
  std::random_device rd;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    auto v = static_cast<std::uint32_t>(rd());
    for (int k = 0; k < 8; ++k, v >>= 4) out += hex[v & 0xf];
  }
  return out;
}

/// Throws api_error 401 without a token, 403 with a wrong one (compared in constant time).
inline void check_token(std::string_view sent, std::string_view token) {
  if (sent.empty())
    throw api_error(
        401, "this action needs the token the server printed at start, in the X-Rstreams-Token header");
  unsigned diff = sent.size() == token.size() ? 0U : 1U;
  for (std::size_t i = 0; i < sent.size(); ++i)
    diff |= static_cast<unsigned>(static_cast<unsigned char>(sent[i]) ^
                                  static_cast<unsigned char>(token.empty() ? 0 : token[i % token.size()]));
  if (diff != 0) throw api_error(403, "wrong token (see what the server printed at start)");
}

/// localhost, ::1 or an IPv4 address in 127.0.0.0/8 (digits and dots only: "127.0.0.1.evil.example"
/// is a DNS name anyone can point anywhere).
inline bool loopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (const char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

/// True when a Host header names a loopback host (with or without a port).
inline bool loopback_host_header(std::string_view h) {
  if (h.empty()) return true;  // HTTP/1.0 clients send none; a browser always does
  std::string_view name = h;
  if (h.front() == '[') {
    const auto end = h.find(']');
    name = end == std::string_view::npos ? h : h.substr(1, end - 1);
  } else if (const auto colon = h.rfind(':'); colon != std::string_view::npos) {
    name = h.substr(0, colon);
  }
  return loopback(name);
}

/// A positive count from a query string; api_error 400 otherwise.
inline std::size_t parse_count(std::string_view text, const char* what) {
  std::size_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size())
    throw api_error(400,
                    std::string(what) + " must be a number, not \"" + std::string(text.substr(0, 40)) + "\"");
  return v;
}

}  // namespace rstreams::dashboard::detail
