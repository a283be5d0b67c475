#pragma once

#include <rstreams/core/context.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>
#include <rstreams/io/detail/curl_client.hpp>
#include <rstreams/io/http_error.hpp>
#include <rstreams/io/http_options.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

/// Options of `http_post`.
struct http_post_options {
  /// Items per request.
  std::size_t batch_size = 100;
  /// Body as a JSON array (false) or as JSON lines (true).
  bool json_lines = false;
  http_options http{};
};

struct http_post_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "http_post";

    closure(std::string url, http_post_options o) : url_(std::move(url)), o_(std::move(o)) {}

    template <class T>
    auto consumer(std::size_t /*position*/) && {
      static_assert(std::is_constructible_v<nlohmann::json, const T&>,
                    "rstreams::http_post: the element type has no to_json; define "
                    "`void to_json(nlohmann::json&, const T&)` or transform to nlohmann::json first.");
      class consumer_type {
       public:
        consumer_type(std::string url, http_post_options o)
            : url_(std::move(url)), o_(std::move(o)), client_(with_type(o_)) {}

        void start(const run_context& ctx) { client_.start(ctx); }
        std::size_t demand() const noexcept { return o_.batch_size; }

        bool accept(const T& x) {
          if (o_.json_lines) {
            body_ += nlohmann::json(x).dump();
            body_ += '\n';
          } else {
            body_ += pending_ == 0 ? '[' : ',';
            body_ += nlohmann::json(x).dump();
          }
          if (++pending_ == o_.batch_size) flush();
          return true;
        }

        /// The number of items the server accepted.
        std::size_t finish() {
          flush();
          return delivered_;
        }

       private:
        static http_options with_type(const http_post_options& o) {
          http_options h = o.http;
          bool has = false;
          for (const auto& [k, v] : h.headers)
            if (k == "Content-Type" || k == "content-type") has = true;
          if (!has)
            h.headers.emplace_back("Content-Type",
                                   o.json_lines ? "application/x-ndjson" : "application/json");
          return h;
        }
        void flush() {
          if (pending_ == 0) return;
          if (!o_.json_lines) body_ += ']';
          client_.request("POST", url_, &body_, delivered_);
          delivered_ += pending_;
          pending_ = 0;
          body_.clear();
        }

        std::string url_;
        http_post_options o_;
        detail::curl_client client_;
        std::string body_;
        std::size_t pending_ = 0;
        std::size_t delivered_ = 0;
      };
      return consumer_type(std::move(url_), std::move(o_));
    }

   private:
    std::string url_;
    http_post_options o_;
  };

  closure operator()(std::string url, http_post_options o = {}) const {
    if (o.batch_size == 0) throw config_error("rstreams::http_post: batch_size must be positive");
    return closure(std::move(url), std::move(o));
  }
};

/// A sink that POSTs the elements in batches, as a JSON array or as JSON lines; yields the
/// number of items the server accepted.
///
/// Forms: `src | http_post(url, opts)`. Requires: elements convertible to nlohmann::json.
/// Errors: as http_get (4xx at once, 5xx/transport retried then failed); the http_error's
/// `delivered()` counts the items accepted before the failing batch.
/// Demand: `batch_size` items per step; holds one batch's body. Example: examples/35-http.cpp
inline constexpr http_post_fn http_post{};

}  // namespace rstreams
