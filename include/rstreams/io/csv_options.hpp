#pragma once
// The dialect shared by csv_parse and csv_format.

#include <optional>
#include <string>
#include <vector>

namespace rstreams {

/// Options of `csv_parse` and `csv_format` (RFC 4180 by default).
struct csv_options {
  char delimiter = ',';
  char quote = '"';
  /// Parse: the first record names the columns (`row["name"]`). Format: write a header row
  /// first (from `columns`, else from the first row's header).
  bool header = true;
  /// An unquoted field equal to this is null; a null field is written as this.
  std::optional<std::string> null_token{};
  /// Parse: named in errors.
  std::string source = "input";
  /// Format: the column names to write as the header (optional).
  std::vector<std::string> columns{};
  /// Format: the record terminator (RFC 4180 says CRLF).
  std::string line_end = "\r\n";
};

}  // namespace rstreams
