"""The draft-leak walk: a planner's drafts (created, edited, withdrawn) and a
proposed withdrawal of an approved zone must not show anywhere the public
reads: every GET route that `GET /api` lists (with its documented query
variants), the exports (the shapefile's .dbf and .shp read back), the report,
and `POST /validate`. The public is an anonymous caller and a surveyor.

Each secret (codes, names, an ASCII token in the names, the drafts'
coordinates as the server writes them in WGS84 and in the grid) is first
shown to be visible to the planner, so the detector is known to work.

A withdrawal of an approved zone is a draft until an admin approves it: the
zone stays public (200) until then, 404 after, and its public history is
[approved…, retired] with no draft."""

import io
import json
import math
import re
import time
import urllib.parse
import zipfile
from datetime import datetime, timezone

import pytest
import shapefile
from conftest import ROOT
from pyproj import Transformer
from service import Server, add_user

TO_GRID = Transformer.from_crs(4326, 9214, always_xy=True)
GRID_URI = "http://www.opengis.net/def/crs/EPSG/0/9214"
SHIPPED = json.loads((ROOT / "data" / "zones.geojson").read_text(encoding="utf-8"))
# the province's box (WGS84), for bbox queries
PROVINCE_BBOX = "105.87,20.96,107.04,21.63"  # the province since 2025, with a margin

# Lon/lat with distinctive 7th decimals; the 8th is 2, so that writing them
# rounded or cut to 7 decimals gives the same text. About lon 106.215, lat
# 21.295: inside the province, a kilometre from any shipped zone.
SECRET_1 = [(106.21471822, 21.29531412), (106.21663342, 21.29531412), (106.21663342, 21.29685952), (106.21471822, 21.29685952)]
SECRET_1_EDITED = [(106.21473562, 21.29533742), (106.21687392, 21.29533742), (106.21687392, 21.29691282), (106.21473562, 21.29691282)]
SECRET_2 = [(106.21764952, 21.29536682), (106.21897612, 21.29536682), (106.21897612, 21.29648472), (106.21764952, 21.29648472)]
ABSENT = "CCN-ABSENT-9"


def polygon(corners):
    ring = [list(c) for c in corners] + [list(corners[0])]
    return {"type": "Polygon", "coordinates": [ring]}


def wgs84_texts(corners):
    return {f"{v:.8f}"[:-1] for c in corners for v in c}


def grid_texts(corners):
    """The grid coordinates cut to millimetres (the server writes 0.1 mm)."""
    out = set()
    for lon, lat in corners:
        for v in TO_GRID.transform(lon, lat):
            assert abs((v * 1e4) % 1 - 0.5) > 0.01, f"{v} is too near a rounding boundary for a stable text; move the corner"
            out.add(f"{v:.4f}"[:-1])
    return out


def feature(code, name, corners, **props):
    return {"type": "Feature", "properties": {"code": code, "kind": "CCN", "name": name, **props}, "geometry": polygon(corners)}


def json_forms(text):
    """The text as it may appear in a body: raw, JSON-escaped (\\uXXXX), percent-encoded."""
    return {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=True)[1:-1], urllib.parse.quote(text)}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    db = tmp_path_factory.mktemp("vis") / "registry.db"
    planner = add_user(db, "vis-planner", "planner")
    admin = add_user(db, "vis-admin", "admin")
    surveyor = add_user(db, "vis-surveyor", "surveyor")
    s = Server(db).start()
    try:
        codes = {f["id"] for f in SHIPPED["features"]}
        linked = {f["properties"].get(k) for f in SHIPPED["features"] for k in ("merged_into", "expansion_of")}
        withdrawn = sorted(c for c in codes if c not in linked and c.startswith("CCN-"))[0]
        kept = sorted(c for c in codes if c != withdrawn)[0]
        yield {"server": s, "planner": planner, "admin": admin, "surveyor": surveyor, "withdrawn": withdrawn, "kept": kept}
    finally:
        s.stop()


@pytest.fixture(scope="module")
def drafts(world):
    s, planner = world["server"], world["planner"]
    log = {}
    # two drafts
    st, h1, body = s.request("POST", "/collections/zones/items", feature("CCN-SECRET-1", "Bí mật một XQZSECRETA", SECRET_1), token=planner)
    assert st == 201, body
    st, h2, body = s.request("POST", "/collections/zones/items", feature("CCN-SECRET-2", "Bí mật hai XQZSECRETB", SECRET_2), token=planner)
    assert st == 201, body
    # edit one (PUT)
    st, h1b, body = s.request("PUT", "/collections/zones/items/CCN-SECRET-1",
                              feature("CCN-SECRET-1", "Bí mật một đã sửa XQZSECRETC", SECRET_1_EDITED),
                              token=planner, headers={"If-Match": h1["etag"]})
    assert st == 200, body
    # withdraw the other: never approved, so retired at once
    st, _, body = s.request("DELETE", "/collections/zones/items/CCN-SECRET-2", token=planner, headers={"If-Match": h2["etag"]})
    assert st == 204, body
    log["secret-2-deleted"] = body
    # propose the withdrawal of an approved (shipped) zone
    code = world["withdrawn"]
    st, h, _ = s.request("GET", f"/collections/zones/items/{code}", token=planner)
    assert st == 200
    st, hw, body = s.request("DELETE", f"/collections/zones/items/{code}", token=planner, headers={"If-Match": h["etag"]})
    assert st == 202, (st, body)
    assert json.loads(body)["properties"].get("withdrawal_proposed") is True
    log["withdrawal-etag"] = hw["etag"]
    time.sleep(1.1)  # `datetime` of the walk is after every write
    return log


def secret_groups():
    """{what: the texts that would show it}."""
    groups = {c: {c} for c in ("CCN-SECRET-1", "CCN-SECRET-2", "XQZSECRET", "withdrawal_proposed")}
    for name in ("Bí mật một", "Bí mật hai", "Bí mật một đã sửa"):
        groups[name] = json_forms(name)
    for label, corners in (("SECRET_1", SECRET_1), ("SECRET_1_EDITED", SECRET_1_EDITED), ("SECRET_2", SECRET_2)):
        for t in wgs84_texts(corners):
            groups[f"{label} WGS84 {t}"] = {t}
        for t in grid_texts(corners):
            groups[f"{label} grid {t}"] = {t}
    return groups


def secrets():
    return set().union(*secret_groups().values())


def leaks(body, texts):
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    return sorted(t for t in texts if t in text)


def test_the_planner_sees_every_secret(world, drafts):
    """The detector works: each secret is in what the planner reads (the grid
    form of the current version only: the history is WGS84)."""
    s, planner = world["server"], world["planner"]
    seen = ""
    for path in ("/collections/zones/items/CCN-SECRET-1/history", "/collections/zones/items/CCN-SECRET-2/history",
                 f"/collections/zones/items/{world['withdrawn']}/history",
                 "/collections/zones/items/CCN-SECRET-1?crs=" + urllib.parse.quote(GRID_URI, safe="")):
        st, _, body = s.request("GET", path, token=planner)
        assert st == 200, (path, body)
        seen += body.decode("utf-8")
    unseen = [what for what, forms in secret_groups().items()
              if not any(f in seen for f in forms) and not re.match(r"SECRET_(1|2) grid", what)]
    assert not unseen, f"the planner does not see {unseen}: the detector would miss them"
    # and the list reads of the walk do carry drafts, for a planner
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    for q in ("limit=10000", f"datetime={now}&limit=10000", f"bbox={PROVINCE_BBOX}&limit=10000",
              "crs=" + urllib.parse.quote(GRID_URI, safe="") + "&limit=10000"):
        st, _, body = s.request("GET", "/collections/zones/items?" + q, token=planner)
        assert st == 200 and b"CCN-SECRET-1" in body and b"withdrawal_proposed" in body, q


def routes(api):
    """(path template, parameter names, {name: enum}) of every GET route."""
    comps = api.get("components", {}).get("parameters", {})
    out = []
    for path, ops in api["paths"].items():
        op = ops.get("get")
        if not op:
            continue
        names, enums = [], {}
        for p in op.get("parameters", []) + ops.get("parameters", []):
            if "$ref" in p:
                p = comps[p["$ref"].rsplit("/", 1)[1]]
            names.append(p["name"])
            if p.get("in") == "query" and "enum" in p.get("schema", {}):
                enums[p["name"]] = p["schema"]["enum"]
        out.append((path, names, enums))
    return out


def expand(path, feature_ids):
    paths = [path]
    if "{collectionId}" in path:
        paths = [p.replace("{collectionId}", c) for p in paths for c in ("zones", "markers", "province")]
    if "{featureId}" in path:
        paths = [p.replace("{featureId}", f) for p in paths for f in feature_ids]
    if "{tileMatrixSetId}" in path:
        paths = [p.replace("{tileMatrixSetId}", "WebMercatorQuad") for p in paths]
    if "{tileMatrix}" in path:
        # the tiles over the drafts, from the whole world down to a street
        lon, lat = SECRET_1[0]
        tiles = [f"{z}/{int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** z)}/{int((lon + 180) / 360 * 2 ** z)}"
                 for z in (0, 6, 10, 14, 16, 18)]
        paths = [p.replace("{tileMatrix}/{tileRow}/{tileCol}", t) for p in paths for t in tiles]
    return paths


def variants(names, enums, now):
    qs = [""]
    for name, values in enums.items():
        qs += [f"{name}={urllib.parse.quote(str(v))}" for v in values]
    if "datetime" in names:
        qs.append(f"datetime={now}")
        qs.append(f"datetime={now}&limit=10000")
    if "crs" in names:
        qs.append(f"crs={urllib.parse.quote(GRID_URI, safe='')}")
    if "bbox" in names:
        qs.append(f"bbox={PROVINCE_BBOX}&limit=10000")
        qs.append(f"bbox={PROVINCE_BBOX}&limit=10000&crs={urllib.parse.quote(GRID_URI, safe='')}")
    if "limit" in names:
        qs.append("limit=10000")
    if "status" in names:
        qs += ["status=draft&limit=10000", "status=retired&limit=10000"]
    if "name_vi" in names:
        qs.append("name_vi=" + urllib.parse.quote("Bí mật một đã sửa XQZSECRETC"))
    if "zone" in names:
        qs.append("zone=CCN-SECRET-1")
    if "max_spacing_m" in names:
        qs.append("max_spacing_m=5&f=csv")
    return qs


def normalised(body, url, asked):
    """The body without what the request itself put in it: its query string,
    the codes it asked for, and the time of the answer."""
    text = body.decode("utf-8", errors="replace")
    text = re.sub(r'"timeStamp":"[^"]*"', '"timeStamp":""', text)
    if "?" in url:
        q = url.split("?", 1)[1]
        for form in sorted({q, urllib.parse.unquote(q), q.replace("&", "&amp;")}, key=len, reverse=True):
            text = text.replace(form, "<query>")
    for c in asked:
        text = text.replace(c, "<asked>").replace(urllib.parse.quote(c), "<asked>")
    return text


def asked_for(url):
    return [c for c in ("CCN-SECRET-1", "CCN-SECRET-2", "XQZSECRETC") if c in urllib.parse.unquote(url)]


def check_dbf_and_shp(body, texts, problems, where):
    z = zipfile.ZipFile(io.BytesIO(body))
    members = {n.rsplit(".", 1)[-1].lower(): z.read(n) for n in z.namelist()}
    assert {"shp", "shx", "dbf", "prj"} <= set(members), z.namelist()
    for ext, data in members.items():
        found = leaks(data, texts)
        if found:
            problems.append((where + f" ({ext})", 200, found))
    r = shapefile.Reader(shp=io.BytesIO(members["shp"]), shx=io.BytesIO(members["shx"]), dbf=io.BytesIO(members["dbf"]), encoding="utf-8")
    codes = {rec["code"] for rec in r.records()}
    if codes & {"CCN-SECRET-1", "CCN-SECRET-2"}:
        problems.append((where + " (records)", 200, sorted(codes & {"CCN-SECRET-1", "CCN-SECRET-2"})))
    corners = [TO_GRID.transform(lon, lat) for c in (SECRET_1, SECRET_1_EDITED, SECRET_2) for lon, lat in c]
    for shp in r.shapes():
        for x, y in shp.points:
            if any(abs(x - e) < 1.0 and abs(y - n) < 1.0 for e, n in corners):
                problems.append((where + " (a vertex at a secret corner)", 200, [(x, y)]))
                return


@pytest.fixture(scope="module")
def walk(world, drafts):
    """Every public GET, anonymous and as a surveyor: [(who, url, status, body)]."""
    s = world["server"]
    st, _, body = s.request("GET", "/api")
    assert st == 200
    api = json.loads(body)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    feature_ids = ["CCN-SECRET-1", "CCN-SECRET-2", world["withdrawn"], world["kept"], ABSENT,
                   "CCN-SECRET-1:1", f"{world['kept']}:1"]
    urls = []
    for path, names, enums in routes(api):
        for p in expand(path, feature_ids):
            for q in variants(names, enums, now):
                urls.append(p + ("?" + q if q else ""))
    # documented in docs/api.md, whether or not the OpenAPI lists them
    urls += ["/?f=html", "/report?f=csv", "/report?f=html", "/report?f=json", "/export/zones.geojson", "/export/zones.zip",
             "/collections/markers/items?zone=CCN-SECRET-1", f"/collections/markers/items?zone={world['kept']}&limit=10000",
             "/collections/markers/items?check_status=ok&limit=10000", "/collections/zones/items?kind=CCN&limit=10000",
             "/collections/zones/items?plan_action=new&limit=10000", "/collections/zones/items?area_basis=derived&limit=10000",
             "/collections/zones/items?geometry_source=digitised&limit=10000",
             "/collections/zones/items/CCN-SECRET-1/stakeout?f=json", "/collections/zones/items/CCN-SECRET-1/stakeout?f=csv"]
    results = []
    for who, token in (("anonymous", None), ("surveyor", world["surveyor"])):
        for url in dict.fromkeys(urls):
            st, headers, body = s.request("GET", url, token=token)
            results.append((who, url, st, headers, body))
    return results


def test_no_public_get_shows_a_draft(world, walk):
    s = world["server"]
    texts = secrets()
    problems = []
    assert len(walk) > 100
    paths = {u.split("?")[0] for _, u, _, _, _ in walk}
    for must in ("/collections/zones/items", "/collections/zones/items/CCN-SECRET-1/history", "/export/zones.zip", "/report",
                 "/collections/zones/items/CCN-SECRET-1/stakeout", "/collections/markers/items"):
        assert must in paths, f"{must} was not walked"
    for who, url, st, headers, body in walk:
        assert st < 500, (who, url, st, body)
        named = asked_for(url)
        if named:
            # a secret in the request may be echoed ("zone X not found", the
            # `self` link), but the answer must be the one for a code that
            # never existed
            absent_url = url
            for c in named:
                absent_url = absent_url.replace(c, ABSENT)
            st2, _, body2 = s.request("GET", absent_url, token=world["surveyor"] if who == "surveyor" else None)
            norm, norm2 = normalised(body, url, named), normalised(body2, absent_url, [ABSENT])
            if (st, norm) != (st2, norm2):
                problems.append((who, url, st, f"differs from {absent_url} ({st2}): {norm[:300]!r} vs {norm2[:300]!r}"))
            body = norm.encode()
        found = leaks(body, texts)
        if found:
            problems.append((who, url, st, found))
        if url.startswith("/export/zones.zip") and st == 200:
            check_dbf_and_shp(body, texts, problems, f"{who} {url}")
    assert not problems, "\n".join(map(str, problems[:30]))


def test_public_lists_hold_the_shipped_zones_only(world, walk):
    """The walk's item lists are the shipped zones: the withdrawal is only
    proposed, so the zone is still listed."""
    for who, url, st, _, body in walk:
        if url in ("/collections/zones/items?limit=10000", f"/collections/zones/items?bbox={PROVINCE_BBOX}&limit=10000"):
            assert st == 200
            page = json.loads(body)
            ids = {f["id"] for f in page["features"]}
            assert ids == {f["id"] for f in SHIPPED["features"]}, (who, url, ids ^ {f["id"] for f in SHIPPED["features"]})
            assert all(f["properties"]["status"] == "approved" for f in page["features"])
        if url.startswith("/collections/zones/items?status=draft"):
            assert st in (200, 400) and (st == 400 or json.loads(body)["numberMatched"] == 0), (who, url, body[:300])
        if url == "/export/zones.geojson":
            assert len(json.loads(body)["features"]) == len(SHIPPED["features"])


def test_validate_checks_the_public_only_against_approved_zones(world, drafts):
    s = world["server"]
    lons = [c[0] for c in SECRET_1 + SECRET_1_EDITED + SECRET_2]
    lats = [c[1] for c in SECRET_1 + SECRET_1_EDITED + SECRET_2]
    x0, x1, y0, y1 = min(lons) - 0.0005, max(lons) + 0.0005, min(lats) - 0.0005, max(lats) + 0.0005
    probe = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])}]}
    texts = secrets()
    st, _, body = s.request("POST", "/validate", probe, token=world["planner"])
    assert st == 200
    assert "CCN-SECRET-1" in body.decode(), "the premise: the box covers the planner's draft"
    for who, token in (("anonymous", None), ("surveyor", world["surveyor"])):
        st, _, body = s.request("POST", "/validate", probe, token=token)
        assert st == 200, (who, body)
        assert not leaks(body, texts), (who, leaks(body, texts), body[:500])
        assert [f for f in json.loads(body)["findings"] if f["rule"] in ("overlap", "sliver")] == [], (who, body[:500])


def test_a_withdrawn_draft_has_no_public_history(world, drafts):
    s = world["server"]
    assert drafts["secret-2-deleted"] == b""
    st, _, body = s.request("GET", "/collections/zones/items/CCN-SECRET-2/history", token=world["planner"])
    assert st == 200
    assert [v["status"] for v in json.loads(body)["versions"]] == ["draft", "retired"]
    for token in (None, world["surveyor"]):
        st, _, body = s.request("GET", "/collections/zones/items/CCN-SECRET-2/history", token=token)
        assert st == 404, body
        st, _, body = s.request("GET", "/collections/zones/items/CCN-SECRET-2", token=token)
        assert st == 404, body


def test_a_proposed_withdrawal_is_public_only_once_approved(world, drafts, walk):
    # `walk` first: the walk sees the zone while the withdrawal is only proposed
    s, code = world["server"], world["withdrawn"]
    for token in (None, world["surveyor"]):
        st, _, body = s.request("GET", f"/collections/zones/items/{code}", token=token)
        assert st == 200, body
        assert b"withdrawal_proposed" not in body and json.loads(body)["properties"]["status"] == "approved"
        st, _, body = s.request("GET", f"/collections/zones/items/{code}/history", token=token)
        assert [v["status"] for v in json.loads(body)["versions"]] == ["approved"]
    during = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # the withdrawal still proposed
    time.sleep(1.1)
    # a planner cannot approve it; an admin can, with the draft's ETag
    st, _, body = s.request("POST", f"/collections/zones/items/{code}/approve", {"decision": "QĐ rút"}, token=world["planner"],
                            headers={"If-Match": drafts["withdrawal-etag"], "Content-Type": "application/json"})
    assert st == 403, body
    st, _, body = s.request("POST", f"/collections/zones/items/{code}/approve", {"decision": "Quyết định 99/QĐ-UBND rút khu"},
                            token=world["admin"], headers={"If-Match": drafts["withdrawal-etag"], "Content-Type": "application/json"})
    assert st == 204, (st, body)
    for token in (None, world["surveyor"]):
        st, _, body = s.request("GET", f"/collections/zones/items/{code}", token=token)
        assert st == 404, body
        st, _, body = s.request("GET", f"/collections/zones/items/{code}/history", token=token)
        assert st == 200, body
        versions = json.loads(body)["versions"]
        assert [v["status"] for v in versions] == ["approved", "retired"], versions
        assert b"withdrawal_proposed" not in body
        assert versions[-1]["decision"] == "Quyết định 99/QĐ-UBND rút khu"
        st, _, body = s.request("GET", "/collections/zones/items?limit=10000", token=token)
        ids = {f["id"] for f in json.loads(body)["features"]}
        assert code not in ids and len(ids) == len(SHIPPED["features"]) - 1
        # as it stood while the withdrawal was proposed: the approved zone
        st, _, body = s.request("GET", f"/collections/zones/items?datetime={during}&limit=10000", token=token)
        assert st == 200
        was = [f for f in json.loads(body)["features"] if f["id"] == code]
        assert len(was) == 1 and was[0]["properties"]["status"] == "approved" and b"withdrawal_proposed" not in body
    st, _, body = s.request("GET", f"/collections/zones/items/{code}/history", token=world["planner"])
    assert [v["status"] for v in json.loads(body)["versions"]] == ["approved", "draft", "retired"]
