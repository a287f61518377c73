"""DXF drawings (issue 13): three zones of Bắc Giang drawn in EPSG:9214 as an
LWPOLYLINE with a bulge, a POLYLINE with bulges and a HATCH with arc edges and
an island (tests/fixtures/dxf/make.py, written with ezdxf).

`zoning area` must give, per zone, the area GDAL's DXF driver gives
(`ogr2ogr -f GeoJSON -nlt POLYGON`, areas by shapely in the grid) within
1 m², and the area of ezdxf's own reading of the entities (its paths
flattened to 0.1 mm, shapely) within 1 m². GDAL draws arcs with a chord every
4° by default, which loses tens of m² on a 300 m radius: it is asked for a
chord every 0.01° (OGR_ARC_STEPSIZE), which leaves under 0.01 m².
"""

import json
import os
import subprocess
from functools import reduce

import ezdxf
import ezdxf.path
import pytest
from conftest import ROOT, run
from shapely.geometry import Point, Polygon, shape

FIX = ROOT / "tests" / "fixtures" / "dxf"
DXF = FIX / "zones.dxf"
BIN = FIX / "zones-bin.dxf"
CODES = {"KCN-DINH-TRAM", "KCN-QUANG-CHAU", "KCN-VAN-TRUNG"}


def gdal_zones(path, tmp_path):
    """GDAL's polygons on layer KCN, each with the code GDAL reads from the
    text (or block attribute) point inside it."""
    out = tmp_path / "gdal.geojson"
    env = dict(os.environ, OGR_ARC_STEPSIZE="0.01")
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), str(path), "-nlt", "POLYGON"],
                   env=env, check=True, capture_output=True, timeout=120)
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    polys = [shape(f["geometry"]) for f in feats
             if f["geometry"] and f["geometry"]["type"] == "Polygon" and f["properties"]["Layer"] == "KCN"]
    texts = [(f["properties"]["Text"], shape(f["geometry"])) for f in feats
             if f["geometry"] and f["geometry"]["type"] == "Point" and f["properties"].get("Text") in CODES]
    zones = {}
    for p in polys:
        codes = {t for t, pt in texts if p.contains(pt)}
        assert len(codes) == 1, codes
        zones[codes.pop()] = p
    return zones


def ezdxf_zones(path):
    """ezdxf's reading: each boundary entity on layer KCN as a shapely polygon
    (a hatch's paths even–odd), with the code of the text inside it."""
    doc = ezdxf.readfile(path)
    msp = doc.modelspace()

    def ring(p):
        return Polygon([(v.x, v.y) for v in p.flattening(distance=0.0001)])

    polys = []
    for e in msp.query("LWPOLYLINE POLYLINE HATCH[layer=='KCN']"):
        if e.dxftype() == "HATCH":
            rings = [ring(p) for p in ezdxf.path.from_hatch(e)]
            polys.append(reduce(lambda a, b: a.symmetric_difference(b), rings))
        elif e.is_closed:
            polys.append(ring(ezdxf.path.make_path(e)))
    labels = [(t.dxf.text, Point(t.dxf.insert.x, t.dxf.insert.y)) for t in msp.query("TEXT")]
    labels += [(t.plain_text(), Point(t.dxf.insert.x, t.dxf.insert.y)) for t in msp.query("MTEXT")]
    for ins in msp.query("INSERT"):
        labels += [(a.dxf.text, Point(ins.dxf.insert.x, ins.dxf.insert.y)) for a in ins.attribs if a.dxf.tag == "MA"]
    zones = {}
    for p in polys:
        codes = {t for t, pt in labels if t in CODES and p.contains(pt)}
        assert len(codes) == 1, codes
        zones[codes.pop()] = p
    return zones


def zoning_areas(path, *extra):
    out = run("area", str(path), "--crs", "EPSG:9214", "--format", "json", *extra)
    return {f["code"]: f for f in json.loads(out.stdout)["features"]}, out.stderr


@pytest.mark.parametrize("path", [DXF, BIN], ids=["ascii", "binary"])
def test_areas_agree_with_gdal_and_ezdxf(path, tmp_path):
    ours, stderr = zoning_areas(path, "--layer", "KCN")
    assert set(ours) == CODES, ours
    gdal = gdal_zones(DXF, tmp_path)
    ref = ezdxf_zones(DXF)
    assert set(gdal) == CODES and set(ref) == CODES
    for code in CODES:
        a = ours[code]["grid_area_ha"] * 10_000
        assert ours[code]["grid_crs"] == "EPSG:9214"
        assert abs(a - gdal[code].area) < 1.0, (code, a, gdal[code].area)
        assert abs(a - ref[code].area) < 1.0, (code, a, ref[code].area)
    # the island of the hatch is a hole, not a zone
    assert len(gdal["KCN-VAN-TRUNG"].interiors) == 1
    # the road on GIAO_THONG is not read and, with --layer KCN, not named
    assert "GIAO_THONG" not in stderr, stderr


def test_every_layer_without_layer_and_unclosed_named(tmp_path):
    ours, stderr = zoning_areas(DXF)
    assert set(ours) == CODES
    assert "(layer GIAO_THONG, line " in stderr and "is not closed" in stderr, stderr


def test_layer_that_matches_nothing_lists_the_layers():
    out = run("area", str(DXF), "--crs", "EPSG:9214", "--layer", "RANH_GIOI", check=False)
    assert out.returncode != 0
    assert "no layer \"RANH_GIOI\"" in out.stderr, out.stderr
    assert "KCN (3 closed boundaries)" in out.stderr and "GIAO_THONG (1 other entity)" in out.stderr, out.stderr
    assert "panicked" not in out.stderr


@pytest.mark.parametrize("crs", [None, "EPSG:4326", "EPSG:32648"])
def test_crs_is_required_and_a_legal_grid(crs):
    args = ["area", str(DXF)] + (["--crs", crs] if crs else [])
    out = run(*args, check=False)
    assert out.returncode != 0
    assert "zones.dxf" in out.stderr and "EPSG:9214" in out.stderr and "EPSG:9209" in out.stderr, out.stderr
    assert "--crs" in out.stderr


def test_import_into_a_fresh_registry(tmp_path):
    db = tmp_path / "r.db"
    base = ["import", "--db", str(db), str(DXF), "--layer", "KCN", "--field", "kind=LAYER", "--field", "name_vi=TEXT2"]
    out = run(*base, check=False)
    assert out.returncode != 0 and "--crs" in out.stderr and not db.exists(), out.stderr
    out = run(*base, "--crs", "EPSG:9214")
    assert "imported 3 zone version(s)" in out.stderr, out.stderr
    exported = tmp_path / "out.geojson"
    run("export", "--db", str(db), "--format", "geojson", str(exported))
    by_code = {f["id"]: f["properties"] for f in json.loads(exported.read_text(encoding="utf-8"))["features"]}
    assert set(by_code) == CODES
    names = {c: p["name_vi"] for c, p in by_code.items()}
    assert names == {
        # the block's TEN attribute
        "KCN-DINH-TRAM": "Khu công nghiệp Đình Trám",
        # the second TEXT, the second MTEXT (its line break a space)
        "KCN-QUANG-CHAU": "Khu công nghiệp Quang Châu",
        "KCN-VAN-TRUNG": "Khu công nghiệp Vân Trung",
    }
    assert all(p["kind"] == "KCN" for p in by_code.values())
    ref = ezdxf_zones(DXF)
    for code, p in by_code.items():
        assert abs(p["grid_area_ha"] * 10_000 - ref[code].area) < 1.0, (code, p["grid_area_ha"])
