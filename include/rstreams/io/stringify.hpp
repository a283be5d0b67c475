#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/stage_source.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

/// Options of `stringify`.
struct stringify_options {
  /// End each document with "\n", so the output is JSON lines ready to be written.
  bool newline = true;
};

template <source S>
class stringify_source : public stage_source<stringify_source<S>, S> {
  using base = stage_source<stringify_source<S>, S>;

 public:
  static constexpr std::string_view name = "stringify";
  using value_type = std::string;

  stringify_source(S up, stringify_options o) : base(std::move(up)), opts_(o) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    return rstreams::push(this->up_, n, [&](auto&& x) {
      std::string out;
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(x)>, nlohmann::json>)
        out = x.dump();
      else
        out = nlohmann::json(x).dump();
      if (opts_.newline) out.push_back('\n');
      return g(std::move(out));
    });
  }

 private:
  stringify_options opts_;
};

struct stringify_fn {
  template <source_like R>
  auto operator()(R&& r, stringify_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::is_constructible_v<nlohmann::json, const value_t<S>&>,
                  "rstreams::stringify: the element type has no to_json; define "
                  "`void to_json(nlohmann::json&, const T&)` next to it.");
    return stringify_source<S>(as_source(std::forward<R>(r)), o);
  }
  auto operator()(stringify_options o = {}) const { return detail::bind_stage<stringify_fn>(o); }
};

/// Writes each element as one line of compact JSON (through nlohmann's `to_json`).
///
/// Forms: `stringify(src, opts)` · `src | stringify(opts)`
/// Requires: `nlohmann::json(x)` works for the element. Output: std::string, "\n"-terminated
/// unless `opts.newline` is false.
/// Demand: one element per element; buffers nothing. Example: examples/30-json-lines.cpp
inline constexpr stringify_fn stringify{};

}  // namespace rstreams
