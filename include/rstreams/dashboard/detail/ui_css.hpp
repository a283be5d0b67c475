#pragma once
// The dashboard page's style sheet (see ui_assets.hpp).

#include <string_view>

namespace rstreams::dashboard::detail {

inline constexpr std::string_view ui_css = R"rstreams_css(
:root { --bg:#f8fafc; --fg:#0f172a; --muted:#64748b; --line:#e2e8f0; --card:#fff; --accent:#2563eb;
        --ok:#16a34a; --warn:#d97706; --bad:#dc2626; --queue:#ecfdf5; --bot:#dbeafe; --ext:#fef9c3; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; align-items:center; gap:16px; padding:10px 20px; background:#0f172a; color:#e2e8f0; }
header a { color:#e2e8f0; text-decoration:none; }
header .brand { font-weight:700; font-size:17px; }
header nav a { margin-right:14px; }
header nav a:hover { text-decoration:underline; }
#bus { flex:1; color:#94a3b8; font-family:ui-monospace, monospace; font-size:12px; }
.badge { padding:2px 8px; border-radius:10px; font-size:12px; background:#334155; color:#e2e8f0; }
.badge:empty { display:none; }
.badge.on { background:var(--ok); color:#fff; }
.badge.off { background:var(--bad); color:#fff; }
.badge.paused { background:#94a3b8; color:#fff; }
.badge.active { background:var(--ok); color:#fff; }
main { padding:18px 22px 60px; max-width:1400px; }
h1 { font-size:20px; margin:4px 0 12px; }
h2 { font-size:15px; margin:22px 0 8px; color:#334155; }
a { color:var(--accent); }
.muted { color:var(--muted); }
.mono, code, pre { font-family:ui-monospace, "DejaVu Sans Mono", monospace; font-size:12px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin-bottom:14px; }
.grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(170px, 1fr)); gap:10px; }
.fig { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:8px 10px; }
.fig .k { color:var(--muted); font-size:12px; }
.fig .v { font-size:16px; font-weight:600; word-break:break-all; }
table { border-collapse:collapse; width:100%; background:var(--card); }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
button { font:inherit; padding:5px 12px; border-radius:6px; border:1px solid #cbd5e1; background:#fff; cursor:pointer; }
button:hover { background:#f1f5f9; }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
button.danger { background:var(--bad); border-color:var(--bad); color:#fff; }
input, select { font:inherit; padding:4px 8px; border:1px solid #cbd5e1; border-radius:6px; }
input.wide { width:420px; max-width:100%; }
.row { display:flex; gap:8px; align-items:center; flex-wrap:wrap; margin:6px 0; }
.plan { margin-top:10px; padding:10px; border:1px dashed var(--warn); border-radius:8px; background:#fffbeb; }
#message { position:fixed; bottom:14px; right:14px; max-width:560px; }
#message .note { padding:8px 12px; border-radius:8px; margin-top:6px; background:#0f172a; color:#fff; }
#message .note.error { background:var(--bad); }
.graph { background:var(--card); border:1px solid var(--line); border-radius:8px; overflow:auto; }
.graph svg { display:block; }
.graph text { font-size:12px; font-family:system-ui, sans-serif; }
.graph .node:hover rect { stroke:var(--accent); stroke-width:2; }
.graph .label { font-size:11px; }
.chart { background:var(--card); border:1px solid var(--line); border-radius:8px; }
.chart text { font-size:10px; fill:var(--muted); }
.events pre { margin:0; padding:8px; background:#f1f5f9; border-radius:6px; overflow:auto; max-height:320px; }
.event { margin-bottom:10px; }
.event .head { display:flex; gap:10px; align-items:baseline; margin-bottom:3px; }
.lineage .item { border-left:3px solid var(--line); padding:6px 10px; margin:6px 0; background:var(--card); border-radius:0 6px 6px 0; }
.lineage .item.traced { border-left-color:var(--accent); background:#eff6ff; }
.lineage .item.ancestor { border-left-color:var(--warn); }
.lineage .item.descendant { border-left-color:var(--ok); }
.lineage details pre { margin:4px 0 0; padding:6px; background:#f1f5f9; border-radius:6px; }
.d1 { margin-left:24px !important; } .d2 { margin-left:48px !important; } .d3 { margin-left:72px !important; }
.d4 { margin-left:96px !important; } .d5 { margin-left:120px !important; }
.lag0 { color:var(--ok); } .lag1 { color:var(--warn); } .lag2 { color:var(--bad); }
)rstreams_css";

}  // namespace rstreams::dashboard::detail
