# The commands CI and people run. `make run` and `make test` set everything up
# first (scripts/setup.sh), so they work on a fresh machine.
.PHONY: setup build web run test lint unit e2e e2e-pg pg-start pg-stop e2e-web screenshots data data-check bench-check bench-shapely bench-markers bench-pygeoapi bench-postgis bench-startup bench-tiles crash-loop crash-loop-pg fuzz

CARGO ?= cargo

setup:
	./scripts/setup.sh

build: setup web
	$(CARGO) build --release --locked --workspace

# The map (OpenLayers, Vite) into web/dist, which `zoning serve` serves.
web: setup
	cd web && npm ci --no-audit --no-fund && npx vite build

# The service with the shipped data: a database under data/run/ is created and
# loaded from data/zones.geojson on first start. Map: http://127.0.0.1:8080/
run: build
	./target/release/zoning serve --db data/run/registry.db --bind 127.0.0.1:8080

# Everything CI runs. `unit` and `e2e-pg` each start a throwaway PostgreSQL
# cluster (scripts/with-pg.sh) and remove it afterwards, also on failure.
test: setup lint unit data-check e2e e2e-pg e2e-web fuzz

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --workspace --no-deps

# The Rust tests; the store tests also run on PostgreSQL + PostGIS
# (ZONING_TEST_PG, set by scripts/with-pg.sh to a throwaway cluster's URL), and
# the HTTP tests of zoning-server run a second time with every registry there
# (ZONING_TEST_STORE=postgres).
unit: setup
	./scripts/with-pg.sh sh -c '$(CARGO) test --locked --workspace && \
		ZONING_TEST_STORE=postgres $(CARGO) test --locked -p zoning-server'

# The committed data set must be exactly what the generator makes.
data-check:
	$(CARGO) run --locked --release -p zoning-datagen -- --check data

# Every fuzz target for FUZZ_SECONDS each (docs/fuzzing.md).
FUZZ_SECONDS ?= 60
fuzz: setup
	./scripts/fuzz.sh $(FUZZ_SECONDS)

data:
	$(CARGO) run --locked --release -p zoning-datagen -- data

# Every end-to-end test on SQLite files (the tests that need PostgreSQL skip).
e2e: build
	env -u ZONING_TEST_PG ZONING_BIN=$(CURDIR)/target/release/zoning .venv/bin/python -m pytest -q tests/e2e

# The end-to-end tests that use a registry, on PostgreSQL + PostGIS: each test
# database is a database of a throwaway cluster (tests/e2e/conftest.py:db_url);
# with the several-servers and fault tests, which only run there. The files
# that only read files (area, check, markers check, shapefile, …) do not touch
# the store and run once, in `e2e`.
E2E_PG ?= test_http test_service test_visibility test_import test_fields test_four_doors \
	test_kml_zip test_load test_markers_excel test_province_2025 test_slips test_dxf test_encodings \
	test_qgis test_tiles test_postgres test_several_servers
e2e-pg: build
	ZONING_BIN=$(CURDIR)/target/release/zoning ./scripts/with-pg.sh \
		.venv/bin/python -m pytest -q $(patsubst %,tests/e2e/%.py,$(E2E_PG))

# A PostgreSQL cluster of your own for running tests by hand (target/pg-test,
# port 55432): `make pg-start`, then `export ZONING_TEST_PG=…` as printed;
# `make pg-stop` stops and deletes it.
pg-start: setup
	@./scripts/pg.sh start >/dev/null
	@echo "export ZONING_TEST_PG=$$(./scripts/pg.sh url)"

pg-stop:
	./scripts/pg.sh remove

# The three faces of the map in Debian's Chromium (playwright-core).
e2e-web: build
	ZONING_BIN=$(CURDIR)/target/release/zoning node web/tests/browser.mjs

# The README's pictures, from the same browser run.
screenshots: build
	ZONING_BIN=$(CURDIR)/target/release/zoning node web/tests/browser.mjs --screenshots docs/screenshots

# Benchmarks (docs/benchmarks.md); not part of `make test`.
bench-check: build
	.venv/bin/python tests/bench/bench_check.py target/release/zoning

bench-shapely: build
	.venv/bin/python tests/bench/bench_vs_shapely.py target/release/zoning

bench-markers: build
	.venv/bin/python tests/bench/bench_markers.py target/release/zoning

# The service beside pygeoapi 0.21 (its own venv under target/) with wrk.
PYGEOAPI_VENV := target/pygeoapi-venv
bench-pygeoapi: build
	command -v wrk >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)
	test -x $(PYGEOAPI_VENV)/bin/gunicorn || (python3 -m venv $(PYGEOAPI_VENV) && \
		$(PYGEOAPI_VENV)/bin/pip install -q pygeoapi==0.21.0 gunicorn==27.0.1)
	.venv/bin/python tests/bench/bench_pygeoapi.py target/release/zoning $(PYGEOAPI_VENV)

# The service on PostgreSQL + PostGIS with PG_ZONES zones beside pygeoapi's PostgreSQL
# provider on the same database (a throwaway cluster under target/bench/pg).
PG_ZONES ?= 1000000
bench-postgis: build
	command -v wrk >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)
	test -f /usr/share/postgresql/15/extension/postgis.control || (apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 postgresql-15-postgis-3)
	test -x $(PYGEOAPI_VENV)/bin/gunicorn || (python3 -m venv $(PYGEOAPI_VENV) && \
		$(PYGEOAPI_VENV)/bin/pip install -q pygeoapi==0.21.0 gunicorn==27.0.1)
	$(PYGEOAPI_VENV)/bin/python -c "import psycopg2, geoalchemy2" 2>/dev/null || \
		$(PYGEOAPI_VENV)/bin/pip install -q psycopg2-binary==2.9.13 GeoAlchemy2==0.20.0
	.venv/bin/python tests/bench/bench_postgis.py target/release/zoning $(PYGEOAPI_VENV) --zones $(PG_ZONES)

# The kill -9 test of tests/e2e/test_service.py, 50 rounds on one database.
CRASH_ROUNDS ?= 50
crash-loop: build
	CRASH_ROUNDS=$(CRASH_ROUNDS) ZONING_BIN=$(CURDIR)/target/release/zoning .venv/bin/python -m pytest -q -s \
		tests/e2e/test_service.py -k crash

# The same on PostgreSQL (the acknowledged writes read back with psql).
crash-loop-pg: build
	CRASH_ROUNDS=$(CRASH_ROUNDS) ZONING_BIN=$(CURDIR)/target/release/zoning ./scripts/with-pg.sh \
		.venv/bin/python -m pytest -q -s tests/e2e/test_service.py -k crash

bench-startup: build
	.venv/bin/python tests/bench/bench_startup.py target/release/zoning

# A vector tile at zoom 14 down to 6 with the 100k store of bench-startup.
bench-tiles: build
	.venv/bin/python tests/bench/bench_tiles.py target/release/zoning
