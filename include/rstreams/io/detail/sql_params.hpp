#pragma once
// The parameters a SQL sink's binder returns, as sql_values.

#include <rstreams/io/sql_row.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace rstreams::detail {

/// A C++ value as a sql_value: integers, reals, strings, std::optional (NULL when empty),
/// std::nullopt / nullptr (NULL).
template <class V>
sql_value to_sql_value(const V& v) {
  using X = std::remove_cvref_t<V>;
  if constexpr (std::is_same_v<X, sql_value>) {
    return v;
  } else if constexpr (std::is_same_v<X, std::nullopt_t> || std::is_same_v<X, std::nullptr_t> ||
                       std::is_same_v<X, std::monostate>) {
    return std::monostate{};
  } else if constexpr (sql_is_optional_v<X>) {
    if (!v) return std::monostate{};
    return to_sql_value(*v);
  } else if constexpr (std::is_same_v<X, bool> || std::is_integral_v<X>) {
    return static_cast<std::int64_t>(v);
  } else if constexpr (std::is_floating_point_v<X>) {
    return static_cast<double>(v);
  } else if constexpr (std::is_convertible_v<const X&, std::string_view>) {
    return std::string(std::string_view(v));
  } else {
    static_assert(std::is_same_v<X, sql_value>,
                  "rstreams: a SQL parameter must be an integer, a real, a string, std::optional of "
                  "them, std::nullopt or rstreams::sql_value.");
  }
}

/// The parameters a binder returned (a tuple or a vector of values), as sql_values.
template <class P>
std::vector<sql_value> to_sql_params(const P& p) {
  std::vector<sql_value> out;
  if constexpr (requires { std::tuple_size<P>::value; }) {
    std::apply([&](const auto&... x) { (out.push_back(to_sql_value(x)), ...); }, p);
  } else {
    for (const auto& x : p) out.push_back(to_sql_value(x));
  }
  return out;
}

}  // namespace rstreams::detail
