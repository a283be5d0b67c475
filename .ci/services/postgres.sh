#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the io tests and exports RSTREAMS_PG_URL.
# Sourced by .ci/run (under `set -euo pipefail`); for local runs:
#   source .ci/services/postgres.sh      # starts (or reuses) the server
#   rstreams_pg_stop                     # stops it and removes its directory
# The cluster lives in a temp dir, listens on 127.0.0.1 only, on a fixed unusual port
# (RSTREAMS_PG_PORT, default 54329), trusts local connections, and runs as an unprivileged
# user (`postgres`, else `nobody`) when started as root.

rstreams_pg_start() {
  local bin=${RSTREAMS_PG_BIN:-/usr/lib/postgresql/15/bin}
  local port=${RSTREAMS_PG_PORT:-54329}
  local db=rstreams_test
  local url="postgresql://rstreams@127.0.0.1:${port}/${db}"
  if [[ ! -x $bin/initdb ]]; then
    echo "postgres.sh: $bin/initdb not found (install Debian's postgresql package)" >&2
    return 1
  fi
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" 2>/dev/null; then
    echo "postgres.sh: reusing the server already on 127.0.0.1:$port"
    export RSTREAMS_PG_URL=$url
    return 0
  fi
  local dir
  dir=$(mktemp -d /tmp/rstreams-pg.XXXXXX)
  local as=()
  if ((EUID == 0)); then
    local user=postgres
    id -u postgres >/dev/null 2>&1 || user=nobody
    chown "$user" "$dir"
    chmod 700 "$dir"
    as=(runuser -u "$user" --)
  fi
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U rstreams -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    return 1
  }
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off" start >/dev/null || {
    cat "$dir/server.log" >&2
    return 1
  }
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U rstreams "$db"
  export RSTREAMS_PG_DIR=$dir
  export RSTREAMS_PG_URL=$url
  echo "postgres.sh: PostgreSQL on 127.0.0.1:$port (data in $dir); RSTREAMS_PG_URL=$url"
}

rstreams_pg_stop() {
  local bin=${RSTREAMS_PG_BIN:-/usr/lib/postgresql/15/bin}
  [[ -n ${RSTREAMS_PG_DIR:-} && -d $RSTREAMS_PG_DIR ]] || return 0
  local as=()
  if ((EUID == 0)); then as=(runuser -u "$(stat -c %U "$RSTREAMS_PG_DIR")" --); fi
  "${as[@]}" "$bin/pg_ctl" -D "$RSTREAMS_PG_DIR/data" -m fast -w stop >/dev/null || true
  rm -rf "$RSTREAMS_PG_DIR"
  unset RSTREAMS_PG_DIR RSTREAMS_PG_URL
}

rstreams_pg_start
