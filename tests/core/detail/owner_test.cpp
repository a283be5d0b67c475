// detail::owner frees what it holds exactly once: at its end, on reset, and when it is assigned
// over; a move hands the object on and leaves the source empty.
#include <rstreams/core/detail/owner.hpp>

#include <support/catch.hpp>

#include <type_traits>
#include <utility>

namespace rs = rstreams;

namespace {

// Counts its live instances, so the test sees every delete.
struct counted {
  explicit counted(int v) : value(v) { ++alive; }
  ~counted() { --alive; }
  counted(const counted&) = delete;
  counted& operator=(const counted&) = delete;
  int value;
  static inline int alive = 0;
};

// A C-style handle: records what it frees instead of deleting.
struct handle {
  int id;
};
struct free_handle {
  static inline int freed = 0;
  static inline int last = -1;
  void operator()(handle* h) const noexcept {
    ++freed;
    last = h->id;
  }
};

}  // namespace

TEST_CASE("owner: deletes its object when it ends, once", "[core][owner]") {
  counted::alive = 0;
  {
    rs::detail::owner<counted> a(new counted(7));
    REQUIRE(a);
    REQUIRE(a->value == 7);
    REQUIRE((*a).value == 7);
    REQUIRE(counted::alive == 1);
  }
  REQUIRE(counted::alive == 0);
}

TEST_CASE("owner: a move hands the object on and leaves the source empty", "[core][owner]") {
  counted::alive = 0;
  rs::detail::owner<counted> a(new counted(1));
  counted* raw = a.get();
  rs::detail::owner<counted> b(std::move(a));
  REQUIRE_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
  REQUIRE(a.get() == nullptr);
  REQUIRE(b.get() == raw);
  REQUIRE(counted::alive == 1);

  rs::detail::owner<counted> c(new counted(2));
  c = std::move(b);  // c's own object is deleted, b's taken over
  REQUIRE(counted::alive == 1);
  REQUIRE(c->value == 1);
  REQUIRE_FALSE(b);  // NOLINT(bugprone-use-after-move)

  auto& self = c;
  c = std::move(self);  // assigning to itself keeps the object
  REQUIRE(c->value == 1);
  REQUIRE(counted::alive == 1);

  c.reset();
  REQUIRE_FALSE(c);
  REQUIRE(counted::alive == 0);
  c.reset();  // an empty owner frees nothing
  REQUIRE(counted::alive == 0);
}

TEST_CASE("owner: a custom Free is called once per object, never on empty", "[core][owner]") {
  free_handle::freed = 0;
  handle h1{1}, h2{2};
  {
    rs::detail::owner<handle, free_handle> empty;
    rs::detail::owner<handle, free_handle> a(&h1);
    a = rs::detail::owner<handle, free_handle>(&h2);  // frees h1 at once
    REQUIRE(free_handle::freed == 1);
    REQUIRE(free_handle::last == 1);
  }
  REQUIRE(free_handle::freed == 2);  // h2 at a's end; nothing for `empty`
  REQUIRE(free_handle::last == 2);
}

TEST_CASE("owner: moves, never copies", "[core][owner]") {
  using o = rs::detail::owner<counted>;
  STATIC_REQUIRE(std::is_nothrow_move_constructible_v<o>);
  STATIC_REQUIRE(std::is_nothrow_move_assignable_v<o>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<o>);
  STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<o>);
  STATIC_REQUIRE(sizeof(o) == sizeof(counted*));
}
