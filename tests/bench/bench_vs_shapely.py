"""`zoning check` side by side with the same work in Python: shapely 2 (GEOS)
and pyproj (PROJ) read the file, bring it to EPSG:9214, find every overlapping
pair with its area (STRtree query + intersection) and compute the areas. Both
must find the same pairs with the same areas; the times go in a table, whole
pipelines and the overlap step alone (`zoning check --timings`).

Usage: python tests/bench/bench_vs_shapely.py ZONING_BIN [--sizes 1000,10000,100000]
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import shapely

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import dataset, grid_zones  # noqa: E402


def python_pipeline(path):
    t0 = time.perf_counter()
    codes, geoms = grid_zones(path)
    t_read = time.perf_counter()
    areas = shapely.area(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inter = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    pairs = {(codes[a], codes[b]): x for a, b, x in zip(left, right, inter) if x > 0}
    t_end = time.perf_counter()
    return pairs, dict(zip(codes, geoms)), t_end - t0, t_end - t_read


def zoning(bin_, path):
    t0 = time.perf_counter()
    p = subprocess.run([bin_, "check", str(path), "--no-boundary", "--area-tolerance-pct", "1000000", "--format", "json", "--timings"],
                       capture_output=True, check=True, timeout=600, text=True)
    dt = time.perf_counter() - t0
    pairs = {tuple(sorted(f["codes"])): (f["area_m2"], f.get("area_m2_by_grid")) for f in json.loads(p.stdout)["findings"]
             if f["rule"] in ("overlap", "sliver")}
    overlap_ms = float(re.search(r"timing: overlaps \(R-tree \+ intersections\): ([\d.]+) ms", p.stderr).group(1))
    return pairs, dt, overlap_ms / 1e3


def plane_area(pair, found, geoms):
    """The overlap's area in EPSG:9214 as zoning gives it. A pair of zones of
    the former Bắc Ninh is measured in their legal grid, EPSG:9209
    (`area_m2_by_grid`, docs/crs.md): there the reference is shapely's
    intersection of both boundaries taken to EPSG:9209 by pyproj, scaled back
    to the plane's area of the Python pipeline."""
    area, by_grid = found
    if not by_grid:
        return area
    if "EPSG:9214" in by_grid:
        return by_grid["EPSG:9214"]
    import numpy as np
    from pyproj import Transformer
    t = Transformer.from_crs("EPSG:9214", "EPSG:9209", always_xy=True)
    to_9209 = lambda g: shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))  # noqa: E731
    a, b = (geoms[c] for c in pair)
    in_9209 = shapely.area(shapely.intersection(to_9209(a), to_9209(b)))
    assert abs(by_grid["EPSG:9209"] - in_9209) <= 1e-6 * in_9209, f"{pair}: {by_grid} against {in_9209} in EPSG:9209"
    return area * shapely.area(shapely.intersection(a, b)) / in_9209


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zoning")
    ap.add_argument("--sizes", default="1000,10000,100000")
    a = ap.parse_args()
    print("| zones | overlapping pairs | zoning check | Python (shapely + pyproj) | ratio | zoning's overlap step | GEOS STRtree + intersections | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in map(int, a.sizes.split(",")):
        path = dataset(n)
        ref, geoms, t_py, t_py_overlap = python_pipeline(path)
        got, t_z, t_z_overlap = zoning(a.zoning, path)
        ref = {tuple(sorted(k)): v for k, v in ref.items()}
        assert set(got) == set(ref), f"{n}: pairs differ: {len(set(got) ^ set(ref))}"
        worst = max((abs(plane_area(k, got[k], geoms) - ref[k]) / ref[k] for k in ref), default=0.0)
        assert worst < 1e-6, f"{n}: worst relative area difference {worst}"
        print(f"| {n:,} | {len(ref):,} | {t_z:.2f} s | {t_py:.2f} s | {t_z / t_py:.2f} "
              f"| {t_z_overlap * 1e3:.0f} ms | {t_py_overlap * 1e3:.0f} ms | {t_z_overlap / t_py_overlap:.2f} |", flush=True)


if __name__ == "__main__":
    main()
