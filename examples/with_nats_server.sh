#!/usr/bin/env bash
# Runs a command next to a JetStream server of its own, for the examples that run on NATS:
#
#   examples/with_nats_server.sh NATS_SERVER STATE_DIR command [args...]
#
# starts `NATS_SERVER -js` on 127.0.0.1 (the server picks a free port and writes it to a ports
# file), its store in STATE_DIR (emptied first), replaces "@NATS_URL@" in the arguments by the
# server's URL, runs the command and returns its exit code. The server is stopped by its pid
# when the script ends, however it ends.
set -euo pipefail
if (($# < 3)); then
  echo "usage: with_nats_server.sh NATS_SERVER STATE_DIR command [args...]" >&2
  exit 2
fi
server=$1
dir=$2
shift 2
rm -rf "$dir"
mkdir -p "$dir/js"
"$server" -js -a 127.0.0.1 -p -1 -sd "$dir/js" --ports_file_dir "$dir" >"$dir/server.log" 2>&1 &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

url=""
for _ in $(seq 200); do  # up to 10 s
  for f in "$dir"/*.ports; do
    [[ -e $f ]] && url=$(grep -o 'nats://[^"]*' "$f" | head -n 1 || true)
  done
  [[ -n $url ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "with_nats_server.sh: nats-server exited at start:" >&2
    cat "$dir/server.log" >&2
    exit 1
  fi
  sleep 0.05
done
if [[ -z $url ]]; then
  echo "with_nats_server.sh: nats-server wrote no ports file in $dir" >&2
  exit 1
fi

args=()
for a in "$@"; do args+=("${a//@NATS_URL@/$url}"); done
"${args[@]}"
