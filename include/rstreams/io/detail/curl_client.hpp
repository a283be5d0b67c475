#pragma once
// One libcurl easy handle (reused, so connections are kept alive) with retry and backoff.

#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/io/http_error.hpp>
#include <rstreams/io/http_options.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams::detail {

struct curl_deleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};

struct http_reply {
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case

  [[nodiscard]] std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers)
      if (k == name) return v;
    return {};
  }
};

inline void curl_global() {
  static const bool once = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)once;
}

class curl_client {
 public:
  explicit curl_client(http_options o) : o_(std::move(o)) {}

  void start(const run_context& ctx) { ctx_ = ctx; }

  /// Performs the request, retrying as the options say. Throws http_error naming the URL:
  /// at once on 4xx (but 429), after the last retry on 5xx/429/transport failures.
  http_reply request(const std::string& method, const std::string& url, const std::string* body = nullptr,
                     std::size_t delivered = 0) {
    auto wait = o_.retry.backoff;
    for (int attempt = 0;; ++attempt) {
      http_reply r;
      std::string transport;
      const CURLcode rc = perform(method, url, body, r);
      if (rc != CURLE_OK) {
        transport = std::string(curl_easy_strerror(rc)) +
                    (errbuf_[0] != '\0' ? std::string(" (") + errbuf_ + ")" : "");
      } else if (r.status < 400) {
        return r;
      } else if (r.status < 500 && r.status != 429) {
        throw http_error(url, r.status,
                         method + " failed with HTTP " + std::to_string(r.status) + excerpt(r.body),
                         delivered);
      }
      const bool last = attempt >= o_.retry.retries;
      if (last || ctx_.stop_requested()) {
        const std::string tries =
            " after " + std::to_string(attempt + 1) + (attempt == 0 ? " attempt" : " attempts");
        if (rc != CURLE_OK) throw http_error(url, 0, method + " failed: " + transport + tries, delivered);
        throw http_error(url, r.status,
                         method + " failed with HTTP " + std::to_string(r.status) + tries + excerpt(r.body),
                         delivered);
      }
      if (!ctx_.clock->sleep_for(wait, ctx_.stop))
        throw http_error(url, r.status, method + " abandoned: the run was stopped while waiting to retry",
                         delivered);
      wait = std::min(wait * 2, o_.retry.max_backoff);
    }
  }

 private:
  static std::string excerpt(const std::string& body) {
    if (body.empty()) return {};
    return ": " + (body.size() > 200 ? body.substr(0, 200) + "..." : body);
  }

  static std::size_t on_body(char* p, std::size_t size, std::size_t n, void* user) {
    static_cast<http_reply*>(user)->body.append(p, size * n);
    return size * n;
  }
  static std::size_t on_header(char* p, std::size_t size, std::size_t n, void* user) {
    std::string_view line(p, size * n);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string key(line.substr(0, colon));
      for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string_view v = line.substr(colon + 1);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
      static_cast<http_reply*>(user)->headers.emplace_back(std::move(key), std::string(v));
    } else if (line.rfind("HTTP/", 0) == 0) {
      static_cast<http_reply*>(user)->headers.clear();  // a new response (after a 100 Continue)
    }
    return size * n;
  }

  CURLcode perform(const std::string& method, const std::string& url, const std::string* body,
                   http_reply& r) {
    if (!h_) {
      curl_global();
      h_.reset(curl_easy_init());
      if (!h_) throw error("rstreams: http: cannot initialise libcurl");
    }
    CURL* h = h_.get();
    curl_easy_reset(h);
    errbuf_[0] = '\0';
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf_);
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &curl_client::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &curl_client::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(nullptr, &curl_slist_free_all);
    curl_slist* raw = nullptr;
    for (const auto& [k, v] : o_.headers) raw = curl_slist_append(raw, (k + ": " + v).c_str());
    if (body != nullptr) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
      raw = curl_slist_append(raw, "Expect:");
    }
    list.reset(raw);
    if (raw != nullptr) curl_easy_setopt(h, CURLOPT_HTTPHEADER, raw);
    if (method != "GET" && method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    return rc;
  }

  http_options o_;
  std::unique_ptr<CURL, curl_deleter> h_;
  char errbuf_[CURL_ERROR_SIZE] = {};
  run_context ctx_{};
};

}  // namespace rstreams::detail
