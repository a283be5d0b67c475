#pragma once
// A row read from a SQL database (SQLite or PostgreSQL): column names shared by the rows of
// one query, and one value per column.

#include <rstreams/core/error.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
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
      if (const auto* i = std::get_if<std::int64_t>(&v)) return from_integer<T>(*i, name);
      if (const auto* d = std::get_if<double>(&v)) return from_double<T>(*d, name);
      if (const auto* s = std::get_if<std::string>(&v)) {
        // The whole text (blanks around it aside) must be the number; it must fit T.
        std::string_view t(*s);
        while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
        while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
        if (!t.empty() && t.front() == '+') t.remove_prefix(1);
        if constexpr (std::is_floating_point_v<T>) {
          double d = 0;
          const auto r = std::from_chars(t.data(), t.data() + t.size(), d);
          if (r.ec == std::errc{} && r.ptr == t.data() + t.size() && !t.empty())
            return from_double<T>(d, name);
        } else {
          std::int64_t i = 0;
          const auto r = std::from_chars(t.data(), t.data() + t.size(), i);
          if (r.ec == std::errc{} && r.ptr == t.data() + t.size() && !t.empty())
            return from_integer<T>(i, name);
        }
      }
      mismatch(name, "a number");
    } else {
      static_assert(std::is_arithmetic_v<T>,
                    "rstreams::sql_row::get: T must be arithmetic, std::string or std::optional of them.");
    }
  }
  template <class T>
  static T from_integer(std::int64_t i, std::string_view name) {
    if constexpr (std::is_same_v<T, bool> || std::is_floating_point_v<T>) {
      return static_cast<T>(i);
    } else if constexpr (std::is_unsigned_v<T>) {
      if (i < 0 || static_cast<std::uint64_t>(i) > std::numeric_limits<T>::max()) out_of_range<T>(name);
      return static_cast<T>(i);
    } else {
      if (i < std::numeric_limits<T>::min() || i > std::numeric_limits<T>::max()) out_of_range<T>(name);
      return static_cast<T>(i);
    }
  }
  template <class T>
  static T from_double(double d, std::string_view name) {
    if constexpr (std::is_same_v<T, bool>) {
      return d != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max()))
        out_of_range<T>(name);
      return static_cast<T>(d);
    } else {
      // Only whole numbers within T's range (2^63 is the first double past int64's range).
      if (!std::isfinite(d) || d != std::trunc(d) || d < static_cast<double>(std::numeric_limits<T>::min()) ||
          d >= std::ldexp(1.0, std::numeric_limits<T>::digits))
        out_of_range<T>(name);
      return static_cast<T>(d);
    }
  }
  template <class T>
  [[noreturn]] static void out_of_range(std::string_view name) {
    throw error("rstreams: sql_row: column '" + std::string(name) + "' does not fit " + type_name<T>());
  }
  template <class T>
  static std::string type_name() {
    if constexpr (std::is_same_v<T, bool>)
      return "bool";
    else if constexpr (std::is_floating_point_v<T>)
      return sizeof(T) == 4 ? "float" : "double";
    else if constexpr (std::is_signed_v<T>)
      return "a " + std::to_string(sizeof(T) * 8) + "-bit int";
    else
      return "a " + std::to_string(sizeof(T) * 8) + "-bit unsigned int";
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
