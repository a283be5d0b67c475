#pragma once
// A row read from a SQL database (SQLite or PostgreSQL): column names shared by the rows of
// one query, and one value per column.

#include <rstreams/core/error.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace rstreams {

namespace detail {
template <class T>
inline constexpr bool sql_is_optional_v = false;
template <class T>
inline constexpr bool sql_is_optional_v<std::optional<T>> = true;
}  // namespace detail

/// A SQL value: NULL, an integer, a real or text (blobs come as text bytes).
using sql_value = std::variant<std::monostate, std::int64_t, double, std::string>;

/// One row of a query. `row.get<int>("id")`, `row.get<std::optional<std::string>>("name")`.
struct sql_row {
  std::shared_ptr<const std::vector<std::string>> columns;
  std::vector<sql_value> values;

  [[nodiscard]] std::size_t size() const noexcept { return values.size(); }
  [[nodiscard]] const sql_value& operator[](std::size_t i) const { return values.at(i); }
  [[nodiscard]] const sql_value& operator[](std::string_view name) const { return values.at(index_of(name)); }
  [[nodiscard]] bool is_null(std::string_view name) const {
    return std::holds_alternative<std::monostate>((*this)[name]);
  }

  /// The value of column `name` as `T` (an arithmetic type, std::string, or std::optional of
  /// them for nullable columns). Throws rstreams::error naming the column when it does not fit.
  template <class T>
  [[nodiscard]] T get(std::string_view name) const {
    return convert<T>((*this)[name], name);
  }

 private:
  template <class T>
  static T convert(const sql_value& v, std::string_view name) {
    if constexpr (detail::sql_is_optional_v<T>) {
      if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
      return convert<typename T::value_type>(v, name);
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (const auto* s = std::get_if<std::string>(&v)) return *s;
      if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
      if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
      mismatch(name, "text");
    } else if constexpr (std::is_arithmetic_v<T>) {
      if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<T>(*i);
      if (const auto* d = std::get_if<double>(&v)) return static_cast<T>(*d);
      if (const auto* s = std::get_if<std::string>(&v)) {
        try {
          if constexpr (std::is_floating_point_v<T>)
            return static_cast<T>(std::stod(*s));
          else
            return static_cast<T>(std::stoll(*s));
        } catch (const std::exception&) {
        }
      }
      mismatch(name, "a number");
    } else {
      static_assert(std::is_arithmetic_v<T>,
                    "rstreams::sql_row::get: T must be arithmetic, std::string or std::optional of them.");
    }
  }
  [[noreturn]] static void mismatch(std::string_view name, const char* wanted) {
    throw error("rstreams: sql_row: column '" + std::string(name) + "' is not " + wanted);
  }
  [[nodiscard]] std::size_t index_of(std::string_view name) const {
    if (columns)
      for (std::size_t i = 0; i < columns->size(); ++i)
        if ((*columns)[i] == name) return i;
    throw error("rstreams: sql_row: no column named '" + std::string(name) + "'");
  }
};

}  // namespace rstreams
