"""Field mapping as offices' files need it: the usual Vietnamese DBF names
(MA, TEN_KCN, DT_M2, DIENTICH, LOAI) recognised, `--field PROP=FIELD` for the
unusual ones, the declared area in m² or ha, the warning for a factor of
10,000, and `--skip-bad`. The shapefiles are written by pyshp; areas are
checked with shapely in the grid; what was stored is read back by export."""

import json

import shapefile
from shapely import box

from conftest import PG, run, run_json
from fixtures import esri_wkt, reproject
from shapely.geometry import mapping
from service import Server, add_user

E0, N0 = 418_302.0, 2_355_878.0


def write(path, fields, rows):
    """rows: (geometry in EPSG:9214, [values])."""
    w = shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="utf-8")
    for name, kind, size, dec in fields:
        w.field(name, kind, size=size, decimal=dec)
    for geom, values in rows:
        w.poly([list(geom.exterior.coords)[::-1]])
        w.record(*values)
    w.close()
    path.with_suffix(".prj").write_text(esri_wkt("EPSG:9214"), encoding="ascii")
    path.with_suffix(".cpg").write_text("UTF-8", encoding="ascii")


def exported(tmp_path, db):
    out = tmp_path / "out.geojson"
    run("export", "--db", db, "--format", "geojson", out)
    return {f["id"]: f["properties"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]}


A = box(E0, N0, E0 + 400, N0 + 300)  # 12 ha
B = box(E0 + 1_000, N0, E0 + 1_500, N0 + 200)  # 10 ha


def test_vietnamese_field_names_are_recognised_and_said(tmp_path):
    shp = tmp_path / "kcn.shp"
    write(shp, [("MA", "C", 20, 0), ("TEN_KCN", "C", 80, 0), ("DT_M2", "N", 18, 2), ("LOAI", "C", 40, 0)],
          [(A, ["KCN-TEST-A", "Khu công nghiệp Thử A", A.area, "Khu công nghiệp"]),
           (B, ["CCN-TEST-B", "Cụm công nghiệp Thử B", B.area, "Cụm công nghiệp"])])
    db = tmp_path / "r.db"
    out = run("import", "--db", db, shp)
    for said in ("field MA → code", "field TEN_KCN → name_vi", "field DT_M2 → declared_area_ha", "field LOAI → kind"):
        assert said in out.stderr, out.stderr
    got = exported(tmp_path, db)
    assert set(got) == {"KCN-TEST-A", "CCN-TEST-B"}
    assert got["KCN-TEST-A"]["kind"] == "KCN" and got["CCN-TEST-B"]["kind"] == "CCN"
    assert got["KCN-TEST-A"]["name_vi"] == "Khu công nghiệp Thử A"
    # m² (the field's name says) into ha
    assert abs(got["KCN-TEST-A"]["declared_area_ha"] - A.area / 10_000) < 1e-6
    assert abs(got["CCN-TEST-B"]["declared_area_ha"] - B.area / 10_000) < 1e-6


def test_unusual_names_with_field_and_area_unit(tmp_path):
    shp = tmp_path / "odd.shp"
    write(shp, [("SO_KH", "C", 20, 0), ("TEN_CU", "C", 80, 0), ("S_QH", "N", 18, 2), ("NHOM", "C", 10, 0)],
          [(A, ["KCN-ODD-A", "Khu công nghiệp Lạ", A.area, "KCN"])])
    area = run_json("area", shp, "--field", "code=SO_KH", "--field", "name_vi=TEN_CU,declared_area_ha=S_QH",
                    "--field", "kind=NHOM", "--area-unit", "m2")
    zone = area["features"][0]
    assert zone["code"] == "KCN-ODD-A"
    db = tmp_path / "r.db"
    out = run("import", "--db", db, shp, "--field", "code=SO_KH", "--field", "name_vi=TEN_CU",
              "--field", "declared_area_ha=S_QH", "--field", "kind=NHOM", "--area-unit", "m2")
    assert "field S_QH → declared_area_ha (--field), in m2" in out.stderr, out.stderr
    p = exported(tmp_path, db)["KCN-ODD-A"]
    assert p["name_vi"] == "Khu công nghiệp Lạ" and p["kind"] == "KCN"
    assert abs(p["declared_area_ha"] - A.area / 10_000) < 1e-6
    # a --field naming a field no feature has is an error naming it
    bad = run("import", "--db", tmp_path / "r2.db", shp, "--field", "name_vi=TEN_MOI", check=False)
    assert bad.returncode != 0 and "TEN_MOI" in bad.stderr, bad.stderr
    # a bad mapping is refused with an example
    bad = run("area", shp, "--field", "TEN_CU", check=False)
    assert bad.returncode != 0 and "PROP=FIELD" in bad.stderr


def test_area_said_in_ha_but_given_in_m2_is_warned(tmp_path):
    shp = tmp_path / "m2.shp"
    write(shp, [("MA", "C", 20, 0), ("TEN", "C", 80, 0), ("DT_HA", "N", 18, 2), ("LOAI", "C", 10, 0)],
          [(A, ["KCN-M2-A", "Khu công nghiệp Thử", A.area, "KCN"])])
    out = run("check", shp, "--format", "json", check=False)
    assert "10,000" in out.stderr or "10000" in out.stderr, out.stderr


def test_import_refuses_all_or_skips_the_bad_with_skip_bad(tmp_path):
    shp = tmp_path / "mixed.shp"
    write(shp, [("MA", "C", 20, 0), ("TEN", "C", 80, 0), ("LOAI", "C", 10, 0)],
          [(A, ["KCN-GOOD", "Khu công nghiệp Tốt", "KCN"]),
           (B, ["CCN-NO-KIND", "Cụm không loại", "?"])])
    db = tmp_path / "r.db"
    out = run("import", "--db", db, shp, check=False)
    assert out.returncode != 0
    assert "CCN-NO-KIND" in out.stderr, out.stderr
    assert "nothing was imported" in out.stderr and "--skip-bad" in out.stderr
    if PG:  # the database exists before the import; it holds no zone after it
        assert exported(tmp_path, db) == {}
    else:
        assert not db.exists() or exported(tmp_path, db) == {}
    out = run("import", "--db", db, shp, "--skip-bad")
    assert "CCN-NO-KIND" in out.stderr
    assert set(exported(tmp_path, db)) == {"KCN-GOOD"}


def test_http_fields_and_area_unit(tmp_path):
    db = tmp_path / "r.db"
    shp_like = {"type": "Feature", "properties": {"SO_KH": "KCN-HTTP-A", "TEN_CU": "Khu công nghiệp Mạng",
                                                  "S_QH": A.area, "LOAI": "Khu công nghiệp"},
                "geometry": mapping(reproject(A, "EPSG:9214", "EPSG:4326"))}
    server = Server(db)
    token = add_user(db, "planner", "planner")
    server.start()
    try:
        status, _, body = server.request(
            "POST", "/collections/zones/items?fields=code=SO_KH,name_vi=TEN_CU,declared_area_ha=S_QH&area_unit=m2",
            body=shp_like, token=token)
        assert status == 201, body
        p = json.loads(body)["properties"]
        assert p["name_vi"] == "Khu công nghiệp Mạng" and p["kind"] == "KCN"
        assert abs(p["declared_area_ha"] - A.area / 10_000) < 1e-4, p
        status, _, body = server.request("POST", "/validate?area_unit=acres", body=shp_like, token=token)
        assert status == 400 and b"area_unit" in body
    finally:
        server.stop()
