"""Vector tiles (OGC API – Tiles) over the real binary, decoded by decoders we
did not write: the `mapbox-vector-tile` package and GDAL's MVT driver
(`ogr2ogr`). The tile over a zone is found with the slippy-map formulas of the
OpenStreetMap wiki, its outline is compared with the zone's GeoJSON outline
projected by pyproj (PROJ) within one pixel of a 256-pixel tile, and the
tileset metadata is checked against the structure OGC API – Tiles 1.0 and the
Two Dimensional Tile Matrix Set standard (2.0) require.

Writes: a planner's draft is never in an anonymous caller's tile; a PUT that
moves a zone changes the ETag and content of the tiles it left and entered
(in the planners' view at once, in the public view once approved) and of no
other tile; an approved withdrawal takes it out of its tile."""

import hashlib
import json
import math
import subprocess

import mapbox_vector_tile
import numpy as np
import pytest
from pyproj import Transformer
from shapely.geometry import Point, shape
import shapely

from service import Server, add_user

TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
HALF = 20037508.342789244  # WebMercatorQuad's half width (OGC 2DTMS Annex D)
SHIPPED = "KCN-DINH-TRAM"
TILES = "/collections/zones/tiles/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"


def tile_of(lon, lat, z):
    """(row, col) of the tile holding lon/lat (OpenStreetMap wiki's formulas)."""
    n = 2 ** z
    col = int((lon + 180.0) / 360.0 * n)
    row = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return row, col


def tile_bounds(z, row, col):
    """[minx, miny, maxx, maxy] in EPSG:3857."""
    size = 2 * HALF / 2 ** z
    minx, maxy = -HALF + col * size, HALF - row * size
    return minx, maxy - size, minx + size, maxy


def deepest_tile_holding(geom, deepest=16):
    """(z, row, col) of the deepest tile (≤ `deepest`) holding the whole box."""
    w, s, e, n = geom.bounds
    for z in range(deepest, -1, -1):
        if tile_of(w, n, z) == tile_of(e, s, z):
            return (z, *tile_of(w, n, z))
    raise AssertionError("no tile holds it")


def decode(body):
    """{code: feature} of the `zones` layer, geometry in tile units, y down."""
    layers = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    assert set(layers) == {"zones"}, layers.keys()
    assert layers["zones"]["extent"] == 4096
    return {f["properties"]["code"]: f for f in layers["zones"]["features"]}


def to_mercator_shape(geometry, z, row, col):
    """A decoded geometry (tile units, y down) as a shapely shape in EPSG:3857."""
    minx, _, maxx, maxy = tile_bounds(z, row, col)
    unit = (maxx - minx) / 4096
    return shapely.transform(shape(geometry), lambda c: c * [unit, -unit] + [minx, maxy])


def outline_3857(feature_json):
    return shapely.transform(shape(feature_json["geometry"]), lambda c: np.column_stack(TO_3857.transform(c[:, 0], c[:, 1])))


def get_tile(s, z, row, col, token=None, headers=None):
    return s.request("GET", f"{TILES}/{z}/{row}/{col}", token=token, headers=headers)


def square(lon, lat, half=0.0004):
    ring = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half)]
    return {"type": "Polygon", "coordinates": [[list(c) for c in ring + [ring[0]]]]}


def zone_feature(code, geometry):
    return {"type": "Feature", "properties": {"code": code, "kind": "CCN", "name": f"Thử nghiệm {code}", "plan_action": "new"},
            "geometry": geometry}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("tiles") / "registry.db"
    tokens = {role: add_user(db, f"tiles-{role}", role) for role in ("planner", "admin", "surveyor")}
    s = Server(db).start()
    try:
        yield s, tokens
    finally:
        s.stop()


def test_the_tile_over_a_zone_holds_it_with_its_properties_and_outline(world, tmp_path):
    s, _ = world
    st, _, body = s.request("GET", f"/collections/zones/items/{SHIPPED}")
    assert st == 200
    item = json.loads(body)
    z, row, col = deepest_tile_holding(shape(item["geometry"]))
    assert z >= 12, z
    st, h, tile = get_tile(s, z, row, col)
    assert st == 200 and h["content-type"] == MVT, (st, h)
    features = decode(tile)
    f = features[SHIPPED]
    p = item["properties"]
    assert f["properties"] == {"code": SHIPPED, "kind": p["kind"], "plan_action": p["plan_action"], "status": "approved",
                               "geometry_source": p["geometry_source"]}
    assert p["geometry_source"] == "illustrative"
    assert f["type"] in ("Polygon", "MultiPolygon") or f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    pixel = (2 * HALF / 2 ** z) / 256
    decoded = to_mercator_shape(f["geometry"], z, row, col)
    expected = outline_3857(item)
    assert decoded.is_valid
    assert decoded.hausdorff_distance(expected) < pixel, (decoded.hausdorff_distance(expected), pixel)
    assert abs(decoded.area - expected.area) < 0.01 * expected.area

    # GDAL's MVT driver, told the tile's address, reads it in EPSG:3857
    path = tmp_path / "tile.pbf"
    path.write_bytes(tile)
    out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", str(path), "zones",
                          "-oo", f"Z={z}", "-oo", f"X={col}", "-oo", f"Y={row}", "-oo", "CLIP=NO"],
                         capture_output=True, text=True, timeout=60, check=True)
    by_gdal = {g["properties"]["code"]: g for g in json.loads(out.stdout)["features"]}
    assert set(by_gdal) == set(features)
    g = by_gdal[SHIPPED]
    assert g["properties"]["kind"] == p["kind"] and g["properties"]["status"] == "approved"
    assert shape(g["geometry"]).hausdorff_distance(expected) < pixel


def test_every_shipped_zone_is_in_the_z10_tiles_over_it(world):
    s, _ = world
    st, _, body = s.request("GET", "/collections/zones/items?limit=1000")
    items = json.loads(body)["features"]
    assert len(items) > 100
    seen, wanted = {}, set()
    for it in items:
        w, south, e, n = shape(it["geometry"]).bounds
        r, c = tile_of((w + e) / 2, (south + n) / 2, 10)
        if (r, c) not in seen:
            st, _, tile = get_tile(s, 10, r, c)
            assert st == 200
            seen[(r, c)] = decode(tile)
        assert it["id"] in seen[(r, c)], it["id"]
        wanted.add(it["id"])
    # and no tile holds a zone that is not served
    assert set().union(*(set(f) for f in seen.values())) <= wanted


def test_every_shipped_outline_is_drawn_within_a_pixel(world):
    """Each shipped zone in the deepest tile (up to 16) that holds it whole,
    decoded and set beside its GeoJSON outline projected by pyproj."""
    s, _ = world
    items = json.loads(s.request("GET", "/collections/zones/items?limit=1000")[2])["features"]
    worst = 0.0
    for it in items:
        z, row, col = deepest_tile_holding(shape(it["geometry"]))
        st, _, tile = get_tile(s, z, row, col)
        assert st == 200, it["id"]
        got = to_mercator_shape(decode(tile)[it["id"]]["geometry"], z, row, col)
        pixel = (2 * HALF / 2 ** z) / 256
        d = got.hausdorff_distance(outline_3857(it))
        assert d < pixel, (it["id"], z, d, pixel)
        worst = max(worst, d / pixel)
    assert worst > 0  # compared, not skipped


def test_etag_304_cache_control_and_empty_tiles(world):
    s, tokens = world
    row, col = tile_of(106.2, 21.3, 8)
    st, h, body = get_tile(s, 8, row, col)
    assert st == 200 and body
    etag = h["etag"]
    # the SHA-256 of the bytes (weak: the same tile also goes out compressed)
    assert etag == f'W/"{hashlib.sha256(body).hexdigest()[:32]}"', etag
    assert h["cache-control"].startswith("public, max-age=")
    st, h2, body2 = get_tile(s, 8, row, col, headers={"If-None-Match": etag})
    assert st == 304 and body2 == b"" and h2["etag"] == etag
    # the same request again is the same bytes and the same ETag
    st, h3, body3 = get_tile(s, 8, row, col)
    assert body3 == body and h3["etag"] == etag
    # a planner's tile is never stored by a cache
    st, h4, _ = get_tile(s, 8, row, col, token=tokens["planner"])
    assert st == 200 and "no-store" in h4["cache-control"] and "private" in h4["cache-control"]
    # the middle of the Pacific: no zone, 204 with a validator
    row, col = tile_of(-150.0, 0.0, 8)
    st, h, body = get_tile(s, 8, row, col)
    assert st == 204 and body == b"" and h["etag"] == f'W/"{hashlib.sha256(b"").hexdigest()[:32]}"'
    # and far from the working plane's meridian, at a deep zoom
    st, _, _ = get_tile(s, 8, row, col, headers={"If-None-Match": h["etag"]})
    assert st == 304
    assert get_tile(s, 18, *tile_of(-150.0, 0.0, 18))[0] == 204
    # HEAD answers too
    st, h, body = s.request("HEAD", f"{TILES}/0/0/0")
    assert st == 200 and body == b"" and h["etag"]


@pytest.mark.parametrize("path,param", [
    ("23/0/0", "tileMatrix"), ("-1/0/0", "tileMatrix"), ("a/0/0", "tileMatrix"), ("99999999999/0/0", "tileMatrix"),
    ("3/8/0", "tileRow"), ("3/0/8", "tileCol"), ("3/-1/0", "tileRow"), ("3/0/1.5", "tileCol"), ("0/1/0", "tileRow"),
    ("22/4194304/0", "tileRow"),
])
def test_a_bad_tile_address_is_400_naming_the_parameter(world, path, param):
    s, _ = world
    st, h, body = s.request("GET", f"{TILES}/{path}")
    assert st == 400, (path, st, body)
    assert h["content-type"].startswith("application/problem+json")
    assert param in json.loads(body)["detail"]


def test_an_unknown_tile_matrix_set_is_404(world):
    s, _ = world
    for path in ("/collections/zones/tiles/WorldCRS84Quad", "/collections/zones/tiles/WorldCRS84Quad/0/0/0",
                 "/tileMatrixSets/WorldCRS84Quad"):
        st, _, body = s.request("GET", path)
        assert st == 404 and "WebMercatorQuad" in json.loads(body)["detail"], path


def links(doc, rel):
    return [link for link in doc["links"] if link["rel"] == rel]


def test_tileset_metadata_has_what_ogc_api_tiles_requires(world):
    s, _ = world
    # conformance (OGC API – Tiles 1.0, Annex A)
    conf = json.loads(s.request("GET", "/conformance")[2])["conformsTo"]
    for c in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt"):
        assert f"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}" in conf
    # the collection links to its tilesets (/req/geodata-tilesets/tilesets-list-link)
    coll = json.loads(s.request("GET", "/collections/zones")[2])
    [tl] = links(coll, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector")
    assert tl["href"].endswith("/collections/zones/tiles")
    # the tilesets list: each item has dataType, links (self, tiling-scheme) and crs
    lst = json.loads(s.request("GET", "/collections/zones/tiles")[2])
    [item] = lst["tilesets"]
    assert item["dataType"] == "vector" and item["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert item["tileMatrixSetURI"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    [self_link] = links(item, "self")
    assert links(item, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")
    # the tileset (/req/tileset/tileset-description): dataType, crs, links
    # with self, tiling-scheme and a templated item link
    st, h, body = s.request("GET", self_link["href"].split(str(s.port), 1)[1])
    assert st == 200
    ts = json.loads(body)
    for key in ("dataType", "crs", "links"):
        assert key in ts
    assert ts["tileMatrixSetURI"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    assert links(ts, "self")
    [tms_link] = links(ts, "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")
    [template] = links(ts, "item")
    assert template["templated"] is True and template["type"] == MVT
    assert template["href"].endswith("/{tileMatrix}/{tileRow}/{tileCol}")
    [layer] = ts["layers"]
    assert layer["id"] == "zones" and layer["dataType"] == "vector"
    props = layer["propertiesSchema"]["properties"]
    assert set(props) >= {"code", "kind", "plan_action", "status", "geometry_source"}
    # the enums say what the shipped zones carry
    shipped = json.loads(s.request("GET", "/collections/zones/items?limit=1000")[2])["features"]
    for key in ("kind", "plan_action", "geometry_source"):
        assert {f["properties"][key] for f in shipped} <= set(props[key]["enum"]), key
    # the template works
    url = template["href"].replace("{tileMatrix}", "0").replace("{tileRow}", "0").replace("{tileCol}", "0")
    st, h, body = s.request("GET", url.split(str(s.port), 1)[1])
    assert st == 200 and h["content-type"] == MVT and SHIPPED in decode(body)
    # the tile matrix set (OGC 2DTMS 2.0 JSON; WebMercatorQuad, Annex D)
    tms = json.loads(s.request("GET", tms_link["href"].split(str(s.port), 1)[1])[2])
    assert tms["id"] == "WebMercatorQuad" and tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert tms["uri"] == "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    assert len(tms["tileMatrices"]) == 25
    for z, m in enumerate(tms["tileMatrices"]):
        for key in ("id", "scaleDenominator", "cellSize", "pointOfOrigin", "tileWidth", "tileHeight", "matrixWidth", "matrixHeight"):
            assert key in m, key
        assert m["id"] == str(z) and m["matrixWidth"] == m["matrixHeight"] == 2 ** z
        assert m["pointOfOrigin"] == pytest.approx([-20037508.3427892, 20037508.3427892])
    # Annex D's table: level 0 scale 559082264.0287178, cell 156543.0339280410
    assert tms["tileMatrices"][0]["scaleDenominator"] == pytest.approx(559082264.0287178, rel=1e-12)
    assert tms["tileMatrices"][0]["cellSize"] == pytest.approx(156543.0339280410, rel=1e-12)
    assert tms["tileMatrices"][18]["scaleDenominator"] == pytest.approx(2132.7295838497840, rel=1e-12)
    listed = json.loads(s.request("GET", "/tileMatrixSets")[2])
    assert [t["id"] for t in listed["tileMatrixSets"]] == ["WebMercatorQuad"]


def codes_in(s, z, rc, token=None):
    st, h, body = get_tile(s, z, *rc, token=token)
    assert st in (200, 204), (st, body)
    return (set(decode(body)) if st == 200 else set()), h["etag"]


def test_an_anonymous_caller_never_sees_a_draft(world):
    s, tokens = world
    lon, lat = 106.2106, 21.2916  # inside the province, away from the shipped zones
    st, _, body = s.request("POST", "/collections/zones/items", zone_feature("CCN-TILE-DRAFT", square(lon, lat)),
                            token=tokens["planner"])
    assert st == 201, body
    for z in (8, 12, 15, 17):
        rc = tile_of(lon, lat, z)
        mine, _ = codes_in(s, z, rc, token=tokens["planner"])
        assert "CCN-TILE-DRAFT" in mine, z
        st, _, body = get_tile(s, z, *rc, token=tokens["planner"])
        assert decode(body)["CCN-TILE-DRAFT"]["properties"]["status"] == "draft"
        for token in (None, tokens["surveyor"]):
            st, _, body = get_tile(s, z, *rc, token=token)
            assert b"CCN-TILE-DRAFT" not in body and "Thử nghiệm".encode() not in body, (z, token)
    # a token that is not valid is refused, never served as anonymous
    st, _, _ = get_tile(s, 12, *tile_of(lon, lat, 12), token="zt_not-a-token")
    assert st == 401


def test_a_move_changes_exactly_the_tiles_it_left_and_entered(world):
    s, tokens = world
    planner, admin = tokens["planner"], tokens["admin"]
    z = 15
    # three tiles in a row, west to east; the zone moves from the first to the third
    lon, lat = 106.2321, 21.3102
    a = tile_of(lon, lat, z)
    b, c = (a[0], a[1] + 1), (a[0], a[1] + 2)
    def centre(rc):
        minx, miny, maxx, maxy = tile_bounds(z, *rc)
        return Point(TO_3857.transform((minx + maxx) / 2, (miny + maxy) / 2, direction="INVERSE"))

    ca, cc = centre(a), centre(c)
    code = "CCN-TILE-MOVE"
    st, h, body = s.request("POST", "/collections/zones/items", zone_feature(code, square(ca.x, ca.y, 0.001)), token=planner)
    assert st == 201, body
    st, h, body = s.request("POST", f"/collections/zones/items/{code}/approve", {"decision": "QĐ thử 1"}, token=admin,
                            headers={"If-Match": h["etag"], "Content-Type": "application/json"})
    assert st == 200, body
    before = {rc: codes_in(s, z, rc) for rc in (a, b, c)}
    before_planner = {rc: codes_in(s, z, rc, token=planner) for rc in (a, b, c)}
    assert code in before[a][0] and code not in before[b][0] and code not in before[c][0]
    st, h, _ = s.request("GET", f"/collections/zones/items/{code}", token=planner)
    st, h, body = s.request("PUT", f"/collections/zones/items/{code}", zone_feature(code, square(cc.x, cc.y, 0.001)),
                            token=planner, headers={"If-Match": h["etag"]})
    assert st == 200, body
    # planners see the draft at once: the tile it left and the one it entered change
    after_planner = {rc: codes_in(s, z, rc, token=planner) for rc in (a, b, c)}
    assert code not in after_planner[a][0] and code in after_planner[c][0]
    assert after_planner[a][1] != before_planner[a][1] and after_planner[c][1] != before_planner[c][1]
    assert after_planner[b] == before_planner[b]
    # the public still sees the approved version, tile for tile
    assert {rc: codes_in(s, z, rc) for rc in (a, b, c)} == before
    # once approved, the public's tiles change the same way, and no other
    st, h, body = s.request("POST", f"/collections/zones/items/{code}/approve", {"decision": "QĐ thử 2"}, token=admin,
                            headers={"If-Match": h["etag"], "Content-Type": "application/json"})
    assert st == 200, body
    after = {rc: codes_in(s, z, rc) for rc in (a, b, c)}
    assert code not in after[a][0] and code in after[c][0]
    assert after[a][1] != before[a][1] and after[c][1] != before[c][1]
    assert after[b] == before[b]
    # the old ETag of the tile entered no longer matches: a full answer
    st, _, body = get_tile(s, z, *c, headers={"If-None-Match": before[c][1]})
    assert st == 200 and code in decode(body)
    # and the moved outline is where the PUT put it
    st, _, body = s.request("GET", f"/collections/zones/items/{code}")
    moved = outline_3857(json.loads(body))
    st, _, tile = get_tile(s, z, *c)
    got = to_mercator_shape(decode(tile)[code]["geometry"], z, *c)
    assert got.hausdorff_distance(moved) < (2 * HALF / 2 ** z) / 256

    # a withdrawal: proposed (a draft), the public tile keeps the zone; once
    # approved, the zone leaves the tile and its ETag changes
    st, h, _ = s.request("GET", f"/collections/zones/items/{code}", token=planner)
    st, h, body = s.request("DELETE", f"/collections/zones/items/{code}", token=planner, headers={"If-Match": h["etag"]})
    assert st == 202, body
    assert codes_in(s, z, c) == after[c]
    st, _, body = s.request("POST", f"/collections/zones/items/{code}/approve", {"decision": "QĐ thu hồi"}, token=admin,
                            headers={"If-Match": planners_etag(s, code, planner), "Content-Type": "application/json"})
    assert st == 204, body
    gone = codes_in(s, z, c)
    assert code not in gone[0] and gone[1] != after[c][1]
    assert codes_in(s, z, b) == after[b]


def test_the_outline_check_would_see_a_tile_drawn_upside_down(world):
    """The comparison above is not blind: the same tile read with y up (a
    decoder's default) is far from the outline."""
    s, _ = world
    item = json.loads(s.request("GET", f"/collections/zones/items/{SHIPPED}")[2])
    z, row, col = deepest_tile_holding(shape(item["geometry"]))
    tile = get_tile(s, z, row, col)[2]
    up = mapbox_vector_tile.decode(tile)["zones"]["features"]
    [f] = [f for f in up if f["properties"]["code"] == SHIPPED]
    wrong = to_mercator_shape(f["geometry"], z, row, col)
    assert wrong.hausdorff_distance(outline_3857(item)) > 10 * (2 * HALF / 2 ** z) / 256


def planners_etag(s, code, token):
    """The ETag of the planners' current version of a zone."""
    st, h, _ = s.request("GET", f"/collections/zones/items/{code}", token=token)
    assert st == 200
    return h["etag"]
