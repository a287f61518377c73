"""QGIS as a client of `zoning serve`: run by Debian's /usr/bin/python3 (which
has python3-qgis; the test venv does not), headless. Reads the collections
through QGIS's OAPIF provider, the one behind QGIS's "WFS / OGC API – Features"
dialog, and prints what a QGIS user would get as one JSON object on stdout.
test_qgis.py asserts on it.

    /usr/bin/python3 qgis_client.py http://127.0.0.1:PORT
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402  (after QT_QPA_PLATFORM)
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDistanceArea,
    QgsFeatureRequest,
    QgsGeometry,
    QgsNetworkAccessManager,
    QgsNetworkRequestParameters,
    QgsProject,
    QgsVectorLayer,
)

NETWORK_TIMEOUT_MS = 30_000
ZONE = "KCN-QUANG-CHAU"


def plain(v):
    """A QVariant-ish attribute value as JSON (NULL as None)."""
    if v is None or (hasattr(v, "isNull") and v.isNull()):
        return None
    if hasattr(v, "toJulianDay"):  # QDate
        return v.toString("yyyy-MM-dd")
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    return v


def ring_points(geom):
    """The outer ring of the first polygon, as [[x, y], ...]."""
    g = geom.constGet()
    if hasattr(g, "numGeometries"):  # a MultiPolygon
        g = g.geometryN(0)
    ring = g.exteriorRing()
    return [[ring.xAt(i), ring.yAt(i)] for i in range(ring.numPoints())]


def read_layer(url, typename, extra=""):
    uri = f"url='{url}' typename='{typename}' restrictToRequestBBOX='0'{extra}"
    layer = QgsVectorLayer(uri, typename, "OAPIF")
    out = {"uri": uri, "valid": layer.isValid()}
    QgsApplication.processEvents()
    if not layer.isValid():
        return layer, [], out
    out["provider"] = layer.providerType()
    out["crs"] = layer.crs().authid()
    out["fields"] = {f.name(): f.typeName() for f in layer.fields()}
    feats = list(layer.getFeatures())
    out["iterated"] = len(feats)
    out["featureCount"] = layer.featureCount()
    QgsApplication.processEvents()
    return layer, feats, out


def main():
    url = sys.argv[1].rstrip("/")
    app = QgsApplication([], False)
    app.initQgis()
    nam = QgsNetworkAccessManager.instance()
    nam.setTimeout(NETWORK_TIMEOUT_MS)
    requested, log = [], []
    # (QgsVectorLayer.error() crashes QGIS 3.22 here; its message log says why instead)
    QgsApplication.messageLog().messageReceived.connect(lambda msg, tag, level: log.append(f"{tag}: {msg}"))
    # every URL QGIS asks for, from whichever thread (delivered when events are processed)
    nam.requestAboutToBeCreated[QgsNetworkRequestParameters].connect(
        lambda r: requested.append(r.request().url().toString()))
    ctx = QgsProject.instance().transformContext()
    result = {"qgis_version": Qgis.QGIS_VERSION, "layers": {}}
    keep = []  # layers and features die before exitQgis (else QGIS crashes on exit)

    # zones, 25 a page: QGIS follows the `next` links
    requested.clear()
    layer, feats, out = read_layer(url, "zones", " pagingEnabled='true' pageSize='25'")
    keep += [layer, feats]
    out["requests"] = list(requested)
    if feats:
        out["features"] = {}
        for f in feats:
            a = {k: plain(f[k]) for k in ("code", "name_vi", "kind", "grid_crs", "grid_area_ha", "geodesic_area_ha",
                                          "communes", "sources")}
            # the area of what QGIS drew, in the zone's own grid (EPSG:9214 or 9209)
            g = QgsGeometry(f.geometry())
            ct = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem(a["grid_crs"]), ctx)
            g.transform(ct)
            a["qgis_grid_area_m2"] = g.area()
            a["qgis_operation"] = ct.instantiatedCoordinateOperationDetails().proj
            da = QgsDistanceArea()
            da.setSourceCrs(layer.crs(), ctx)
            da.setEllipsoid("WGS84")
            a["qgis_ellipsoidal_area_m2"] = da.measureArea(f.geometry())
            a["wgs84_ring"] = ring_points(f.geometry())
            out["features"][a["code"]] = a
    result["layers"]["zones"] = out

    for typename, attrs in (("communes", ("code", "name", "type", "oldDistricts")), ("province", ("code", "name", "former"))):
        requested.clear()
        layer, feats, out = read_layer(url, typename)
        keep += [layer, feats]
        out["requests"] = list(requested)
        out["features"] = [{k: plain(f[k]) for k in attrs} for f in feats]
        result["layers"][typename] = out

    # EPSG:9214 asked of the provider (`srsname`, the WFS key: QGIS 3.22's OAPIF
    # has no CRS choice) ...
    requested.clear()
    layer, feats, out = read_layer(url, "zones", " srsname='EPSG:9214'")
    keep += [layer, feats]
    out["requests"] = list(requested)
    out["ring"] = ring_points(next(f for f in feats if f["code"] == ZONE).geometry()) if feats else None
    result["layers"]["zones_srsname_9214"] = out
    # ... and what QGIS does itself: reprojection of the WGS84 layer on the fly
    req = QgsFeatureRequest().setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:9214"), ctx)
    req.setFilterExpression(f"code = '{ZONE}'")
    got = list(layer.getFeatures(req))
    keep.append(got)
    result["reprojected_9214"] = {"count": len(got), "ring": ring_points(got[0].geometry()) if got else None,
                                  "area_m2": got[0].geometry().area() if got else None}

    result["log"] = log
    print(json.dumps(result, ensure_ascii=False), flush=True)
    keep.clear()
    del layer, feats, got
    app.exitQgis()


if __name__ == "__main__":
    main()
