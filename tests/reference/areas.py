"""Reference areas of a GeoJSON file, computed with tools this project did not write.

- grid area: each vertex transformed by pyproj (PROJ) from EPSG:4326 to the
  feature's `grid_crs` (EPSG:9214 when it has none; the shipped zones of the former
  Bắc Ninh say EPSG:9209), then the polygon's planar area by shapely 2 (GEOS);
- geodesic area: pyproj's Geod(ellps="WGS84").geometry_area_perimeter, which is
  GeographicLib's algorithm (Karney 2013) in PROJ's geodesic.c.

Usage: python tests/reference/areas.py FILE  → JSON {code: [grid_ha, geodesic_ha]}
"""

import json
import sys

import shapely
from pyproj import Geod, Transformer
from shapely.geometry import shape

TO_GRID = {g: Transformer.from_crs("EPSG:4326", g, always_xy=True) for g in ("EPSG:9214", "EPSG:9209")}
GEOD = Geod(ellps="WGS84")


def reference_areas(path):
    with open(path, encoding="utf-8") as f:
        fc = json.load(f)
    out = {}
    for feature in fc["features"]:
        code = feature.get("id")
        code = str(code) if code is not None else feature["properties"]["code"]
        geom = shape(feature["geometry"])
        to_grid = TO_GRID[(feature.get("properties") or {}).get("grid_crs", "EPSG:9214")]
        grid = shapely.transform(geom, lambda xy: list(zip(*to_grid.transform(xy[:, 0], xy[:, 1]))))
        # orient() puts rings in the standard direction; Geod's area is signed by winding.
        geodesic = abs(GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(geom) if geom.geom_type == "Polygon"
                                                    else shapely.MultiPolygon([shapely.geometry.polygon.orient(p) for p in geom.geoms]))[0])
        out[code] = [grid.area / 1e4, geodesic / 1e4]
    return out


if __name__ == "__main__":
    json.dump(reference_areas(sys.argv[1]), sys.stdout, indent=1)
    print()
