#pragma once
// The dashboard's single page, embedded in the program: HTML, CSS and JavaScript as raw string
// literals (no CDN, no build step; a machine without internet serves it whole). Hash routes:
// #/ the graph, #/bot/NAME, #/queue/NAME, #/trace/EID. The page reads the action token from
// the #token=... fragment the server prints (never sent to the server in a URL) and sends it
// in the X-Rstreams-Token header.

#include <rstreams/dashboard/detail/ui_css.hpp>
#include <rstreams/dashboard/detail/ui_js.hpp>

#include <string_view>

namespace rstreams::dashboard::detail {

inline constexpr std::string_view ui_html = R"rstreams_html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rstreams dashboard</title>
<link rel="stylesheet" href="/app.css">
<link rel="icon" href="data:,">
</head>
<body>
<header>
  <a class="brand" href="#/">rstreams</a>
  <nav><a href="#/">Graph</a><a href="#/trace/">Trace</a></nav>
  <span id="bus" class="muted"></span>
  <span id="mode" class="badge"></span>
  <span id="live" class="badge off">connecting</span>
</header>
<main id="view"><p class="muted">Loading...</p></main>
<div id="message" role="status"></div>
<script src="/app.js"></script>
</body>
</html>
)rstreams_html";

}  // namespace rstreams::dashboard::detail
