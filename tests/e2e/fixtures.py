"""Test zones drawn in the EPSG:9214 grid and written as GeoJSON (WGS84, full
double precision) or as shapefiles (with pyshp, .prj from pyproj's ESRI WKT)."""

import json

import shapefile
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping
from shapely.geometry.polygon import orient

GRID = "EPSG:9214"


def transformer(src, dst):
    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geom, src, dst):
    t = transformer(src, dst)
    return shapely.transform(geom, lambda xy: list(zip(*t.transform(xy[:, 0], xy[:, 1]))))


def write_geojson(path, zones, crs=GRID):
    """zones: list of (code or None, geometry in `crs` or None, properties)."""
    features = []
    for code, geom, props in zones:
        f = {"type": "Feature", "properties": dict(props), "geometry": None}
        if code is not None:
            f["properties"]["code"] = code
        if geom is not None:
            f["geometry"] = mapping(reproject(geom, crs, "EPSG:4326"))
        features.append(f)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")


def esri_wkt(epsg):
    return CRS.from_user_input(epsg).to_wkt("WKT1_ESRI")


def write_shapefile(path, zones, crs=GRID, prj=True, cpg="UTF-8", encoding="utf-8"):
    """Writes `path` (.shp) with fields code, name, area_ha, merged_in,
    expand_of (dBase names are at most 10 characters); geometries given in the
    grid are reprojected to `crs`."""
    w = shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding=encoding)
    w.field("code", "C", size=40)
    w.field("name", "C", size=120)
    w.field("area_ha", "N", decimal=4, size=18)
    w.field("merged_in", "C", size=40)
    w.field("expand_of", "C", size=40)
    for code, geom, props in zones:
        g = reproject(geom, GRID, crs)
        parts = []
        for poly in getattr(g, "geoms", [g]):
            poly = orient(poly, sign=-1.0)  # shapefile: outer rings clockwise, holes counter-clockwise
            parts.append([list(c) for c in poly.exterior.coords])
            parts.extend([list(c) for c in r.coords] for r in poly.interiors)
        w.poly(parts)
        w.record(code or "", props.get("name", ""), props.get("declared_area_ha"),
                 props.get("merged_into", ""), props.get("expansion_of", ""))
    w.close()
    if prj:
        path.with_suffix(".prj").write_text(esri_wkt(crs), encoding="ascii")
    if cpg:
        path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
