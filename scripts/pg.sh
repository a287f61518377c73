#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster (with PostGIS available) for the tests:
# under the repository's target/pg-test/ unless told otherwise, listening on
# 127.0.0.1 only, trust authentication for loopback, fsync on (the fault tests
# test durability), its log beside it.
#
#   scripts/pg.sh start [DIR] [PORT]   create (or reuse a running) cluster, wait, print its URL
#   scripts/pg.sh stop [DIR]           pg_ctl stop -m fast
#   scripts/pg.sh stop-immediate [DIR] pg_ctl stop -m immediate (a crash: recovery on next start)
#   scripts/pg.sh remove [DIR]         stop and delete the cluster
#   scripts/pg.sh createdb NAME [DIR]  a new empty database (an error if it exists)
#   scripts/pg.sh dropdb NAME [DIR]    drop it (and its connections)
#   scripts/pg.sh url [DIR]            postgres://postgres@127.0.0.1:PORT
#   scripts/pg.sh psql [DIR] -- ARGS   psql on the cluster as postgres
#
# DIR defaults to $ZONING_PG_DIR, else target/pg-test; PORT to $ZONING_PG_PORT,
# else 55432. The port is remembered in DIR/port, so the other commands need only
# DIR. Run as root, the cluster belongs to and runs as the `postgres` user
# (runuser); run as anyone else, as that user.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"

die() { echo "pg.sh: $*" >&2; exit 1; }

[[ -x "$PGBIN/pg_ctl" ]] || die "no PostgreSQL 15 in $PGBIN: install Debian's postgresql-15 and postgresql-15-postgis-3 (scripts/setup.sh does)"

cmd="${1:-}"
[[ -n "$cmd" ]] || die "usage: pg.sh start|stop|stop-immediate|remove|createdb|dropdb|url|psql …"
shift

if [[ $(id -u) -eq 0 ]]; then
  owner=postgres
  id "$owner" >/dev/null 2>&1 || die "there is no 'postgres' user: install postgresql-15"
  as_owner() { runuser -u "$owner" -- "$@"; }
else
  owner="$(id -un)"
  as_owner() { "$@"; }
fi

dir_of() {
  local d="${1:-${ZONING_PG_DIR:-$repo/target/pg-test}}"
  mkdir -p "$d"
  (cd "$d" && pwd)
}

# The data directory: DIR/data, or, when the postgres user cannot reach DIR
# (a parent such as /root without o+x), a directory under /tmp that DIR/data
# links to.
datadir_of() {
  local d="$1"
  if [[ -L "$d/data" ]]; then readlink "$d/data"; else echo "$d/data"; fi
}

port_of() {
  local d="$1"
  [[ -f "$d/port" ]] || die "no cluster in $d (run: scripts/pg.sh start $d)"
  cat "$d/port"
}

running() {
  local data="$1"
  [[ -f "$data/PG_VERSION" ]] && as_owner "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1
}

url_of() { echo "postgres://postgres@127.0.0.1:$(port_of "$1")"; }

psql_in() {
  local d="$1"; shift
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(port_of "$d")" -U postgres "$@"
}

wait_ready() {
  local d="$1" port
  port="$(port_of "$d")"
  for _ in $(seq 1 300); do
    if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres; then return 0; fi
    sleep 0.1
  done
  tail -n 20 "$d/postgres.log" >&2 || true
  die "the cluster in $d did not become ready in 30 s (log: $d/postgres.log)"
}

start() {
  local d port data
  d="$(dir_of "${1:-}")"
  if [[ -f "$d/port" ]]; then
    port="${2:-$(cat "$d/port")}"
  else
    port="${2:-${ZONING_PG_PORT:-55432}}"
  fi
  [[ "$port" =~ ^[0-9]+$ ]] || die "port '$port' is not a number"
  data="$(datadir_of "$d")"
  if running "$data"; then
    [[ "$(cat "$d/port")" == "$port" ]] || die "a cluster runs in $d on port $(cat "$d/port"), not $port"
    url_of "$d"
    return 0
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is taken by another program; give another: scripts/pg.sh start $d PORT"
    fi
    if [[ $owner != "$(id -un)" ]]; then
      chown "$owner:" "$d"
      if ! runuser -u "$owner" -- test -w "$d"; then
        # the postgres user cannot traverse to DIR: keep the data under /tmp
        base="$(mktemp -d /tmp/zoning-pg.XXXXXX)"
        chmod 755 "$base"
        chown "$owner:" "$base"
        data="$base/data"
        ln -sfn "$data" "$d/data"
        ln -sfn "$base/postgres.log" "$d/postgres.log"
        echo "pg.sh: the postgres user cannot reach $d; the cluster is in $base" >&2
      fi
    fi
    as_owner "$PGBIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1 \
      || { cat "$d/initdb.log" >&2; die "initdb failed"; }
    cat >"$data/pg_hba.conf" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS       METHOD   (written by scripts/pg.sh: loopback only, trust)
host    all       all   127.0.0.1/32  trust
host    replication all 127.0.0.1/32  trust
EOF
    cat >>"$data/postgresql.conf" <<EOF

# scripts/pg.sh: a test cluster on loopback; durability as in production
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 400
shared_buffers = 64MB
max_wal_size = 256MB
min_wal_size = 64MB
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF
    chown "$owner:" "$data/pg_hba.conf" "$data/postgresql.conf"
  fi
  echo "$port" >"$d/port"
  log="$(dirname "$data")/postgres.log"
  as_owner touch "$log"
  as_owner "$PGBIN/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null \
    || { tail -n 20 "$d/postgres.log" >&2; die "the cluster in $d did not start (log: $d/postgres.log)"; }
  wait_ready "$d"
  url_of "$d"
}

stop_mode() {
  local mode="$1" d data
  d="$(dir_of "${2:-}")"
  data="$(datadir_of "$d")"
  if running "$data"; then
    as_owner "$PGBIN/pg_ctl" -D "$data" -m "$mode" -w -t 60 stop >/dev/null
  fi
}

case "$cmd" in
  start) start "$@" ;;
  stop) stop_mode fast "$@" ;;
  stop-immediate) stop_mode immediate "$@" ;;
  remove)
    d="$(dir_of "${1:-}")"
    stop_mode immediate "$d"
    data="$(datadir_of "$d")"
    [[ "$data" == "$d/data" ]] || rm -rf "$(dirname "$data")"
    rm -rf "$d"
    ;;
  url) url_of "$(dir_of "${1:-}")" ;;
  createdb)
    name="${1:?pg.sh createdb NAME [DIR]}"
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "database name '$name': use lower-case letters, digits and _"
    psql_in "$(dir_of "${2:-}")" -d postgres -c "CREATE DATABASE $name"
    ;;
  dropdb)
    name="${1:?pg.sh dropdb NAME [DIR]}"
    [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "database name '$name': use lower-case letters, digits and _"
    psql_in "$(dir_of "${2:-}")" -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
    ;;
  psql)
    if [[ "${1:-}" == "--" || -z "${1:-}" ]]; then d="$(dir_of "")"; else d="$(dir_of "$1")"; shift; fi
    [[ "${1:-}" == "--" ]] && shift
    psql_in "$d" "$@"
    ;;
  *) die "unknown command '$cmd': start, stop, stop-immediate, remove, createdb, dropdb, url, psql" ;;
esac
