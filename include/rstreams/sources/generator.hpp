#pragma once

#include <rstreams/core/error.hpp>
#include <rstreams/core/flow.hpp>
#include <rstreams/core/source_interface.hpp>

#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace rstreams {

namespace detail {
/// What `co_yield` accepts besides a `T`: anything a `T` can be built from.
template <class U, class T>
concept yield_convertible = !std::same_as<std::remove_cvref_t<U>, T> && std::constructible_from<T, U>;
}  // namespace detail

/// A C++20 coroutine that is a source: write a function returning `generator<T>` and
/// `co_yield` its elements.
///
/// ```cpp
/// rstreams::generator<int> squares(int n) {
///   for (int i = 0; i < n; ++i) co_yield i * i;
/// }
/// auto total = rstreams::run(squares(10) | rstreams::sum());
/// ```
///
/// Forms: `generator<T>` as the return type of a coroutine; `co_yield` a `T` (moved out when
/// an rvalue, passed by `const T&` when an lvalue) or anything `T` can be built from.
/// Requires: `T` a non-reference, non-const object type. `co_await` is not allowed in the body.
/// An exception in the body leaves the pull (and `run`) as a `stage_error` naming `generator`
/// (stage 0) and the element index, the original nested; the generator then ends.
/// Demand: the body runs up to the next `co_yield` per element pulled; it is lazy (nothing runs
/// before the first pull) and buffers nothing. Destroying the generator destroys a suspended body
/// with its locals.
template <class T>
class generator : public source_interface<generator<T>> {
  static_assert(std::same_as<T, std::remove_cvref_t<T>> && std::is_object_v<T>,
                "rstreams::generator<T>: T must be a plain object type (not a reference, not const); "
                "yield values and they are moved out to the consumer.");

 public:
  static constexpr std::string_view name = "generator";
  using value_type = T;

  class promise_type {
   public:
    generator get_return_object() noexcept { return generator(handle::from_promise(*this)); }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_always final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() noexcept { error_ = std::current_exception(); }

    std::suspend_always yield_value(T&& v) noexcept {
      rvalue_ = std::addressof(v);
      lvalue_ = nullptr;
      return {};
    }
    std::suspend_always yield_value(const T& v) noexcept requires std::copy_constructible<T> {
      lvalue_ = std::addressof(v);
      rvalue_ = nullptr;
      return {};
    }
    // Anything else is converted into a `T` that lives in the awaiter, which stays in the
    // coroutine frame while the body is suspended.
    template <detail::yield_convertible<T> U>
    auto yield_value(U&& u) noexcept(std::is_nothrow_constructible_v<T, U>) {
      struct converted {
        T value;
        promise_type* promise;
        bool await_ready() const noexcept { return false; }
        void await_suspend(std::coroutine_handle<>) noexcept {
          promise->rvalue_ = std::addressof(value);
          promise->lvalue_ = nullptr;
        }
        void await_resume() const noexcept {}
      };
      return converted{T(std::forward<U>(u)), this};
    }

    // A generator is synchronous: it may only yield.
    template <class U>
    std::suspend_never await_transform(U&&) = delete;

   private:
    friend class generator;
    T* rvalue_ = nullptr;
    const T* lvalue_ = nullptr;
    std::exception_ptr error_;
  };

  generator(generator&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)), index_(other.index_) {}
  generator& operator=(generator&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
      index_ = other.index_;
    }
    return *this;
  }
  ~generator() { reset(); }

  std::optional<T> next() {
    std::optional<T> out;
    push(1, [&out](auto&& x) {
      out.emplace(std::forward<decltype(x)>(x));
      return false;
    });
    return out;
  }

  template <class F>
  flow push(std::size_t n, F&& f) {
    for (; n != 0; --n) {
      if (!handle_ || handle_.done()) return flow::done;
      handle_.resume();
      if (handle_.done()) {
        rethrow_error();
        return flow::done;
      }
      promise_type& p = handle_.promise();
      ++index_;
      bool go;
      if constexpr (std::copy_constructible<T>)
        go = p.rvalue_ ? static_cast<bool>(f(std::move(*p.rvalue_))) : static_cast<bool>(f(*p.lvalue_));
      else
        go = static_cast<bool>(f(std::move(*p.rvalue_)));  // a move-only T can only be yielded as an rvalue
      if (!go) return flow::more;
    }
    return flow::more;
  }

 private:
  using handle = std::coroutine_handle<promise_type>;
  explicit generator(handle h) noexcept : handle_(h) {}

  void reset() noexcept {
    if (handle_) handle_.destroy();
    handle_ = nullptr;
  }

  void rethrow_error() {
    std::exception_ptr e = std::exchange(handle_.promise().error_, nullptr);
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (...) {
      // The element being produced when the body threw: as many were yielded before it.
      std::throw_with_nested(stage_error(name, 0, index_, detail::describe_current_exception()));
    }
  }

  handle handle_ = nullptr;
  std::size_t index_ = 0;
};

}  // namespace rstreams
