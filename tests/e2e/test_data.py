"""The shipped data set, checked with shapely (GEOS) and pyproj (PROJ),
independently of the generator that made it."""

import json
import math

import pytest
import shapely
from conftest import FORMER_BAC_GIANG_FILE, ROOT, outline_wgs84
from pyproj import Transformer
from shapely.geometry import shape
from shapely.strtree import STRtree

TO_GRID = Transformer.from_crs("EPSG:4326", "EPSG:9214", always_xy=True)


def grid(geom):
    return shapely.transform(geom, lambda xy: list(zip(*TO_GRID.transform(xy[:, 0], xy[:, 1]))))


@pytest.fixture(scope="module")
def zones():
    fc = json.loads((ROOT / "data" / "zones.geojson").read_text(encoding="utf-8"))
    return {f["id"]: (f["properties"], grid(shape(f["geometry"]))) for f in fc["features"]}


@pytest.fixture(scope="module")
def province():
    # the province since 2025, dissolved from its communes (as the service uses it)
    return grid(outline_wgs84())


def test_every_boundary_is_illustrative_and_every_figure_has_a_basis(zones):
    for code, (p, _) in zones.items():
        assert p["geometry_source"] == "illustrative", code
        for basis in ("name_basis", "area_basis", "plan_basis"):
            assert p[basis] in ("sourced", "derived", "placeholder"), (code, basis)
        assert p["sources"], f"{code} cites no source"
        if "placeholder" in (p["name_basis"], p["area_basis"]) or p["area_basis"] == "derived":
            assert p.get("note"), f"{code}: a placeholder or derived figure must say how it was chosen"


def test_inside_the_province_and_of_the_declared_area(zones, province):
    for code, (p, g) in zones.items():
        assert g.is_valid, code
        assert province.contains(g), f"{code} is not inside the province"
        assert abs(g.area / 1e4 - p["declared_area_ha"]) / p["declared_area_ha"] < 0.005, code


def test_each_zone_in_its_former_province_and_of_its_area_in_its_grid(zones):
    """A zone of the Bắc Giang resolution lies in the former Bắc Giang; one of the
    former Bắc Ninh's plan lies outside it, is recorded in EPSG:9209, and has its
    declared area there (pyproj + GEOS)."""
    former = grid(outline_wgs84(FORMER_BAC_GIANG_FILE))
    to_wgs = Transformer.from_crs("EPSG:9214", "EPSG:4326", always_xy=True)
    to_bn = Transformer.from_crs("EPSG:4326", "EPSG:9209", always_xy=True)
    n_bn = 0
    for code, (p, g) in zones.items():
        if p.get("target_set", "bac-giang-2021-2030") == "bac-giang-2021-2030":
            assert former.contains(g), f"{code} is not in the former Bắc Giang"
            assert p.get("grid_crs", "EPSG:9214") == "EPSG:9214", code
            continue
        n_bn += 1
        assert p["target_set"] == "bac-ninh-2021-2030" and p["grid_crs"] == "EPSG:9209", code
        assert not former.intersection(g).area > 0, f"{code} lies in the former Bắc Giang"
        w = shapely.transform(g, lambda xy: list(zip(*to_wgs.transform(xy[:, 0], xy[:, 1]))))
        bn = shapely.transform(w, lambda xy: list(zip(*to_bn.transform(xy[:, 0], xy[:, 1]))))
        if p["plan_action"] != "merged":
            assert abs(bn.area / 1e4 - p["declared_area_ha"]) / p["declared_area_ha"] < 1e-4, (code, bn.area / 1e4)
    assert n_bn > 20, "the former Bắc Ninh's zones are shipped"


def test_no_overlaps_but_merged_ccn_inside_its_kcn(zones):
    codes = list(zones)
    geoms = [zones[c][1] for c in codes]
    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right):
        if i >= j:
            continue
        a, b = codes[i], codes[j]
        area = geoms[i].intersection(geoms[j]).area
        if area == 0:
            continue  # touching only
        pa, pb = zones[a][0], zones[b][0]
        pair = {a: pa, b: pb}
        merged = [c for c, p in pair.items() if p.get("plan_action") == "merged"]
        assert merged, f"{a} and {b} overlap by {area:.3f} m²"
        ccn = merged[0]
        host = pair[ccn]["merged_into"]
        assert host in pair, f"{ccn} overlaps a zone it is not merged into"
        assert zones[host][1].contains(zones[ccn][1]), f"{ccn} is not wholly inside {host}"


def test_expansion_parts_touch_their_zone_along_an_edge(zones):
    parts = {c: p for c, (p, _) in zones.items() if p["plan_action"] == "expansion"}
    assert parts
    for code, p in parts.items():
        a, b = zones[code][1], zones[p["expansion_of"]][1]
        assert a.touches(b), code
        assert a.intersection(b).length > 100, f"{code} touches its zone only at a point"


# Approximate district seats, as in data/registry.toml.
SEATS = {
    "Việt Yên": (106.105, 21.270), "Hiệp Hòa": (105.975, 21.355), "Yên Dũng": (106.245, 21.205),
    "TP. Bắc Giang": (106.195, 21.275), "Lạng Giang": (106.250, 21.360), "Lục Nam": (106.390, 21.310),
    "Tân Yên": (106.130, 21.400), "Lục Ngạn": (106.570, 21.370),
    "Yên Phong": (105.974, 21.208), "Quế Võ": (106.179, 21.141), "Tiên Du": (106.033, 21.115),
    "Từ Sơn": (105.960, 21.126), "Thuận Thành": (106.076, 21.037), "Gia Bình": (106.209, 21.075),
    "Lương Tài": (106.226, 21.023), "TP. Bắc Ninh": (106.074, 21.171),
}


def test_zones_lie_near_their_district(zones):
    for code, (p, g) in zones.items():
        district = (p.get("district_vi") or "").split(";")[0].strip()
        if district not in SEATS:
            continue
        x, y = TO_GRID.transform(*SEATS[district])
        d = math.dist((x, y), (g.centroid.x, g.centroid.y))
        assert d < 15_000, f"{code} is {d / 1000:.1f} km from {district}"


def test_counts_of_the_plan(zones):
    """The Bắc Giang resolution's counts, over the zones counted against it (the
    former Bắc Ninh's have their own target set)."""
    def n(kind, action):
        return sum(1 for p, _ in zones.values() if p["kind"] == kind and p["plan_action"] == action
                   and p.get("target_set", "bac-giang-2021-2030") == "bac-giang-2021-2030")

    assert (n("KCN", "existing"), n("KCN", "new")) == (6, 23)
    assert (n("CCN", "existing"), n("CCN", "new"), n("CCN", "merged"), n("CCN", "removed")) == (37, 29, 6, 9)
