"""A seeded synthetic zone set for benchmarks: N rectangles (every 10th an
L-shaped hexagon, every 50th with a hole), 1–36 ha, one per cell of a jittered
grid of 1 km cells centred on Bắc Giang (a large N spills over the province,
as a national registry would), and every 20th moved onto its neighbour so that
5 % of the zones overlap another.

Usage: python tests/bench/gen_zones.py N OUT.geojson [--seed S]

Coordinates are drawn in EPSG:9214 and written in WGS84 with full precision.
"""

import argparse
import json

import numpy as np
from pyproj import Transformer


def generate(n, seed):
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    cell = 1_000.0
    i = np.arange(n)
    cx = 444_000 + (i % side - side / 2) * cell + rng.uniform(-150, 150, n)
    cy = 2_364_000 + (i // side - side / 2) * cell + rng.uniform(-150, 150, n)
    w = rng.uniform(100, 600, n)
    h = rng.uniform(100, 600, n)
    # every 20th zone is moved onto the previous one so that they overlap
    moved = i % 20 == 19
    cx[moved] = cx[i[moved] - 1] + rng.uniform(40, 90, moved.sum())
    cy[moved] = cy[i[moved] - 1] + rng.uniform(40, 90, moved.sum())
    to_wgs = Transformer.from_crs("EPSG:9214", "EPSG:4326", always_xy=True)
    features = []
    for i in range(n):
        x0, y0, x1, y1 = cx[i] - w[i] / 2, cy[i] - h[i] / 2, cx[i] + w[i] / 2, cy[i] + h[i] / 2
        if i % 10 == 0:  # an L
            ring = [(x0, y0), (x1, y0), (x1, (y0 + y1) / 2), ((x0 + x1) / 2, (y0 + y1) / 2), ((x0 + x1) / 2, y1), (x0, y1), (x0, y0)]
        else:
            ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        rings = [ring]
        hx, hy = w[i] / 6, h[i] / 6
        if i % 50 == 1:  # a hole in the middle
            rings.append([(cx[i] - hx, cy[i] - hy), (cx[i] - hx, cy[i] + hy), (cx[i] + hx, cy[i] + hy), (cx[i] + hx, cy[i] - hy), (cx[i] - hx, cy[i] - hy)])
        coords = []
        for r in rings:
            xs, ys = to_wgs.transform([p[0] for p in r], [p[1] for p in r])
            coords.append([[x, y] for x, y in zip(xs, ys)])
        area = w[i] * h[i] * (0.75 if i % 10 == 0 else 1.0) - (4 * hx * hy if i % 50 == 1 else 0.0)
        if i % 100 == 7:  # one in a hundred declares 5 % too much
            area *= 1.05
        features.append({
            "type": "Feature",
            "id": f"Z{i:06d}",
            "properties": {"declared_area_ha": round(float(area / 1e4), 4)},
            "geometry": {"type": "Polygon", "coordinates": coords},
        })
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20211231)
    a = ap.parse_args()
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(generate(a.n, a.seed), f)
