#!/usr/bin/env bash
# Installs what building and testing `zoning` needs on a fresh Debian 12
# machine: PROJ (set-up A of docs/crs.md), the Rust toolchain's components,
# the Python reference tools, and QGIS (python3-qgis, a client in the end-to-end
# tests), PostgreSQL 15 with PostGIS 3 (the second store, tested by `make
# unit` and `make e2e-pg` on a throwaway cluster: scripts/pg.sh) and HAProxy (the
# reverse proxy of docs/deploy.md, started by tests/e2e/test_several_servers.py).
# Safe to run again; it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(libproj-dev proj-data proj-bin pkg-config libclang-dev python3-venv gdal-bin python3-qgis chromium curl
  postgresql-15 postgresql-client-15 postgresql-15-postgis-3 haproxy)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v npm >/dev/null; then
  echo "setup: Node.js 20 and npm are needed for the web map (web/)" >&2
  exit 1
fi

if command -v rustup >/dev/null; then
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
fi

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c "import shapely, pyproj, pytest" 2>/dev/null \
   || ! cmp -s tests/requirements.txt .venv/requirements.txt; then
  echo "setup: creating .venv with tests/requirements.txt"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt .venv/requirements.txt
fi
