"""`zoning markers check` and `stakeout` as surveyors use them, against GEOS
(shapely) distances on the same grid coordinates."""

import csv
import io
import json

import pytest
import shapely
from conftest import run, run_json
from fixtures import write_geojson, write_shapefile
from shapely import box
from shapely.geometry import Point

E0, N0 = 416_000.0, 2_356_000.0
ZONE_A = box(E0, N0, E0 + 300, N0 + 200)
ZONE_B = shapely.Polygon([(E0 + 500, N0), (E0 + 800, N0), (E0 + 800, N0 + 300), (E0 + 650, N0 + 150), (E0 + 500, N0 + 300)])


@pytest.fixture
def zones(tmp_path):
    path = tmp_path / "zones.shp"  # grid coordinates exactly (EPSG:9214 .prj)
    write_shapefile(path, [("KCN-A", ZONE_A, {}), ("KCN-B", ZONE_B, {})])
    return path


def table(rows, header="Số hiệu mốc;X (m);Y (m)", sep=";", decimal=",", bom=True, eol="\r\n"):
    def fmt(v):
        return f"{v:.3f}".replace(".", decimal) if isinstance(v, float) else str(v)
    lines = [header] + [sep.join(fmt(v) for v in r) for r in rows]
    return (("\ufeff" if bom else "") + eol.join(lines) + eol).encode("utf-8")


# (id, X = northing, Y = easting)
SURVEY = [
    ("M1", N0 + 0.02, E0 + 0.03),        # at A's south-west corner, 2 cm off the edge
    ("M2", N0 + 200.0, E0 + 300.0),      # exactly at A's north-east corner
    ("M3", N0 + 100.0, E0 + 300.35),     # 35 cm east of A's east edge
    ("M4", N0 + 150.0, E0 + 650.0),      # at B's reflex corner
    ("M5", N0 + 120.0, E0 + 620.05),     # near B's notch edge
    ("M6", N0 + 5000.0, E0 + 5000.0),    # far from everything
]


def reference(x, y):
    p = Point(y, x)
    d = {code: g.boundary.distance(p) for code, g in (("KCN-A", ZONE_A), ("KCN-B", ZONE_B))}
    code = min(d, key=d.get)
    return code, d[code]


def test_distances_agree_with_geos_to_the_millimetre(tmp_path, zones):
    path = tmp_path / "survey.csv"
    path.write_bytes(table(SURVEY))
    report = run_json("markers", "check", "--zones", zones, "--markers", path)
    got = {m["id"]: m for m in report["markers"]}
    assert set(got) == {r[0] for r in SURVEY}
    for mid, x, y in SURVEY:
        code, dist = reference(x, y)
        m = got[mid]
        assert abs(m["distance_m"] - dist) < 1e-3, (mid, m["distance_m"], dist)
        if dist <= 50:
            assert m["zone"] == code
            assert m["status"] == ("ok" if dist <= 0.10 else "out-of-tolerance")
        else:
            assert m["zone"] is None and m["status"] == "no-zone"
    # A: M1 and M2 mark two corners; B: M4 marks one corner of five
    unmarked = {(v["zone"], round(v["x"], 3), round(v["y"], 3)) for v in report["unmarked_vertices"]}
    corners_a = {(round(y, 3), round(x, 3)) for x, y in list(ZONE_A.exterior.coords)[:-1]}
    corners_b = {(round(y, 3), round(x, 3)) for x, y in list(ZONE_B.exterior.coords)[:-1]}
    assert {(x, y) for z, x, y in unmarked if z == "KCN-A"} == corners_a - {(N0, E0), (N0 + 200, E0 + 300)}
    assert {(x, y) for z, x, y in unmarked if z == "KCN-B"} == corners_b - {(N0 + 150, E0 + 650)}


def test_tolerance_is_configurable(tmp_path, zones):
    path = tmp_path / "survey.csv"
    path.write_bytes(table(SURVEY))
    got = {m["id"]: m["status"] for m in run_json("markers", "check", "--zones", zones, "--markers", path, "--tolerance-m", "0.5")["markers"]}
    assert got["M3"] == "ok"


@pytest.mark.parametrize("variant", ["vn-excel", "en-excel", "lf-no-bom", "tab", "thousands"])
def test_excel_locales(tmp_path, zones, variant):
    rows = SURVEY[:3]
    data = {
        "vn-excel": table(rows),
        "en-excel": table(rows, header="id,x,y", sep=",", decimal=".", bom=False),
        "lf-no-bom": table(rows, header="Tên mốc;X;Y;H;Ghi chú", sep=";", bom=False, eol="\n"),
        "tab": table(rows, header="Số hiệu mốc\tX (m)\tY (m)", sep="\t", decimal="."),
        "thousands": ("Số hiệu mốc;X (m);Y (m)\r\nM1;2.356.000,020;416.000,030\r\nM2;2.356.200,000;416.300,000\r\nM3;2.356.100,000;416.300,350\r\n").encode(),
    }[variant]
    if variant == "lf-no-bom":
        data = data.replace(b"\n", b";;\n").replace(b"Ghi ch\xc3\xba;;", b"Ghi ch\xc3\xba")
    path = tmp_path / "survey.csv"
    path.write_bytes(data)
    report = run_json("markers", "check", "--zones", zones, "--markers", path)
    assert report["rejected_rows"] == []
    assert [m["status"] for m in report["markers"]] == ["ok", "ok", "out-of-tolerance"]


def test_every_bad_row_is_reported_with_its_line(tmp_path, zones):
    text = "\r\n".join([
        "Số hiệu mốc;X (m);Y (m)",            # line 1
        "M1;2356000,020;416000,030",          # 2 ok
        ";2356200;416300",                    # 3 no id
        "M3;;416300",                         # 4 X missing
        "M4;2356x00;416300",                  # 5 not a number
        "M1;2356200;416300",                  # 6 duplicate of line 2
        "M7;416300,000;2356200,000",          # 7 swapped: corrected, ok
        "M8;2500000;416300",                  # 8 outside EPSG:9214's area of use
        "",
    ])
    path = tmp_path / "survey.csv"
    path.write_bytes(text.encode("utf-8"))
    report = run_json("markers", "check", "--zones", zones, "--markers", path)
    rejected = {r["line"]: r for r in report["rejected_rows"]}
    assert sorted(rejected) == [3, 4, 5, 6, 8]
    assert "no marker number" in rejected[3]["reason"]
    assert rejected[4]["id"] == "M3" and "X is missing" in rejected[4]["reason"]
    assert "not a number" in rejected[5]["reason"]
    assert "first on line 2" in rejected[6]["reason"]
    assert "area of use" in rejected[8]["reason"]
    m7 = [m for m in report["markers"] if m["id"] == "M7"][0]
    assert m7["swapped"] and m7["status"] == "ok" and m7["line"] == 7
    assert any("line(s) 7" in w for w in report["warnings"])


def test_a_wholly_swapped_file_is_corrected_and_said_once(tmp_path, zones):
    swapped = [(i, y, x) for i, x, y in SURVEY[:3]]
    path = tmp_path / "survey.csv"
    path.write_bytes(table(swapped))
    report = run_json("markers", "check", "--zones", zones, "--markers", path)
    assert all(m["swapped"] for m in report["markers"])
    assert [m["status"] for m in report["markers"]] == ["ok", "ok", "out-of-tolerance"]
    assert report["warnings"] == ["X and Y are exchanged in every row (X must be the northing, about 2,300,000 m here); all rows corrected"]


@pytest.mark.parametrize("name,data,expected", [
    ("empty.csv", b"", "is empty"),
    ("book.csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel workbook (.xlsx)"),
    ("utf16.csv", "Số hiệu mốc;X;Y\r\n".encode("utf-16"), "UTF-16"),
    ("columns.csv", "STT;Đông;Bắc\r\n1;416000;2356000\r\n".encode(), "columns cannot be identified"),
    ("header-only.csv", "id,x,y\r\n".encode(), "no rows"),
])
def test_unusable_files_say_what_was_expected(tmp_path, zones, name, data, expected):
    path = tmp_path / name
    path.write_bytes(data)
    p = run("markers", "check", "--zones", zones, "--markers", path, "--format", "json", check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert expected in p.stderr and str(path) in p.stderr, p.stderr
    assert "panicked" not in p.stderr


def test_markers_in_another_crs(tmp_path, zones):
    from pyproj import Transformer
    t = Transformer.from_crs("EPSG:9214", "EPSG:3405", always_xy=True)
    rows = []
    for mid, x, y in SURVEY[:3]:
        e, n = t.transform(y, x)
        rows.append((mid, n, e))
    path = tmp_path / "utm.csv"
    path.write_bytes(table(rows, header="id,x,y", sep=",", decimal="."))
    report = run_json("markers", "check", "--zones", zones, "--markers", path, "--crs", "EPSG:3405")
    for m, (mid, x, y) in zip(report["markers"], SURVEY[:3]):
        assert abs(m["distance_m"] - reference(x, y)[1]) < 1e-3


def test_stakeout_round_trip_and_spacing(tmp_path, zones):
    out = run("markers", "stakeout", "--zones", zones, "--max-spacing-m", "120").stdout
    assert out.startswith("\ufeffSố hiệu mốc;X (m);Y (m)")
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
    ids = [r["Số hiệu mốc"] for r in rows]
    assert len(set(ids)) == len(ids)
    # every corner of both zones is in the table, to the millimetre
    pts = {(float(r["X (m)"].replace(",", ".")), float(r["Y (m)"].replace(",", "."))) for r in rows}
    for g in (ZONE_A, ZONE_B):
        for x, y in list(g.exterior.coords)[:-1]:
            assert (round(y, 3), round(x, 3)) in pts
    # consecutive points of a zone are at most 120 m apart, and on its boundary
    for code, g in (("KCN-A", ZONE_A), ("KCN-B", ZONE_B)):
        zr = [r for r in rows if r["Khu"] == code]
        xy = [(float(r["Y (m)"].replace(",", ".")), float(r["X (m)"].replace(",", "."))) for r in zr]
        for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1]):
            assert ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5 <= 120.0 + 1e-6
        for x, y in xy:
            assert g.boundary.distance(Point(x, y)) < 1e-3
        # clockwise: negative signed area (shoelace) in (easting, northing)
        area2 = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1]))
        assert area2 < 0
    # the table read back as a survey: every marker in place, no corner unmarked
    path = tmp_path / "stakeout.csv"
    path.write_text(out, encoding="utf-8")
    report = run_json("markers", "check", "--zones", zones, "--markers", path)
    assert report["rejected_rows"] == [] and report["unmarked_vertices"] == []
    assert all(m["status"] == "ok" and m["distance_m"] < 0.001 for m in report["markers"])


def test_stakeout_json_has_wgs84(tmp_path, zones):
    from pyproj import Transformer
    t = Transformer.from_crs("EPSG:9214", "EPSG:4326", always_xy=True)
    doc = run_json("markers", "stakeout", "--zones", zones)
    assert doc["crs"] == "EPSG:9214"
    for p in doc["points"]:
        lon, lat = t.transform(p["y"], p["x"])
        assert abs(lon - p["lon"]) < 1e-8 and abs(lat - p["lat"]) < 1e-8


def test_field_table_in_vietnamese(tmp_path, zones):
    path = tmp_path / "survey.csv"
    path.write_bytes(table(SURVEY))
    out = run("markers", "check", "--zones", zones, "--markers", path).stdout
    assert "Khu / Zone KCN-A" in out and "Vượt sai số" in out and "Đạt" in out and "Lệch (cm)" in out
    assert "35.0" in out  # M3's deviation in centimetres
