#pragma once
// Byte chunks: any contiguous range of char (std::string, std::string_view, std::vector<char>).

#include <concepts>
#include <ranges>
#include <string_view>
#include <type_traits>

namespace rstreams::detail {

template <class C>
concept byte_chunk = std::ranges::contiguous_range<std::remove_cvref_t<C>> &&
                     std::ranges::sized_range<std::remove_cvref_t<C>> &&
                     std::same_as < std::remove_cv_t<std::ranges::range_value_t<std::remove_cvref_t<C>>>,
char > ;

template <class C>
std::string_view as_bytes(const C& c) noexcept {
  return std::string_view(std::ranges::data(c), std::ranges::size(c));
}

}  // namespace rstreams::detail
