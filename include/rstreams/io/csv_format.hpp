#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/stage_source.hpp>
#include <rstreams/io/csv_options.hpp>
#include <rstreams/io/csv_row.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace rstreams {

namespace detail {

template <class T>
inline constexpr bool is_csv_record_v = false;
template <>
inline constexpr bool is_csv_record_v<csv_row> = true;
template <>
inline constexpr bool is_csv_record_v<std::vector<std::string>> = true;
template <>
inline constexpr bool is_csv_record_v<std::vector<std::optional<std::string>>> = true;

}  // namespace detail

template <source S>
class csv_format_source : public stage_source<csv_format_source<S>, S> {
  using base = stage_source<csv_format_source<S>, S>;

 public:
  static constexpr std::string_view name = "csv_format";
  using value_type = std::string;

  csv_format_source(S up, csv_options o) : base(std::move(up)), o_(std::move(o)) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    return rstreams::push(this->up_, n, [&](auto&& rec) {
      std::string out;
      if (!header_done_) {
        header_done_ = true;
        if (o_.header) {
          if (!o_.columns.empty()) {
            write_names(out, o_.columns);
          } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(rec)>, csv_row>) {
            if (rec.header) write_names(out, *rec.header);
          }
        }
      }
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(rec)>, csv_row>) {
        write_fields(out, rec.fields);
      } else {
        write_fields(out, rec);
      }
      started_ = true;
      return g(std::move(out));
    });
  }

 private:
  void write_names(std::string& out, const std::vector<std::string>& names) const {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i != 0) out.push_back(o_.delimiter);
      write_field(out, names[i]);
    }
    out += o_.line_end;
  }
  template <class V>
  void write_fields(std::string& out, const V& fields) const {
    const std::size_t record_at = out.size();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i != 0) out.push_back(o_.delimiter);
      if constexpr (std::is_same_v<typename V::value_type, std::string>) {
        write_field(out, fields[i]);
      } else if (fields[i]) {
        write_field(out, *fields[i]);
      } else {
        out += o_.null_token.value_or("");
      }
    }
    // A record of one empty field would be a blank line, which reads back as no record.
    if (fields.size() == 1 && out.size() == record_at) {
      out.push_back(o_.quote);
      out.push_back(o_.quote);
    }
    out += o_.line_end;
  }
  // Quote when the text holds a special character, or when it would read back as null, or
  // when it opens the output with a UTF-8 byte order mark (which csv_parse drops there).
  void write_field(std::string& out, std::string_view f) const {
    const bool looks_null = o_.null_token ? f == *o_.null_token : false;
    const bool looks_bom = !started_ && out.empty() && f.starts_with("\xEF\xBB\xBF");
    const bool needs =
        looks_null || looks_bom || (f.empty() && o_.null_token && o_.null_token->empty()) ||
        f.find_first_of(std::string{o_.delimiter, o_.quote, '\r', '\n'}) != std::string_view::npos;
    if (!needs) {
      out += f;
      return;
    }
    out.push_back(o_.quote);
    for (const char c : f) {
      if (c == o_.quote) out.push_back(o_.quote);
      out.push_back(c);
    }
    out.push_back(o_.quote);
  }

  csv_options o_;
  bool header_done_ = false;
  bool started_ = false;  // a record was written: a later field cannot open the output
};

struct csv_format_fn {
  template <source_like R>
  auto operator()(R&& r, csv_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(detail::is_csv_record_v<value_t<S>>,
                  "rstreams::csv_format: the elements must be csv_row, std::vector<std::string> or "
                  "std::vector<std::optional<std::string>>; transform your records into one of them first.");
    return csv_format_source<S>(as_source(std::forward<R>(r)), std::move(o));
  }
  auto operator()(csv_options o = {}) const { return detail::bind_stage<csv_format_fn>(std::move(o)); }
};

/// Writes records as CSV text (RFC 4180): one std::string per record, ending in
/// `opts.line_end`; fields are quoted when they hold the delimiter, a quote or a newline,
/// or would read back as null; nulls are written as `opts.null_token`.
///
/// Forms: `csv_format(src, opts)` · `src | csv_format(opts)`
/// Requires: elements are csv_row or vectors of (optional) strings.
/// Demand: one record per element (the first also carries the header row); buffers nothing.
/// Example: examples/32-csv.cpp
inline constexpr csv_format_fn csv_format{};

}  // namespace rstreams
