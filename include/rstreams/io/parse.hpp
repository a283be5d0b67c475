#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/detail/bytes.hpp>
#include <rstreams/io/detail/origin.hpp>
#include <rstreams/json/detail/json_text.hpp>
#include <rstreams/json/json_codec.hpp>

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
  /// Named in errors (a file name, a URL). When empty, errors name the file the line came
  /// from (read_lines upstream, through synchronous stages) and its line there, else "input".
  std::string source;
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
  struct where {
    std::string source;
    std::size_t line;
  };
  // The file and line of the line being decoded when a line source upstream knows them.
  where locate(std::size_t line) const {
    auto o = detail::origin_of(this->up_);
    if (o && o->line != 0) return {opts_.source.empty() ? o->source : opts_.source, o->line};
    return {opts_.source.empty() ? std::string("input") : opts_.source, line};
  }

  // nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1,
  // column 8: " head: the line and column are ours.
  static std::string reason(std::string_view what) {
    if (const auto col = what.find("column "); col != std::string_view::npos)
      if (const auto colon = what.find(": ", col); colon != std::string_view::npos)
        return std::string(what.substr(colon + 2));
    if (const auto bracket = what.find("] "); bracket != std::string_view::npos)
      return std::string(what.substr(bracket + 2));
    return std::string(what);
  }

  // The library's one JSON decoder (json/detail/json_text.hpp): a malformed line is nlohmann's
  // parse_error (with its byte), a value that does not convert whatever from_json throws.
  T decode(std::string_view in, std::size_t line) const {
    try {
      return detail::decode_json<T>(in);
    } catch (const nlohmann::json::parse_error& e) {
      const where w = locate(line);
      throw codec_error(name, w.source, w.line, e.byte == 0 ? 1 : e.byte, reason(e.what()));
    } catch (const json_decode_error& e) {  // a type's own decoder (json/json_codec.hpp)
      const where w = locate(line);
      throw codec_error(name, w.source, w.line, e.offset() == json_decode_error::unknown ? 0 : e.offset() + 1,
                        reason(e.what()));
    } catch (const std::exception& e) {
      const where w = locate(line);
      throw codec_error(name, w.source, w.line, 0, reason(e.what()));
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

/// Parses each line as one JSON document into `T` (through T's `rstreams_decode` when it has one,
/// json/json_codec.hpp, else nlohmann's `from_json`; `nlohmann::json` itself by default).
///
/// Forms: `parse<T>(src, opts)` · `src | parse<T>(opts)` · `src | parse()` (JSON values) ·
/// `src | parse<T>(opts, policy)` with a policy from `rstreams::on_error` (skip counted,
/// dead_letter with the line as the element; see core/on_error.hpp)
/// Requires: elements are lines (std::string, std::string_view); `T` has `from_json`.
/// Errors: a malformed line is a codec_error naming `opts.source` (or the file read_lines read
/// it from, else "input"), the line (in that file when known) and the column
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
