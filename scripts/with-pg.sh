#!/usr/bin/env bash
# scripts/with-pg.sh COMMAND…: runs COMMAND with ZONING_TEST_PG set to the URL
# of a throwaway PostgreSQL cluster (scripts/pg.sh) and ZONING_PG_DIR to its
# directory, then removes the cluster, whether COMMAND passed, failed or was
# interrupted. COMMAND's exit status is this script's.
#
# With ZONING_TEST_PG already set (a cluster of your own, e.g. `make pg-start`),
# COMMAND runs against that one and it is left alone.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
(($#)) || { echo "usage: scripts/with-pg.sh COMMAND…" >&2; exit 2; }

if [[ -n "${ZONING_TEST_PG:-}" ]]; then
  exec "$@"
fi

# the first free loopback port from 55432 (or ZONING_PG_PORT) on
port="${ZONING_PG_PORT:-55432}"
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  port=$((port + 1))
done
dir="$repo/target/pg-test-$$"

cleanup() { "$repo/scripts/pg.sh" remove "$dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

url="$("$repo/scripts/pg.sh" start "$dir" "$port")"
echo "with-pg.sh: PostgreSQL at $url (in $dir)" >&2
status=0
ZONING_TEST_PG="$url" ZONING_PG_DIR="$dir" "$@" || status=$?
exit "$status"
