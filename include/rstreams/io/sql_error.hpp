#pragma once
// The error of a SQL source or sink: it names the statement, and for a sink the item that
// failed and how many items were durably written before it.

#include <rstreams/core/error.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace rstreams {

/// A failed SQL statement. For sinks, `item()` is the 0-based index of the input item that
/// failed and `written()` the number of items committed before the failure (the items of
/// the failed batch were rolled back, so items [written(), item()] must be sent again).
class sql_error : public error {
 public:
  sql_error(std::string statement, const std::string& message, std::size_t item = npos,
            std::size_t written = 0)
      : error("rstreams: statement failed: " + message + " [statement: " + statement + "]" +
              (item == npos
                   ? std::string()
                   : " [item " + std::to_string(item) + "; " + std::to_string(written) +
                         " items written and committed before it; the rest of its batch rolled back]")),
        statement_(std::move(statement)),
        item_(item),
        written_(written) {}

  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  [[nodiscard]] const std::string& statement() const noexcept { return statement_; }
  /// The input item that failed (npos for sources).
  [[nodiscard]] std::size_t item() const noexcept { return item_; }
  /// Items committed before the failure.
  [[nodiscard]] std::size_t written() const noexcept { return written_; }

 private:
  std::string statement_;
  std::size_t item_;
  std::size_t written_;
};

}  // namespace rstreams
