#pragma once
// One CSV record: its fields (a field may be null) and, when the input had a header row,
// the column names shared by all records of that input.

#include <rstreams/core/error.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rstreams {

/// A CSV record. `row["name"]` needs a header; `row[2]` works always.
struct csv_row {
  using field = std::optional<std::string>;

  std::shared_ptr<const std::vector<std::string>> header;
  std::vector<field> fields;

  [[nodiscard]] std::size_t size() const noexcept { return fields.size(); }
  const field& operator[](std::size_t i) const { return fields.at(i); }
  field& operator[](std::size_t i) { return fields.at(i); }

  /// The field under column `name`; throws rstreams::error when there is no such column.
  [[nodiscard]] const field& operator[](std::string_view name) const { return fields.at(index_of(name)); }
  [[nodiscard]] field& operator[](std::string_view name) { return fields.at(index_of(name)); }

  /// The field's text, or `fallback` when it is null.
  [[nodiscard]] std::string value_or(std::string_view name, std::string fallback) const {
    const field& f = (*this)[name];
    return f ? *f : std::move(fallback);
  }

  friend bool operator==(const csv_row& a, const csv_row& b) { return a.fields == b.fields; }

 private:
  [[nodiscard]] std::size_t index_of(std::string_view name) const {
    if (header) {
      for (std::size_t i = 0; i < header->size(); ++i)
        if ((*header)[i] == name) return i;
    }
    throw error("rstreams: csv_row: no column named '" + std::string(name) + "'" +
                (header ? "" : " (the input had no header row)"));
  }
};

}  // namespace rstreams
