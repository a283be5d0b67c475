#pragma once
// One response of a paged HTTP source, and the usual ways to find the next page from it:
// a Link header, a URL in the body, or a cursor in the body put into a query parameter.

#include <rstreams/core/error.hpp>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams {

/// A page as http_get received it: what the paging callback sees.
struct http_page {
  std::string url{};
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers{};  // names in lower case
  std::string body{};
  /// The parsed body (http_format::json), else null.
  nlohmann::json json{};
  /// The number of items the page held.
  std::size_t items = 0;

  [[nodiscard]] std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

/// Finds the URL of the next page, or nothing when this was the last.
using http_next = std::function<std::optional<std::string>(const http_page&)>;

namespace detail {

/// `url` (a reference from a Link header or a body) resolved against the page it came from,
/// per RFC 3986 section 5 (libcurl's URL API does the work: "?page=2", "../x", "//host/x",
/// dot segments); an absolute URL is returned as libcurl normalises it.
inline std::string resolve_url(const std::string& base, const std::string& url) {
  struct url_handle {
    CURLU* h = curl_url();
    ~url_handle() { curl_url_cleanup(h); }
  } u;
  auto fail = [&](CURLUcode rc) {
    throw error("rstreams: http: cannot resolve the next link \"" + url + "\" against \"" + base +
                "\": " + curl_url_strerror(rc));
  };
  if (u.h == nullptr) throw error("rstreams: http: out of memory for a URL");
  if (const CURLUcode rc = curl_url_set(u.h, CURLUPART_URL, base.c_str(), 0); rc != CURLUE_OK) fail(rc);
  if (const CURLUcode rc = curl_url_set(u.h, CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) fail(rc);
  char* out = nullptr;
  if (const CURLUcode rc = curl_url_get(u.h, CURLUPART_URL, &out, 0); rc != CURLUE_OK) fail(rc);
  std::string resolved(out);
  curl_free(out);
  return resolved;
}

inline std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  return out;
}

/// `url` with query parameter `name` set to `value` (replaced if present).
inline std::string with_query_param(const std::string& url, const std::string& name,
                                    const std::string& value) {
  const auto q = url.find('?');
  std::string base = q == std::string::npos ? url : url.substr(0, q);
  std::string query = q == std::string::npos ? std::string() : url.substr(q + 1);
  std::string out;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    const auto amp = query.find('&', pos);
    const std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (part.rfind(name + "=", 0) != 0 && part != name && !part.empty())
      out += (out.empty() ? "" : "&") + part;
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  out += (out.empty() ? "" : "&") + name + "=" + url_encode(value);
  return base + "?" + out;
}

}  // namespace detail

/// Paging by the `Link: <url>; rel="next"` header (GitHub style).
inline http_next next_link() {
  return [](const http_page& p) -> std::optional<std::string> {
    const std::string link = p.header("link");
    std::size_t pos = 0;
    while ((pos = link.find('<', pos)) != std::string::npos) {
      const auto close = link.find('>', pos);
      if (close == std::string::npos) break;
      const auto end = link.find(',', close);
      const std::string params =
          link.substr(close + 1, end == std::string::npos ? std::string::npos : end - close - 1);
      if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos)
        return detail::resolve_url(p.url, link.substr(pos + 1, close - pos - 1));
      pos = close;
    }
    return std::nullopt;
  };
}

/// Paging by a URL in the body at JSON pointer `pointer` (e.g. "/next"); null or absent ends.
inline http_next next_field(std::string pointer) {
  return [ptr = nlohmann::json::json_pointer(pointer)](const http_page& p) -> std::optional<std::string> {
    if (!p.json.is_object() || !p.json.contains(ptr)) return std::nullopt;
    const auto& v = p.json.at(ptr);
    if (!v.is_string() || v.get_ref<const std::string&>().empty()) return std::nullopt;
    return detail::resolve_url(p.url, v.get<std::string>());
  };
}

/// Paging by a cursor: the body's value at `pointer` goes into query parameter `param` of
/// the same URL; a null, empty or absent cursor (or an empty page) ends.
inline http_next next_cursor(std::string param, std::string pointer) {
  return [param = std::move(param),
          ptr = nlohmann::json::json_pointer(pointer)](const http_page& p) -> std::optional<std::string> {
    if (p.items == 0 || !p.json.is_object() || !p.json.contains(ptr)) return std::nullopt;
    const auto& v = p.json.at(ptr);
    std::string cursor;
    if (v.is_string())
      cursor = v.get<std::string>();
    else if (v.is_number())
      cursor = v.dump();
    if (cursor.empty()) return std::nullopt;
    return detail::with_query_param(p.url, param, cursor);
  };
}

}  // namespace rstreams
