"""`zoning markers check` side by side with the same work in Python: shapely 2
(GEOS) and pyproj (PROJ) read the zones, bring them to EPSG:9214, read the
surveyors' table and find each marker's nearest zone boundary and its distance
(STRtree.query_nearest on the boundaries + shapely.distance). Both must give
every marker the same zone (or none) and the same distance to 1 mm; the times
go in a table.

Usage: python tests/bench/bench_markers.py ZONING_BIN [--sizes 1000,10000,100000]

The markers (as many as zones, taken in turn from the zones that lie inside
EPSG:9214's area of use, which the synthetic sets overflow: a corner, a point
on an edge or a stray point, with a seeded jitter of a few centimetres) are
written in EPSG:9214 with X the northing, as a surveyor's CSV.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import ROOT, dataset, grid_zones  # noqa: E402

SEARCH_RADIUS_M = 50.0


def markers(n, zones_path):
    """One marker per zone, written once into target/bench/markers-N.csv."""
    path = ROOT / "target" / "bench" / f"markers-{n}.csv"
    if path.exists():
        return path
    _, geoms = grid_zones(zones_path)
    # EPSG:9214's area of use (PROJ's database), shrunk by 0.01° for the jitter
    w, s, e, nb = CRS("EPSG:9214").area_of_use.bounds
    wgs = shapely.from_geojson([json.dumps(f["geometry"]) for f in json.loads(Path(zones_path).read_text(encoding="utf-8"))["features"]])
    inside = np.flatnonzero(shapely.within(wgs, shapely.box(w + 0.01, s + 0.01, e - 0.01, nb - 0.01)))
    rng = np.random.default_rng(7)
    rows = ["Số hiệu mốc,X (m),Y (m)"]
    for i in range(n):
        ring = np.asarray(geoms[inside[i % len(inside)]].exterior.coords)
        k = i % 4
        if k == 0:  # a corner
            e, nn = ring[i % (len(ring) - 1)]
        elif k in (1, 2):  # along an edge
            a, b = ring[0], ring[1]
            t = rng.uniform(0.1, 0.9)
            e, nn = a + t * (b - a)
        else:  # a stray point, up to 80 m off the first corner
            e, nn = ring[0] + rng.uniform(-80, 80, 2)
        e += rng.normal(0, 0.05)
        nn += rng.normal(0, 0.05)
        rows.append(f"M{i:06d},{nn:.4f},{e:.4f}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def python_pipeline(zones_path, csv_path):
    t0 = time.perf_counter()
    codes, geoms = grid_zones(zones_path)
    table = np.loadtxt(csv_path, delimiter=",", skiprows=1, usecols=(1, 2), encoding="utf-8")
    ids = np.loadtxt(csv_path, delimiter=",", skiprows=1, usecols=0, dtype=str, encoding="utf-8")
    points = shapely.points(table[:, 1], table[:, 0])  # x = easting (Y), y = northing (X)
    boundaries = shapely.boundary(geoms)
    t_read = time.perf_counter()
    tree = shapely.STRtree(boundaries)
    (pi, zi), dist = tree.query_nearest(points, return_distance=True, all_matches=False)
    result = {}
    for p, z, d in zip(pi, zi, dist):
        result[ids[p]] = (codes[z] if d <= SEARCH_RADIUS_M else None, float(d))
    t_end = time.perf_counter()
    return result, t_end - t0, t_end - t_read


def zoning(bin_, zones_path, csv_path):
    t0 = time.perf_counter()
    out = subprocess.run([bin_, "markers", "check", "--zones", str(zones_path), "--markers", str(csv_path), "--format", "json"],
                         capture_output=True, check=True, timeout=600).stdout
    dt = time.perf_counter() - t0
    got = {m["id"]: (m["zone"], m["distance_m"]) for m in json.loads(out)["markers"]}
    return got, dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zoning")
    ap.add_argument("--sizes", default="1000,10000,100000")
    a = ap.parse_args()
    print("| zones = markers | zoning markers check | Python (shapely + pyproj) | of which nearest step | ratio |")
    print("|---:|---:|---:|---:|---:|")
    for n in map(int, a.sizes.split(",")):
        zones_path = dataset(n)
        csv_path = markers(n, zones_path)
        ref, t_py, t_py_nearest = python_pipeline(zones_path, csv_path)
        got, t_z = zoning(a.zoning, zones_path, csv_path)
        assert set(got) == set(ref), f"{n}: markers differ"
        worst = 0.0
        for k, (zone, d) in ref.items():
            gz, gd = got[k]
            worst = max(worst, abs(gd - d))
            # two boundaries equally near (a shared edge): either zone is right
            if gz != zone and abs(gd - d) > 1e-3:
                raise AssertionError(f"{n}: {k}: zoning {gz} at {gd} m, GEOS {zone} at {d} m")
        assert worst < 1e-3, f"{n}: worst distance difference {worst} m"
        print(f"| {n:,} | {t_z:.2f} s | {t_py:.2f} s | {t_py_nearest:.2f} s | {t_z / t_py:.2f} |", flush=True)


if __name__ == "__main__":
    main()
