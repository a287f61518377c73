"""Bad input: a message naming the file, the feature and what is wrong; exit
status 2; nothing on standard output."""

import json

import pytest
from conftest import run

SQUARE = [[106.2, 21.3], [106.21, 21.3], [106.21, 21.31], [106.2, 21.31], [106.2, 21.3]]


def fc(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def feature(geometry, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


CASES = {
    "not-geojson.geojson": ("Số hiệu mốc;X (m);Y (m)\nM1;2356377,9;416802,3\n", "not a GeoJSON FeatureCollection"),
    "truncated.geojson": ('{"type": "FeatureCollection", "features": [', "not a GeoJSON FeatureCollection"),
    "null-geometry.geojson": (fc(feature({"type": "Polygon", "coordinates": [SQUARE]}, code="A"), feature(None, code="B")),
                              "feature #2 (B): has no geometry"),
    "no-code.geojson": (fc(feature({"type": "Polygon", "coordinates": [SQUARE]})), "feature #1: has no code"),
    "unclosed.geojson": (fc(feature({"type": "Polygon", "coordinates": [SQUARE[:-1]]}, code="A")), "exterior ring is not closed"),
    "grid-metres.geojson": (fc(feature({"type": "Polygon", "coordinates": [[[416802, 2356377], [416902, 2356377], [416902, 2356477], [416802, 2356377]]]}, code="A")),
                            "outside WGS84's range"),
    "point.geojson": (fc(feature({"type": "Point", "coordinates": [106.2, 21.3]}, code="A")), "Polygon or MultiPolygon"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_area_refuses_with_a_message(tmp_path, name):
    text, expected = CASES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    proc = run("area", path, "--format", "json", check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "", "no partial output"
    assert str(path) in proc.stderr and expected in proc.stderr, proc.stderr
    assert "panicked" not in proc.stderr


def test_missing_file(tmp_path):
    proc = run("area", tmp_path / "nope.geojson", check=False)
    assert proc.returncode == 2 and "nope.geojson" in proc.stderr


def test_latin1_file(tmp_path):
    path = tmp_path / "latin1.geojson"
    path.write_bytes('{"type":"FeatureCollection","features":[],"name":"Bắc"}'.encode("utf-8").replace("ắ".encode(), b"\xe9"))
    proc = run("area", path, check=False)
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr


def test_report_with_a_broken_registry(tmp_path):
    path = tmp_path / "zones.geojson"
    path.write_text(fc(feature({"type": "Polygon", "coordinates": [SQUARE]}, code="A", kind="KCN")), encoding="utf-8")
    proc = run("report", "--zones", path, check=False)
    assert proc.returncode == 2 and "feature #1 (A): properties" in proc.stderr, proc.stderr
