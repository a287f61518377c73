#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Each target starts from its committed seeds (fuzz/seeds/T) and replays every
# input that once failed (fuzz/regressions/T) before it fuzzes; new inputs go
# to fuzz/corpus/T (not committed). A crash, a panic, a leak or a 500 stops the
# run with the input in fuzz/artifacts/T and a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(geojson marker_csv xlsx shapefile prj dbf_text upload dxf http)

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
# cargo fuzz needs nightly flags (-Zsanitizer); use the nightly toolchain when
# this machine has one, else the stable compiler with RUSTC_BOOTSTRAP.
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi
# A damaged .shp may declare billions of points; the shapefile crate reserves
# that much with try_reserve (an error, not an abort, when it cannot), so let
# the allocator answer instead of libFuzzer's 2 GB malloc limit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allocator_may_return_null=1}

"${fuzz[@]}" build -O
for t in "${targets[@]}"; do
    dirs=("fuzz/corpus/$t" "fuzz/seeds/$t")
    mkdir -p "fuzz/corpus/$t"
    [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
    echo "== fuzz $t for ${seconds}s"
    # the fuzzer's own status decides; grep only shortens the log
    set +e
    "${fuzz[@]}" run -O "$t" "${dirs[@]}" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=20 \
        -rss_limit_mb=4096 -malloc_limit_mb=65536 -print_final_stats=1 2>&1 |
        grep -E '^(==|INFO: (Seed|Loaded|[0-9]+ files))|Done [0-9]+ runs|stat::number_of_executed_units|panicked|ERROR|SUMMARY|artifact|Test unit|^ +#[0-9]+ '
    status=${PIPESTATUS[0]}
    set -e
    if [ "$status" -ne 0 ]; then
        echo "fuzz target $t failed (status $status); the input is in fuzz/artifacts/$t" >&2
        exit 1
    fi
done
