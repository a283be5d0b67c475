#pragma once
// Errors that leave a pipeline name the stage and the element that failed, with the
// user's exception nested inside (std::rethrow_if_nested / std::nested_exception).

#include <rstreams/core/detail/invoke.hpp>

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

/// Base of every error rstreams throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A user function failed inside a stage. `what()` reads
/// "rstreams: transform (stage 2) failed on element 41: <cause>".
class stage_error : public error {
 public:
  stage_error(std::string_view stage, std::size_t position, std::size_t element, const std::string& cause)
      : error("rstreams: " + std::string(stage) + " (stage " + std::to_string(position) +
              ") failed on element " + std::to_string(element) + ": " + cause),
        stage_(stage),
        position_(position),
        element_(element) {}

  /// The operator's name, as in the pipeline's description.
  [[nodiscard]] const std::string& stage() const noexcept { return stage_; }
  /// The stage's place in the pipeline, the source being 0.
  [[nodiscard]] std::size_t position() const noexcept { return position_; }
  /// The number of the element that stage was handling (0-based), given where the element was
  /// made: its position in the source's output, or in the output of the nearest stage upstream
  /// that makes elements out of others (flat_map). Transform, filter, take, tap, take_while and
  /// drop_while keep an element's number, so it points at the record to look at in the input.
  /// After a source that cannot say its position (a user source, an input range) or a stage
  /// that makes elements or decides itself what to pass on (chunk, windows, error policies,
  /// concurrent stages), the first of those whose function can throw numbers its input; those
  /// other stages, and sinks, give an element's place in their own input
  /// (core/detail/element_naming.hpp).
  [[nodiscard]] std::size_t element() const noexcept { return element_; }

 private:
  std::string stage_;
  std::size_t position_;
  std::size_t element_;
};

/// An I/O failure: `what()` names the path (or endpoint) and the reason.
class io_error : public error {
 public:
  io_error(std::string path, const std::string& reason)
      : error("rstreams: " + path + ": " + reason), path_(std::move(path)) {}
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// A bad argument given when a stage is built (a zero capacity, a negative limit, ...).
class config_error : public error {
 public:
  using error::error;
};

namespace detail {

inline std::string describe_current_exception() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

/// True when calling a stage's function `f` on `args` cannot throw (a `noexcept` lambda with
/// arguments that copy without throwing). Stages then skip counting the elements they call it
/// on: the count only serves to name an element in an error, and it is a per-element cost the
/// optimizer cannot remove on its own. (Most stages skip it anyway when their upstream names
/// the elements it hands on, core/detail/element_naming.hpp.)
template <class F, class... A>
inline constexpr bool nothrow_stage_call = std::is_nothrow_invocable_v<F&, A...>;

/// Calls a user function; an exception leaves as a stage_error nesting the original.
/// The try block sits on the call alone so that errors from other stages pass untouched.
template <class F, class... A>
decltype(auto) invoke_stage(std::string_view stage, std::size_t position, std::size_t element, F& f,
                            A&&... args) {
  try {
    return detail::invoke(f, std::forward<A>(args)...);
  } catch (...) {
    std::throw_with_nested(stage_error(stage, position, element, describe_current_exception()));
  }
}

}  // namespace detail

}  // namespace rstreams
