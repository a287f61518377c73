"""Files in the legacy Vietnamese encodings offices still send: a shapefile
whose .dbf is in TCVN3 (ABC) with no .cpg, and surveyors' marker tables in
VNI-Windows and Windows-1258. The bytes come from references we did not
write: glibc's iconv (TCVN5712-1, CP1258) and UniKey's VNI-Windows table
(tests/reference/vni-windows-unikey.txt); names must come back as NFC."""

import json
import subprocess
import unicodedata

import shapefile
from conftest import ROOT, run, run_json
from fixtures import GRID, esri_wkt
from shapely import box
from shapely.geometry.polygon import orient

E0, N0 = 418_302.0, 2_355_878.0
ZONES = [
    # MA, TEN, DIENTICH (ha), LOAI, geometry in EPSG:9214
    ("KCN-ENC-1", "Khu công nghiệp Đình Trám", 4.0, "Khu công nghiệp", box(E0, N0, E0 + 200, N0 + 200)),
    ("CCN-ENC-2", "Cụm công nghiệp Hợp Thịnh mở rộng", 3.0, "Cụm công nghiệp",
     box(E0 + 400, N0, E0 + 700, N0 + 100)),
]


def nfc(s):
    return unicodedata.normalize("NFC", s)


def iconv(text, charset):
    """`text` in `charset`, as glibc's iconv writes it."""
    return subprocess.run(["iconv", "-f", "UTF-8", "-t", charset], input=text.encode("utf-8"),
                          capture_output=True, check=True, timeout=30).stdout


def vni(text):
    """`text` in VNI-Windows, letter by letter from UniKey's table."""
    table = {}
    for line in (ROOT / "tests/reference/vni-windows-unikey.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        u, w = (int(v, 16) for v in line.split())
        table[chr(u)] = bytes([w & 0xFF]) + (bytes([w >> 8]) if w >> 8 else b"")
    return b"".join(table.get(c) or c.encode("ascii") for c in nfc(text))


def write_dbf_bytes(path, zones, encode, cpg=None):
    """A shapefile (EPSG:9214 .prj) whose .dbf text is `encode(text)`, byte
    for byte (pyshp is given the bytes as Latin-1, which it writes back
    unchanged); no .cpg unless `cpg`."""
    w = shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="latin-1")
    w.field("MA", "C", size=20)
    w.field("TEN", "C", size=80)
    w.field("DIENTICH", "N", decimal=4, size=18)
    w.field("LOAI", "C", size=40)
    for code, name, area, kind, geom in zones:
        w.poly([[list(c) for c in orient(geom, sign=-1.0).exterior.coords]])
        w.record(code, encode(name).decode("latin-1"), area, encode(kind).decode("latin-1"))
    w.close()
    path.with_suffix(".prj").write_text(esri_wkt(GRID), encoding="ascii")
    if cpg:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")


def imported(tmp_path, shp, *args):
    db = tmp_path / "r.db"
    out = run("import", "--db", db, shp, *args)
    assert "imported 2 zone version(s)" in out.stderr, out.stderr
    exported = tmp_path / "out.geojson"
    run("export", "--db", db, "--format", "geojson", exported)
    fc = json.loads(exported.read_text(encoding="utf-8"))
    return out.stderr, {f["id"]: f["properties"] for f in fc["features"]}


def test_the_tcvn3_bytes_are_the_ones_the_abc_keyboard_types():
    assert iconv("Khu công nghiệp Đình Trám", "TCVN5712-1") == b"Khu c\xabng nghi\xd6p \xa7\xd7nh Tr\xb8m"


def test_a_tcvn3_dbf_without_cpg_is_detected_and_imported(tmp_path):
    shp = tmp_path / "zones.shp"
    write_dbf_bytes(shp, ZONES, lambda s: iconv(s, "TCVN5712-1"))
    assert not shp.with_suffix(".cpg").exists()
    assert b"Khu c\xabng nghi\xd6p \xa7\xd7nh Tr\xb8m" in shp.with_suffix(".dbf").read_bytes()
    stderr, got = imported(tmp_path, shp)
    assert "no .cpg; its text reads as TCVN3 (ABC); say --encoding if that is wrong" in stderr, stderr
    assert str(shp) in stderr
    for code, name, _, kind, _ in ZONES:
        assert got[code]["name_vi"] == nfc(name)
        assert got[code]["kind"] == code[:3]


def test_encoding_tcvn3_says_it_without_a_warning(tmp_path):
    shp = tmp_path / "zones.shp"
    write_dbf_bytes(shp, ZONES, lambda s: iconv(s, "TCVN5712-1"))
    stderr, got = imported(tmp_path, shp, "--encoding", "tcvn3")
    assert "no .cpg" not in stderr and "reads as" not in stderr, stderr
    assert got["KCN-ENC-1"]["name_vi"] == nfc("Khu công nghiệp Đình Trám")


def test_encoding_overrides_a_wrong_cpg(tmp_path):
    shp = tmp_path / "zones.shp"
    write_dbf_bytes(shp, ZONES, lambda s: iconv(s, "TCVN5712-1"), cpg="1252")
    stderr, got = imported(tmp_path, shp, "--encoding", "tcvn3")
    assert "--encoding TCVN3 (ABC) overrides the .cpg" in stderr, stderr
    assert got["KCN-ENC-1"]["name_vi"] == nfc("Khu công nghiệp Đình Trám")


def test_a_tcvn3_cpg_is_read(tmp_path):
    shp = tmp_path / "zones.shp"
    write_dbf_bytes(shp, ZONES, lambda s: iconv(s, "TCVN5712-1"), cpg="TCVN3")
    stderr, got = imported(tmp_path, shp)
    assert "reads as" not in stderr
    assert got["CCN-ENC-2"]["name_vi"] == nfc("Cụm công nghiệp Hợp Thịnh mở rộng")


def test_a_vni_dbf_without_cpg_is_detected(tmp_path):
    shp = tmp_path / "zones.shp"
    write_dbf_bytes(shp, ZONES, vni)
    stderr, got = imported(tmp_path, shp)
    assert "its text reads as VNI-Windows" in stderr, stderr
    assert got["KCN-ENC-1"]["name_vi"] == nfc("Khu công nghiệp Đình Trám")


def test_utf8_said_by_the_cpg_but_not_true_is_an_error_naming_record_and_field(tmp_path):
    shp = tmp_path / "zones.shp"
    write_dbf_bytes(shp, ZONES, lambda s: iconv(s, "TCVN5712-1"), cpg="UTF-8")
    p = run("area", shp, check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert str(shp) in p.stderr and "record 1, field TEN" in p.stderr and "not UTF-8" in p.stderr, p.stderr
    assert "--encoding" in p.stderr and "panicked" not in p.stderr


# marker tables: (id, X = northing, Y = easting, note)
MARKERS = [
    ("Mốc 1", N0 + 0.02, E0 + 0.03, "Mốc bê tông cũ"),
    ("Mốc 2", N0 + 200.0, E0 + 200.0, "Đã đo lại theo hệ tọa độ VN-2000"),
    ("Mốc 3", N0 + 100.0, E0 + 200.35, "Cọc gỗ, người dân đã nhổ"),
]


def marker_table():
    lines = ["Số hiệu mốc;X (m);Y (m);Ghi chú"]
    lines += [f"{i};{x:.3f};{y:.3f};{n}".replace(".", ",") for i, x, y, n in MARKERS]
    return "\r\n".join(lines) + "\r\n"


def zones_shp(tmp_path):
    shp = tmp_path / "zones.shp"
    write_dbf_bytes(shp, ZONES, lambda s: s.encode("utf-8"), cpg="UTF-8")
    return shp


def check_markers(tmp_path, data, *args):
    path = tmp_path / "survey.csv"
    path.write_bytes(data)
    report = run_json("markers", "check", "--zones", zones_shp(tmp_path), "--markers", path, *args)
    assert report["rejected_rows"] == []
    return path, report


def test_a_vni_marker_table_is_detected(tmp_path):
    path, report = check_markers(tmp_path, vni(marker_table()))
    assert [m["id"] for m in report["markers"]] == [nfc(m[0]) for m in MARKERS]
    assert f"{path}: not UTF-8; its text reads as VNI-Windows; say --encoding if that is wrong" in report["warnings"]


def test_a_windows_1258_marker_table_is_detected_and_composed(tmp_path):
    data = iconv(marker_table(), "CP1258")
    assert b"M\xf4\xecc 1" in data  # glibc writes ố as ô + combining acute
    path, report = check_markers(tmp_path, data)
    assert [m["id"] for m in report["markers"]] == [nfc(m[0]) for m in MARKERS]
    assert any("its text reads as Windows-1258" in w for w in report["warnings"]), report["warnings"]


def test_encoding_flag_on_markers_check(tmp_path):
    _, report = check_markers(tmp_path, iconv(marker_table(), "CP1258"), "--encoding", "cp1258")
    assert [m["id"] for m in report["markers"]] == [nfc(m[0]) for m in MARKERS]
    assert not any("reads as" in w for w in report["warnings"])


def test_encoding_utf8_on_a_legacy_file_is_refused(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(vni(marker_table()))
    p = run("markers", "check", "--zones", zones_shp(tmp_path), "--markers", path, "--encoding", "utf-8", check=False)
    assert p.returncode == 2 and str(path) in p.stderr and "not UTF-8" in p.stderr, p.stderr
