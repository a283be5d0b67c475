#pragma once
// The error of a codec that met malformed input: it names the stage, the source, the line
// and the column (or the byte offset for binary formats).

#include <rstreams/core/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace rstreams {

/// Malformed input in a codec. `what()` reads
/// "rstreams: parse: orders.jsonl: line 3, column 14: <reason>"
/// (for byte formats such as gzip, `line` is 0 and `column` is the byte offset).
class codec_error : public error {
 public:
  codec_error(std::string_view stage, std::string source, std::size_t line, std::size_t column,
              const std::string& reason)
      : error("rstreams: " + std::string(stage) + ": " + source + ": " +
              (line == 0     ? "offset " + std::to_string(column)
               : column == 0 ? "line " + std::to_string(line)
                             : "line " + std::to_string(line) + ", column " + std::to_string(column)) +
              ": " + reason),
        stage_(stage),
        source_(std::move(source)),
        line_(line),
        column_(column) {}

  [[nodiscard]] const std::string& stage() const noexcept { return stage_; }
  /// The name of the input (a file name, a URL, or what the options said).
  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  /// 1-based line number; 0 for byte formats.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  /// 1-based column in the line (0 when the whole line is at fault), or the byte offset in
  /// the input when `line()` is 0.
  [[nodiscard]] std::size_t column() const noexcept { return column_; }

 private:
  std::string stage_;
  std::string source_;
  std::size_t line_;
  std::size_t column_;
};

}  // namespace rstreams
