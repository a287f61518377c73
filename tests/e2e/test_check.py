"""`zoning check` against GEOS (shapely 2) on the same coordinates: validity
reasons, overlapping pairs and their areas, slivers, containment, the province
boundary, duplicate codes and area mismatches."""

import json

import pytest
import shapely
from conftest import ROOT, run, run_json, outline_wgs84
from fixtures import GRID, reproject, write_geojson, write_shapefile
from shapely import box
from shapely.geometry import Polygon, shape
from shapely.validation import explain_validity

E0, N0 = 416_000.0, 2_356_000.0  # near TP. Bắc Giang, inside the province
SLIVER_M2 = 1.0


def b(x0, y0, x1, y1):
    return box(E0 + x0, N0 + y0, E0 + x1, N0 + y1)


def poly(*rings):
    shell, *holes = [[(E0 + x, N0 + y) for x, y in r] for r in rings]
    return Polygon(shell, holes)


def province_grid():
    # the province since 2025, dissolved from its communes (as the service uses it)
    return reproject(outline_wgs84(), "EPSG:4326", GRID)


def valid_zones():
    p = province_grid()
    vx, vy = list(p.exterior.coords)[400]
    return [
        ("A", b(0, 0, 100, 100), {"declared_area_ha": 1.0}),
        ("B-SHARES-EDGE", b(100, 0, 200, 100), {}),
        ("C-CORNER", b(-100, -100, 0, 0), {}),
        ("D-OUTER", b(300, 0, 500, 200), {}),
        ("E-INSIDE-D", b(350, 50, 400, 100), {}),
        ("F", b(600, 0, 700, 100), {}),
        ("G-SLIVER", b(699.9995, 0, 800, 100), {}),  # 0.0005 m × 100 m = 0.05 m²
        ("H-HOLE", poly([(1000, 0), (1200, 0), (1200, 200), (1000, 200)], [(1050, 50), (1150, 50), (1150, 150), (1050, 150)]), {}),
        ("I-IN-HOLE", b(1075, 75, 1125, 125), {}),
        ("J-OVER-HOLE-EDGE", b(1100, 100, 1300, 300), {}),
        ("K-MULTI", shapely.MultiPolygon([b(1400, 0, 1450, 50), b(1500, 0, 1550, 50)]), {}),
        ("L", b(1540, 0, 1600, 50), {}),
        ("N-KCN", b(1800, 0, 2000, 200), {}),
        ("M-MERGED", b(1850, 50, 1900, 100), {"merged_into": "N-KCN"}),
        ("Q-KCN", b(2200, 0, 2300, 100), {}),
        ("P-MERGED-OUT", b(2280, 40, 2320, 60), {"merged_into": "Q-KCN"}),
        ("S", b(2500, 0, 2600, 100), {}),
        ("R-EXPANSION", b(2590, 0, 2700, 100), {"expansion_of": "S"}),
        ("DUP", b(2900, 0, 2950, 50), {}),
        ("DUP", b(3000, 0, 3050, 50), {}),
        ("U-MISMATCH", b(3200, 0, 3300, 100), {"declared_area_ha": 1.5}),
        ("U-OK", b(3400, 0, 3500, 100), {"declared_area_ha": 1.005}),
        ("V-FAR", box(620_000, N0, 620_100, N0 + 100), {}),
        ("W-STRADDLES", box(vx - 100, vy - 100, vx + 100, vy + 100), {}),
    ]


def invalid_zones():
    return [
        ("X-BOWTIE", poly([(4000, 0), (4100, 100), (4100, 0), (4000, 100)]), {}),
        ("Y-HOLE-OUTSIDE", poly([(4200, 0), (4300, 0), (4300, 100), (4200, 100)], [(4400, 0), (4410, 0), (4410, 10), (4400, 10)]), {}),
        ("Z-SELF-TOUCH", poly([(4500, 0), (4600, 0), (4600, 100), (4550, 0), (4500, 100)]), {}),
        ("Z2-NESTED", shapely.MultiPolygon([b(4700, 0, 4800, 100), b(4720, 20, 4730, 30)]), {}),
    ]


# the TM-3 and UTM zones of VN-2000 a grid file may have been written in
OTHER_GRIDS = [f"EPSG:{c}" for c in (*range(9205, 9219), 3405, 3406) if c != 9214]


def right_elsewhere(g, province):
    """Whether a zone's EPSG:9214 coordinates, read in another VN-2000 grid
    (PROJ, through pyproj), put its centre inside the province."""
    from pyproj import Transformer
    from shapely.geometry import Point

    c = g.centroid
    for crs in OTHER_GRIDS:
        x, y = Transformer.from_crs(crs, GRID, always_xy=True).transform(c.x, c.y)
        if province.contains(Point(x, y)):
            return True
    return False


def expected(zones, province, projected=False):
    """What GEOS says, in the shape of `zoning check --format json`."""
    out = []
    valid = []
    for code, g, props in zones:
        reason = explain_validity(g)
        if reason != "Valid Geometry":
            out.append(("invalid-geometry", (code,), None, reason.split("[")[0]))
        else:
            valid.append((code, g, props))
    codes = [c for c, _, _ in zones]
    for c in sorted({c for c in codes if codes.count(c) > 1}):
        out.append(("duplicate-code", (c,), None, None))
    expected_overlaps = []
    by_code = {c: g for c, g, _ in valid}
    for i, (ca, ga, pa) in enumerate(valid):
        for cb, gb, pb in valid[i + 1:]:
            area = ga.intersection(gb).area
            if area == 0:
                continue
            if pa.get("merged_into") == cb or pb.get("merged_into") == ca:
                expected_overlaps.append((frozenset((ca, cb)), area))
            else:
                out.append(("sliver" if area < SLIVER_M2 else "overlap", (ca, cb), area, None))
    for c, g, p in valid:
        host = p.get("merged_into")
        if host in by_code:
            outside = g.difference(by_code[host]).area
            if outside >= SLIVER_M2:
                out.append(("merged-not-inside", (c, host), outside, None))
        outside = g.difference(province).area
        if outside >= SLIVER_M2:
            out.append(("outside-boundary", (c,), outside, None))
            # wholly outside, from a file in a grid: right in another grid?
            if projected and outside >= 0.99 * g.area and right_elsewhere(g, province):
                out.append(("suspected-wrong-meridian", (c,), None, None))
        declared = p.get("declared_area_ha")
        if declared and abs(g.area / 1e4 - declared) / declared > 0.01:
            out.append(("area-mismatch", (c,), abs(g.area - declared * 1e4), None))
    return out, expected_overlaps


def close(a, b):
    return abs(a - b) <= 1e-3 + 1e-6 * abs(b)


def compare(report, zones, province, projected=False):
    want, want_expected = expected(zones, province, projected)
    got = report["findings"]
    for f in got:
        assert f["severity"] == ("warning" if f["rule"] in ("sliver", "area-mismatch") else "error"), f
        if f["location"] is not None:
            lon, lat = f["location"]
            assert 105 < lon < 109 and 20 < lat < 23, f
    # invalid geometry: our first reason for a zone is GEOS's reason
    for rule, codes, _, reason in [w for w in want if w[0] == "invalid-geometry"]:
        mine = [f for f in got if f["rule"] == rule and f["codes"] == list(codes)]
        assert mine, f"{codes}: GEOS says {reason}, zoning found nothing"
        assert mine[0]["reason"].startswith(reason), (mine[0]["reason"], reason)
    got_keys = sorted((f["rule"], tuple(sorted(f["codes"]))) for f in got if f["rule"] != "invalid-geometry")
    want_keys = sorted((w[0], tuple(sorted(w[1]))) for w in want if w[0] != "invalid-geometry")
    assert got_keys == want_keys
    for rule, codes, area, _ in want:
        if area is None:
            continue
        mine = [f for f in got if f["rule"] == rule and sorted(f["codes"]) == sorted(codes)]
        assert close(mine[0]["area_m2"], area), (rule, codes, mine[0]["area_m2"], area)
    got_expected = {frozenset(e["codes"]): e["area_m2"] for e in report["expected_overlaps"]}
    assert set(got_expected) == {k for k, _ in want_expected}
    for k, area in want_expected:
        assert close(got_expected[k], area), (k, got_expected[k], area)


def test_geojson_against_geos(tmp_path):
    zones = valid_zones() + invalid_zones()
    path = tmp_path / "zones.geojson"
    write_geojson(path, zones)
    # GEOS sees the same WGS84 coordinates, brought to the grid by PROJ (pyproj)
    fc = json.loads(path.read_text(encoding="utf-8"))
    seen = [(c, reproject(shape(f["geometry"]), "EPSG:4326", GRID), p)
            for (c, _, p), f in zip(zones, fc["features"])]
    report = run_json("check", path)
    compare(report, seen, province_grid())
    sliver = [f for f in report["findings"] if f["rule"] == "sliver"][0]
    assert 0.04 < sliver["area_m2"] < 0.06


def test_shapefile_in_the_grid_against_geos(tmp_path):
    zones = valid_zones()
    path = tmp_path / "zones.shp"
    write_shapefile(path, zones)
    # V-FAR, 204 km east, is where its coordinates would put a zone written in
    # another TM-3 zone of VN-2000 (pyproj says which):
    # suspected-wrong-meridian as well as outside-boundary
    compare(run_json("check", path), zones, province_grid(), projected=True)


def test_unreadable_features_are_findings(tmp_path):
    path = tmp_path / "z.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "NULL-GEOM"}, "geometry": None},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[106.2, 21.3], [106.21, 21.3], [106.21, 21.31], [106.2, 21.3]]]}},
        {"type": "Feature", "properties": {"code": "OPEN"}, "geometry": {"type": "Polygon", "coordinates": [[[106.2, 21.3], [106.21, 21.3], [106.21, 21.31], [106.2, 21.31]]]}},
    ]}), encoding="utf-8")
    findings = run_json("check", path)["findings"]
    rules = {(f["rule"], tuple(f["codes"])) for f in findings}
    assert ("invalid-geometry", ("NULL-GEOM",)) in rules
    assert ("invalid-geometry", ("OPEN",)) in rules
    assert ("missing-code", ()) in rules
    assert any("not closed" in f["reason"] for f in findings)


def test_shipped_data_has_no_findings_and_six_expected_overlaps():
    report = run_json("check", ROOT / "data" / "zones.geojson")
    assert report["findings"] == []
    assert len(report["expected_overlaps"]) == 6


def test_table_groups_by_zone_most_severe_first(tmp_path):
    path = tmp_path / "zones.geojson"
    write_geojson(path, valid_zones())
    out = run("check", path).stdout
    assert "lỗi / errors" in out and "LỖI / error" in out and "cảnh báo / warning" in out
    # the zones with errors come before the zone with only a sliver warning
    assert "\nA\n" not in out and "\nB-SHARES-EDGE\n" not in out, "zones without findings are not listed"
    assert out.index("\nF\n") > out.index("\nD-OUTER\n")
    assert out.index("\nU-MISMATCH\n") > out.index("\nS\n")


@pytest.mark.parametrize("flag,value,rule", [("--sliver-m2", "0.01", "overlap"), ("--area-tolerance-pct", "60", None)])
def test_thresholds_are_configurable(tmp_path, flag, value, rule):
    path = tmp_path / "zones.geojson"
    write_geojson(path, [z for z in valid_zones() if z[0] in ("F", "G-SLIVER", "U-MISMATCH")])
    findings = run_json("check", path, flag, value)["findings"]
    rules = sorted(f["rule"] for f in findings)
    if rule == "overlap":
        assert "overlap" in rules and "sliver" not in rules
    else:
        assert "area-mismatch" not in rules
