"""`zoning import` of a shapefile whose features have only a code, a kind and
a name (as an office exports one from QGIS: EPSG:9214 with a `.prj`): it is
taken, with the defaults a POST gives, and the file's zones are checked."""

import json
import subprocess

from conftest import run, zoning_bin
from fixtures import GRID
from shapely.geometry import mapping, shape
from shapely import box

E0, N0 = 418_302.0, 2_355_878.0


def test_a_shapefile_with_code_kind_and_name_only_is_imported(tmp_path):
    squares = [("CCN-SHP-A", "CCN", "Cụm công nghiệp Thử A", box(E0, N0, E0 + 200, N0 + 200)),
               ("KCN-SHP-B", "KCN", "Khu công nghiệp Thử B", box(E0 + 150, N0, E0 + 450, N0 + 300))]
    src = tmp_path / "grid.geojson"
    src.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9214"}},
        "features": [{"type": "Feature", "properties": {"code": c, "kind": k, "name": n}, "geometry": mapping(g)}
                     for c, k, n, g in squares]}, ensure_ascii=False), encoding="utf-8")
    shp = tmp_path / "zones.shp"
    # GDAL writes the shapefile, its .prj (EPSG:9214) and a UTF-8 .cpg
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-a_srs", GRID, "-lco", "ENCODING=UTF-8", str(shp), str(src)],
                   check=True, capture_output=True, timeout=60)
    db = tmp_path / "r.db"
    out = run("import", "--db", str(db), str(shp))
    assert "imported 2 zone version(s)" in out.stderr, out.stderr
    # the overlap of the two is found and stored with both
    assert "finding: overlap" in out.stderr, out.stderr
    exported = tmp_path / "out.geojson"
    run("export", "--db", str(db), "--format", "geojson", str(exported))
    fc = json.loads(exported.read_text(encoding="utf-8"))
    by_code = {f["id"]: f for f in fc["features"]}
    assert set(by_code) == {"CCN-SHP-A", "KCN-SHP-B"}
    for code, kind, name, g in squares:
        p = by_code[code]["properties"]
        assert p["kind"] == kind and p["name_vi"] == name
        assert p["plan_action"] == "new" and p["geometry_source"] == "digitised"
        assert p["area_basis"] == "derived"
        assert abs(p["declared_area_ha"] - g.area / 10_000) < 5e-5, (p["declared_area_ha"], g.area)
        assert abs(p["grid_area_ha"] - g.area / 10_000) < 1e-6
