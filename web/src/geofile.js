// A GeoJSON file loaded into the planner's editor: the first polygon feature,
// in WGS84, or in one of the province's two legal grids when the file says so
// with a legacy `crs` member (as QGIS and GDAL still write it).
// A grid file is not transformed here: the page sends it to the server's
// `/validate` with `Content-Crs`, and takes the feature as the server's intake
// took it (PROJ's EPSG operation, the same as every other door; docs/crs.md),
// rather than a hand-written `+towgs84` string in the browser.
export const GRIDS = {
  'EPSG:9214': 'http://www.opengis.net/def/crs/EPSG/0/9214',
  'EPSG:9209': 'http://www.opengis.net/def/crs/EPSG/0/9209',
};

export class FileError extends Error {
  constructor(key, detail = '') { super(key); this.key = key; this.detail = detail; }
}

// the CRS a legacy `crs` member names: 'CRS84', 'EPSG:9214', 'EPSG:9209' or null
export function crsOf(doc) {
  const name = doc?.crs?.properties?.name ?? doc?.crs?.properties?.href;
  if (name == null) return 'CRS84';
  const s = String(name);
  if (/CRS84$|CRS:84$|EPSG(::|:|\/0\/)4326$/i.test(s)) return 'CRS84';
  const m = s.match(/EPSG(?:::|:|\/0\/)(\d+)$/i);
  if (m && GRIDS[`EPSG:${m[1]}`]) return `EPSG:${m[1]}`;
  throw new FileError('fileCrs', s);
}

function firstPolygon(doc) {
  const features = doc.type === 'FeatureCollection' ? doc.features || []
    : doc.type === 'Feature' ? [doc]
      : doc.type === 'Polygon' || doc.type === 'MultiPolygon' ? [{ type: 'Feature', geometry: doc, properties: {} }] : [];
  return features.find((f) => f && f.geometry && (f.geometry.type === 'Polygon' || f.geometry.type === 'MultiPolygon'));
}

const allCoords = (c) => (typeof c[0] === 'number' ? [c] : c.flatMap(allCoords));

// → { geometry (WGS84 GeoJSON), crs, code, name, kind, properties };
// `toWgs84(feature, crsUri)` answers the feature in WGS84 (the server's /validate)
export async function readZoneFile(text, toWgs84) {
  let doc;
  try { doc = JSON.parse(text); } catch (e) { throw new FileError('fileNotJson', e.message); }
  const crs = crsOf(doc);
  const f = firstPolygon(doc);
  if (!f) throw new FileError('fileNoPolygon');
  let geometry = f.geometry;
  const coords = allCoords(geometry.coordinates);
  if (!coords.length || coords.some((c) => !Number.isFinite(c[0]) || !Number.isFinite(c[1]))) throw new FileError('fileNoPolygon');
  if (crs === 'CRS84') {
    // metres where degrees were promised: a grid file whose CRS is not said
    if (coords.some(([x, y]) => Math.abs(x) > 180 || Math.abs(y) > 90)) throw new FileError('fileLooksProjected');
  } else {
    const taken = await toWgs84({ type: 'Feature', geometry, properties: { kind: 'KCN', name: 'tệp' } }, GRIDS[crs]);
    if (!taken) throw new FileError('fileNoPolygon');
    geometry = taken.geometry;
  }
  const p = f.properties || {};
  const kind = typeof p.kind === 'string' && /^(KCN|CCN)$/i.test(p.kind.trim()) ? p.kind.trim().toUpperCase() : null;
  const code = p.code ?? (typeof f.id === 'string' ? f.id : null);
  return { geometry, crs, code: code == null ? null : String(code), name: p.name_vi ?? p.name ?? null, kind, properties: p };
}
