#!/usr/bin/env bash
# End-to-end test of the rstreams tool on one bus, every bad input included:
#   rstreams_cli_test.sh RSTREAMS_BINARY BUS_URL PYTHON3 [--nats-prefix P]
# BUS_URL is a new local directory (created with `put --create`) or nats://... on an empty server.
set -uo pipefail
bin=$1
bus=$2
py=$3
shift 3
extra=("$@")
here=$(cd "$(dirname "$0")" && pwd)
failures=0
out=""

run() { out=$("$bin" "${extra[@]}" "$@" 2>&1); }
ok() {
  if ! run "$@"; then
    echo "FAIL (exit $?): rstreams $*"$'\n'"$out"
    failures=$((failures + 1))
  fi
}
# fail "expected message part" args...: a non-zero exit and the message.
fail() {
  local want=$1
  shift
  if run "$@"; then
    echo "FAIL (exit 0, expected an error): rstreams $*"$'\n'"$out"
    failures=$((failures + 1))
  elif [[ $out != *"$want"* ]]; then
    echo "FAIL (message lacks \"$want\"): rstreams $*"$'\n'"$out"
    failures=$((failures + 1))
  fi
}
# same "expected" "actual" "what"
same() {
  if [[ $1 != "$2" ]]; then
    echo "FAIL: $3: expected \"$1\", got \"$2\""
    failures=$((failures + 1))
  fi
}
json() { "$py" -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$out"; }

create=()
[[ $bus != nats://* ]] && create=(--create)
ok put "$bus" orders '{"id":1}' '{"id":2}' '{"id":3}' --id loader "${create[@]}"
readarray -t eids <<<"$out"
same 3 "${#eids[@]}" "put prints one eid per event"
printf '{"id":4}\n\n{"id":5}\n' | { out=$("$bin" "${extra[@]}" put "$bus" orders 2>&1) || failures=$((failures + 1)); }
ok --json queues "$bus"
same "orders 5" "$(json 'd[0]["queue"], d[0]["events"]')" "queues after 5 puts"

# A bot's checkpoint: dry run first, then executed; lag from positions.
ok checkpoint set "$bus" enricher orders start
[[ $out == *"dry run"* ]] || { echo "FAIL: no dry-run notice: $out"; failures=$((failures + 1)); }
ok --json lag "$bus"
same "[]" "$(json 'd')" "a dry run changes nothing"
ok checkpoint set "$bus" enricher orders "${eids[1]}" --execute
ok --json lag "$bus"
same "enricher orders 3" "$(json 'd[0]["bot"], d[0]["queue"], d[0]["lag_events"]')" "lag after set"
ok checkpoint get "$bus" enricher orders
[[ $out == *"lag 3 events"* ]] || { echo "FAIL: checkpoint get: $out"; failures=$((failures + 1)); }
ok replay "$bus" enricher --from "${eids[0]}"
[[ $out == *"would move enricher on orders"*"(lag 3 -> 5 events)"* ]] || { echo "FAIL: replay dry run: $out"; failures=$((failures + 1)); }
ok replay "$bus" enricher --from "${eids[0]}" --execute
ok --json lag "$bus"
same 5 "$(json 'd[0]["lag_events"]')" "lag after replay"
ok checkpoint set "$bus" enricher orders end --execute
ok --json lag "$bus"
same 0 "$(json 'd[0]["lag_events"]')" "lag at the end"
ok lag "$bus"
[[ $out == *"LAG EVENTS"* ]] || { echo "FAIL: lag table: $out"; failures=$((failures + 1)); }

ok pause "$bus" enricher
ok --json bots "$bus"
same True "$(json 'd[0]["paused"]')" "paused"
ok resume "$bus" enricher
ok --json bots "$bus"
same False "$(json 'd[0]["paused"]')" "resumed"

ok tail "$bus" orders --from -2 --format payload
same $'{"id":4}\n{"id":5}' "$out" "tail --from -2"
ok tail "$bus" orders --from "${eids[1]}" --limit 2 --format json
same "2 2" "$(wc -l <<<"$out") $("$py" -c 'import json,sys; print(json.loads(sys.stdin.readline())["payload"]["id"])' <<<"$out")" "tail --from EID --limit 2"

ok metrics "$bus"
metrics_file=$(mktemp)
printf '%s\n' "$out" >"$metrics_file"
if ! parsed=$("$py" "$here/../support/prometheus_check.py" "$metrics_file"); then
  echo "FAIL: metrics do not parse: $parsed"
  failures=$((failures + 1))
elif [[ $parsed != *"rstreams_bot_read_lag_events bot=enricher,queue=orders 0"* ]]; then
  echo "FAIL: metrics lack the lag: $parsed"
  failures=$((failures + 1))
fi
rm -f "$metrics_file"

ok topology "$bus"
[[ $out == *'"q:orders" -> "b:enricher" [label="lag 0"];'* ]] || { echo "FAIL: topology dot: $out"; failures=$((failures + 1)); }
ok topology "$bus" --format mermaid
[[ $out == *"n_q_3aorders -->|\"lag 0\"| n_b_3aenricher"* ]] || { echo "FAIL: topology mermaid: $out"; failures=$((failures + 1)); }
# SVG: in-process when the tool links Graphviz's library, else through the dot program.
if command -v dot >/dev/null || ldd "$bin" 2>/dev/null | grep -q libgvc; then
  svg_file=$(mktemp --suffix=.svg)
  # stderr apart: under ASan, LeakSanitizer reports its suppressions there at exit.
  "$bin" "${extra[@]}" topology "$bus" --format svg >"$svg_file" 2>"$svg_file.err" || { echo "FAIL: topology svg: $(head -c 300 "$svg_file.err")"; failures=$((failures + 1)); }
  if ! texts=$("$py" "$here/../support/svg_check.py" "$svg_file" 2>&1); then
    echo "FAIL: topology svg is not well-formed: $texts"
    failures=$((failures + 1))
  else
    for name in orders enricher "lag 0"; do
      grep -qx -- "$name" <<<"$texts" || { echo "FAIL: topology svg lacks \"$name\": $texts"; failures=$((failures + 1)); }
    done
  fi
  rm -f "$svg_file" "$svg_file.err"
fi
fail "unknown --format \"png\"" topology "$bus" --format png

ok trace "$bus" "${eids[2]}"
[[ $out == *"orders  ${eids[2]}  (by loader)  <- traced"* ]] || { echo "FAIL: trace: $out"; failures=$((failures + 1)); }
ok --json trace "$bus" "${eids[2]}"
same "orders 0" "$(json 'd["event"]["event"], len(d["descendants"])')" "trace --json"
fail "no event z/2000/01/01/00/00/946684800000-0000000" trace "$bus" z/2000/01/01/00/00/946684800000-0000000
fail "malformed eid \"z/2026\"" trace "$bus" z/2026
ok trace "$bus" "${eids[2]}" --queue orders
[[ $out == *"orders  ${eids[2]}  (by loader)  <- traced"* ]] || { echo "FAIL: trace --queue: $out"; failures=$((failures + 1)); }
fail "unknown queue \"nope\"" trace "$bus" "${eids[2]}" --queue nope

# Bad input: a clear message and a non-zero exit.
fail "unknown bus" queues /nonexistent/rstreams-bus-dir
fail "unknown bus" queues "$(dirname "$0")"
fail "unknown bus" queues kafka://localhost:9092
fail "cannot reach bus nats://127.0.0.1:1" queues nats://127.0.0.1:1
fail "unknown queue \"nope\"" tail "$bus" nope
fail "unknown queue \"nope\"" checkpoint set "$bus" enricher nope start
fail "unknown bot \"nobody\"" pause "$bus" nobody
fail "unknown bot \"nobody\"" replay "$bus" nobody --from "${eids[0]}"
fail "unknown bot \"nobody\"" checkpoint get "$bus" nobody orders
fail "malformed eid \"z/20x\"" checkpoint set "$bus" enricher orders z/20x
fail "malformed eid or time \"2026-13-01T00:00Z\"" replay "$bus" enricher --from 2026-13-01T00:00Z
fail "malformed eid or time \"yesterday\"" tail "$bus" orders --from yesterday
fail "malformed --from \"-x\"" tail "$bus" orders --from -x
fail "past the end of queue orders" checkpoint set "$bus" enricher orders z/9999/
fail "past the end of queue orders" checkpoint set "$bus" enricher orders 2999-01-01T00:00:00Z
fail "malformed JSON in argument 1" put "$bus" orders '{"id":'
fail "bad queue name" put "$bus" "no spaces" '{}'
fail "unknown --format" tail "$bus" orders --format xml
fail "bus is required" queues
# serve (the dashboard itself is tested in tests/dashboard and by the browser test)
fail "malformed --listen \"nonsense:port\"" serve "$bus" --listen nonsense:port
fail "malformed --listen \"127.0.0.1:99999\"" serve "$bus" --listen 127.0.0.1:99999
fail "unknown bus" serve /nonexistent/rstreams-bus-dir --listen 127.0.0.1:0

# import / export: RStreams JSON lines (plain or gzip), a summary line on stdout and nothing on
# stderr when not on a terminal (run() captures both: one line means no progress output).
tmp=$(mktemp -d)
ok export "$bus" orders "$tmp/orders.jsonl"
same "exported 5 events" "${out%% (*}" "export summary (and no progress line when piped)"
same 5 "$(wc -l <"$tmp/orders.jsonl")" "export writes one line per event"
same "${eids[0]}" "$("$py" -c 'import json,sys; print(json.loads(sys.stdin.readline())["eid"])' <"$tmp/orders.jsonl")" "export keeps eids"
ok export "$bus" orders - --from "${eids[1]}" --through "${eids[2]}"
same "2 2 3" "$(wc -l <<<"$out") $("$py" -c 'import json,sys; print(*[json.loads(l)["payload"]["id"] for l in sys.stdin])' <<<"$out")" "export --from --through"
ok export "$bus" orders "$tmp/orders.jsonl.gz" --gzip
same 1f8b "$(od -An -tx1 -N2 "$tmp/orders.jsonl.gz" | tr -d ' ')" "export --gzip writes gzip"
ok import "$bus" copied "$tmp/orders.jsonl.gz" --new-eids
same "imported 5 events" "${out%% (*}" "import summary"
ok --json tail "$bus" copied --from -1 --format json
same 5 "$(json 'd["payload"]["id"]')" "import --new-eids stores the payloads"
printf '{"plain":1}\n\n{"plain":2}\n' >"$tmp/bare.jsonl"
ok import "$bus" bare "$tmp/bare.jsonl" --new-eids --id importer
ok tail "$bus" bare --format json
same "2 importer" "$(wc -l <<<"$out") $("$py" -c 'import json,sys; print(json.loads(sys.stdin.readline())["id"])' <<<"$out")" "import wraps bare payloads"
if [[ $bus == nats://* ]]; then
  fail "give --new-eids to assign new ones" import "$bus" kept "$tmp/orders.jsonl"
else
  ok import "$bus" kept "$tmp/orders.jsonl"
  ok tail "$bus" kept --format json --limit 1
  same "${eids[0]}" "$("$py" -c 'import json,sys; print(json.loads(sys.stdin.readline())["eid"])' <<<"$out")" "import keeps eids"
  last=$("$py" -c 'import json,sys; print([json.loads(l)["eid"] for l in sys.stdin][-1])' <"$tmp/orders.jsonl")
  fail "line 1: eid ${eids[0]} is not after $last" import "$bus" kept "$tmp/orders.jsonl"
  [[ $out == *"give --new-eids"* ]] || { echo "FAIL: import names the flag: $out"; failures=$((failures + 1)); }
  # Eids are numbered per queue: now two queues hold each of these, and trace asks which.
  fail "event ${eids[2]} is in 2 queues (kept, orders): say which with --queue" trace "$bus" "${eids[2]}"
  ok trace "$bus" "${eids[2]}" --queue kept
  [[ $out == *"kept  ${eids[2]}  (by loader)  <- traced"* ]] || { echo "FAIL: trace --queue kept: $out"; failures=$((failures + 1)); }
fi
if command -v script >/dev/null; then
  # On a terminal: the progress line on stderr, redrawn with \r.
  tty_out=$(script -qec "$(printf '%q ' "$bin" "${extra[@]}" import "$bus" tty "$tmp/orders.jsonl" --new-eids)" /dev/null)
  [[ $tty_out == *$'\r'"import tty: 5 events"*"imported 5 events"* ]] || { echo "FAIL: progress line on a tty: $tty_out"; failures=$((failures + 1)); }
fi
fail "cannot read /nonexistent/events.jsonl" import "$bus" orders /nonexistent/events.jsonl
printf '{"payload":{"ok":1}}\n{"payload":\n' >"$tmp/bad.jsonl"
fail "bad.jsonl line 2: not JSON" import "$bus" badlines "$tmp/bad.jsonl" --new-eids
printf '[1,2]\n' >"$tmp/bare2.jsonl"
fail "bare2.jsonl line 1: not an event envelope" import "$bus" strict "$tmp/bare2.jsonl" --new-eids --strict
fail "unknown queue \"nope\"" export "$bus" nope "$tmp/nope.jsonl"
fail "malformed eid or time \"yesterday\"" export "$bus" orders "$tmp/x.jsonl" --from yesterday
fail "cannot open /nonexistent/dir/x.jsonl" export "$bus" orders /nonexistent/dir/x.jsonl

# verify / repair: local buses only.
if [[ $bus == nats://* ]]; then
  fail "verify works on a local bus only" verify "$bus"
  fail "repair works on a local bus only" repair "$bus"
else
  ok verify "$bus"
  [[ $out == *"orders: ok (1 segment, 5 records)"* ]] || { echo "FAIL: verify: $out"; failures=$((failures + 1)); }
  # The import stored its 5 records as one batch frame: damage in it loses the batch; verify
  # counts the events lost from record numbers around it, at least 1 (none follow here).
  seg="$bus/queues/copied/00000000000000000000.seg"
  size=$(stat -c %s "$seg")
  printf 'XXXXXXXXXXXXXXXX' | dd of="$seg" bs=1 seek=$((size / 2)) conv=notrunc status=none
  out=$("$bin" verify "$bus" copied 2>&1)
  same 3 "$?" "verify exits 3 on damage"
  [[ $out == *"copied: DAMAGED (1 segment, 0 records, 1 event lost)"*"damaged $seg offset"*"rstreams repair"* ]] || { echo "FAIL: verify damage: $out"; failures=$((failures + 1)); }
  fail "appends to this queue are refused until it is repaired" put "$bus" copied '{}'
  ok repair "$bus" copied
  [[ $out == *"copied: repaired (1 segment, 0 records, 1 event lost)"*"bytes kept in $seg.damaged-"* ]] || { echo "FAIL: repair: $out"; failures=$((failures + 1)); }
  ok --json verify "$bus"
  same "True 0" "$(json 'all(q["ok"] for q in d), sum(q["events_lost"] for q in d)')" "verify after repair"
  ok put "$bus" copied '{"after":"repair"}'
  fail "unknown queue \"nope\"" verify "$bus" nope
fi
rm -rf "$tmp"

if ((failures > 0)); then
  echo "$failures failure(s)"
  exit 1
fi
echo "rstreams CLI on $bus: all checks passed"
