"""Marker tables straight from Excel (issue 13): the same markers written by
openpyxl (.xlsx) and xlwt (.xls), the way surveyors lay them out (a title
above the table, Vietnamese headers, coordinates as text with a decimal
comma beside numeric cells), give the same `zoning markers check` as the
Vietnamese CSV of the same table; distances are checked against GEOS."""

import json

import openpyxl
import pytest
import shapely
import xlwt
from conftest import run, run_json
from fixtures import write_shapefile
from service import Server, add_user
from shapely import box

E0, N0 = 416_000.0, 2_356_000.0
ZONE_A = box(E0, N0, E0 + 300, N0 + 200)

TITLE = ["BẢNG TỌA ĐỘ MỐC GIỚI KHU CÔNG NGHIỆP", "Hệ VN-2000, kinh tuyến trục 107°00', múi chiếu 3°"]
HEADER = ["STT", "Tên mốc", "X (m)", "Y (m)", "Ghi chú"]
# (STT, id, X = northing, Y = easting, note); X/Y as a float are numeric
# cells in the workbooks, as a str text with a decimal comma (in the CSV
# everything is text, with the decimal comma)
ROWS = [
    (1, "M1", N0 + 0.02, E0 + 0.03, "góc Tây Nam"),
    (2, "M2", "2356200,000", "416300,000", "góc Đông Bắc"),
    (3, "M3", N0 + 100.0, "416300,350", ""),
    (4, "M4", "2356x00", E0 + 300.0, "số đọc sai"),
    (5, "M1", N0 + 200.0, E0, "trùng số hiệu"),
    (6, "Mốc 6", "2.356.000,000", "416.300,000", "góc Đông Nam"),
]
FIRST_DATA_ROW = len(TITLE) + 3  # titles, a blank row, the header: row 5 in Excel


def csv_text(value):
    return f"{value:.3f}".replace(".", ",") if isinstance(value, float) else str(value)


def write_csv(path, rows=ROWS):
    lines = [t + ";" * (len(HEADER) - 1) for t in TITLE] + [";" * (len(HEADER) - 1), ";".join(HEADER)]
    lines += [";".join(csv_text(v) for v in r) for r in rows]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


def fill(put, rows=ROWS):
    """Writes the table through put(row0, col0, value), 0-based."""
    for i, t in enumerate(TITLE):
        put(i, 0, t)
    head = len(TITLE) + 1
    for c, h in enumerate(HEADER):
        put(head, c, h)
    for r, row in enumerate(rows, start=head + 1):
        for c, v in enumerate(row):
            if v != "":
                put(r, c, v)


def write_xlsx(path, sheets):
    """sheets: [(name, rows or None for a sheet of notes)]"""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        if rows is None:
            ws["A1"] = "Ghi chú: tọa độ ở trang sau"
            continue
        fill(lambda r, c, v: ws.cell(row=r + 1, column=c + 1, value=v), rows)
    wb.save(path)


def write_xls(path, sheets):
    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets:
        ws = wb.add_sheet(name)
        if rows is None:
            ws.write(0, 0, "Ghi chú: tọa độ ở trang sau")
            continue
        fill(ws.write, rows)
    wb.save(str(path))


@pytest.fixture
def zones(tmp_path):
    path = tmp_path / "zones.shp"  # grid coordinates exactly (EPSG:9214 .prj)
    write_shapefile(path, [("KCN-A", ZONE_A, {})])
    return path


def check(zones, path, *extra):
    return run_json("markers", "check", "--zones", zones, "--markers", path, *extra)


def without_file(report, path):
    """The report with the sheet left out, the file's name replaced, and a
    sheet's "row N" in messages read as a CSV's "line N" (asserted apart)."""
    text = json.dumps({k: v for k, v in report.items() if k != "sheet"}, ensure_ascii=False, sort_keys=True)
    return json.loads(text.replace(str(path), "FILE").replace("first on row ", "first on line "))


def test_xlsx_xls_and_csv_give_the_same_check(tmp_path, zones):
    csv_path, xlsx_path, xls_path = tmp_path / "moc.csv", tmp_path / "moc.xlsx", tmp_path / "moc.xls"
    write_csv(csv_path)
    write_xlsx(xlsx_path, [("Mốc giới", ROWS)])
    write_xls(xls_path, [("Mốc giới", ROWS)])
    # recognised by content, not by name
    disguised = tmp_path / "moc-tu-excel.csv"
    disguised.write_bytes(xlsx_path.read_bytes())
    reports = {p: check(zones, p) for p in (csv_path, xlsx_path, xls_path, disguised)}
    expected = without_file(reports[csv_path], csv_path)
    for p in (xlsx_path, xls_path, disguised):
        assert reports[p]["sheet"] == "Mốc giới"
        assert without_file(reports[p], p) == expected, p
    assert "sheet" not in reports[csv_path]

    # and what they agree on is right: rows as Excel numbers them, the
    # distances GEOS gives, the bad rows named
    r = reports[xlsx_path]
    got = {m["id"]: m for m in r["markers"]}
    assert [m["id"] for m in r["markers"]] == ["M1", "M2", "M3", "Mốc 6"]
    assert [m["line"] for m in r["markers"]] == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1, FIRST_DATA_ROW + 2, FIRST_DATA_ROW + 5]
    for mid, x, y in [("M1", N0 + 0.02, E0 + 0.03), ("M2", N0 + 200, E0 + 300), ("M3", N0 + 100, E0 + 300.35), ("Mốc 6", N0, E0 + 300)]:
        m = got[mid]
        assert abs(m["x"] - x) < 1e-6 and abs(m["y"] - y) < 1e-6, m
        assert abs(m["distance_m"] - ZONE_A.boundary.distance(shapely.Point(y, x))) < 1e-3, m
        assert m["zone"] == "KCN-A"
    assert got["M3"]["status"] == "out-of-tolerance" and got["M1"]["status"] == "ok"
    rejected = {row["line"]: row for row in r["rejected_rows"]}
    assert sorted(rejected) == [FIRST_DATA_ROW + 3, FIRST_DATA_ROW + 4]
    assert "not a number" in rejected[FIRST_DATA_ROW + 3]["reason"]
    assert f"first on row {FIRST_DATA_ROW}" in rejected[FIRST_DATA_ROW + 4]["reason"]
    assert f"first on line {FIRST_DATA_ROW}" in reports[csv_path]["rejected_rows"][1]["reason"]


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_sheet_chosen_by_name(tmp_path, zones, kind):
    path = tmp_path / f"moc.{kind}"
    (write_xlsx if kind == "xlsx" else write_xls)(path, [("Ghi chú", None), ("Tọa độ", ROWS[:3])])
    csv_path = tmp_path / "moc.csv"
    write_csv(csv_path, ROWS[:3])
    # the first sheet has no table: the message names it
    p = run("markers", "check", "--zones", zones, "--markers", path, "--format", "json", check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert 'sheet "Ghi chú"' in p.stderr and "columns cannot be identified" in p.stderr and str(path) in p.stderr, p.stderr
    report = check(zones, path, "--sheet", "Tọa độ")
    assert report["sheet"] == "Tọa độ"
    assert without_file(report, path) == without_file(check(zones, csv_path), csv_path)


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_unknown_sheet_lists_the_sheets(tmp_path, zones, kind):
    path = tmp_path / f"moc.{kind}"
    (write_xlsx if kind == "xlsx" else write_xls)(path, [("Ghi chú", None), ("Tọa độ", ROWS[:3])])
    p = run("markers", "check", "--zones", zones, "--markers", path, "--sheet", "Sheet1", check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert 'has no sheet "Sheet1"; its sheets are "Ghi chú", "Tọa độ"' in p.stderr, p.stderr
    assert str(path) in p.stderr and "panicked" not in p.stderr


def test_sheet_given_for_a_csv_is_an_error(tmp_path, zones):
    path = tmp_path / "moc.csv"
    write_csv(path)
    p = run("markers", "check", "--zones", zones, "--markers", path, "--sheet", "Tọa độ", check=False)
    assert p.returncode == 2 and "leave out --sheet" in p.stderr, p.stderr


def test_bounds_of_a_sheet(tmp_path, zones):
    # data far below the table (row 200,001) in an .xlsx
    path = tmp_path / "far.xlsx"
    wb = openpyxl.Workbook()
    fill(lambda r, c, v: wb.active.cell(row=r + 1, column=c + 1, value=v), ROWS[:2])
    wb.active.cell(row=200_001, column=1, value="x")
    wb.save(path)
    p = run("markers", "check", "--zones", zones, "--markers", path, check=False)
    assert p.returncode == 2 and "row 200001, beyond row 200000" in p.stderr, p.stderr
    # an .xls whose cells span A1 to IV65536 (16.7 million cells once calamine
    # makes a grid of them) is refused before it is read
    path = tmp_path / "far.xls"
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("S")
    fill(ws.write, ROWS[:2])
    ws.write(65535, 255, 1.0)
    wb.save(str(path))
    p = run("markers", "check", "--zones", zones, "--markers", path, check=False)
    assert p.returncode == 2 and "span more than 2000000 cells" in p.stderr, p.stderr
    # not a workbook at all, though it starts like one
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    p = run("markers", "check", "--zones", zones, "--markers", path, check=False)
    assert p.returncode == 2 and "Excel workbook (.xlsx) that cannot be read" in p.stderr, p.stderr
    assert "panicked" not in p.stderr


def test_upload_of_an_xlsx_over_http(tmp_path):
    db = tmp_path / "r.db"
    token = add_user(db, "hoa", "surveyor")
    srv = Server(db).start()
    try:
        code, _, body = srv.request("GET", "/collections/zones/items?limit=1&grid_crs=EPSG:9214&crs="
                                    "http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F9214")
        assert code == 200, body
        zone = json.loads(body)["features"][0]
        e, n = zone["geometry"]["coordinates"][0][0][0]
        rows = [(1, "HT-1", f"{n:.3f}".replace(".", ","), e, "góc")]
        path = tmp_path / "upload.xlsx"
        write_xlsx(path, [("Ghi chú", None), ("Tọa độ", rows)])
        xlsx = path.read_bytes()
        ctype = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        code, _, body = srv.request("POST", "/markers/upload?sheet=Nope", xlsx, token=token, headers=ctype)
        assert code == 422 and 'its sheets are \\"Ghi chú\\", \\"Tọa độ\\"' in body.decode(), body
        code, _, body = srv.request("POST", "/markers/upload?sheet=" + "T%E1%BB%8Da%20%C4%91%E1%BB%99",
                                    xlsx, token=token, headers=ctype)
        assert code == 200, body
        r = json.loads(body)
        assert r["sheet"] == "Tọa độ" and r["rejected_rows"] == [] and r["batch"] is not None
        m = r["markers"][0]
        assert m["id"] == "HT-1" and m["line"] == FIRST_DATA_ROW and m["zone"] == zone["id"], m
        assert m["status"] == "ok" and m["distance_m"] < 1e-3, m
        # stored: the marker is served
        code, _, body = srv.request("GET", "/collections/markers/items?number=HT-1")
        assert code == 200 and json.loads(body)["features"][0]["properties"]["zone"] == zone["id"]
    finally:
        srv.stop()


def test_a_workbook_that_made_the_reader_panic_is_refused_quietly(tmp_path, zones, root):
    # found by the xlsx fuzz target: an .xls whose EXTERNSHEET record is
    # shorter than it says (calamine slices past its end); the first byte of a
    # fuzz input is the target's own
    data = (root / "fuzz/regressions/xlsx/panic-extern-sheet.xls.bin").read_bytes()[1:]
    path = tmp_path / "hong.xls"
    path.write_bytes(data)
    p = run("markers", "check", "--zones", zones, "--markers", path, check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert f"{path}: cannot be read as an Excel workbook (it is damaged)" in p.stderr, p.stderr
    assert "panicked" not in p.stderr, p.stderr
