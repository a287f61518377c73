"""QGIS (Debian's python3-qgis, 3.22) as a client of `zoning serve`, through its
OAPIF provider: what a user who adds the service in QGIS's "WFS / OGC API –
Features" dialog gets. QGIS's Python is Debian's, not the venv's, so
qgis_client.py runs under /usr/bin/python3 and prints JSON that these tests
assert on. scripts/setup.sh installs python3-qgis: a missing QGIS fails here,
it is not skipped."""

import json
import os
import subprocess

import pytest
from conftest import COMMUNES_FILE, ROOT
from service import Server

SHIPPED = json.loads((ROOT / "data" / "zones.geojson").read_text(encoding="utf-8"))
QGIS_PYTHON = os.environ.get("QGIS_PYTHON", "/usr/bin/python3")
CLIENT = ROOT / "tests" / "e2e" / "qgis_client.py"
ZONE = "KCN-QUANG-CHAU"
EPSG_9214 = "http://www.opengis.net/def/crs/EPSG/0/9214"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("qgis-svc") / "registry.db"
    s = Server(db).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def qgis(server, tmp_path_factory):
    """One headless QGIS session reading every collection; its JSON report."""
    home = tmp_path_factory.mktemp("qgis-home")
    home.chmod(0o700)  # Qt wants a private XDG_RUNTIME_DIR
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(home),
               QGIS_CUSTOM_CONFIG_PATH=str(home), TMPDIR=str(home), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([QGIS_PYTHON, str(CLIENT), server.url], capture_output=True, text=True,
                          timeout=300, env=env, cwd=str(home))
    assert proc.returncode == 0, (
        f"QGIS client ({QGIS_PYTHON}, python3-qgis: scripts/setup.sh installs it) exited "
        f"{proc.returncode}:\n{proc.stderr[-4000:]}")
    report = json.loads(proc.stdout)
    assert report["qgis_version"].startswith("3."), report["qgis_version"]
    return report


@pytest.fixture(scope="module")
def served(server):
    """The zones as the service itself sends them (GeoJSON, WGS84)."""
    status, _, body = server.request("GET", "/collections/zones/items?limit=10000")
    assert status == 200
    return {f["id"]: f for f in json.loads(body)["features"]}


def outer_ring(geometry):
    c = geometry["coordinates"]
    return c[0][0] if geometry["type"] == "MultiPolygon" else c[0]


def assert_opened(qgis, name, count):
    layer = qgis["layers"][name]
    assert layer["valid"], (layer, qgis["log"])
    assert layer["provider"] == "OAPIF"
    assert layer["crs"] == "EPSG:4326"
    assert layer["iterated"] == count
    assert layer["featureCount"] == count


def test_qgis_reads_every_zone_following_the_next_links(qgis, served, server):
    zones = qgis["layers"]["zones"]
    assert_opened(qgis, "zones", len(SHIPPED["features"]))
    assert {"code", "name_vi", "kind", "grid_crs", "grid_area_ha"} <= set(zones["fields"])
    assert zones["fields"]["grid_area_ha"] == "Real"
    got = zones["features"]
    assert set(got) == {f["id"] for f in SHIPPED["features"]} == set(served)
    for code, f in served.items():
        p, q = f["properties"], got[code]
        assert (q["name_vi"], q["kind"], q["grid_crs"], q["grid_area_ha"]) == \
               (p["name_vi"], p["kind"], p["grid_crs"], p["grid_area_ha"]), code
        assert q["grid_crs"] in ("EPSG:9214", "EPSG:9209")
        want = outer_ring(f["geometry"])
        assert len(q["wgs84_ring"]) == len(want), code
        assert max(max(abs(a - b) for a, b in zip(u, v)) for u, v in zip(q["wgs84_ring"], want)) < 1e-9, code
    assert got[ZONE]["name_vi"] == "Quang Châu" and got[ZONE]["kind"] == "KCN"
    # pageSize 25: QGIS walked the pages the server's `next` links gave
    pages = [u for u in zones["requests"] if "/collections/zones/items?limit=25" in u]
    n = len(SHIPPED["features"])
    assert len(pages) == (n + 24) // 25, zones["requests"]
    assert pages[-1].endswith(f"offset={25 * ((n - 1) // 25)}")
    assert all(u.startswith(server.url) for u in zones["requests"])


def test_qgis_area_of_each_zone_is_the_services_grid_area(qgis, served):
    """The boundary QGIS drew, transformed by QGIS (PROJ's EPSG operation) into
    the zone's grid, has the area the service computed in that grid."""
    got = qgis["layers"]["zones"]["features"]
    z = got[ZONE]
    assert z["grid_crs"] == "EPSG:9214"
    assert "+proj=helmert" in z["qgis_operation"] and "+lon_0=107" in z["qgis_operation"]
    want = served[ZONE]["properties"]["grid_area_ha"]
    assert abs(z["qgis_grid_area_m2"] / 1e4 - want) <= 1e-6 * want, (z["qgis_grid_area_m2"], want)
    for code, f in served.items():
        p = f["properties"]
        assert abs(got[code]["qgis_grid_area_m2"] / 1e4 - p["grid_area_ha"]) <= 1e-6 * p["grid_area_ha"], code
        # QGIS's ellipsoidal measure (QgsDistanceArea, WGS84) and the service's geodesic area
        assert abs(got[code]["qgis_ellipsoidal_area_m2"] / 1e4 - p["geodesic_area_ha"]) <= 1e-6 * p["geodesic_area_ha"], code


def test_qgis_reads_the_99_communes(qgis):
    communes = qgis["layers"]["communes"]
    assert_opened(qgis, "communes", 99)
    assert {"code", "name", "type"} <= set(communes["fields"])
    source = json.loads(COMMUNES_FILE.read_text(encoding="utf-8"))
    want = {f["properties"]["code"]: f["properties"] for f in source["features"]}
    got = {f["code"]: f for f in communes["features"]}
    assert set(got) == set(want) and len(want) == 99
    for code, p in want.items():
        assert (got[code]["name"], got[code]["type"]) == (p["name"], p["type"]), code
        assert got[code]["oldDistricts"] == p["oldDistricts"], code  # an array of strings comes through
    assert {f["type"] for f in communes["features"]} <= {"phường", "xã"}


def test_qgis_reads_the_province_and_the_former_one(qgis):
    province = qgis["layers"]["province"]
    assert_opened(qgis, "province", 2)
    assert {"code", "name", "former"} <= set(province["fields"])
    assert [(f["code"], f["former"]) for f in province["features"]] == [("24", False), ("bac-giang", True)]
    assert province["features"][0]["name"] == "Tỉnh Bắc Ninh"


def test_qgis_in_epsg_9214(qgis, server):
    """QGIS 3.22's OAPIF provider has no CRS choice (OGC API – Features Part 2
    came to QGIS later): `srsname` is not sent (no `crs=`) and the layer stays
    WGS84, correctly labelled. Metres in EPSG:9214 come from QGIS reprojecting
    on the fly, and agree with the service's own `?crs=` EPSG:9214 output."""
    status, headers, body = server.request("GET", f"/collections/zones/items/{ZONE}?crs={EPSG_9214}")
    assert status == 200 and headers["content-crs"] == f"<{EPSG_9214}>"
    grid = outer_ring(json.loads(body)["geometry"])

    asked = qgis["layers"]["zones_srsname_9214"]
    assert asked["valid"], qgis["log"]
    assert asked["iterated"] == len(SHIPPED["features"])
    sent_crs = any("crs=" in u for u in asked["requests"])
    if asked["crs"] == "EPSG:9214":  # a QGIS that honours it: metres, the service's
        assert sent_crs
        assert max(max(abs(a - b) for a, b in zip(u, v)) for u, v in zip(asked["ring"], grid)) < 1e-3
    else:  # QGIS 3.22: ignored, and the coordinates are the degrees the layer says
        assert asked["crs"] == "EPSG:4326" and not sent_crs, asked["requests"]
        assert all(105 < x < 108 and 20 < y < 22 for x, y in asked["ring"])

    rp = qgis["reprojected_9214"]
    assert rp["count"] == 1
    assert all(300_000 < x < 600_000 and 2_300_000 < y < 2_500_000 for x, y in rp["ring"])
    assert len(rp["ring"]) == len(grid)
    assert max(max(abs(a - b) for a, b in zip(u, v)) for u, v in zip(rp["ring"], grid)) < 1e-3
    want = qgis["layers"]["zones"]["features"][ZONE]["grid_area_ha"]
    assert abs(rp["area_m2"] / 1e4 - want) <= 1e-6 * want


def test_qgis_nested_lists_of_objects(qgis, served):
    """Recorded, not wished away: QGIS 3.22 types `communes` and `sources` (arrays
    of objects) as JSON fields but reads every value as NULL; GDAL and OWSLib
    read them. Arrays of strings (a commune's `oldDistricts`) come through."""
    zones = qgis["layers"]["zones"]
    assert zones["fields"]["communes"] == "JSON" and zones["fields"]["sources"] == "JSON"
    assert served[ZONE]["properties"]["communes"], "the service sends the zone's communes"
    z = zones["features"][ZONE]
    if z["communes"] is not None:  # a QGIS that reads them: the service's
        assert [c["code"] for c in z["communes"]] == [c["code"] for c in served[ZONE]["properties"]["communes"]]
