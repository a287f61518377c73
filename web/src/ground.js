// The ground under the zones, all from this server (nothing fetched from
// elsewhere): the 99 communes and wards of Bắc Ninh since 1 July 2025 with their
// names, the outline of the current province and the line of the former Bắc
// Giang province.
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import MultiLineString from 'ol/geom/MultiLineString.js';
import { Style, Fill, Stroke, Text } from 'ol/style.js';
import { fromLonLat } from 'ol/proj.js';

// Zoom from which every commune is labelled (below it only the wards, which are
// the towns, as far as they fit), and from which the zones are.
export const ALL_COMMUNES_ZOOM = 10.5;
export const ZONE_LABEL_ZOOM = 12;

export const GROUND = {
  fill: '#f4f1e8', // the land of the province (the zones' background)
  commune: '#9b927c', // commune and ward boundaries
  province: '#3d3524', // the current province
  former: '#7a2e8f', // the line of the former Bắc Giang
  label: '#3b3529',
  halo: '#ffffffd9',
};

export const COMMUNE_ATTRIBUTION = 'Ranh giới hành chính: Bản đồ tham khảo đơn vị hành chính Việt Nam '
  + '(sapnhap.bando.com.vn), NXB Tài nguyên – Môi trường và Bản đồ Việt Nam; '
  + 'qua thanglequoc/vietnamese-provinces-database (MIT).';

// The outer boundary of a set of polygons that share their edges exactly (as
// the communes do: the province outline "dissolved exactly from the communes"):
// the edges used by one polygon only, chained into lines. Coordinates as given.
export function outerLines(geometries) {
  const key = (c) => `${c[0]},${c[1]}`;
  const edges = new Map();
  for (const g of geometries) {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const poly of polys) {
      for (const ring of poly) {
        for (let i = 1; i < ring.length; i++) {
          const a = key(ring[i - 1]); const b = key(ring[i]);
          if (a === b) continue;
          const k = a < b ? `${a}|${b}` : `${b}|${a}`;
          const e = edges.get(k);
          if (e) e.n++; else edges.set(k, { n: 1, a: ring[i - 1], b: ring[i] });
        }
      }
    }
  }
  const at = new Map();
  const outer = [];
  for (const e of edges.values()) {
    if (e.n !== 1) continue;
    outer.push(e);
    for (const p of [e.a, e.b]) {
      const k = key(p);
      if (!at.has(k)) at.set(k, []);
      at.get(k).push(e);
    }
  }
  const lines = [];
  for (const start of outer) {
    if (start.used) continue;
    start.used = true;
    const line = [start.a, start.b];
    for (;;) {
      const last = line[line.length - 1];
      const next = (at.get(key(last)) || []).find((e) => !e.used);
      if (!next) break;
      next.used = true;
      line.push(key(next.a) === key(last) ? next.b : next.a);
    }
    lines.push(line);
  }
  return lines;
}

// The point a commune's name goes on: the interior point of its largest part.
function labelPoint(geometry) {
  const polys = geometry.getType() === 'MultiPolygon' ? geometry.getPolygons() : [geometry];
  let best = polys[0];
  for (const p of polys) if (p.getArea() > best.getArea()) best = p;
  const c = best.getInteriorPoint().getCoordinates();
  return [c[0], c[1]];
}

// The former Bắc Giang is the `bac-giang` item (or one marked `former: true`);
// the current province is `bac-ninh` (or `former: false`).
export function isFormer(f) {
  const former = f.get('former');
  if (former === true || former === false) return former;
  return f.getId() !== 'bac-ninh';
}

export function createGround({ geojson, zoomOf, t }) {
  const communeSource = new VectorSource({ attributions: COMMUNE_ATTRIBUTION, attributionsCollapsible: false });
  const labelSource = new VectorSource();
  const formerSource = new VectorSource();
  const currentSource = new VectorSource();
  const highlighted = new Set();
  let osm = false;

  const communeStyles = {};
  function communeStyle(f) {
    const k = `${highlighted.has(f.getId())}|${osm}`;
    if (!communeStyles[k]) {
      communeStyles[k] = new Style({
        fill: osm ? undefined : new Fill({ color: GROUND.fill }),
        stroke: highlighted.has(f.getId())
          ? new Stroke({ color: '#0b57d0', width: 3 })
          : new Stroke({ color: GROUND.commune, width: 0.8 }),
        zIndex: highlighted.has(f.getId()) ? 1 : 0,
      });
    }
    return communeStyles[k];
  }
  // a commune's name: wards at every zoom (as far as they fit), communes from
  // ALL_COMMUNES_ZOOM on; decluttering keeps the bigger ones
  const labelStyles = {};
  function labelStyle(f, resolution) {
    const ward = f.get('type') === 'phường';
    if (!ward && zoomOf(resolution) < ALL_COMMUNES_ZOOM) return null;
    const k = `${f.get('name')}|${ward}`;
    if (!labelStyles[k]) {
      labelStyles[k] = new Style({
        text: new Text({
          text: f.get('name'),
          font: `${ward ? '600 12px' : '11px'} system-ui, sans-serif`,
          fill: new Fill({ color: GROUND.label }),
          stroke: new Stroke({ color: GROUND.halo, width: 3 }),
          overflow: true,
          padding: [2, 2, 2, 2],
        }),
      });
    }
    return labelStyles[k];
  }
  const formerStyle = new Style({ stroke: new Stroke({ color: GROUND.former, width: 2.5, lineDash: [10, 6] }) });
  const currentStyle = new Style({ stroke: new Stroke({ color: GROUND.province, width: 3 }) });

  const communeLayer = new VectorLayer({ source: communeSource, style: communeStyle, properties: { name: 'communes' } });
  const formerLayer = new VectorLayer({ source: formerSource, style: formerStyle, properties: { name: 'former-province' } });
  const currentLayer = new VectorLayer({ source: currentSource, style: currentStyle, properties: { name: 'province' } });
  const labelLayer = new VectorLayer({
    source: labelSource, style: labelStyle, declutter: 'labels', properties: { name: 'commune-labels' },
    // first drawn, first placed: wards, then the bigger communes
    renderOrder: (a, b) => (b.get('type') === 'phường') - (a.get('type') === 'phường') || b.get('areaKm2') - a.get('areaKm2'),
  });

  async function load(fetchJson) {
    const [communes, province] = await Promise.all([
      fetchJson('/collections/communes/items?limit=1000').catch(() => null),
      fetchJson('/collections/province/items?limit=100').catch(() => null),
    ]);
    if (communes && communes.features) {
      const fs = geojson.readFeatures(communes);
      for (const f of fs) if (f.getId() == null) f.setId(f.get('code'));
      communeSource.addFeatures(fs);
      labelSource.addFeatures(fs.map((f) => new Feature({
        geometry: new Point(labelPoint(f.getGeometry())),
        code: f.getId(), name: f.get('name'), type: f.get('type'), areaKm2: f.get('areaKm2') ?? f.getGeometry().getArea() / 1e6,
      })));
    }
    for (const f of province && province.features ? geojson.readFeatures(province) : []) {
      (isFormer(f) ? formerSource : currentSource).addFeature(f);
    }
    // the outlines' own credits after the communes', when they are not the communes' own
    const credits = [];
    for (const f of formerSource.getFeatures().concat(currentSource.getFeatures())) {
      const a = f.get('attribution');
      const esc = a && String(a).replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
      if (esc && esc !== COMMUNE_ATTRIBUTION && !credits.includes(esc)) credits.push(esc);
    }
    communeSource.setAttributions(() => [COMMUNE_ATTRIBUTION,
      ...credits.map((a) => `${t('provinceLineCredit')}: ${a}`)]);
    // no current outline served: the communes' outer edges are the province's
    if (!currentSource.getFeatures().length && communes && communes.features) {
      const lines = outerLines(communes.features.map((f) => f.geometry));
      const f = new Feature(new MultiLineString(lines.map((l) => l.map((c) => fromLonLat(c)))));
      f.setId('bac-ninh');
      f.set('derived', true);
      currentSource.addFeature(f);
    }
  }

  function extent() {
    for (const s of [currentSource, communeSource, formerSource]) if (s.getFeatures().length) return s.getExtent();
    return null;
  }

  return {
    layers: { communeLayer, formerLayer, currentLayer, labelLayer },
    communeSource,
    load,
    extent,
    setOsm(on) { osm = on; communeLayer.changed(); },
    highlight(codes) { highlighted.clear(); for (const c of codes) highlighted.add(c); communeLayer.changed(); },
    styles: { formerStyle, currentStyle, communeStyle },
  };
}
