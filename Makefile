# The commands CI and people run. `make run` and `make test` set everything up
# first (scripts/setup.sh), so they work on a fresh machine.
.PHONY: setup build run test lint unit e2e data data-check bench-check

CARGO ?= cargo

setup:
	./scripts/setup.sh

build: setup
	$(CARGO) build --release --locked --workspace

# The service with the shipped data: a database under data/run/ is created and
# loaded from data/zones.geojson on first start. Map: http://127.0.0.1:8080/
run: build
	./target/release/zoning serve --db data/run/registry.db --bind 127.0.0.1:8080

# Everything CI runs.
test: setup lint unit data-check e2e

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

# Benchmarks (docs/benchmarks.md); not part of `make test`.
bench-check: build
	.venv/bin/python tests/bench/bench_check.py target/release/zoning
