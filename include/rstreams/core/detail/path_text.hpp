#pragma once
// A file path taken as text, so the file source and sink of the pipeline core need not include
// <filesystem> (with <locale>, <codecvt> and <iomanip>, it costs every TU of the umbrella more
// than the rest of the core). Takes std::filesystem::path (its `.string()`), std::string,
// std::string_view and string literals.

#include <concepts>
#include <string>
#include <string_view>

namespace rstreams::detail {

template <class P>
concept path_text_like = std::convertible_to<const P&, std::string_view> || requires(const P& p) {
  { p.string() } -> std::convertible_to<std::string>;
};

template <path_text_like P>
std::string path_text(const P& path) {
  if constexpr (std::convertible_to<const P&, std::string_view>)
    return std::string(std::string_view(path));
  else
    return std::string(path.string());
}

}  // namespace rstreams::detail
