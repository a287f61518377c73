"""Times `zoning check` on the seeded synthetic sets of 1k, 10k and 100k zones.

Usage: python tests/bench/bench_check.py ZONING_BIN [--runs 3]
Prints a Markdown table: zones, findings, median wall time, peak RSS.
The sets are generated once into target/bench/ (tests/bench/gen_zones.py).
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

import resource

import numpy as np
import shapely
from pyproj import Transformer

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "bench"))
from gen_zones import generate  # noqa: E402


def dataset(n):
    path = ROOT / "target" / "bench" / f"zones-{n}.geojson"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(generate(n, 20211231)), encoding="utf-8")
    return path


def grid_zones(path):
    """Codes and shapely geometries in EPSG:9214 (pyproj) of a WGS84 GeoJSON."""
    fc = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    codes = [f["id"] for f in fc["features"]]
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in fc["features"]])
    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:9214", always_xy=True)
    geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1])))
    return codes, geoms


def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, check=True, timeout=600).stdout
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return dt, max(peak, before), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zoning")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sizes", default="1000,10000,100000")
    a = ap.parse_args()
    print("| zones | boundary | findings | median wall time | peak RSS |")
    print("|---:|---|---:|---:|---:|")
    for n in map(int, a.sizes.split(",")):
        path = dataset(n)
        for boundary in (["--no-boundary"], []):
            times = []
            for _ in range(a.runs):
                dt, rss, out = run([a.zoning, "check", str(path), "--format", "json", *boundary])
                times.append(dt)
            findings = len(json.loads(out)["findings"])
            label = "none" if boundary else "province"
            print(f"| {n:,} | {label} | {findings:,} | {statistics.median(times):.2f} s | {rss / 1024:.0f} MiB |")


if __name__ == "__main__":
    main()
