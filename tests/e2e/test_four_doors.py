"""One file of zones with only a code, a kind and a name, through the four
doors into the registry: `zoning check`, `POST /validate`, `POST
/collections/zones/items` one by one, and `zoning import`. Every door must
find the same things (an overlap, a bow-tie overlapping a valid zone, a zone
partly outside the province, an area mismatch), and the import must record the
same defaults a POST gives.

The zones are drawn as squares in the EPSG:9214 grid, written as WGS84 with
pyproj, and placed (checked with shapely) where no shipped zone is near, so
that a server loaded with the shipped data adds no finding of its own."""

import json

import pytest
import shapely
from conftest import ROOT, run, run_json, outline_wgs84
from fixtures import GRID, reproject, write_geojson
from service import Server, add_user
from shapely import box
from shapely.geometry import Polygon, shape

# about lon 106.214, lat 21.295: inside Bắc Giang, over 1 km from any shipped zone
E0, N0 = 418_302.0, 2_355_878.0
# about lon 106.05, lat 21.15 (EPSG:9214): in the former Bắc Ninh, 1.7 km from any shipped zone
BN0 = (401_139.0, 2_339_856.0)


def province_grid():
    # the province since 2025, dissolved from its communes (as the service uses it)
    return reproject(outline_wgs84(), "EPSG:4326", GRID)


def shipped_grid():
    fc = json.loads((ROOT / "data/zones.geojson").read_text(encoding="utf-8"))
    return shapely.unary_union([reproject(shape(f["geometry"]), "EPSG:4326", GRID) for f in fc["features"]])


def b(x0, y0, x1, y1):
    return box(E0 + x0, N0 + y0, E0 + x1, N0 + y1)


def edge_place(province, shipped):
    """A vertex of the province boundary, nearest to the cluster, with no
    shipped zone within 3 km: a square there is partly outside."""
    here = shapely.Point(E0, N0)
    best = None
    for x, y in province.exterior.coords:
        pt = shapely.Point(x, y)
        if pt.distance(shipped) < 3_000:
            continue
        d = pt.distance(here)
        if best is None or d < best[0]:
            best = (d, x, y)
    assert best, "no stretch of the province boundary far from the shipped zones"
    return best[1], best[2]


@pytest.fixture(scope="module")
def zones():
    province, shipped = province_grid(), shipped_grid()
    ex, ey = edge_place(province, shipped)
    zs = [
        ("CCN-CUA-A", b(0, 0, 200, 200), {"kind": "CCN", "name": "Cụm công nghiệp Cửa A", "declared_area_ha": 4.0}),
        ("CCN-CUA-B", b(150, 50, 350, 250), {"kind": "CCN", "name": "Cụm công nghiệp Cửa B"}),
        ("KCN-CUA-NO", Polygon([(E0 + 500, N0), (E0 + 700, N0 + 200), (E0 + 700, N0), (E0 + 500, N0 + 200)]),
         # a bow-tie; its declared area is given (the two triangles' 2 ha): see
         # test_a_bowtie_without_a_declared_area_is_checked_not_refused
         {"kind": "KCN", "name": "Khu công nghiệp Cửa Nơ", "declared_area_ha": 2.0}),
        ("CCN-CUA-C", b(650, 50, 800, 150), {"kind": "CCN", "name": "Cụm công nghiệp Cửa C"}),
        ("CCN-CUA-LECH", b(1000, 0, 1100, 100), {"kind": "CCN", "name": "Cụm công nghiệp Cửa Lệch", "declared_area_ha": 1.5}),
        ("KCN-CUA-BIEN", box(ex - 150, ey - 150, ex + 150, ey + 150), {"kind": "KCN", "name": "Khu công nghiệp Cửa Biên"}),
        # in the former Bắc Ninh: its grid is EPSG:9209, where its area is measured
        ("KCN-CUA-BN", box(*BN0, BN0[0] + 200, BN0[1] + 200), {"kind": "KCN", "name": "Khu công nghiệp Cửa Bắc Ninh", "declared_area_ha": 4.2}),
    ]
    # the premises of the test, checked with GEOS
    for code, g, _ in zs:
        assert g.distance(shipped) > 500, f"{code} is near a shipped zone"
    assert 0 < b(0, 0, 200, 200).intersection(b(150, 50, 350, 250)).area
    assert not zs[2][1].is_valid
    assert all(province.contains(g) for _, g, _ in zs[:5])
    assert zs[5][1].difference(province).area > 1_000
    assert zs[5][1].intersection(province).area > 1_000
    return zs


@pytest.fixture(scope="module")
def geojson(zones, tmp_path_factory):
    path = tmp_path_factory.mktemp("doors") / "zones.geojson"
    write_geojson(path, zones)
    fc = json.loads(path.read_text(encoding="utf-8"))
    for f in fc["features"]:  # only what the brief allows: code, kind, name (+ declared area)
        assert set(f["properties"]) <= {"code", "kind", "name", "declared_area_ha"}
    return path


def key(f):
    area = f.get("area_m2")
    return (f["rule"], tuple(sorted(f["codes"])), None if area is None else round(area, 2), bool(f.get("approximate", False)))


def keys(findings):
    return {key(f) for f in findings}


def features(path):
    return json.loads(path.read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def door_check(geojson):
    return run_json("check", geojson)["findings"]


@pytest.fixture(scope="module")
def door_validate(geojson, tmp_path_factory):
    db = tmp_path_factory.mktemp("validate") / "registry.db"
    s = Server(db).start()
    try:
        status, _, body = s.request("POST", "/validate", json.loads(geojson.read_text(encoding="utf-8")))
        assert status == 200, body
        return json.loads(body)["findings"]
    finally:
        s.stop()


@pytest.fixture(scope="module")
def door_post(geojson, tmp_path_factory):
    db = tmp_path_factory.mktemp("post") / "registry.db"
    token = add_user(db, "cua-planner", "planner")
    s = Server(db).start()
    answers = {}
    try:
        for f in features(geojson):
            status, headers, body = s.request("POST", "/collections/zones/items", f, token=token)
            assert status == 201, (f["properties"]["code"], status, body)
            answers[f["properties"]["code"]] = json.loads(body)
        return answers
    finally:
        s.stop()


@pytest.fixture(scope="module")
def door_import(geojson, tmp_path_factory):
    db = tmp_path_factory.mktemp("import") / "fresh.db"
    run("import", "--db", db, geojson)
    token = add_user(db, "cua-reader", "planner")
    s = Server(db).start()
    history, items = {}, {}
    try:
        for f in features(geojson):
            code = f["properties"]["code"]
            status, _, body = s.request("GET", f"/collections/zones/items/{code}/history", token=token)
            assert status == 200, (code, status, body)
            history[code] = json.loads(body)["versions"]
            status, _, body = s.request("GET", f"/collections/zones/items/{code}", token=token)
            assert status == 200, (code, status, body)
            items[code] = json.loads(body)
        return history, items
    finally:
        s.stop()


def test_check_finds_what_was_built(door_check):
    got = keys(door_check)
    rules = {(r, c, a) for r, c, _, a in got}
    assert ("overlap", ("CCN-CUA-A", "CCN-CUA-B"), False) in rules
    assert ("invalid-geometry", ("KCN-CUA-NO",), False) in rules
    assert ("overlap", ("CCN-CUA-C", "KCN-CUA-NO"), True) in rules, "the bow-tie's overlap, on its repaired copy"
    assert ("outside-boundary", ("KCN-CUA-BIEN",), False) in rules
    assert ("area-mismatch", ("CCN-CUA-LECH",), False) in rules
    # the zone of the former Bắc Ninh: its area in EPSG:9209 (pyproj + GEOS), not the plane's
    bn = reproject(box(*BN0, BN0[0] + 200, BN0[1] + 200), GRID, "EPSG:9209").area
    [mismatch] = [f for f in door_check if f["rule"] == "area-mismatch" and f["codes"] == ["KCN-CUA-BN"]]
    assert abs(mismatch["area_m2"] - abs(bn - 42_000)) < 1e-3, (mismatch, bn)
    assert "EPSG:9209" in mismatch["reason"]
    assert {c for _, c, _ in rules} <= {("CCN-CUA-A", "CCN-CUA-B"), ("KCN-CUA-NO",), ("CCN-CUA-C", "KCN-CUA-NO"),
                                        ("KCN-CUA-BIEN",), ("CCN-CUA-LECH",), ("KCN-CUA-BN",)}, got


def test_validate_finds_the_same(door_check, door_validate):
    assert keys(door_validate) == keys(door_check)


def test_posting_one_by_one_finds_the_same(door_check, door_post):
    union = set()
    for answer in door_post.values():
        union |= keys(answer["findings"])
    assert union == keys(door_check)


def test_import_stores_the_same_findings(door_check, door_import):
    history, _ = door_import
    stored = set()
    for code, versions in history.items():
        assert len(versions) == 1, (code, versions)
        v = versions[0]
        assert v["status"] == "approved"
        assert all(code in f["codes"] for f in v["findings"]), (code, v["findings"])
        stored |= keys(v["findings"])
    assert stored == keys(door_check)


MANAGED = {"status", "version", "version_id", "recorded_at", "recorded_by", "decision", "change_reason"}


def test_import_records_the_defaults_a_post_gives(geojson, door_post, door_import):
    _, items = door_import
    for f in features(geojson):
        code = f["properties"]["code"]
        posted = door_post[code]["properties"]
        imported = items[code]["properties"]
        for k in ("plan_action", "geometry_source", "area_basis", "declared_area_ha", "kind", "name_vi"):
            assert imported.get(k) == posted.get(k), (code, k, imported.get(k), posted.get(k))
        assert {k: v for k, v in imported.items() if k not in MANAGED} == \
               {k: v for k, v in posted.items() if k not in MANAGED}, code
        # the documented defaults
        assert posted["plan_action"] == "new" and posted["geometry_source"] == "digitised", code
        if "declared_area_ha" in f["properties"]:
            assert posted["declared_area_ha"] == f["properties"]["declared_area_ha"]
            assert posted.get("area_basis") != "derived", code
        else:
            assert posted["area_basis"] == "derived", code
            assert abs(posted["declared_area_ha"] - posted["grid_area_ha"]) <= 0.5e-4 + 1e-12, code
            assert any("declared_area_ha" in n for n in door_post[code].get("notes", [])), code
        assert imported["status"] == "approved" and posted["status"] == "draft"


# A bow-tie's ring has a shoelace area of 0 (its loops cancel): without a
# declared area, the intake measures its repaired copy instead, so it is taken
# and checked like any other zone.
def test_a_bowtie_without_a_declared_area_is_checked_not_refused(zones, door_check, tmp_path):
    bowtie = [z for z in zones if z[0] in ("KCN-CUA-NO", "CCN-CUA-C")]
    bowtie = [(c, g, {k: v for k, v in p.items() if k != "declared_area_ha"}) for c, g, p in bowtie]
    path = tmp_path / "bowtie.geojson"
    write_geojson(path, bowtie)
    want = {k for k in keys(door_check) if set(k[1]) <= {"KCN-CUA-NO", "CCN-CUA-C"}}
    assert keys(run_json("check", path)["findings"]) == want
    db = tmp_path / "registry.db"
    token = add_user(db, "no-planner", "planner")
    s = Server(db).start()
    try:
        status, _, body = s.request("POST", "/validate", json.loads(path.read_text(encoding="utf-8")))
        got_validate = keys(json.loads(body)["findings"])
        posted = set()
        for f in features(path):
            status, _, body = s.request("POST", "/collections/zones/items", f, token=token)
            assert status == 201, (f["properties"]["code"], status, body)
            posted |= keys(json.loads(body)["findings"])
    finally:
        s.stop()
    assert got_validate == want
    assert posted == want
    run("import", "--db", tmp_path / "fresh.db", path)
