#pragma once
// fmt formats sources, pipelines, stage closures and sink closures as the description of their
// stages: `fmt::format("{}", pipeline)` gives "iota | transform | filter | sum". The string
// format spec applies (`{:>30}`, `{:.10}`). Link `rstreams::fmt` to get fmt.
//
// Sources are iterable, so fmt's range support would also claim them (and pull them while
// printing); `fmt::is_range` is specialised to false for them so that only the description
// is ever printed and formatting never consumes a source.

#include <rstreams/core/concepts.hpp>
#include <rstreams/core/describe.hpp>
#include <rstreams/core/pipe.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string_view>
#include <type_traits>

namespace rstreams::detail {
/// What fmt prints through `describe`.
template <class T>
concept formattable_by_description = source<T> || stage<T> || sink<T> || runnable<T>;
}  // namespace rstreams::detail

template <class T, class Char>
requires rstreams::source<T>
struct fmt::is_range<T, Char> : std::false_type {
};

template <class T, class Char>
requires rstreams::detail::formattable_by_description<T>
struct fmt::formatter<T, Char> : fmt::formatter<fmt::basic_string_view<Char>, Char> {
  template <class FormatContext>
  auto format(const T& x, FormatContext& ctx) const -> decltype(ctx.out()) {
    const std::string text = rstreams::describe(x);
    const std::basic_string<Char> converted(text.begin(), text.end());
    return fmt::formatter<fmt::basic_string_view<Char>, Char>::format(
        fmt::basic_string_view<Char>(converted.data(), converted.size()), ctx);
  }
};
