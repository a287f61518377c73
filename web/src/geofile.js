// A GeoJSON file loaded into the planner's editor: the first polygon feature,
// in WGS84, or in one of the province's two legal grids when the file says so
// with a legacy `crs` member (as QGIS and GDAL still write it).
// The grids are taken to WGS84 with the EPSG:6960 Helmert transformation that
// the server uses (docs/crs.md), written here in proj4's position-vector
// convention (the rotations' signs flipped); agrees with the server to 0.1 mm.
const HELMERT = '+towgs84=-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278';
export const GRIDS = {
  'EPSG:9214': `+proj=tmerc +lat_0=0 +lon_0=107 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 ${HELMERT} +units=m +no_defs`,
  'EPSG:9209': `+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 ${HELMERT} +units=m +no_defs`,
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

const mapCoords = (c, f) => (typeof c[0] === 'number' ? f(c) : c.map((x) => mapCoords(x, f)));
const allCoords = (c) => (typeof c[0] === 'number' ? [c] : c.flatMap(allCoords));

// → { geometry (WGS84 GeoJSON), crs, code, name, kind, properties }
export async function readZoneFile(text) {
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
    const { default: proj4 } = await import('proj4');
    proj4.defs(crs, GRIDS[crs]);
    const to = proj4(crs, 'EPSG:4326');
    geometry = { type: geometry.type, coordinates: mapCoords(geometry.coordinates, (c) => to.forward([c[0], c[1]])) };
  }
  const p = f.properties || {};
  const kind = typeof p.kind === 'string' && /^(KCN|CCN)$/i.test(p.kind.trim()) ? p.kind.trim().toUpperCase() : null;
  const code = p.code ?? (typeof f.id === 'string' ? f.id : null);
  return { geometry, crs, code: code == null ? null : String(code), name: p.name_vi ?? p.name ?? null, kind, properties: p };
}
