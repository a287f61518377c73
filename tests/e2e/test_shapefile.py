"""Shapefiles as planning offices deliver them: CRS from the .prj (several
VN-2000 zones, UTM, WGS84), text encoding from the .cpg, and broken files."""

import pytest
from conftest import run, run_json
from fixtures import GRID, reproject, write_shapefile
from shapely import box

E0, N0 = 416_000.0, 2_356_000.0
ZONES = [
    ("KCN-MỘT", box(E0, N0, E0 + 300, N0 + 200), {"name": "KCN Quang Châu"}),
    ("KCN-HAI", box(E0 + 500, N0, E0 + 700, N0 + 400), {"name": "Khu công nghiệp Đình Trám"}),
]


@pytest.mark.parametrize("crs", ["EPSG:9214", "EPSG:9209", "EPSG:9213", "EPSG:3405", "EPSG:3406", "EPSG:4326", "EPSG:4756"])
def test_crs_from_prj(tmp_path, crs):
    """The same zones written in another CRS come back to the same grid area
    (reference: the written coordinates brought by pyproj to the zone's legal
    grid — the file's when it is one of the province's two, else EPSG:9214, the
    grid of the former Bắc Giang where they lie — area by GEOS)."""
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES, crs=crs)
    import shapefile
    from shapely.geometry import shape

    with shapefile.Reader(str(path)) as r:
        written = [shape(s.__geo_interface__) for s in r.shapes()]
    got = {f["code"]: f for f in run_json("area", path)["features"]}
    legal = crs if crs in ("EPSG:9214", "EPSG:9209") else GRID
    for (code, _, _), geom in zip(ZONES, written):
        assert got[code]["grid_crs"] == legal
        ref = reproject(geom, crs, legal).area / 1e4
        assert abs(got[code]["grid_area_ha"] - ref) / ref < 1e-9, (crs, code, got[code], ref)


def test_no_prj_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES, prj=False)
    p = run("check", path, check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert str(path) in p.stderr and "no .prj" in p.stderr and "--crs EPSG:9214" in p.stderr
    ok = run_json("area", path, "--crs", "EPSG:9214")
    assert abs(ok["features"][0]["grid_area_ha"] - 6.0) < 1e-9


@pytest.mark.parametrize("prj", [
    'PROJCS["Lambert nội bộ",GEOGCS["?"]]',
    # a site grid: PROJ reads it but fails without a reason, which made the
    # proj crate panic before third_party/proj (found by fuzzing)
    'LOCAL_CS["Lưới thi công",LOCAL_DATUM["site",0],UNIT["metre",1]]',
])
def test_unknown_prj_is_refused(tmp_path, prj):
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES)
    path.with_suffix(".prj").write_text(prj, encoding="utf-8")
    p = run("area", path, check=False)
    assert p.returncode == 2 and "coordinate system cannot be used" in p.stderr and "--crs" in p.stderr
    assert "panicked" not in p.stderr


def test_missing_cpg_warns_and_reads_utf8(tmp_path):
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES, cpg=None)
    p = run("area", path, "--format", "json")
    assert "no .cpg; its text reads as UTF-8" in p.stderr
    assert "KCN-MỘT" in p.stdout


def test_windows_1258_cpg_is_decoded_and_composed(tmp_path):
    """Windows-1258 writes tones as combining marks; they come back composed (NFC)."""
    import unicodedata

    path = tmp_path / "zones.shp"
    code = unicodedata.normalize("NFD", "Đình Trám")
    assert code.encode("cp1258") == b"\xd0i\xccnh Tra\xecm"
    write_shapefile(path, [(code, ZONES[1][1], {})], cpg="1258", encoding="cp1258")
    got = run_json("area", path)
    assert got["features"][0]["code"] == unicodedata.normalize("NFC", "Đình Trám")


def test_unknown_cpg_is_refused(tmp_path):
    # BKHCM2 is a Vietnamese encoding of the 1990s this does not read (TCVN3,
    # VNI and VISCII it does: test_encodings.py)
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES, cpg="BKHCM2")
    p = run("area", path, check=False)
    assert p.returncode == 2 and "unknown encoding" in p.stderr and ".cpg" in p.stderr and "BKHCM2" in p.stderr


def test_truncated_shp(tmp_path):
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    p = run("area", path, check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert str(path) in p.stderr and ("truncated" in p.stderr or "damaged" in p.stderr or "cannot be read" in p.stderr), p.stderr
    assert "panicked" not in p.stderr


def test_dbf_with_fewer_records(tmp_path):
    import shapefile

    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES)
    one = tmp_path / "one.shp"
    write_shapefile(one, ZONES[:1])
    path.with_suffix(".dbf").write_bytes(one.with_suffix(".dbf").read_bytes())
    p = run("check", path, check=False)
    assert p.returncode == 2
    assert "2 shapes but the .dbf has 1 records" in p.stderr, p.stderr


def test_missing_dbf(tmp_path):
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES)
    path.with_suffix(".dbf").unlink()
    p = run("area", path, check=False)
    assert p.returncode == 2 and ".dbf (attribute table) is missing" in p.stderr


def test_garbage_shp(tmp_path):
    path = tmp_path / "zones.shp"
    write_shapefile(path, ZONES)
    path.write_bytes(b"this is not a shapefile at all" * 10)
    p = run("area", path, check=False)
    assert p.returncode == 2 and "panicked" not in p.stderr and str(path) in p.stderr
