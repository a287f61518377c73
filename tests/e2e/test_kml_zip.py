"""KML, KMZ and zipped shapefiles as offices send them: written by GDAL
(ogr2ogr, a writer we did not write) from zones in the grid, read by `zoning
area`, `zoning import` and `POST /validate`, and compared with what GDAL reads
back from the same file (areas by shapely in EPSG:9214)."""

import json
import subprocess
import zipfile

import shapely
from pyproj import Transformer
from shapely import box
from shapely.geometry import mapping, shape

from conftest import run, run_json
from fixtures import reproject
from service import Server, add_user

E0, N0 = 418_302.0, 2_355_878.0
ZONES = [
    ("KCN-KML-A", "Khu công nghiệp Thử A", "Khu công nghiệp", box(E0, N0, E0 + 400, N0 + 300).difference(
        box(E0 + 100, N0 + 100, E0 + 150, N0 + 150))),
    ("CCN-KML-B", "Cụm công nghiệp Thử B", "Cụm công nghiệp", box(E0 + 1_000, N0, E0 + 1_500, N0 + 200)),
]
to_grid = Transformer.from_crs("EPSG:4326", "EPSG:9214", always_xy=True)


def gdal(*args):
    subprocess.run(["ogr2ogr", *map(str, args)], check=True, capture_output=True, timeout=60)


def source(tmp_path):
    """The zones as a GeoJSON in EPSG:9214 with Vietnamese field names."""
    src = tmp_path / "src.geojson"
    src.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9214"}},
        "features": [{"type": "Feature", "properties": {"MA": c, "TEN": n, "LOAI": k}, "geometry": mapping(g)}
                     for c, n, k, g in ZONES]}, ensure_ascii=False), encoding="utf-8")
    return src


def gdal_areas(path):
    """Areas (ha, EPSG:9214) of what GDAL reads from `path`, by MA."""
    out = path.parent / (path.stem + "-gdal.geojson")
    gdal("-f", "GeoJSON", "-t_srs", "EPSG:4326", out, path)
    got = {}
    for f in json.loads(out.read_text(encoding="utf-8"))["features"]:
        g = shapely.transform(shape(f["geometry"]), lambda xy: list(zip(*to_grid.transform(xy[:, 0], xy[:, 1]))))
        got[f["properties"]["MA"]] = g.area / 10_000
    return got


def check_areas(path, expected):
    report = run_json("area", path)
    got = {f["code"]: f["grid_area_ha"] for f in report["features"]}
    assert set(got) == set(expected), got
    for code, ha in expected.items():
        # GDAL and zoning read the same degrees; PROJ takes both to the grid
        assert abs(got[code] - ha) < 1e-6, (code, got[code], ha)


def test_kml_written_by_gdal(tmp_path):
    kml = tmp_path / "zones.kml"
    gdal("-f", "KML", kml, source(tmp_path))
    expected = gdal_areas(kml)
    assert abs(expected["KCN-KML-A"] - ZONES[0][3].area / 10_000) < 1e-3
    check_areas(kml, expected)
    # a KMZ: the same document zipped
    kmz = tmp_path / "zones.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(kml, "doc.kml")
    check_areas(kmz, expected)
    # imported with the fields mapped (MA, TEN, LOAI recognised)
    db = tmp_path / "r.db"
    out = run("import", "--db", db, kml)
    assert "field TEN → name_vi" in out.stderr, out.stderr
    exported = tmp_path / "out.geojson"
    run("export", "--db", db, "--format", "geojson", exported)
    props = {f["id"]: f["properties"] for f in json.loads(exported.read_text(encoding="utf-8"))["features"]}
    assert props["KCN-KML-A"]["name_vi"] == "Khu công nghiệp Thử A" and props["KCN-KML-A"]["kind"] == "KCN"
    assert props["CCN-KML-B"]["kind"] == "CCN"


def zipped_shapefile(tmp_path, name="zones"):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir(exist_ok=True)
    shp = shp_dir / f"{name}.shp"
    gdal("-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shp, source(tmp_path))
    z = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as out:
        for part in shp_dir.glob(f"{name}.*"):
            out.write(part, f"ranh-gioi/{part.name}")
    return shp, z


def test_zipped_shapefile(tmp_path):
    shp, z = zipped_shapefile(tmp_path)
    expected = gdal_areas(shp)
    check_areas(z, expected)
    # two shapefiles in one ZIP: --layer says which
    with zipfile.ZipFile(z, "a") as out:
        out.writestr("other.shp", b"")
    p = run("area", z, check=False)
    assert p.returncode != 0 and "--layer" in p.stderr and "zones" in p.stderr, p.stderr
    report = run_json("area", z, "--layer", "zones")
    assert len(report["features"]) == 2
    # two shapefiles of one name in two folders: the folder says which
    with zipfile.ZipFile(z, "a") as out:
        for part in shp.parent.glob("zones.*"):
            out.write(part, f"khac/{part.name}")
    p = run("area", z, "--layer", "zones", check=False)
    assert p.returncode != 0 and "ranh-gioi/zones" in p.stderr and "khac/zones" in p.stderr, p.stderr
    assert len(run_json("area", z, "--layer", "khac/zones")["features"]) == 2
    # a ZIP with no shapefile, and one that is not a ZIP at all
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as out:
        out.writestr("readme.txt", "hello")
    p = run("area", empty, check=False)
    assert p.returncode != 0 and "no shapefile" in p.stderr, p.stderr
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    p = run("area", broken, check=False)
    assert p.returncode != 0 and "not a ZIP" in p.stderr, p.stderr


def test_validate_takes_a_zipped_shapefile_and_a_kml(tmp_path):
    _, z = zipped_shapefile(tmp_path)
    kml = tmp_path / "zones.kml"
    gdal("-f", "KML", kml, source(tmp_path))
    db = tmp_path / "r.db"
    token = add_user(db, "planner", "planner")
    server = Server(db).start()
    try:
        # a file other than GeoJSON is read for signed-in planners only
        status, _, answer = server.request("POST", "/validate", body=z.read_bytes(),
                                           headers={"Content-Type": "application/zip"})
        assert status == 401 and b"sign in" in answer, answer
        for body, ctype in ((z.read_bytes(), "application/zip"), (kml.read_bytes(), "application/vnd.google-earth.kml+xml")):
            status, _, answer = server.request("POST", "/validate", body=body, token=token,
                                               headers={"Content-Type": ctype})
            assert status == 200, answer
            answer = json.loads(answer)
            features = {f["id"]: f for f in answer["features"]}
            assert set(features) == {"KCN-KML-A", "CCN-KML-B"}, answer
            a = features["KCN-KML-A"]
            assert a["properties"]["name_vi"] == "Khu công nghiệp Thử A" and a["properties"]["kind"] == "KCN"
            grid = reproject(shape(a["geometry"]), "EPSG:4326", "EPSG:9214")
            assert abs(grid.area - ZONES[0][3].area) < 0.01, grid.area
            assert any("TEN" in n["note"] for n in answer["notes"]), answer["notes"]
        # a ZIP without a shapefile: 422 naming what is missing
        empty = tmp_path / "empty.zip"
        with zipfile.ZipFile(empty, "w") as out:
            out.writestr("readme.txt", "hello")
        status, _, answer = server.request("POST", "/validate", body=empty.read_bytes(), token=token,
                                           headers={"Content-Type": "application/zip"})
        assert status == 422 and b"no shapefile" in answer, answer
        # a ZIP bomb: 64 MiB of zeros in a few hundred KB is refused, not unpacked
        bomb = tmp_path / "bomb.zip"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
            for ext in ("shp", "shx", "dbf"):
                out.writestr(f"z.{ext}", b"\0" * (64 << 20))
        assert bomb.stat().st_size < 1 << 20
        status, _, answer = server.request("POST", "/validate", body=bomb.read_bytes(), token=token,
                                           headers={"Content-Type": "application/zip"})
        assert status == 422 and b"unpacks to more than" in answer, answer
        # folders nested thousands deep (a stack overflow once killed the
        # server) and more placemarks than validate_max_features, unreadable
        # ones included, are refused; the server answers on
        deep = ("<kml>" + "<Folder>" * 5_000 + "</Folder>" * 5_000 + "</kml>").encode()
        status, _, answer = server.request("POST", "/validate", body=deep, token=token)
        assert status == 422 and b"nest more than" in answer, answer
        many = ("<kml><Document>" + "<Placemark><Point><coordinates>106.2,21.3</coordinates></Point></Placemark>" * 5_000
                + "</Document></kml>").encode()
        status, _, answer = server.request("POST", "/validate", body=many, token=token)
        assert status in (413, 422) and b"placemarks" in answer or b"validate_max_features" in answer, answer
        status, _, _ = server.request("GET", "/health")
        assert status == 200
    finally:
        server.stop()
