#pragma once
// <chrono> for rstreams' headers: clocks, durations, time points and their casts. With libstdc++
// (GCC 12) <chrono> also brings its calendar, time zones and I/O, and with them <sstream>: about
// 6 MB of compiler memory in every translation unit of the umbrella (benchmarks/compile_time).
// libstdc++ keeps the part rstreams uses in <bits/chrono.h>; other libraries get <chrono>. Code
// that needs more of <chrono> includes it.

#include <version>  // defines __GLIBCXX__ with libstdc++

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
