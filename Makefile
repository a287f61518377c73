# The commands CI and people run. `make run` and `make test` set everything up
# first (scripts/setup.sh), so they work on a fresh machine.
.PHONY: setup build web run test lint unit e2e e2e-web screenshots data data-check bench-check bench-shapely bench-markers

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

# Everything CI runs.
test: setup lint unit data-check e2e e2e-web

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --workspace --no-deps

unit:
	$(CARGO) test --locked --workspace

# The committed data set must be exactly what the generator makes.
data-check:
	$(CARGO) run --locked --release -p zoning-datagen -- --check data

data:
	$(CARGO) run --locked --release -p zoning-datagen -- data

e2e: build
	ZONING_BIN=$(CURDIR)/target/release/zoning .venv/bin/python -m pytest -q tests/e2e

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
