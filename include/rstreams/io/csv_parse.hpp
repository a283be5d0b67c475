#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/on_error.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/codec_error.hpp>
#include <rstreams/io/csv_options.hpp>
#include <rstreams/io/csv_row.hpp>
#include <rstreams/io/detail/bytes.hpp>
#include <rstreams/io/detail/chunk_stage.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams {

namespace detail {

/// RFC 4180 as a state machine over bytes, so a record may span chunks and hold quoted
/// newlines. Errors carry the physical line and column of the offending byte.
class csv_decoder {
 public:
  explicit csv_decoder(csv_options o) : o_(std::move(o)) {}

  /// `bad(error, partial_row)` is called for a malformed record when it is not null (it may
  /// throw); the record is then dropped and decoding resumes at the next line.
  template <class Emit, class Bad = std::nullptr_t>
  std::size_t decode(std::string_view in, Emit& emit, Bad&& bad = nullptr) {
    std::size_t i = 0;
    const std::size_t n = in.size();
    for (;;) {
      if constexpr (std::is_null_pointer_v<std::remove_cvref_t<Bad>>) {
        return run(in, i, emit);
      } else {
        try {
          return run(in, i, emit);
        } catch (const codec_error& e) {
          csv_row partial{header_, std::move(fields_)};
          if (!field_.empty() || quoted_) partial.fields.emplace_back(std::move(field_));
          fields_.clear();
          field_.clear();
          quoted_ = false;
          if (state_ != state::field_start) state_ = state::skip_line;
          bad(e, std::move(partial));
          if (i >= n) return n;
        }
      }
    }
  }

  template <class Emit, class Bad = std::nullptr_t>
  bool finish(Emit& emit, Bad&& bad = nullptr) {
    if constexpr (std::is_null_pointer_v<std::remove_cvref_t<Bad>>) {
      return finish_plain(emit);
    } else {
      try {
        return finish_plain(emit);
      } catch (const codec_error& e) {
        csv_row partial{header_, std::move(fields_)};
        partial.fields.emplace_back(std::move(field_));
        fields_.clear();
        field_.clear();
        state_ = state::field_start;
        bad(e, std::move(partial));
        return true;
      }
    }
  }

 private:
  enum class state { field_start, unquoted, quoted, quote_in_quoted, skip_line };

  // Decodes from `i` (updated as it goes, so an error leaves it at the offending byte).
  template <class Emit>
  std::size_t run(std::string_view in, std::size_t& i, Emit& emit) {
    const char d = o_.delimiter;
    const char q = o_.quote;
    const std::size_t n = in.size();
    while (i < n) {
      const char c = in[i];
      switch (state_) {
        case state::skip_line: {
          const auto nl = in.find('\n', i);
          if (nl == std::string_view::npos) {
            i = n;
            continue;
          }
          i = nl + 1;
          ++line_;
          col_ = 1;
          record_line_ = line_;
          state_ = state::field_start;
          continue;
        }
        case state::field_start:
          if (c == q) {
            quoted_ = true;
            quote_line_ = line_;
            quote_col_ = col_;
            state_ = state::quoted;
            advance(c);
            ++i;
            continue;
          }
          state_ = state::unquoted;
          [[fallthrough]];
        case state::unquoted: {
          // Take the run of plain bytes at once.
          std::size_t j = i;
          while (j < n && in[j] != d && in[j] != '\n' && in[j] != q) ++j;
          field_.append(in.data() + i, j - i);
          col_ += j - i;
          i = j;
          if (i == n) continue;
          const char s = in[i];
          if (s == q)
            fail(line_, col_, "quote inside an unquoted field (quote the whole field and double the quote)");
          advance(s);
          ++i;
          if (s == d) {
            end_field();
          } else if (end_record(emit)) {
            return i;
          }
          continue;
        }
        case state::quoted: {
          std::size_t j = i;
          while (j < n && in[j] != q && in[j] != '\n') ++j;
          field_.append(in.data() + i, j - i);
          col_ += j - i;
          i = j;
          if (i == n) continue;
          if (in[i] == '\n') {
            field_.push_back('\n');
          } else {
            state_ = state::quote_in_quoted;
          }
          advance(in[i]);
          ++i;
          continue;
        }
        case state::quote_in_quoted:
          if (c == q) {
            field_.push_back(q);
            state_ = state::quoted;
          } else if (c == d) {
            end_field();
          } else if (c == '\n') {
            advance(c);
            ++i;
            if (end_record(emit)) return i;
            continue;
          } else if (c == '\r') {
            // CR of a CRLF after a closing quote.
          } else {
            fail(line_, col_, "unexpected character after a closing quote");
          }
          advance(c);
          ++i;
          continue;
      }
    }
    return i;
  }

  template <class Emit>
  bool finish_plain(Emit& emit) {
    if (state_ == state::quoted) fail(quote_line_, quote_col_, "unterminated quoted field");
    if (state_ == state::skip_line) return true;
    if (state_ != state::field_start || !fields_.empty()) end_record(emit);
    return true;
  }

  void advance(char c) {
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
  }

  void end_field() {
    if (!quoted_ && o_.null_token && field_ == *o_.null_token)
      fields_.emplace_back(std::nullopt);
    else
      fields_.emplace_back(std::move(field_));
    field_.clear();
    quoted_ = false;
    state_ = state::field_start;
  }

  // Ends the record at a newline (or the end of input); returns true when the consumer said
  // stop after receiving it. A blank line is no record.
  template <class Emit>
  bool end_record(Emit& emit) {
    if (!quoted_ && !field_.empty() && field_.back() == '\r') field_.pop_back();
    const std::size_t line = record_line_;
    record_line_ = line_;
    if (fields_.empty() && field_.empty() && !quoted_) {
      state_ = state::field_start;
      return false;
    }
    end_field();
    if (o_.header && !header_) {
      auto names = std::make_shared<std::vector<std::string>>();
      for (auto& f : fields_) names->push_back(f ? std::move(*f) : std::string());
      header_ = std::move(names);
      fields_.clear();
      return false;
    }
    if (header_ && fields_.size() != header_->size()) {
      const std::size_t got = fields_.size();
      fail(line, 0,
           "the record has " + std::to_string(got) + " fields, the header has " +
               std::to_string(header_->size()));
    }
    const std::size_t width = fields_.size();
    csv_row row{header_, std::move(fields_)};
    fields_ = {};
    fields_.reserve(width);  // the next record most likely has as many fields: one allocation
    return !emit(std::move(row));
  }

  [[noreturn]] void fail(std::size_t line, std::size_t col, const std::string& reason) const {
    throw codec_error("csv_parse", o_.source, line, col, reason);
  }

  csv_options o_;
  state state_ = state::field_start;
  std::string field_;
  std::vector<csv_row::field> fields_;
  std::shared_ptr<const std::vector<std::string>> header_;
  bool quoted_ = false;
  std::size_t line_ = 1;
  std::size_t col_ = 1;
  std::size_t record_line_ = 1;
  std::size_t quote_line_ = 0;
  std::size_t quote_col_ = 0;
};

}  // namespace detail

template <source S, class P = on_error::fail>
class csv_parse_source : public detail::chunk_stage<csv_parse_source<S, P>, S> {
  using base = detail::chunk_stage<csv_parse_source<S, P>, S>;
  static constexpr bool plain = std::is_same_v<P, on_error::fail>;

 public:
  static constexpr std::string_view name = "csv_parse";
  using value_type = csv_row;

  csv_parse_source(S up, csv_options o, P p = {})
      : base(std::move(up)), dec_(std::move(o)), policy_(std::move(p)) {}

  void start(const run_context& ctx) {
    base::start(ctx);
    policy_.start(ctx);
  }

  template <class Emit>
  std::size_t decode(std::string_view in, Emit& emit) {
    if constexpr (plain) {
      return dec_.decode(in, emit);
    } else {
      return dec_.decode(in, emit, [&](const codec_error& e, csv_row&& partial) { judge(e, partial); });
    }
  }
  template <class Emit>
  bool finish(Emit& emit) {
    if constexpr (plain) {
      return dec_.finish(emit);
    } else {
      return dec_.finish(emit, [&](const codec_error& e, csv_row&& partial) { judge(e, partial); });
    }
  }

 private:
  // Hands a malformed record to the policy: it throws (fail), counts (skip) or dead-letters
  // the fields read so far; `index` is the record's line - 1.
  void judge(const codec_error& e, csv_row& partial) {
    auto again = [&](const csv_row&) -> bool { throw e; };
    policy_.template run<bool>(name, base::position, e.line() == 0 ? 0 : e.line() - 1, again, partial);
  }

  detail::csv_decoder dec_;
  detail::policy_runner<P> policy_;
};

struct csv_parse_fn {
  template <source_like R>
  auto operator()(R&& r, csv_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::byte_chunk<value_t<S>>,
                  "rstreams::csv_parse: the elements must be byte chunks (std::string, "
                  "std::string_view or std::vector<char>), e.g. from read_file.");
    check(o);
    return csv_parse_source<S>(as_source(std::forward<R>(r)), std::move(o));
  }
  auto operator()(csv_options o = {}) const {
    check(o);
    return detail::bind_stage<csv_parse_fn>(std::move(o));
  }
  template <source_like R, error_policy P>
  auto operator()(R&& r, csv_options o, P policy) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::byte_chunk<value_t<S>>,
                  "rstreams::csv_parse: the elements must be byte chunks (std::string, "
                  "std::string_view or std::vector<char>), e.g. from read_file.");
    check(o);
    detail::validate_policy("csv_parse", policy);
    return csv_parse_source<S, P>(as_source(std::forward<R>(r)), std::move(o), std::move(policy));
  }
  template <error_policy P>
  auto operator()(csv_options o, P policy) const {
    check(o);
    detail::validate_policy("csv_parse", policy);
    return detail::bind_stage<csv_parse_fn>(std::move(o), std::move(policy));
  }

 private:
  static void check(const csv_options& o) {
    if (o.delimiter == o.quote || o.delimiter == '\n' || o.quote == '\n' || o.delimiter == '\r' ||
        o.quote == '\r')
      throw config_error(
          "rstreams::csv_parse: the delimiter and the quote must differ and must not be a newline");
  }
};

/// Parses CSV (RFC 4180) from byte chunks into `csv_row`s: quoted fields with doubled
/// quotes, delimiters and newlines inside, CRLF or LF records; blank lines are skipped.
///
/// Forms: `csv_parse(src, opts)` · `src | csv_parse(opts)` · `src | csv_parse(opts, policy)`
/// with a policy from `rstreams::on_error`: a malformed record is dropped (skip, counted) or
/// dead-lettered as a csv_row of the fields read so far, and parsing resumes at the next line.
/// Requires: elements are byte chunks (a record may span chunks).
/// Errors: a stray quote, an unterminated quoted field, or a record whose field count
/// differs from the header is a codec_error naming `opts.source`, the line and the column.
/// Demand: pulls chunks until n records are out; keeps the unfinished record.
/// Example: examples/32-csv.cpp
inline constexpr csv_parse_fn csv_parse{};

}  // namespace rstreams
