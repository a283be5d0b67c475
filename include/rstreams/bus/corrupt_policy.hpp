#pragma once
// What a read does with damaged records, and the backends that can skip them.

#include <rstreams/bus/record.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace rstreams::bus {

/// What a read does when the backend finds damaged stored records (corrupt_record): `fail` (the
/// default) throws; `skip` reads on past them and counts how many events they held
/// (read_source::corrupt_skipped(), bot_stats::corrupt_skipped). Never a silent skip.
enum class corrupt_policy { fail, skip };

/// A backend that can read past damaged records: like `read`, and adds to `skipped` the events
/// lost in each damaged range it passed.
template <class B>
concept skips_damage = requires(B& b, std::string_view name, std::size_t max, std::vector<record>& out,
                                std::uint64_t& skipped) {
  { b.read_skipping_damage(name, name, max, out, skipped) } -> std::same_as<std::size_t>;
};

}  // namespace rstreams::bus
