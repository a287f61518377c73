"""`zoning area` against GEOS (shapely) and PROJ/GeographicLib (pyproj)."""

import pytest
from areas import reference_areas
from conftest import ROOT, run_json

REL = 1e-6  # the bound; measured agreement is about 1e-12

FILES = [
    ROOT / "tests" / "fixtures" / "areas.geojson",
    ROOT / "data" / "province" / "bac-giang-province.geojson",
    ROOT / "data" / "zones.geojson",
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_areas_agree_with_geos_and_geographiclib(path):
    expected = reference_areas(path)
    got = {f["code"]: f for f in run_json("area", path)["features"]}
    assert set(got) == set(expected)
    worst = 0.0
    for code, (grid_ha, geodesic_ha) in expected.items():
        g = got[code]
        for mine, ref in ((g["grid_area_ha"], grid_ha), (g["geodesic_area_ha"], geodesic_ha)):
            rel = abs(mine - ref) / ref
            worst = max(worst, rel)
            assert rel < REL, f"{code}: {mine} vs reference {ref} (relative {rel:.2e})"
    print(f"{path.name}: worst relative difference {worst:.2e}")


def test_orientation_does_not_change_the_area():
    got = {f["code"]: f for f in run_json("area", FILES[0])["features"]}
    # the clockwise square with a counter-clockwise hole is positive and smaller than its shell
    assert 0 < got["CW-WITH-HOLE"]["grid_area_ha"] < 500


def test_table_is_for_people():
    from conftest import run

    out = run("area", FILES[0]).stdout
    assert "EPSG:9214" in out and "CW-WITH-HOLE" in out
