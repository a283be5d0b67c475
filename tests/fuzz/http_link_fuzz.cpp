// libFuzzer target: Link headers and next URLs. The input is "<base URL>\n<Link header>";
// next_link finds a URL or nothing, and a reference that does not resolve is an
// rstreams::error; nothing else escapes. Resolving an absolute result again changes nothing.
#include <rstreams/core/error.hpp>
#include <rstreams/io/http_page.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto nl = text.find('\n');
  rstreams::http_page p;
  p.url = nl == std::string::npos ? "http://h/a/b?q" : text.substr(0, nl);
  p.headers = {{"link", nl == std::string::npos ? text : text.substr(nl + 1)}};
  try {
    const auto next = rstreams::next_link()(p);
    if (next && rstreams::detail::resolve_url(*next, *next) != *next) std::abort();
  } catch (const rstreams::error&) {
  }
  return 0;
}
