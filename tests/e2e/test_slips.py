"""The slips of issue 13, made with PROJ (pyproj) the way an office makes them,
and found by `zoning check`, by a write over HTTP and by `zoning markers check`:
`suspected-datum-shift` (VN-2000 latitude/longitude labelled WGS84, the "nội
bộ" conversion) with the offset PROJ gives at that place, within 5 m;
`suspected-wrong-meridian` (grid coordinates of one TM-3 zone said to be in
another); `suspected-swapped-axes` (lat/lon exchanged in GeoJSON)."""

import json
import math

import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

from conftest import ROOT, run, run_json
from fixtures import write_shapefile
from service import Server, add_user

ZONES = ROOT / "data" / "zones.geojson"
CODE = "KCN-DINH-TRAM"

to_grid = Transformer.from_crs("EPSG:4326", "EPSG:9214", always_xy=True)
grid_to_vn2000 = Transformer.from_crs("EPSG:9214", "EPSG:4756", always_xy=True)


def shipped(code=CODE):
    features = json.loads(ZONES.read_text(encoding="utf-8"))["features"]
    return next(f for f in features if f["id"] == code)


def in_grid(geom_wgs84):
    return shapely.transform(geom_wgs84, lambda xy: list(zip(*to_grid.transform(xy[:, 0], xy[:, 1]))))


def noi_bo(geom_grid):
    """The grid converted to latitude/longitude by the projection alone (VN-2000
    geographic, EPSG:4756), then used as WGS84."""
    return shapely.transform(geom_grid, lambda xy: list(zip(*grid_to_vn2000.transform(xy[:, 0], xy[:, 1]))))


def proj_offset(geom_grid):
    """PROJ's offset at the zone's centre: where its VN-2000 lat/lon land when
    read as WGS84, from where they belong (m)."""
    c = geom_grid.centroid
    lon, lat = grid_to_vn2000.transform(c.x, c.y)
    e, n = to_grid.transform(lon, lat)
    return math.hypot(e - c.x, n - c.y)


def slipped_feature(code=CODE):
    f = shipped(code)
    grid = in_grid(shape(f["geometry"]))
    props = {k: v for k, v in f["properties"].items() if k in ("kind", "name_vi", "plan_action")}
    props["code"] = code
    return {"type": "Feature", "properties": props, "geometry": mapping(noi_bo(grid))}, grid


def test_noi_bo_slip_is_found_by_check_against_the_registry(tmp_path):
    feature, grid = slipped_feature()
    path = tmp_path / "slipped.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    report = run_json("check", path, "--against", ZONES)
    found = [f for f in report["findings"] if f["rule"] == "suspected-datum-shift"]
    assert len(found) == 1, report["findings"]
    f = found[0]
    expected = proj_offset(grid)
    assert 200 < expected < 250
    assert abs(f["offset_m"] - expected) < 5, (f, expected)
    assert abs(f["expected_offset_m"] - expected) < 5, (f, expected)
    assert f["slip"] == "vn2000-as-wgs84" and f["crs"] == "EPSG:4756"
    assert f["severity"] == "error" and CODE in f["codes"]
    # toward about 119° in Bắc Giang (the figure): the offset's bearing
    assert 100 < f["bearing_deg"] < 140, f

    # --fix-datum-shift moves it back: no slip and no overlap with itself left
    fixed = run_json("check", path, "--against", ZONES, "--fix-datum-shift")
    assert not [g for g in fixed["findings"] if g["rule"] == "suspected-datum-shift"], fixed["findings"]


def test_the_same_zone_as_recorded_is_no_slip(tmp_path):
    path = tmp_path / "same.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [shipped()]}), encoding="utf-8")
    report = run_json("check", path, "--against", ZONES)
    assert not [f for f in report["findings"] if f["rule"].startswith("suspected-")], report["findings"]


def test_noi_bo_slip_is_found_on_a_write_over_http(tmp_path):
    db = tmp_path / "r.db"
    run("import", ZONES, "--db", db)
    token = add_user(db, "planner", "planner")
    server = Server(db).start()
    try:
        feature, grid = slipped_feature()
        feature["id"] = CODE
        status, headers, _ = server.request("GET", f"/collections/zones/items/{CODE}")
        assert status == 200
        status, _, body = server.request("PUT", f"/collections/zones/items/{CODE}", body=feature, token=token,
                                         headers={"If-Match": headers["etag"]})
        assert status in (200, 201), body
        answer = json.loads(body)
        found = [f for f in answer["findings"] if f["rule"] == "suspected-datum-shift"]
        assert len(found) == 1, answer["findings"]
        assert abs(found[0]["offset_m"] - proj_offset(grid)) < 5, found
    finally:
        server.stop()


def write_markers(path, points, header="Số hiệu mốc,X (m),Y (m)"):
    lines = [header] + [f"M{i + 1},{x:.9f},{y:.9f}" for i, (x, y) in enumerate(points)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def corners(geom):
    poly = max(getattr(geom, "geoms", [geom]), key=lambda p: p.area)
    return list(poly.exterior.coords)[:-1]


def test_noi_bo_slip_in_a_marker_file(tmp_path):
    _, grid = slipped_feature()
    # the corners' VN-2000 latitude/longitude, written as WGS84 (X = latitude)
    points = []
    for e, n in corners(grid):
        lon, lat = grid_to_vn2000.transform(e, n)
        points.append((lat, lon))
    path = tmp_path / "moc.csv"
    write_markers(path, points)
    report = run_json("markers", "check", "--zones", ZONES, "--markers", path, "--crs", "EPSG:4326")
    found = [f for f in report["findings"] if f["rule"] == "suspected-datum-shift"]
    assert len(found) == 1, report["findings"]
    assert abs(found[0]["offset_m"] - proj_offset(grid)) < 5, found
    assert CODE in found[0]["codes"]
    assert all(m["status"] != "ok" for m in report["markers"])
    # without --crs the degrees are named as such, row by row
    unsaid = run_json("markers", "check", "--zones", ZONES, "--markers", path)
    assert unsaid["rejected_rows"] and all("latitude and longitude" in r["reason"] for r in unsaid["rejected_rows"])
    # uploaded, the slipped markers are reported and not recorded
    db = tmp_path / "r.db"
    run("import", ZONES, "--db", db)
    token = add_user(db, "surveyor", "surveyor")
    server = Server(db).start()
    try:
        status, _, body = server.request("POST", "/markers/upload?crs=EPSG:4326", body=path.read_bytes(), token=token,
                                         headers={"Content-Type": "text/csv"})
        assert status == 200, body
        answer = json.loads(body)
        assert answer["batch"] is None and any("nothing was recorded" in w for w in answer["warnings"]), answer
        assert [f for f in answer["findings"] if f["rule"] == "suspected-datum-shift"]
        status, _, body = server.request("POST", "/markers/upload?crs=EPSG:4326&fix_datum_shift=true",
                                         body=path.read_bytes(), token=token, headers={"Content-Type": "text/csv"})
        answer = json.loads(body)
        assert status == 200 and answer["batch"] is not None, body
        assert {m["status"] for m in answer["markers"]} == {"ok"}
    finally:
        server.stop()
    fixed = run_json("markers", "check", "--zones", ZONES, "--markers", path, "--crs", "EPSG:4326",
                     "--fix-datum-shift")
    assert {m["status"] for m in fixed["markers"]} == {"ok"}, fixed["markers"]
    assert any("--fix-datum-shift" in w for w in fixed["warnings"])


def test_a_file_in_the_wrong_grid_is_named(tmp_path):
    # the zone's EPSG:9214 coordinates in a shapefile whose .prj says EPSG:9209
    _, grid = slipped_feature()
    shp = tmp_path / "wrong.shp"
    write_shapefile(shp, [(CODE, grid, {"name": "Đình Trám"})], crs="EPSG:9214")
    shp.with_suffix(".prj").write_text(
        __import__("pyproj").CRS.from_epsg(9209).to_wkt("WKT1_ESRI"), encoding="ascii")
    report = run_json("check", shp)
    found = [f for f in report["findings"] if f["rule"] == "suspected-wrong-meridian"]
    assert len(found) == 1, report["findings"]
    assert found[0]["crs"] == "EPSG:9214"
    assert 100_000 < found[0]["offset_m"] < 200_000

    # markers: the corners in EPSG:9214, said to be EPSG:9209
    path = tmp_path / "moc.csv"
    write_markers(path, [(n, e) for e, n in corners(grid)])
    report = run_json("markers", "check", "--zones", ZONES, "--markers", path, "--crs", "EPSG:9209")
    found = [f for f in report["findings"] if f["rule"] == "suspected-wrong-meridian"]
    assert len(found) == 1, report
    assert found[0]["crs"] == "EPSG:9214" and CODE in found[0]["codes"]


def test_lat_lon_swapped_in_geojson_is_corrected_and_named(tmp_path):
    f = shipped()
    geom = shape(f["geometry"])
    swapped = shapely.transform(geom, lambda xy: xy[:, ::-1])
    feature = {"type": "Feature", "properties": {"code": CODE, "kind": "KCN", "name_vi": "x"},
               "geometry": mapping(swapped)}
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    report = run_json("check", path)
    found = [g for g in report["findings"] if g["rule"] == "suspected-swapped-axes"]
    assert len(found) == 1 and found[0]["severity"] == "warning", report["findings"]
    assert not [g for g in report["findings"] if g["rule"] == "outside-boundary"], report["findings"]
    area = run_json("area", path)
    want = in_grid(geom).area / 10_000
    got = area["features"][0]["grid_area_ha"]
    assert abs(got - want) < 1e-4, (got, want)
