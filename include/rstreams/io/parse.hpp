#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/detail/bytes.hpp>
#include <rstreams/json/detail/json_text.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

/// Options of `parse`.
struct parse_options {
  /// Named in errors (a file name, a URL).
  std::string source = "input";
  /// Lines that are empty or only blanks are skipped (they still count as lines).
  bool skip_blank = true;
};

template <class T, source S, class P = on_error::fail>
class parse_source : public stage_source<parse_source<T, S, P>, S> {
  using base = stage_source<parse_source<T, S, P>, S>;
  static constexpr bool plain = std::is_same_v<P, on_error::fail>;

 public:
  static constexpr std::string_view name = "parse";
  using value_type = T;

  parse_source(S up, parse_options o, P p = {})
      : base(std::move(up)), opts_(std::move(o)), policy_(std::move(p)) {}

  void start(const run_context& ctx) {
    base::start(ctx);
    policy_.start(ctx);
  }

  template <class G>
  flow push(std::size_t n, G&& g) {
    std::size_t line = line_;
    const flow r = rstreams::push(this->up_, n, [&](auto&& text) {
      ++line;
      const std::string_view in = detail::as_bytes(text);
      if (opts_.skip_blank && in.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
      if constexpr (plain) {
        return g(decode(in, line));
      } else {
        // The policy sees the codec_error nested in a stage_error, and the line as the element.
        auto call = [&](const auto&) { return decode(in, line); };
        auto out = policy_.template run<T>(name, base::position, line - 1, call, text);
        if (!out) return true;
        return g(std::move(*out));
      }
    });
    line_ = line;
    return r;
  }

 private:
  // The library's one JSON decoder (json/detail/json_text.hpp): a malformed line is nlohmann's
  // parse_error (with its byte), a value that does not convert whatever from_json throws.
  T decode(std::string_view in, std::size_t line) const {
    try {
      return detail::decode_json<T>(in);
    } catch (const nlohmann::json::parse_error& e) {
      throw codec_error(name, opts_.source, line, e.byte == 0 ? 1 : e.byte, e.what());
    } catch (const std::exception& e) {
      throw codec_error(name, opts_.source, line, 0, e.what());
    }
  }

  parse_options opts_;
  detail::policy_runner<P> policy_;
  std::size_t line_ = 0;
};

template <class T>
struct parse_fn {
  template <source_like R>
  auto operator()(R&& r, parse_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::byte_chunk<value_t<S>>,
                  "rstreams::parse: the elements must be lines of text (std::string or "
                  "std::string_view); put split_lines before parse to cut byte chunks into lines.");
    return parse_source<T, S>(as_source(std::forward<R>(r)), std::move(o));
  }
  auto operator()(parse_options o = {}) const { return detail::bind_stage<parse_fn>(std::move(o)); }

  template <source_like R, error_policy P>
  auto operator()(R&& r, parse_options o, P policy) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::byte_chunk<value_t<S>>,
                  "rstreams::parse: the elements must be lines of text (std::string or "
                  "std::string_view); put split_lines before parse to cut byte chunks into lines.");
    detail::validate_policy("parse", policy);
    return parse_source<T, S, P>(as_source(std::forward<R>(r)), std::move(o), std::move(policy));
  }
  template <error_policy P>
  auto operator()(parse_options o, P policy) const {
    detail::validate_policy("parse", policy);
    return detail::bind_stage<parse_fn>(std::move(o), std::move(policy));
  }
};

/// Parses each line as one JSON document into `T` (through nlohmann's `from_json`;
/// `nlohmann::json` itself by default).
///
/// Forms: `parse<T>(src, opts)` · `src | parse<T>(opts)` · `src | parse()` (JSON values) ·
/// `src | parse<T>(opts, policy)` with a policy from `rstreams::on_error` (skip counted,
/// dead_letter with the line as the element; see core/on_error.hpp)
/// Requires: elements are lines (std::string, std::string_view); `T` has `from_json`.
/// Errors: a malformed line is a codec_error naming `opts.source`, the line and the column
/// (under a policy, nested in the stage_error the policy sees; `index` = line - 1).
/// Demand: one line per element (blank lines skipped); buffers nothing.
/// Example: examples/30-json-lines.cpp
template <class T = nlohmann::json>
auto parse(parse_options o = {}) {
  return parse_fn<T>{}(std::move(o));
}
template <class T = nlohmann::json, source_like R>
auto parse(R&& r, parse_options o = {}) {
  return parse_fn<T>{}(std::forward<R>(r), std::move(o));
}
template <class T = nlohmann::json, error_policy P>
auto parse(parse_options o, P policy) {
  return parse_fn<T>{}(std::move(o), std::move(policy));
}
template <class T = nlohmann::json, source_like R, error_policy P>
auto parse(R&& r, parse_options o, P policy) {
  return parse_fn<T>{}(std::forward<R>(r), std::move(o), std::move(policy));
}

}  // namespace rstreams
