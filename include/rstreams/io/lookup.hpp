#pragma once

#include <rstreams/core/as_source.hpp>
#include <rstreams/core/detail/bound_stage.hpp>
#include <rstreams/core/error.hpp>
#include <rstreams/core/stage_source.hpp>

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

namespace rstreams {

/// Options of `lookup`.
struct lookup_options {
  /// Elements per fetch (the last batch may be smaller).
  std::size_t batch_size = 100;
};

namespace detail {
template <class K>
concept hashable_key = requires(const K& k) {
  { std::hash<K>{}(k) } -> std::convertible_to<std::size_t>;
}
&&std::equality_comparable<K>;
}  // namespace detail

template <source S, class KeyOf, class Fetch>
class lookup_source : public stage_source<lookup_source<S, KeyOf, Fetch>, S> {
  using base = stage_source<lookup_source<S, KeyOf, Fetch>, S>;
  using T = value_t<S>;
  using K = std::remove_cvref_t<std::invoke_result_t<KeyOf&, const T&>>;
  using M = std::remove_cvref_t<std::invoke_result_t<Fetch&, const std::vector<K>&>>;
  using V = typename M::mapped_type;

 public:
  static constexpr std::string_view name = "lookup";
  using value_type = std::pair<T, std::optional<V>>;

  lookup_source(S up, KeyOf key_of, Fetch fetch, lookup_options o)
      : base(std::move(up)), key_of_(std::move(key_of)), fetch_(std::move(fetch)), o_(o) {}

  template <class G>
  flow push(std::size_t n, G&& g) {
    while (n != 0) {
      if (next_ == ready_.size()) {
        if (upstream_done_) return flow::done;
        fill();
        if (ready_.empty()) {
          if (upstream_done_) return flow::done;
          continue;
        }
      }
      --n;
      if (!g(std::move(ready_[next_++]))) return flow::more;
    }
    return next_ == ready_.size() && upstream_done_ ? flow::done : flow::more;
  }

 private:
  // Pulls one batch, fetches its keys once, joins the answers back in input order.
  void fill() {
    ready_.clear();
    next_ = 0;
    std::vector<T> items;
    items.reserve(o_.batch_size);
    while (items.size() < o_.batch_size && !upstream_done_) {
      const flow f = rstreams::push(this->up_, o_.batch_size - items.size(), [&](auto&& x) {
        items.emplace_back(std::forward<decltype(x)>(x));
        return true;
      });
      if (f == flow::done) upstream_done_ = true;
    }
    if (items.empty()) return;
    std::vector<K> keys;
    std::vector<K> item_keys;
    item_keys.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
      item_keys.push_back(
          detail::invoke_stage(name, base::position, index_ + i, key_of_, std::as_const(items[i])));
    if constexpr (detail::hashable_key<K>) {
      std::unordered_set<K> seen;
      for (const auto& k : item_keys)
        if (seen.insert(k).second) keys.push_back(k);
    } else {
      keys = item_keys;
    }
    const M answers = detail::invoke_stage(name, base::position, index_, fetch_, std::as_const(keys));
    ready_.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto it = answers.find(item_keys[i]);
      std::optional<V> v;
      if (it != answers.end()) v.emplace(it->second);
      ready_.emplace_back(std::move(items[i]), std::move(v));
    }
    index_ += items.size();
  }

  KeyOf key_of_;
  Fetch fetch_;
  lookup_options o_;
  std::vector<value_type> ready_;
  std::size_t next_ = 0;
  std::size_t index_ = 0;
  bool upstream_done_ = false;
};

struct lookup_fn {
  template <source_like R, class KeyOf, class Fetch>
  auto operator()(R&& r, KeyOf key_of, Fetch fetch, lookup_options o = {}) const {
    using S = decltype(as_source(std::forward<R>(r)));
    static_assert(std::invocable<KeyOf&, const value_t<S>&>,
                  "rstreams::lookup: the key function cannot be called with the source's element type.");
    if constexpr (std::invocable<KeyOf&, const value_t<S>&>) {
      using K = std::remove_cvref_t<std::invoke_result_t<KeyOf&, const value_t<S>&>>;
      static_assert(
          std::invocable<Fetch&, const std::vector<K>&>,
          "rstreams::lookup: the fetcher must take `const std::vector<Key>&` (the batch's distinct keys) "
          "and return a map from key to value (std::map, std::unordered_map, ...).");
      check(o);
      return lookup_source<S, KeyOf, Fetch>(as_source(std::forward<R>(r)), std::move(key_of),
                                            std::move(fetch), o);
    }
  }
  template <class KeyOf, class Fetch>
  auto operator()(KeyOf key_of, Fetch fetch, lookup_options o = {}) const {
    check(o);
    return detail::bind_stage<lookup_fn>(std::move(key_of), std::move(fetch), o);
  }

 private:
  static void check(const lookup_options& o) {
    if (o.batch_size == 0) throw config_error("rstreams::lookup: batch_size must be positive");
  }
};

/// Enriches elements from another system (RStreams' joinExternal): takes `batch_size`
/// elements, calls `fetch(keys)` once with their distinct keys, and yields each element
/// with its answer, in input order: `std::pair<T, std::optional<V>>` (empty when the
/// fetcher returned nothing for the key).
///
/// Forms: `lookup(src, key_of, fetch, opts)` · `src | lookup(key_of, fetch, opts)`
/// Requires: `key_of(const T&)` gives a key K; `fetch(const std::vector<K>&)` returns a map
/// (with `find` and `mapped_type`), e.g. from one SQL query or one HTTP call.
/// Errors: an exception from either function is a stage_error naming the element (the
/// batch's first, for fetch). Demand: pulls a whole batch before yielding; holds one batch.
/// Example: examples/36-lookup.cpp
inline constexpr lookup_fn lookup{};

}  // namespace rstreams
