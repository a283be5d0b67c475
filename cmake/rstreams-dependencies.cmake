# Finds what the library's parts need. Only Threads is required; every other dependency
# enables the part that uses it. Debian 12 quirks: range-v3's version file is exact-match
# (so no version here), and libnats' CMake config is broken (so pkg-config).
include(GNUInstallDirs)
find_package(Threads REQUIRED)
find_package(range-v3 QUIET CONFIG)
find_package(fmt QUIET CONFIG)
find_package(nlohmann_json 3.10 QUIET CONFIG)
find_package(ZLIB QUIET)
find_package(CURL QUIET)
find_package(SQLite3 QUIET)
find_package(PostgreSQL QUIET)
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_check_modules(NATS QUIET IMPORTED_TARGET libnats>=3.3)
  pkg_check_modules(GVC QUIET IMPORTED_TARGET libgvc)
  # Debian builds cpp-httplib as a library (libcpp-httplib-dev): its pkg-config file links it.
  pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
endif()
