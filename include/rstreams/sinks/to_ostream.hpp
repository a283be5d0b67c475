#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/pipe.hpp>

#include <cstddef>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace rstreams {

struct to_ostream_fn {
  class closure : public sink_closure<closure> {
   public:
    static constexpr std::string_view name = "to_ostream";

    closure(std::ostream& os, std::string delimiter)
        : os_(std::addressof(os)), delimiter_(std::move(delimiter)) {}

    template <class T>
    class consumer_type {
     public:
      consumer_type(std::ostream* os, std::string delimiter) : os_(os), delimiter_(std::move(delimiter)) {}

      bool accept(const T& x) {
        *os_ << x << delimiter_;
        if (!*os_)
          throw io_error("<ostream>", "write failed after " + std::to_string(written_) + " elements");
        ++written_;
        return true;
      }
      std::size_t finish() {
        os_->flush();
        if (!*os_) throw io_error("<ostream>", "flush failed");
        return written_;
      }

     private:
      std::ostream* os_;
      std::string delimiter_;
      std::size_t written_ = 0;
    };

    template <class T>
    consumer_type<T> consumer(std::size_t /*position*/) && {
      static_assert(
          requires(std::ostream & os, const T& x) { os << x; },
          "rstreams::to_ostream: the element type cannot be written with `os << x`. Define "
          "an operator<< for it, or transform the elements to strings first.");
      return consumer_type<T>(os_, std::move(delimiter_));
    }

   private:
    std::ostream* os_;
    std::string delimiter_;
  };

  closure operator()(std::ostream& os, std::string delimiter = "\n") const {
    return closure(os, std::move(delimiter));
  }
};

/// Writes every element to a stream with `os << x`, each followed by `delimiter` (as
/// `std::ostream_iterator` does); flushes at the end and yields the number of elements written.
/// The stream is borrowed: it must outlive the run.
///
/// Forms: `src | to_ostream(os)` · `src | to_ostream(os, ", ")`
/// Requires: `os << x` for the element type. A stream that fails makes `run` throw `io_error`.
/// Demand: takes everything; buffers nothing itself.
inline constexpr to_ostream_fn to_ostream{};

}  // namespace rstreams
