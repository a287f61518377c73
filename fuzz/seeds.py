"""Writes the fuzzers' seed inputs into fuzz/seeds/<target>/ (committed).

Usage: .venv/bin/python fuzz/seeds.py

Seeds are small valid inputs of each kind, made with the same helpers as the
end-to-end tests (tests/e2e/fixtures.py) and from the shipped data, so that
libFuzzer starts from inputs that reach deep into each parser.
"""

import io
import json
import struct
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from shapely.geometry import Polygon, box  # noqa: E402

from fixtures import esri_wkt, write_geojson, write_shapefile  # noqa: E402

OUT = ROOT / "fuzz" / "seeds"
E, N = 416_000.0, 2_356_000.0
ZONES = [
    ("KCN-A", box(E, N, E + 300, N + 200), {"name": "KCN Quang Châu", "declared_area_ha": 6.0}),
    ("CCN-B", Polygon([(E + 250, N), (E + 500, N), (E + 500, N + 150), (E + 250, N + 150)],
                      [[(E + 400, N + 50), (E + 450, N + 50), (E + 450, N + 100), (E + 400, N + 100)]]),
     {"name": "CCN Đồng Đinh", "merged_into": "KCN-A"}),
]


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_geojson(tmp / "z.geojson", ZONES)
        geojson = (tmp / "z.geojson").read_text(encoding="utf-8")
        write("geojson", "two-zones.geojson", geojson)
        shipped = json.loads((ROOT / "data" / "zones.geojson").read_text(encoding="utf-8"))
        shipped["features"] = shipped["features"][:3]
        write("geojson", "shipped-3.geojson", json.dumps(shipped, ensure_ascii=False))
        for crs in ("EPSG:9214", "EPSG:3405"):
            # Windows-1258 writes tones as combining marks, as Vietnamese offices do
            # (a name whose letters all exist precomposed in the code page)
            nfd = [(c, g, {**p, "name": unicodedata.normalize("NFD", "Đình Trám")}) for c, g, p in ZONES]
            write_shapefile(tmp / "z.shp", nfd, crs=crs, cpg="1258", encoding="cp1258")
            parts = [(tmp / f"z.{e}").read_bytes() for e in ("shp", "shx", "dbf", "prj", "cpg")]
            write("shapefile", f"two-zones-{crs.replace(':', '')}.bin",
                  b"".join(struct.pack("<I", len(p)) + p for p in parts))
            write("prj", f"{crs.replace(':', '')}.prj", esri_wkt(crs))
        # uploads: a zipped shapefile, a KML and its KMZ, GeoJSON
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for e in ("shp", "shx", "dbf", "prj", "cpg"):
                z.write(tmp / f"z.{e}", f"ranh-gioi/z.{e}")
        write("upload", "zipped-shapefile.zip", buf.getvalue())
        kml = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
               '<Placemark><name>KCN-FUZZ</name><ExtendedData><Data name="TEN"><value>Khu công nghiệp</value></Data>'
               '</ExtendedData><Polygon><outerBoundaryIs><LinearRing><coordinates>106.2,21.3,0 106.21,21.3,0 '
               '106.21,21.31,0 106.2,21.3,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>'
               '</Document></kml>')
        write("upload", "zone.kml", kml)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", kml)
        write("upload", "zone.kmz", buf.getvalue())
        write("upload", "two-zones.geojson", geojson)
    write("prj", "epsg.txt", "EPSG:9214")
    write("prj", "proj-string.txt", "+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 "
                                    "+towgs84=-191.904,-39.303,-111.450,-0.00928836,0.01975479,-0.00427372,0.252906278 +units=m")
    csv_vi = "\ufeffSố hiệu mốc;X (m);Y (m);H (m);Ngày đo;Ghi chú\r\nM1;2356000,012;416000,004;12,5;2026-11-02;góc TB\r\n" \
             "M2;2356200,000;416300,100;;;\r\nM3;abc;416000;;;\r\n"
    csv_en = "id,x,y\nM1,2356000.01,416000.00\nM2,416300.1,2356200.0\n"
    # first byte: the CRS (0 = EPSG:9214)
    write("marker_csv", "vi.csv", b"\x00" + csv_vi.encode("utf-8"))
    write("marker_csv", "en.csv", b"\x80" + csv_en.encode("utf-8"))
    # the DXF drawings of tests/e2e/test_dxf.py (tests/fixtures/dxf/make.py)
    for name in ("zones.dxf", "zones-bin.dxf"):
        write("dxf", name, (ROOT / "tests" / "fixtures" / "dxf" / name).read_bytes())
    # first byte: bit 1 asks for the sheet "Tọa độ" (fuzz_targets/xlsx.rs)
    import io

    import openpyxl
    import xlwt
    table = [["BẢNG TỌA ĐỘ MỐC GIỚI"], [], ["Tên mốc", "X (m)", "Y (m)", "Ngày đo"],
             ["M1", "2356000,012", 416000.004, "2026-11-02"], ["M2", 2356200.0, "416300,1", None]]
    wb = openpyxl.Workbook()
    wb.active.title = "Ghi chú"
    ws = wb.create_sheet("Tọa độ")
    for r in table:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    write("xlsx", "two-sheets.xlsx", b"\x02" + buf.getvalue())
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Tọa độ")
    for i, r in enumerate(table):
        for j, v in enumerate(r):
            if v is not None:
                ws.write(i, j, v)
    buf = io.BytesIO()
    wb.save(buf)
    write("xlsx", "one-sheet.xls", b"\x01" + buf.getvalue())
    # first byte: the request (see REQUESTS in fuzz_targets/http.rs)
    feature = json.loads(geojson)["features"][0]
    feature["id"] = "KCN-FUZZ"
    body = json.dumps(feature, ensure_ascii=False).encode("utf-8")
    for i, data in [(0, body), (1, body), (2, b'{"properties": {"name": "KCN Quang Ch\xc3\xa2u"}}'), (3, body),
                    (4, csv_vi.encode("utf-8")), (5, json.dumps({"type": "Feature", "id": "M9", "properties": {"zone": "KCN-QUANG-CHAU"},
                                                                 "geometry": {"type": "Point", "coordinates": [106.2, 21.3]}}).encode()),
                    (6, b"limit=5&bbox=106,21,107,22&datetime=2026-01-01T00:00:00Z&kind=KCN"),
                    (7, b"limit=10&offset=2"), (8, b"tolerance_m=0.2&search_radius_m=10&crs=EPSG:3405"),
                    (9, b"f=csv")]:
        write("http", f"request-{i}.bin", bytes([i]) + data)
    dbf_text()


def dbf_text():
    """Vietnamese text in each legacy encoding, as glibc's iconv and UniKey's
    VNI table (tests/reference/vni-windows-unikey.txt) write it."""
    import subprocess

    text = "Khu công nghiệp Đình Trám\nCỤM CÔNG NGHIỆP HỢP THỊNH\nSố hiệu mốc;X (m);Y (m);Ghi chú\n"
    for charset, name in (("TCVN5712-1", "tcvn3.txt"), ("VISCII", "viscii.txt"), ("CP1258", "cp1258.txt")):
        data = subprocess.run(["iconv", "-f", "UTF-8", "-t", charset], input=text.encode("utf-8"),
                              capture_output=True, check=True).stdout
        write("dbf_text", name, data)
    vni = {}
    for line in (ROOT / "tests/reference/vni-windows-unikey.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            u, w = (int(v, 16) for v in line.split())
            vni[chr(u)] = bytes([w & 0xFF]) + (bytes([w >> 8]) if w >> 8 else b"")
    write("dbf_text", "vni.txt", b"".join(vni.get(c) or c.encode("ascii") for c in unicodedata.normalize("NFC", text)))
    write("dbf_text", "utf8.txt", text)


if __name__ == "__main__":
    main()
