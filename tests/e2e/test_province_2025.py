"""The province as it is since 1 July 2025 (issue 12): zones of both former
provinces, given in either legal grid, placed in the 2025 communes; checked
against shapely's overlay on the shipped communes and pyproj's areas in each
grid (EPSG:9214 for the former Bắc Giang, EPSG:9209 for the former Bắc Ninh)."""

import json
import subprocess
import urllib.parse

import pytest
import shapely
import shapely.affinity
from pyproj import Transformer
from shapely.geometry import mapping, shape

from conftest import COMMUNES_FILE, FORMER_BAC_GIANG_FILE, outline_wgs84, run, run_json
from fixtures import reproject
from service import Server

BG, BN = "EPSG:9214", "EPSG:9209"


def get(srv, path):
    code, _, body = srv.request("GET", path)
    assert code == 200, (path, code, body[:300])
    return body


def to(crs_from, crs_to):
    return lambda g: reproject(g, crs_from, crs_to)


@pytest.fixture(scope="module")
def communes():
    fc = json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: (f["properties"], shape(f["geometry"])) for f in fc["features"]}


def overlay(zone_wgs84, communes, grid):
    """shapely's shares of a zone's area in each commune, in its grid."""
    z = to("EPSG:4326", grid)(zone_wgs84)
    out = {}
    for code, (_, c) in communes.items():
        if not c.intersects(zone_wgs84):
            continue
        share = z.intersection(to("EPSG:4326", grid)(c)).area / z.area
        if share >= 1e-4:
            out[code] = share
    return out


def square_at(lon, lat, grid, side=400.0):
    """A square of `side` metres in `grid`, centred at (lon, lat)."""
    e, n = Transformer.from_crs("EPSG:4326", grid, always_xy=True).transform(lon, lat)
    return shapely.box(e - side / 2, n - side / 2, e + side / 2, n + side / 2)


# (code, lon, lat, grid, former province): one zone wholly in a commune of each
# former province, one astride a commune line, each given in its own grid
PLACES = [
    ("KCN-BG-TEST", 106.214, 21.295, BG, "Bắc Giang"),
    ("KCN-BN-TEST", 106.05, 21.15, BN, "Bắc Ninh"),
]


def commune_line_point(communes, province):
    """A vertex of a commune's edge inside the former Bắc Ninh, far from the
    province's outline: a square there straddles two communes."""
    for code, (p, c) in sorted(communes.items()):
        if p["oldProvince"] != ["Tỉnh Bắc Ninh"]:
            continue
        ring = max(getattr(c, "geoms", [c]), key=lambda g: g.area).exterior
        for x, y in list(ring.coords)[::50]:
            pt = shapely.Point(x, y)
            if province.exterior.distance(pt) > 0.02:
                return x, y
    raise AssertionError("no inner commune line found")


@pytest.fixture(scope="module")
def imported(tmp_path_factory, communes):
    """Zones of both former provinces imported from a GeoJSON in EPSG:9214 and a
    shapefile in EPSG:9209 (written by ogr2ogr, with its .prj), then served."""
    tmp = tmp_path_factory.mktemp("p2025")
    lon, lat = commune_line_point(communes, outline_wgs84())
    zones = PLACES + [("CCN-BN-LINE", lon, lat, BN, "Bắc Ninh")]
    by_grid = {}
    for code, lo, la, grid, _ in zones:
        by_grid.setdefault(grid, []).append((code, square_at(lo, la, grid)))
    files = []
    for grid, items in by_grid.items():
        src = tmp / f"{grid[5:]}.geojson"
        src.write_text(json.dumps({
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{grid[5:]}"}},
            "features": [{"type": "Feature", "properties": {"code": c, "kind": c[:3], "name": f"Khu thử {c}"},
                          "geometry": mapping(g)} for c, g in items]}), encoding="utf-8")
        if grid == BN:
            shp = tmp / "bn.shp"
            subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-a_srs", grid, "-lco", "ENCODING=UTF-8",
                            str(shp), str(src)], check=True, capture_output=True, timeout=60)
            files.append(shp)
        else:
            files.append(src)
    db = tmp / "r.db"
    out = run("import", "--db", str(db), *map(str, files))
    srv = Server(db).start()
    try:
        served = json.loads(get(srv, "/collections/zones/items?limit=1000"))
    finally:
        srv.stop()
    return {"zones": zones, "grids": by_grid, "stderr": out.stderr, "served": served, "files": files}


def test_each_zone_gets_its_grid_its_area_there_and_its_communes(imported, communes):
    assert "outside-boundary" not in imported["stderr"], imported["stderr"]
    assert "grid-mismatch" not in imported["stderr"], imported["stderr"]
    served = {f["id"]: f for f in imported["served"]["features"]}
    for code, _, _, grid, former in imported["zones"]:
        p = served[code]["properties"]
        square = dict(imported["grids"][grid])[code]
        assert p["grid_crs"] == grid and p["former_province"] == former, (code, p)
        # the grid area in its own grid: pyproj/shapely of the square as given
        assert abs(p["grid_area_ha"] * 1e4 - square.area) / square.area < 1e-9, (code, p["grid_area_ha"])
        want = overlay(to(grid, "EPSG:4326")(square), communes, grid)
        got = {c["code"]: c["share"] for c in p["communes"]}
        assert set(got) == set(want), (code, got, want)
        for c, s in want.items():
            assert abs(got[c] - s) <= 0.5e-4 + 1e-9, (code, c, got[c], s)
        # largest share first
        shares = [c["share"] for c in p["communes"]]
        assert shares == sorted(shares, reverse=True)
        target = "bac-giang-2021-2030" if former == "Bắc Giang" else "bac-ninh-2021-2030"
        assert p["target_set"] == target
    assert len(served["CCN-BN-LINE"]["properties"]["communes"]) >= 2, "the square astride a commune line"


def test_zoning_area_gives_each_features_grid(imported):
    for f in imported["files"]:
        grid = BN if f.suffix == ".shp" else BG
        for feat in run_json("area", str(f))["features"]:
            square = dict(imported["grids"][grid])[feat["code"]]
            assert feat["grid_crs"] == grid
            assert abs(feat["grid_area_ha"] * 1e4 - square.area) / square.area < 1e-9


def test_commune_filter_is_shapelys_overlay_of_the_shipped_zones(tmp_path, communes):
    srv = Server(tmp_path / "r.db").start()
    try:
        fc = json.loads(get(srv, "/collections/zones/items?limit=1000"))
        zones = {f["id"]: (shape(f["geometry"]), f["properties"]["grid_crs"]) for f in fc["features"]}
        # every commune that has a zone, and two that have none
        want = {}
        for code, (g, grid) in zones.items():
            for c in overlay(g, communes, grid):
                want.setdefault(c, set()).add(code)
        empty = [c for c in sorted(communes) if c not in want][:2]
        for c in sorted(want) + empty:
            got = json.loads(get(srv, f"/collections/zones/items?commune={c}&limit=1000"))
            assert {f["id"] for f in got["features"]} == want.get(c, set()), c
            assert got["numberMatched"] == len(want.get(c, set()))
        # the report by commune counts the same zones
        by = json.loads(get(srv, "/report?by=commune"))["communes"]
        assert len(by) == 99
        kept = {f["id"] for f in fc["features"] if f["properties"]["plan_action"] not in ("merged", "removed")}
        for line in by:
            assert set(line["codes"]) == want.get(line["code"], set()) & kept, line["code"]
            assert line["kcn"] + line["ccn"] == line["zones"] == len(line["codes"])
        # and the province collection has the province and the former Bắc Giang
        prov = json.loads(get(srv, "/collections/province/items"))
        assert [f["id"] for f in prov["features"]] == ["bac-ninh", "bac-giang"]
        assert [f["properties"]["former"] for f in prov["features"]] == [False, True]
    finally:
        srv.stop()


def test_report_by_commune_cli_matches_the_service(communes):
    out = run_json("report", "--by", "commune")
    lines = {l["code"]: l for l in out["communes"]}
    assert len(lines) == 99
    viet_yen = [l for l in lines.values() if any("Việt Yên" in d for d in l["former_districts"])]
    assert viet_yen and sum(l["kcn"] for l in viet_yen) > 0, "the KCN of the former Việt Yên"
    for l in lines.values():
        assert 0 <= l["industry_share"] < 1
        assert abs(l["industry_share"] - (l["kcn_ha"] + l["ccn_ha"]) / l["area_ha"]) < 1e-5


def test_overlap_across_the_old_line_in_each_grid_agrees_with_shapely(tmp_path, communes):
    """Two zones that straddle the old provincial line, one recorded in each
    grid: the overlap's area in each zone's grid is shapely's intersection
    of both taken to that grid."""
    former = outline_wgs84(FORMER_BAC_GIANG_FILE)
    province = outline_wgs84()
    line = former.exterior
    x, y = next((x, y) for x, y in list(line.coords)[::20]
                if province.exterior.distance(shapely.Point(x, y)) > 0.02)
    a = square_at(x, y, BG, side=600)            # in EPSG:9214
    b = shapely.affinity.translate(square_at(x, y, BN, side=600), 250, 150)  # in EPSG:9209
    a_w, b_w = to(BG, "EPSG:4326")(a), to(BN, "EPSG:4326")(b)
    src = tmp_path / "straddle.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "A-9214", "grid_crs": BG}, "geometry": mapping(a_w)},
        {"type": "Feature", "properties": {"code": "B-9209", "grid_crs": BN}, "geometry": mapping(b_w)},
    ]}), encoding="utf-8")
    report = json.loads(run("check", str(src), "--format", "json", check=False).stdout)
    overlaps = [f for f in report["findings"] if f["rule"] == "overlap"]
    assert len(overlaps) == 1, report["findings"]
    by_grid = overlaps[0]["area_m2_by_grid"]
    want = {BG: a.intersection(to(BN, BG)(b)).area, BN: to(BG, BN)(a).intersection(b).area}
    for g, area in want.items():
        assert abs(by_grid[g] - area) / area < 1e-6, (g, by_grid[g], area)
    assert overlaps[0]["area_m2"] == by_grid[BG], "the first zone's grid"
    # near the old line (about 106.2°E, midway between the meridians 105°30′
    # and 107°) the grids' areas differ by about 3e-6, over the 1e-6 bound
    assert abs(by_grid[BG] - by_grid[BN]) / by_grid[BN] > 2e-6, by_grid
    assert not [f for f in report["findings"] if f["rule"] == "outside-boundary"]


def test_a_resolution_zone_outside_the_former_bac_giang_is_outside_scope(tmp_path):
    bn = to(BN, "EPSG:4326")(square_at(106.05, 21.15, BN))
    bg = to(BG, "EPSG:4326")(square_at(106.214, 21.295, BG))
    src = tmp_path / "scope.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "IN-BN", "target_set": "bac-giang-2021-2030"}, "geometry": mapping(bn)},
        {"type": "Feature", "properties": {"code": "IN-BG", "target_set": "bac-giang-2021-2030"}, "geometry": mapping(bg)},
        {"type": "Feature", "properties": {"code": "BN-OWN", "target_set": "bac-ninh-2021-2030",
                                           "grid_crs": BG}, "geometry": mapping(bn)},
    ]}), encoding="utf-8")
    found = {(f["rule"], tuple(f["codes"])): f for f in json.loads(run("check", str(src), "--format", "json", check=False).stdout)["findings"]}
    scope = found[("outside-scope", ("IN-BN",))]
    assert scope["severity"] == "warning" and "former Bắc Giang" in scope["reason"]
    assert abs(scope["area_m2"] - 400 * 400) / (400 * 400) < 0.01
    assert ("outside-scope", ("IN-BG",)) not in found
    assert ("outside-scope", ("BN-OWN",)) not in found
    mismatch = found[("grid-mismatch", ("BN-OWN",))]
    assert "EPSG:9209" in mismatch["reason"]
    assert not [k for k in found if k[0] == "outside-boundary"]


def test_part2_serves_the_former_bac_ninh_grid(tmp_path):
    srv = Server(tmp_path / "r.db").start()
    try:
        uri = "http://www.opengis.net/def/crs/EPSG/0/9209"
        code, headers, body = srv.request("GET", f"/collections/zones/items?limit=3&crs={urllib.parse.quote(uri, safe='')}")
        assert code == 200 and headers.get("content-crs") == f"<{uri}>"
        wgs = json.loads(get(srv, "/collections/zones/items?limit=3"))
        for g9209, gw in zip(json.loads(body)["features"], wgs["features"]):
            want = to("EPSG:4326", BN)(shape(gw["geometry"]))
            got = shape(g9209["geometry"])
            assert got.hausdorff_distance(want) < 1e-3, g9209["id"]
    finally:
        srv.stop()


def marker_table(rows):
    lines = ["Số hiệu mốc;X (m);Y (m)"] + [f"{i};{x:.3f};{y:.3f}".replace(".", ",") for i, x, y in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


@pytest.fixture(scope="module")
def bn_zone(tmp_path_factory):
    """A zone of the former Bắc Ninh as its office sends it: a shapefile in
    EPSG:9209 with its .prj, exactly 300 m × 200 m in that grid."""
    tmp = tmp_path_factory.mktemp("bnmarkers")
    e, n = Transformer.from_crs("EPSG:4326", BN, always_xy=True).transform(106.05, 21.15)
    e, n = round(e), round(n)
    zone = shapely.box(e, n, e + 300, n + 200)
    src = tmp / "bn.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection",
                               "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9209"}},
                               "features": [{"type": "Feature", "properties": {"code": "KCN-BN-M", "kind": "KCN", "name": "Khu thử"},
                                             "geometry": mapping(zone)}]}), encoding="utf-8")
    shp = tmp / "bn.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-a_srs", BN, str(shp), str(src)], check=True, capture_output=True, timeout=60)
    return tmp, shp, zone, (e, n)


def test_markers_of_a_bac_ninh_zone_are_checked_in_its_grid(bn_zone):
    tmp, shp, zone, (e, n) = bn_zone
    # (id, X = northing, Y = easting) in EPSG:9209
    rows = [("M1", n + 0.02, e + 0.03), ("M2", n + 200.0, e + 300.0), ("M3", n + 100.0, e + 300.35)]
    csv_path = tmp / "moc.csv"
    csv_path.write_bytes(marker_table(rows))
    # said to be in EPSG:9209
    r = run_json("markers", "check", "--zones", str(shp), "--markers", str(csv_path), "--crs", BN)
    for (mid, x, y), m in zip(rows, r["markers"]):
        ref = zone.boundary.distance(shapely.Point(y, x))   # shapely in EPSG:9209
        assert m["zone"] == "KCN-BN-M" and m["grid_crs"] == BN
        assert abs(m["distance_m"] - ref) < 1e-6, (mid, m["distance_m"], ref)
        assert abs(m["x"] - x) < 1e-6 and abs(m["y"] - y) < 1e-6, "coordinates in the zone's grid"
    assert [m["status"] for m in r["markers"]] == ["ok", "ok", "out-of-tolerance"]
    unmarked = {(round(v["x"], 3), round(v["y"], 3)) for v in r["unmarked_vertices"]}
    assert unmarked == {(n + 200.0, e), (n, e + 300.0)}, unmarked
    assert not r["warnings"], r["warnings"]
    # the CRS unsaid: read in EPSG:9209, where the markers fall on the zone, and said so
    unsaid = run_json("markers", "check", "--zones", str(shp), "--markers", str(csv_path))
    assert unsaid["crs"] == BN and [m["status"] for m in unsaid["markers"]] == ["ok", "ok", "out-of-tolerance"]
    assert "does not say its CRS" in unsaid["warnings"][0] and BN in unsaid["warnings"][0]
    # said to be in the other grid (150 km away): recognised, read in the right one
    wrong = run_json("markers", "check", "--zones", str(shp), "--markers", str(csv_path), "--crs", BG)
    assert wrong["crs"] == BN and [m["zone"] for m in wrong["markers"]] == ["KCN-BN-M"] * 3
    assert "is said to be in EPSG:9214" in wrong["warnings"][0] and "150 km" in wrong["warnings"][0]


def test_stakeout_of_a_bac_ninh_zone_is_in_its_grid(bn_zone):
    _, shp, zone, (e, n) = bn_zone
    out = run_json("markers", "stakeout", "--zones", str(shp), "--max-spacing-m", "100")
    assert out["crs"] == BN
    corners = {(p["x"], p["y"]) for p in out["points"] if p["kind"] == "corner"}
    assert corners == {(n, e), (n, e + 300.0), (n + 200.0, e + 300.0), (n + 200.0, e)}, corners
    back = Transformer.from_crs(BN, "EPSG:4326", always_xy=True)
    for p in out["points"]:
        assert p["grid_crs"] == BN
        # intermediate points straight in EPSG:9209, on the zone's edges
        assert zone.boundary.distance(shapely.Point(p["y"], p["x"])) < 1e-6
        lon, lat = back.transform(p["y"], p["x"])
        assert abs(lon - p["lon"]) < 1e-8 and abs(lat - p["lat"]) < 1e-8
    assert len(out["points"]) == 4 + 2 * 2 + 2 * 1


def test_upload_and_stakeout_of_a_bac_ninh_zone_over_http(tmp_path):
    """The service's answers for a zone of the former Bắc Ninh: the upload's
    markers at their place in WGS84 (not 150 km east), and a stake-out that
    cannot be asked for millions of points."""
    from service import add_user
    db = tmp_path / "r.db"
    token = add_user(db, "hoa", "surveyor")
    srv = Server(db).start()
    try:
        fc = json.loads(get(srv, "/collections/zones/items?grid_crs=EPSG:9209&limit=1&crs="
                            + urllib.parse.quote("http://www.opengis.net/def/crs/EPSG/0/9209", safe="")))
        zone = fc["features"][0]
        e, n = zone["geometry"]["coordinates"][0][0][0]
        table = marker_table([("M1", n, e)])
        code, _, body = srv.request("POST", "/markers/upload", table, token=token,
                                    headers={"Content-Type": "text/csv"})
        assert code == 200, body
        r = json.loads(body)
        m = r["markers"][0]
        assert m["zone"] == zone["id"] and m["grid_crs"] == BN and m["status"] == "ok", m
        lon, lat = Transformer.from_crs(BN, "EPSG:4326", always_xy=True).transform(e, n)
        assert abs(m["lon"] - lon) < 1e-7 and abs(m["lat"] - lat) < 1e-7, (m, lon, lat)
        assert r["crs"] == BN and "does not say its CRS" in r["warnings"][0]
        # a stake-out may not be asked for a point every nanometre
        code, _, body = srv.request("GET", f"/collections/zones/items/{zone['id']}/stakeout?max_spacing_m=1e-9")
        assert code == 400 and b"at least" in body, body
        code, _, body = srv.request("GET", f"/collections/zones/items/{zone['id']}/stakeout?max_spacing_m=1&f=json")
        assert code == 200 and len(json.loads(body)["points"]) > 100
    finally:
        srv.stop()
