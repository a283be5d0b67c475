#pragma once

#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/detail/curl_client.hpp>
#include <rstreams/io/http_error.hpp>
#include <rstreams/io/http_options.hpp>
#include <rstreams/io/http_page.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams {

/// How a response body holds items.
enum class http_format {
  /// One JSON document: an array (its elements are the items), or an object whose array
  /// at `items` (a JSON pointer) holds them, or any other value as one item.
  json,
  /// JSON lines: one item per non-blank line.
  json_lines,
};

/// Options of `http_get`.
struct http_get_options {
  http_format format = http_format::json;
  /// JSON pointer to the items inside an object body, e.g. "/data" ("" = the body).
  std::string items = "";
  /// Finds the next page (next_link(), next_field("/next"), next_cursor("cursor",
  /// "/next_cursor"), or your own); none: one page.
  http_next next{};
  /// Keep polling: an empty page, or the last page, is followed by a wait of this long and
  /// a new request (of the next URL, or of the last URL when there is no next), until the
  /// run's stop token is set.
  std::optional<std::chrono::milliseconds> poll{};
  http_options http{};
};

class http_get_source : public source_interface<http_get_source> {
 public:
  static constexpr std::string_view name = "http_get";
  using value_type = nlohmann::json;

  http_get_source(std::string url, http_get_options o)
      : next_url_(std::move(url)), o_(std::move(o)), client_(o_.http) {}

  void start(const run_context& ctx) {
    ctx_ = ctx;
    client_.start(ctx);
  }

  template <class F>
  flow push(std::size_t n, F&& f) {
    while (n != 0) {
      if (index_ < items_.size()) {
        --n;
        if (!f(std::move(items_[index_++]))) return flow::more;
        continue;
      }
      if (!next_url_) return flow::done;
      if (ctx_.stop_requested() || (wait_ && !ctx_.clock->sleep_for(*o_.poll, ctx_.stop))) {
        next_url_.reset();
        return flow::done;
      }
      fetch(*next_url_);
    }
    return flow::more;
  }

 private:
  void fetch(const std::string& url) {
    const detail::http_reply r = client_.request("GET", url);
    http_page page{url, r.status, r.headers, r.body, nullptr, 0};
    items_.clear();
    index_ = 0;
    if (o_.format == http_format::json) {
      try {
        page.json = nlohmann::json::parse(r.body);
      } catch (const nlohmann::json::parse_error& e) {
        throw codec_error(name, url, 0, e.byte, e.what());
      }
      nlohmann::json* holder = &page.json;
      if (!o_.items.empty()) {
        const nlohmann::json::json_pointer ptr(o_.items);
        if (!page.json.contains(ptr))
          throw codec_error(name, url, 0, 0, "the response has nothing at " + o_.items);
        holder = &page.json.at(ptr);
      }
      if (holder->is_array()) {
        items_.reserve(holder->size());
        for (auto& x : *holder) items_.push_back(x);
      } else {
        items_.push_back(*holder);
      }
    } else {
      std::size_t line = 0;
      std::size_t pos = 0;
      const std::string_view body = r.body;
      while (pos < body.size()) {
        const auto nl = body.find('\n', pos);
        const std::string_view text =
            body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? body.size() : nl + 1;
        ++line;
        if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        try {
          items_.push_back(nlohmann::json::parse(text));
        } catch (const nlohmann::json::parse_error& e) {
          throw codec_error(name, url, line, e.byte, e.what());
        }
      }
    }
    page.items = items_.size();
    std::optional<std::string> next;
    if (o_.next) next = o_.next(page);
    wait_ = false;
    if (o_.poll) {
      if (!next) next = url;
      wait_ = items_.empty() || *next == url;
    }
    next_url_ = std::move(next);
  }

  std::optional<std::string> next_url_;
  http_get_options o_;
  detail::curl_client client_;
  run_context ctx_{};
  std::vector<nlohmann::json> items_;
  std::size_t index_ = 0;
  bool wait_ = false;
};

struct http_get_fn {
  http_get_source operator()(std::string url, http_get_options o = {}) const {
    if (o.poll && o.poll->count() <= 0)
      throw config_error("rstreams::http_get: poll interval must be positive");
    if (o.http.retry.retries < 0) throw config_error("rstreams::http_get: retries must not be negative");
    return http_get_source(std::move(url), std::move(o));
  }
};

/// A source of the JSON items GET requests return: a JSON body (its array, or the array at
/// a pointer) or JSON lines; follows pages through `next`, and keeps polling with `poll`.
///
/// Forms: `http_get(url, opts)`. Elements: nlohmann::json (use `| transform(...)` to type them).
/// Errors: a 4xx is an http_error with the status and URL at once; 5xx, 429 and transport
/// failures are retried with backoff on the run's clock, then an http_error; a malformed
/// body a codec_error naming the URL. Demand: holds one page. Example: examples/35-http.cpp
inline constexpr http_get_fn http_get{};

}  // namespace rstreams
