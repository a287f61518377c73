"""`zoning serve` used by clients nobody here wrote: GDAL's OAPIF driver
(ogrinfo, ogr2ogr) and OWSLib; and the crash test."""

import json
import os
import random
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
import shapely
from conftest import PG, ROOT, psql
from service import Server, add_user
from shapely.geometry import shape

SHIPPED = json.loads((ROOT / "data" / "zones.geojson").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("svc") / "registry.db"
    s = Server(db).start()
    yield s
    s.stop()


def test_gdal_lists_and_copies_every_zone_with_paging(server, tmp_path):
    info = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{server.url}", "zones"], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    assert f"Feature Count: {len(SHIPPED['features'])}" in info.stdout
    out = tmp_path / "zones.gpkg"
    # 25 per page: GDAL follows the `next` links five times
    cp = subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server.url}", "zones", "-oo", "PAGE_SIZE=25"],
                        capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, cp.stderr
    dump = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(out)], capture_output=True, text=True, timeout=120)
    got = {f["properties"]["code"]: f for f in json.loads(dump.stdout)["features"]}
    want = {f["id"]: f for f in SHIPPED["features"]}
    assert set(got) == set(want)
    for code, f in want.items():
        a, b = shape(got[code]["geometry"]), shape(f["geometry"])
        assert a.hausdorff_distance(b) < 1e-8, code  # the same boundary, to about a millimetre
        assert got[code]["properties"]["geometry_source"] == "illustrative"


def test_gdal_reads_the_99_communes_as_published(server, tmp_path):
    info = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{server.url}", "communes"],
                          capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    assert "Feature Count: 99" in info.stdout
    out = tmp_path / "communes.gpkg"
    cp = subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server.url}", "communes", "-oo", "PAGE_SIZE=40"],
                        capture_output=True, text=True, timeout=300)
    assert cp.returncode == 0, cp.stderr
    dump = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(out)], capture_output=True, text=True, timeout=120)
    got = {f["properties"]["code"]: f for f in json.loads(dump.stdout)["features"]}
    source = json.loads((ROOT / "data/admin-2025/bac-ninh-2025-communes.geojson").read_text(encoding="utf-8"))
    want = {f["properties"]["code"]: f for f in source["features"]}
    assert set(got) == set(want)
    for code, f in want.items():
        assert got[code]["properties"]["name"] == f["properties"]["name"]
        # the published boundary, through the grid and back, to well under a metre
        assert shape(got[code]["geometry"]).hausdorff_distance(shape(f["geometry"])) < 1e-6, code


def test_gdal_reads_one_item_and_a_bbox(server):
    one = subprocess.run(["ogrinfo", "-ro", f"OAPIF:{server.url}", "zones", "-fid", "1"], capture_output=True, text=True, timeout=120)
    assert one.returncode == 0, one.stderr
    sp = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{server.url}", "zones", "-spat", "106.0", "21.2", "106.2", "21.35"],
                        capture_output=True, text=True, timeout=120)
    assert sp.returncode == 0, sp.stderr


def test_owslib_collections_items_bbox_and_one_item(server):
    from owslib.ogcapi.features import Features

    w = Features(server.url)
    ids = [c["id"] for c in w.collections()["collections"]]
    assert ids == ["zones", "markers", "communes", "province"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in w.conformance()["conformsTo"]
    items = w.collection_items("zones", limit=200)
    n = len(SHIPPED["features"])
    assert items["numberMatched"] == n and len(items["features"]) == n
    box = w.collection_items("zones", bbox=[106.0, 21.2, 106.2, 21.35], limit=200)
    expected = {f["id"] for f in SHIPPED["features"] if shape(f["geometry"]).intersects(shapely.box(106.0, 21.2, 106.2, 21.35))}
    assert {f["id"] for f in box["features"]} == expected
    one = w.collection_item("zones", "KCN-QUANG-CHAU")
    assert one["properties"]["name_vi"] == "Quang Châu"
    prov = w.collection_items("province")
    assert [f["id"] for f in prov["features"]] == ["bac-ninh", "bac-giang"]
    assert "sapnhap.bando.com.vn" in prov["features"][0]["properties"]["attribution"]
    assert prov["features"][1]["properties"]["former"] is True
    ward = w.collection_item("communes", "07210")
    assert ward["properties"]["fullName"] == "Phường Bắc Giang"


def test_epsg_9214_coordinates_agree_with_pyproj(server):
    from pyproj import Transformer

    t = Transformer.from_crs("EPSG:4326", "EPSG:9214", always_xy=True)
    status, headers, body = server.request("GET", "/collections/zones/items/KCN-DINH-TRAM?crs=http://www.opengis.net/def/crs/EPSG/0/9214")
    assert status == 200 and headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/9214>"
    grid = json.loads(body)["geometry"]["coordinates"][0][0]
    _, _, body = server.request("GET", "/collections/zones/items/KCN-DINH-TRAM")
    wgs = json.loads(body)["geometry"]["coordinates"][0][0]
    for (e, n), (lon, lat) in zip(grid, wgs):
        pe, pn = t.transform(lon, lat)
        assert abs(pe - e) < 1e-3 and abs(pn - n) < 1e-3


def all_ids(server, token):
    """Every zone id the planners' view holds, following the `next` links (a
    page holds at most the server's max_limit, 10,000)."""
    ids, path = set(), "/collections/zones/items?limit=10000"
    while path:
        status, _, body = server.request("GET", path, token=token)
        assert status == 200
        page = json.loads(body)
        ids |= {f["id"] for f in page["features"]}
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        path = nxt[0].removeprefix(server.url) if nxt else None
    assert len(ids) == page["numberMatched"]
    return ids


# `make crash-loop` runs many rounds (CRASH_ROUNDS=50); `make test` a few.
CRASH_ROUNDS = int(os.environ.get("CRASH_ROUNDS", "3"))


def stored_codes(db):
    """The zone codes PostgreSQL holds for the test database DB, read with psql
    (not through zoning): every code of every version."""
    return {r[0] for r in psql(db, "SELECT DISTINCT code FROM zone_versions")}


def test_crash_every_acknowledged_write_survives_kill_9(tmp_path):
    """Concurrent writers, `kill -9` while they write, restart: every write the
    server acknowledged (201) is there, the database passes SQLite's integrity
    check (on PostgreSQL: psql reads every acknowledged code before the
    restart), and the service starts again. Repeated CRASH_ROUNDS times on the
    same database, each kill at another moment (seeded), the writes of all
    rounds checked after each restart."""
    db = tmp_path / "crash.db"
    server = Server(db).start()
    token = add_user(db, "crash-planner", "planner")
    rng = random.Random(20211231)
    acknowledged, lock = [], threading.Lock()
    per_round = []
    try:
        for r in range(CRASH_ROUNDS):
            stop = threading.Event()
            before = len(acknowledged)

            def writer(w, r=r, stop=stop):
                i = 0
                while not stop.is_set():
                    code = f"CRASH-{r}-{w}-{i}"
                    lon = 106.55 + 0.002 * (i % 40) + 0.1 * (r % 5)
                    lat = 21.40 + 0.002 * w + 0.0005 * (i // 40) + 0.02 * (r // 5)
                    f = {"type": "Feature", "id": code, "properties": {"kind": "CCN", "name": code},
                         "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.0004], [lon, lat + 0.0004], [lon, lat]]]}}
                    try:
                        status, _, _ = server.request("POST", "/collections/zones/items", f, token=token, timeout=10)
                    except OSError:
                        return  # the server is gone
                    if status == 201:
                        with lock:
                            acknowledged.append(code)
                    i += 1

            threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
            for t in threads:
                t.start()
            time.sleep(3.0 if r == 0 else rng.uniform(0.2, 2.0))
            server.kill9()
            stop.set()
            for t in threads:
                t.join(timeout=20)
            per_round.append(len(acknowledged) - before)
            if PG:
                # what PostgreSQL committed, read by psql while no server runs
                stored = stored_codes(db)
                lost = [c for c in acknowledged if c not in stored]
                assert not lost, f"round {r}: {len(lost)} acknowledged writes not in zone_versions: {lost[:5]}"
            else:
                # SQLite's own check, on a copy (database + WAL) so that the
                # service itself recovers the original on restart
                copy = tmp_path / f"check-{r}.db"
                shutil.copyfile(db, copy)
                if Path(f"{db}-wal").exists():
                    shutil.copyfile(f"{db}-wal", f"{copy}-wal")
                with sqlite3.connect(copy) as c:
                    assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",), f"round {r}: damaged"
            server = Server(db).start()
            present = all_ids(server, token)
            missing = [c for c in acknowledged if c not in present]
            assert not missing, f"round {r}: {len(missing)} acknowledged writes lost: {missing[:5]}"
            # the shipped zones are untouched
            assert len({c for c in present if not c.startswith("CRASH-")}) == len(SHIPPED["features"])
        assert per_round[0] > 10, "the writers wrote too little to test anything"
        print(f"{CRASH_ROUNDS} kill -9 rounds, {len(acknowledged)} writes acknowledged "
              f"(per round {min(per_round)}–{max(per_round)}), none lost, integrity ok")
    finally:
        server.stop()


def test_import_into_a_new_path_holds_only_those_files(tmp_path):
    from conftest import run

    db = tmp_path / "only.db"
    run("import", "--db", db, ROOT / "tests" / "fixtures" / "registry-two.geojson")
    s = Server(db).start()
    try:
        status, _, body = s.request("GET", "/collections/zones/items")
        assert status == 200 and json.loads(body)["numberMatched"] == 2
    finally:
        s.stop()
    out = tmp_path / "out.geojson"
    run("export", "--db", db, "--format", "geojson", out)
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 2
    shp = tmp_path / "out.shp"
    run("export", "--db", db, "--format", "shp", shp)
    info = subprocess.run(["ogrinfo", "-ro", "-so", str(shp), "out"], capture_output=True, text=True, timeout=60)
    assert "Feature Count: 2" in info.stdout and "VN-2000" in info.stdout.replace("_", " "), info.stdout


def test_report_of_a_database_is_the_services_report(server):
    from conftest import run_json

    status, _, body = server.request("GET", "/report")
    assert status == 200
    http = {l["key"]: l for l in json.loads(body)["lines"]}
    cli = {l["key"]: l for l in run_json("report", "--db", server.db)["lines"]}
    assert http.keys() == cli.keys()
    for k in http:
        assert http[k]["count"] == cli[k]["count"] and abs(http[k]["grid_area_ha"] - cli[k]["grid_area_ha"]) < 1e-9, k
    assert cli["kcn_2030"]["count"] == 29 and cli["ccn_2030"]["declared_area_ha"] == 3209
