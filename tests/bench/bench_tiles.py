"""The time of a vector tile of `zoning serve` with 100k zones in the store.

Usage: python tests/bench/bench_tiles.py ZONING_BIN [--zones 100000] [--again 20]

The store is the one `bench_startup.py` makes (the seeded synthetic set of
gen_zones.py with the zone model, imported once with `zoning import`; made here
if missing). The service is started on it; then, for the tile holding the
centre of the synthetic grid (EPSG:9214 E 444000 N 2364000) at zoom 14, 12, 10,
8 and 6, the first request and the median of `--again` more, each at the client
and as the server logs it (`micros`, the handler's time), the tile's size and
its number of zones (decoded with mapbox-vector-tile), its size gzipped, and a conditional
request answered 304. Prints a Markdown table and the peak RSS.
"""

import argparse
import gzip
import math
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import mapbox_vector_tile
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import ROOT  # noqa: E402
from bench_startup import store_ready  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from service import free_port  # noqa: E402


def tile_of(lon, lat, z):
    n = 2 ** z
    return int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n), int((lon + 180.0) / 360.0 * n)


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=300) as r:
            body, status, etag = r.read(), r.status, r.headers.get("ETag")
    except urllib.error.HTTPError as e:
        body, status, etag = e.read(), e.code, e.headers.get("ETag")
    return time.perf_counter() - t0, status, body, etag


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zoning")
    ap.add_argument("--zones", type=int, default=100_000)
    ap.add_argument("--again", type=int, default=20)
    a = ap.parse_args()
    work = ROOT / "target" / "bench" / "startup"
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"zones-{a.zones}.db"
    if not db.exists():
        t0 = time.perf_counter()
        subprocess.run([a.zoning, "import", "--db", str(db), str(store_ready(a.zones))], check=True, capture_output=True, timeout=3600)
        print(f"import of {a.zones:,} zones: {time.perf_counter() - t0:.1f} s")
    lon, lat = Transformer.from_crs("EPSG:9214", "EPSG:4326", always_xy=True).transform(444_000, 2_364_000)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = work / "serve-tiles.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([a.zoning, "serve", "--db", str(db), "--bind", f"127.0.0.1:{port}"],
                                env=dict(os.environ, ZONING_LOG="info"), stdout=subprocess.DEVNULL, stderr=err)
    rows = []
    try:
        deadline = time.time() + 600
        while True:
            try:
                get(url + "/health")
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("zoning serve did not start")
                time.sleep(0.05)
        for z in (14, 12, 10, 8, 6):
            row, col = tile_of(lon, lat, z)
            path = f"/collections/zones/tiles/WebMercatorQuad/{z}/{row}/{col}"
            first, status, body, etag = get(url + path)
            assert status == 200, (path, status)
            again = []
            for _ in range(a.again):
                dt, _, same, _ = get(url + path)
                assert same == body
                again.append(dt)
            dt304, status, _, _ = get(url + path, {"If-None-Match": etag})
            assert status == 304
            zones = len(mapbox_vector_tile.decode(body)["zones"]["features"])
            rows.append((z, path, first, statistics.median(again), dt304, len(body), len(gzip.compress(body)), zones))
        status = Path(f"/proc/{proc.pid}/status").read_text()
        peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(encoding="utf-8", errors="replace"))
    print(f"| zoom | tile | zones in it | bytes (gzip) | first: client / server | again (median of {a.again}): client / server | 304: client / server |")
    print("|---:|---|---:|---:|---:|---:|---:|")
    for z, path, first, again, dt304, size, packed, zones in rows:
        micros = [int(m.group(1)) / 1000 for line in text.splitlines()
                  if f"path={path} " in line and (m := re.search(r"micros=(\d+)", line))]
        print(f"| {z} | {'/'.join(path.rsplit('/', 3)[1:])} | {zones:,} | {size:,} ({packed:,}) | {first * 1000:.1f} / {micros[0]:.2f} ms "
              f"| {again * 1000:.2f} / {statistics.median(micros[1:-1]):.2f} ms | {dt304 * 1000:.2f} / {micros[-1]:.2f} ms |")
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
