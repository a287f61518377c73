// The map of the zoning registry: the public map, the planner's editor and the
// surveyor's page, on OpenLayers (Canvas). Nothing leaves this machine unless
// the user turns the OpenStreetMap background on.
import 'ol/ol.css';
import './style.css';
import Map from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import TileLayer from 'ol/layer/Tile.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import MVT from 'ol/format/MVT.js';
import OSM from 'ol/source/OSM.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import MultiPolygon from 'ol/geom/MultiPolygon.js';
import { Style, Fill, Stroke, Text, Circle as CircleStyle, RegularShape } from 'ol/style.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import { defaults as defaultInteractions } from 'ol/interaction/defaults.js';
import Draw from 'ol/interaction/Draw.js';
import Modify from 'ol/interaction/Modify.js';
import Snap from 'ol/interaction/Snap.js';
import { fromLonLat, toLonLat } from 'ol/proj.js';
import { createEmpty, extend, isEmpty } from 'ol/extent.js';
import { t, lang, setLang, num, pct } from './i18n.js';
import { createGround, ZONE_LABEL_ZOOM, GROUND } from './ground.js';
import { buildIndex, search } from './search.js';
import polygonClipping from 'polygon-clipping';
import { findingText, problemText, rowReason, warningText, noteText, historyText } from './messages.js';
import { readZoneFile, FileError, GRIDS } from './geofile.js';

const $ = (id) => document.getElementById(id);
const geojson = new GeoJSON({ dataProjection: 'EPSG:4326', featureProjection: 'EPSG:3857' });
let token = sessionStorage.getItem('zoning-token');
let user = null;
let face = 'public';
let selected = null;
let report = null;

function api(path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { ...opts, headers });
}
async function apiJson(path) {
  const r = await api(path);
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
}

// replaceChildren that leaves out null (which it would write as the text "null")
function put(node, ...children) { node.replaceChildren(...children.flat().filter((c) => c != null && c !== false)); }
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
    else if (k === 'text') e.textContent = v;
    else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) e.append(c);
  return e;
}

// ----------------------------------------------------------------- styles
// Each kind of zone: a fill and a darker outline. The outlines stand out from
// the ground (contrast at least 3:1), and a new CCN and a CCN's expansion part
// differ in lightness as well as hue (the browser test measures both).
const COLOURS = {
  KCN: {
    existing: { fill: '#1f5fa8', line: '#1f5fa8' },
    new: { fill: '#4f9de0', line: '#2a6fb0' },
    expansion: { fill: '#13a89e', line: '#0b756d' },
  },
  CCN: {
    existing: { fill: '#c8661a', line: '#9c4c0c' },
    new: { fill: '#f2a541', line: '#9a5600' },
    expansion: { fill: '#736800', line: '#544c00' },
    merged: { fill: '#8a4fbf', line: '#7040a0' },
    removed: { fill: '#9a9a9a', line: '#6b6b6b' },
  },
};
// a draft (seen by planners only): a paler fill and a dotted magenta outline
const DRAFT = { line: '#b0186e', alpha: '44', dash: [2, 4], width: 2.5 };
let showRemoved = false;
const styleCache = {};
function colour(p) {
  return (COLOURS[p.kind] || COLOURS.CCN)[p.plan_action] || { fill: '#777777', line: '#555555' };
}
function zoneStyle(f) {
  const p = f.getProperties();
  if (p.plan_action === 'removed' && !showRemoved) return null;
  const dashed = p.geometry_source === 'illustrative';
  const flagged = flaggedCodes.has(f.getId());
  const c = colour(p);
  const key = `${c.fill}|${dashed}|${p.plan_action}|${flagged}|${f.getId() === selected}|${p.status}`;
  if (!styleCache[key]) {
    const draft = p.status === 'draft';
    const alpha = p.plan_action === 'removed' ? '33' : draft ? DRAFT.alpha : '99';
    styleCache[key] = new Style({
      fill: new Fill({ color: c.fill + alpha }),
      stroke: new Stroke({
        color: flagged ? '#d00' : f.getId() === selected ? '#000' : draft ? DRAFT.line : c.line,
        width: flagged || f.getId() === selected ? 3 : draft ? DRAFT.width : 1.5,
        lineDash: draft ? DRAFT.dash : dashed ? [6, 4] : undefined,
      }),
      zIndex: p.plan_action === 'merged' ? 2 : 1,
    });
  }
  return styleCache[key];
}
const zoneLabelCache = {};
function zoneLabel(p) {
  const name = p.name_vi || '';
  return name.startsWith(p.kind) ? name : `${p.kind} ${name}`;
}
function zoneLabelStyle(f) {
  const p = f.getProperties();
  if (p.plan_action === 'removed' && !showRemoved) return null;
  const text = zoneLabel(p);
  if (!zoneLabelCache[text]) {
    zoneLabelCache[text] = new Style({
      geometry: (g) => { const geom = g.getGeometry(); return geom.getInteriorPoints ? geom.getInteriorPoints().getPoint(0) : geom.getInteriorPoint(); },
      text: new Text({
        text, font: '600 12px system-ui, sans-serif', fill: new Fill({ color: '#1d1d1d' }),
        stroke: new Stroke({ color: '#ffffffe6', width: 3 }), padding: [2, 2, 2, 2], overflow: true,
      }),
    });
  }
  return zoneLabelCache[text];
}
const editStyle = new Style({ fill: new Fill({ color: '#ff00ff22' }), stroke: new Stroke({ color: '#c0c', width: 2 }) });
// a finding: the overlapping area itself when it is one, else a dot where it is
const OVERLAP = { fill: '#e0000066', line: '#c00000' };
const findingStyle = (f) => (f.get('area') ? new Style({
  fill: new Fill({ color: OVERLAP.fill }), stroke: new Stroke({ color: OVERLAP.line, width: 2 }), zIndex: 2,
}) : new Style({ image: new CircleStyle({ radius: 7, fill: new Fill({ color: '#d00' }), stroke: new Stroke({ color: '#fff', width: 2 }) }) }));
const compareStyles = [
  new Style({ stroke: new Stroke({ color: '#0a0', width: 3 }), fill: new Fill({ color: '#0a02' }) }),
  new Style({ stroke: new Stroke({ color: '#c00', width: 3, lineDash: [4, 4] }), fill: new Fill({ color: '#c002' }) }),
];
// one colour per marker status, on the map and in the table alike
const MARKER_COLOURS = { ok: '#1a7a31', 'out-of-tolerance': '#c00000', 'no-zone': '#5f5f5f' };
let markerChosen = null;
function markerStyle(f) {
  if (f.get('unmarked')) {
    return new Style({ image: new RegularShape({ points: 4, radius: 6, angle: Math.PI / 4, stroke: new Stroke({ color: '#d00', width: 2 }) }) });
  }
  const c = MARKER_COLOURS[f.get('status')] || MARKER_COLOURS['no-zone'];
  const chosen = f.get('id') === markerChosen;
  return new Style({
    image: new CircleStyle({ radius: chosen ? 9 : 6, fill: new Fill({ color: c }), stroke: new Stroke({ color: chosen ? '#000' : '#fff', width: chosen ? 3 : 1.5 }) }),
    // the marker's number beside it
    text: new Text({ text: String(f.get('id')), offsetX: 10, textAlign: 'left', font: '600 12px system-ui, sans-serif',
      fill: new Fill({ color: '#1d1d1d' }), stroke: new Stroke({ color: '#ffffffe6', width: 3 }) }),
  });
}

// ------------------------------------------------------------------- map
const zoneSource = new VectorSource();
const editSource = new VectorSource();
const findingSource = new VectorSource();
const markerSource = new VectorSource();
const compareSource = new VectorSource();
const flaggedCodes = new Set();
const osmSource = new OSM();
const osmLayer = new TileLayer({ source: osmSource, visible: false, properties: { name: 'osm' } });
const zoneLayer = new VectorLayer({ source: zoneSource, style: zoneStyle, properties: { name: 'zones' } });
// A large registry is drawn from the server's vector tiles
// (/collections/zones/tiles, Mapbox Vector Tiles) instead of one GeoJSON of
// every zone: above TILE_THRESHOLD zones in the caller's view, or when the
// page is opened with ?tiles=1 (?tiles=0 forces GeoJSON). docs/api.md.
const TILE_THRESHOLD = 5000;
const tilesParam = new URLSearchParams(location.search).get('tiles');
const zoneTileSource = new VectorTileSource({
  format: new MVT({ idProperty: 'code' }),
  url: '/collections/zones/tiles/WebMercatorQuad/{z}/{y}/{x}',
  maxZoom: 22,
  // through api(): a planner's tiles carry the token (and hold drafts)
  tileLoadFunction: (tile, url) => {
    tile.setLoader((extent, resolution, projection) => {
      api(url)
        .then((r) => {
          if (r.status === 204) return new ArrayBuffer(0);
          if (!r.ok) throw new Error(`${url}: ${r.status}`);
          return r.arrayBuffer();
        })
        .then((data) => tile.setFeatures(data.byteLength
          ? tile.getFormat().readFeatures(data, { extent, featureProjection: projection }) : []))
        .catch(() => tile.onError());
    });
  },
});
const zoneTileLayer = new VectorTileLayer({ source: zoneTileSource, style: zoneStyle, visible: false,
  properties: { name: 'zone-tiles' } });
const zoneLabelLayer = new VectorLayer({ source: zoneSource, style: zoneLabelStyle, declutter: 'labels',
  minZoom: ZONE_LABEL_ZOOM, properties: { name: 'zone-labels' } });
const view = new View({ center: fromLonLat([106.45, 21.3]), zoom: 9 });
const ground = createGround({ geojson, zoomOf: (res) => view.getZoomForResolution(res), t });
const { communeLayer, formerLayer, currentLayer, labelLayer: communeLabelLayer } = ground.layers;
const map = new Map({
  target: 'map',
  // the credits of the commune boundaries stay open on the map
  // the wheel zooms and a drag pans at once (OpenLayers' default, with a
  // focusable map, waits for a first click: issue 16)
  interactions: defaultInteractions({ onFocusOnly: false }),
  controls: defaultControls({ attributionOptions: { collapsible: false }, zoomOptions: { zoomInTipLabel: t('zoomIn'), zoomOutTipLabel: t('zoomOut') } }),
  layers: [
    osmLayer,
    communeLayer,
    formerLayer,
    currentLayer,
    zoneLayer,
    zoneTileLayer,
    new VectorLayer({ source: compareSource, style: (f) => compareStyles[f.get('slot')], properties: { name: 'compare' } }),
    new VectorLayer({ source: editSource, style: editStyle, properties: { name: 'edit' } }),
    new VectorLayer({ source: markerSource, style: markerStyle, properties: { name: 'markers' } }),
    new VectorLayer({ source: findingSource, style: findingStyle, properties: { name: 'findings' } }),
    // labels last: zone names before commune names when they collide
    zoneLabelLayer,
    communeLabelLayer,
  ],
  view,
});
// for tests and for the curious: the map, its layers by name and a coordinate → pixel helper
window.zoning = {
  map,
  layer: (name) => map.getAllLayers().find((l) => l.get('name') === name),
  pixel: (lon, lat) => map.getPixelFromCoordinate(fromLonLat([lon, lat])),
  toLonLat: (c) => toLonLat(c),
  fit: (w, s, e, n) => map.getView().fit([...fromLonLat([w, s]), ...fromLonLat([e, n])], { padding: [40, 40, 40, 40] }),
  colours: COLOURS,
  draft: DRAFT,
  overlap: OVERLAP,
  markerColours: MARKER_COLOURS,
  ground: GROUND,
  ready: false,
  mode: null, // 'geojson' or 'tiles' once the zones are loaded
};

// a style change (a selection, removed zones shown) redraws the tiled zones too
zoneLayer.on('change', () => { if (zoneTileLayer.getVisible()) zoneTileLayer.changed(); });

// the first zones drawn: a mark for the figures (tests/perf.mjs)
zoneLayer.on('postrender', function firstZones() {
  if (!zoneSource.getFeatures().length) return;
  zoneLayer.un('postrender', firstZones);
  performance.mark('zoning-first-zones');
});

// the whole current province in view, on any screen
function fitProvince() {
  const e = ground.extent();
  // clear of the credits along the bottom and the zoom buttons on the left
  const credits = map.getViewport().querySelector('.ol-attribution');
  const zoom = map.getViewport().querySelector('.ol-zoom');
  if (e) view.fit(e, { padding: [12, 12, (credits ? credits.offsetHeight : 0) + 8, (zoom ? zoom.offsetWidth + zoom.offsetLeft : 0) + 4] });
}

// Whether to draw the zones from vector tiles: how many the caller's view
// holds (numberMatched of one item), unless ?tiles= says.
async function useTiles() {
  if (tilesParam === '1' || tilesParam === '0') return tilesParam === '1';
  const one = await apiJson('/collections/zones/items?limit=1');
  return (one.numberMatched || 0) > TILE_THRESHOLD;
}
async function loadZones() {
  const tiles = await useTiles();
  zoneSource.clear();
  if (tiles) {
    // the zones come with the tiles; a zone clicked is read in full (its card)
    zoneTileSource.refresh();
  } else {
    const fc = await apiJson('/collections/zones/items?limit=10000');
    zoneSource.addFeatures(geojson.readFeatures(fc));
  }
  zoneLayer.setVisible(!tiles);
  zoneLabelLayer.setVisible(!tiles);
  zoneTileLayer.setVisible(tiles);
  window.zoning.mode = tiles ? 'tiles' : 'geojson';
  searchIndex = null;
  renderLegend();
}
// A zone clicked on a tile (or named in the address) while the zones come as
// tiles: its Feature read from the items route (the card needs every
// property), kept in zoneSource, then selected as any other.
async function selectFromTile(code, zoom = false) {
  if (!zoneSource.getFeatureById(code)) {
    const r = await api(`/collections/zones/items/${encodeURIComponent(code)}`);
    if (!r.ok) return;
    zoneSource.addFeature(geojson.readFeature(await r.json()));
  }
  select(code, zoom);
  zoneTileLayer.changed();
}

// ----------------------------------------------------------- OSM background
// Tiles come from tile.openstreetmap.org only when asked for. Offline, or when
// the first tile does not come, the page says so and keeps its own ground.
let osmState = 'off'; // off | loading | on | offline | failed
function osmMessage() {
  return { loading: t('osmLoading'), offline: t('osmOffline'), failed: t('osmFailed') }[osmState] || '';
}
function setOsmState(s) {
  osmState = s;
  const on = s === 'on';
  osmLayer.setVisible(on);
  ground.setOsm(on);
  const box = $('osm');
  if (box) box.checked = on || s === 'loading';
  if ($('osm-msg')) $('osm-msg').textContent = osmMessage();
  $('osm-msg')?.classList.toggle('error', s === 'offline' || s === 'failed');
}
function turnOsm(on) {
  if (!on) { setOsmState('off'); return; }
  if (!navigator.onLine) { setOsmState('offline'); return; }
  setOsmState('loading');
  // one tile first: when it does not come, no screenful of failed tiles
  const coord = osmSource.getTileGrid().getTileCoordForCoordAndZ(view.getCenter(), Math.min(12, Math.max(0, Math.round(view.getZoom()))));
  const url = osmSource.getTileUrlFunction()(coord, 1, osmSource.getProjection());
  const probe = new Image();
  probe.crossOrigin = 'anonymous';
  probe.onload = () => { if (osmState === 'loading') setOsmState('on'); };
  probe.onerror = () => { if (osmState === 'loading') setOsmState(navigator.onLine ? 'failed' : 'offline'); };
  probe.src = url;
}
osmSource.on('tileloaderror', () => { if (osmState === 'on') setOsmState(navigator.onLine ? 'failed' : 'offline'); });
window.addEventListener('offline', () => { if (osmState === 'on' || osmState === 'loading') setOsmState('offline'); });

// ----------------------------------------------------------------- search
// A combobox (ARIA 1.2): the focus stays in the field, the arrow keys move the
// active option (aria-activedescendant), Enter chooses it, Escape closes.
let searchIndex = null;
let results = [];
let active = -1;
function index() {
  if (!searchIndex) {
    const zones = zoneSource.getFeatures().map((f) => ({ id: f.getId(), properties: f.getProperties() }));
    const communes = ground.communeSource.getFeatures().map((f) => ({ id: f.getId(), properties: f.getProperties() }));
    searchIndex = buildIndex(zones, communes);
  }
  return searchIndex;
}
function resultText(r) {
  const ix = index();
  if (r.type === 'zone') {
    const z = ix.zoneById.get(r.id);
    const where = r.via?.commune ? ix.communeById.get(r.via.commune)?.name
      : z.district ? `${t('formerDistrictShort')} ${z.district}` : '';
    return { tag: z.kind, name: z.name, sub: where };
  }
  if (r.type === 'commune') {
    const c = ix.communeById.get(r.id);
    const sub = r.via?.old ? `${t('includes')} ${r.via.old} (${t('formerUnit')})`
      : c.oldDistricts.length ? `${c.oldDistricts.join(', ')} (${t('formerUnit')})` : '';
    return { tag: c.kind === 'phường' ? t('ward') : t('commune'), name: c.short || c.name, sub };
  }
  const d = ix.districtById.get(r.id);
  return { tag: t('formerDistrictTag'), name: d.name, sub: `${d.communes.size} ${t('communesWards')} · ${d.zones.size} ${t('zones')}` };
}
function setExpanded(open) {
  $('results').hidden = !open;
  $('search').setAttribute('aria-expanded', String(open));
  if (!open) setActive(-1);
}
function setActive(i) {
  active = i;
  const options = [...$('results').querySelectorAll('[role=option]')];
  options.forEach((o, k) => {
    o.setAttribute('aria-selected', String(k === i));
    o.classList.toggle('active', k === i);
  });
  if (options[i]) {
    $('search').setAttribute('aria-activedescendant', options[i].id);
    options[i].scrollIntoView({ block: 'nearest' });
  } else $('search').removeAttribute('aria-activedescendant');
}
function renderResults() {
  const q = $('search').value;
  results = search(index(), q);
  const ul = $('results');
  put(ul, ...results.map((r, i) => {
    const { tag, name, sub } = resultText(r);
    return el('li', { role: 'option', id: `r-${i}`, 'aria-selected': 'false', 'data-type': r.type, 'data-code': r.id,
      on: { mousedown: (e) => e.preventDefault(), click: () => choose(r) } },
    el('span', { class: 'tag', text: tag }), ' ', el('span', { class: 'name', text: name }),
    sub ? el('span', { class: 'sub', text: ` · ${sub}` }) : null);
  }));
  $('search-status').textContent = q.trim() ? (results.length ? `${results.length} ${t('resultsFound')}` : t('noMatch')) : '';
  if (!results.length && q.trim()) ul.append(el('li', { class: 'none', 'aria-disabled': 'true', text: t('noMatch') }));
  setExpanded(!!q.trim());
  setActive(-1);
}
function choose(r) {
  setExpanded(false);
  if (r.type === 'zone') {
    const f = zoneSource.getFeatureById(r.id);
    if (f && f.get('plan_action') === 'removed' && !showRemoved) { showRemoved = true; renderLegend(); zoneLayer.changed(); zoneLabelLayer.changed(); }
    select(r.id, true);
  } else if (r.type === 'commune') showCommune(r.id, true);
  else showDistrict(r.id);
  // the answer is in the card: the keyboard goes there
  $('card').querySelector('h2')?.focus();
}
$('search').addEventListener('input', renderResults);
$('search').addEventListener('keydown', (e) => {
  const n = results.length;
  const open = !$('results').hidden;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    if (!open) { renderResults(); if (!results.length) return; }
    if (!n) return;
    setActive(e.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n);
  } else if (e.key === 'Enter') {
    if (open && n) { e.preventDefault(); choose(results[Math.max(0, active)]); }
  } else if (e.key === 'Escape') {
    if (open) { e.preventDefault(); e.stopPropagation(); setExpanded(false); } else $('search').value = '';
  } else if (e.key === 'Home' && open && active >= 0) { e.preventDefault(); setActive(0); } else if (e.key === 'End' && open && active >= 0) { e.preventDefault(); setActive(n - 1); }
});
$('search').addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== $('search')) setExpanded(false); }, 150));

// ------------------------------------------------------------------ card
function select(code, zoom) {
  if (code !== selected) historyOpen = null;
  selected = code;
  ground.highlight([]);
  const f = zoneSource.getFeatureById(code);
  zoneLayer.changed();
  if (!f) return;
  if (zoom) view.fit(f.getGeometry().getExtent(), { padding: [80, 80, 80, 80], maxZoom: 15, duration: 300 });
  history.replaceState(null, '', `#zone=${encodeURIComponent(code)}`);
  showCard(f);
}
function row(label, value, attrs = {}) {
  return el('tr', attrs, el('th', { text: label }), el('td', {}, value));
}
function closeCard() {
  $('card').hidden = true;
  selected = null;
  historyOpen = null;
  ground.highlight([]);
  zoneLayer.changed();
}
function cardHead(text) {
  return el('h2', { tabindex: '-1', text });
}
// the communes of 2025 a zone lies in, with the share of its area in each
// (computed by the server; an older server sends none and the row is left out)
function communesRow(p) {
  if (!Array.isArray(p.communes)) return null;
  return row(t('communesNow'), p.communes.length
    ? el('ul', { class: 'plain', id: 'zone-communes' }, p.communes.map((c) => el('li', {},
      el('button', { class: 'link', 'data-commune': c.code, on: { click: () => showCommune(c.code, true) } }, c.name),
      typeof c.share === 'number' ? ` ${pct(c.share)}` : '')))
    : '—', { id: 'row-communes' });
}
const GRID_NAMES = { 'EPSG:9214': 'VN-2000 / TM-3 107°00′ (EPSG:9214)', 'EPSG:9209': 'VN-2000 / TM-3 105°30′ (EPSG:9209)' };
// another zone named by its name, a link that opens it
function zoneLink(code, id) {
  const f = zoneSource.getFeatureById(code);
  if (!f) return document.createTextNode(code);
  return el('button', { class: 'link', id, 'data-zone': code, on: { click: () => { select(code, true); $('card').querySelector('h2')?.focus(); } } },
    zoneLabel(f.getProperties()));
}
// the zones that name this one: its expansion parts, the CCN merged into it
function relatedZones(code, prop) {
  return zoneSource.getFeatures().filter((z) => z.get(prop) === code && z.get('status') !== 'retired').map((z) => z.getId()).sort();
}
function planRow(p) {
  if (p.plan_action === 'expansion' && p.expansion_of) {
    return row(t('planAction'), el('span', {}, `${t('expansionOf')} `, zoneLink(p.expansion_of, 'related-zone')), { id: 'row-plan' });
  }
  if (p.plan_action === 'merged' && p.merged_into) {
    return row(t('planAction'), el('span', {}, `${t('mergedInto')} `, zoneLink(p.merged_into, 'related-zone')), { id: 'row-plan' });
  }
  return row(t('planAction'), t(p.plan_action), { id: 'row-plan' });
}
function areaText(p) {
  const why = p.area_basis === 'placeholder' ? ` (${t('areaPlaceholder')})` : p.area_basis === 'derived' ? ` (${t('areaDerived')})` : '';
  return `${num(p.declared_area_ha, 2)} ha${why}`;
}
function showCard(f) {
  const p = f.getProperties();
  const code = f.getId();
  const sources = el('ul', { class: 'plain' }, (p.sources || []).map((s) => el('li', {},
    s.url ? el('a', { href: s.url, rel: 'noopener', target: '_blank', text: s.decision || new URL(s.url).hostname }) : (s.decision || ''))));
  const parts = relatedZones(code, 'expansion_of');
  const merged = relatedZones(code, 'merged_into');
  const card = $('card');
  card.hidden = false;
  card.dataset.kind = 'zone';
  put(card, ...[
    cardHead(p.name_vi),
    el('table', {},
      row(t('kind'), t(p.kind === 'KCN' ? 'kcn' : 'ccn')),
      planRow(p),
      parts.length ? row(t('expansionParts'), el('ul', { class: 'plain', id: 'expansion-parts' }, parts.map((c) => el('li', {}, zoneLink(c))))) : null,
      merged.length ? row(t('mergedHere'), el('ul', { class: 'plain', id: 'merged-here' }, merged.map((c) => el('li', {}, zoneLink(c))))) : null,
      row(t('nameBasis'), t(p.name_basis === 'placeholder' ? 'placeholderName' : 'sourcedName')),
      row(t('declared'), areaText(p), { id: 'row-declared' }),
      communesRow(p),
      row(t('district'), p.district_vi || '—', { id: 'row-district' }),
      p.former_province ? row(t('formerProvince'), `${t('provincePrefix')} ${p.former_province} ${t('formerSuffix')}`, { id: 'row-former-province' }) : null,
      row(t('infrastructure'), t(p.infrastructure)),
      row(t('geometry'), el('strong', { text: t(p.geometry_source === 'illustrative' ? 'illustrativeGeom' : p.geometry_source) })),
      row(t('status'), `${t(p.status)} (${t('version')} ${p.version})`),
      (p.sources || []).length ? row(t('sources'), sources) : null,
    ),
    // what a resident does not need to read first
    el('details', { id: 'tech' }, el('summary', {}, t('technical')),
      el('table', {},
        row(t('code'), code),
        row(t('planBasis'), t(p.plan_basis)),
        row(t('areaBasis'), t(p.area_basis)),
        row(t('grid'), `${num(p.grid_area_ha, 2)} ha`, { id: 'row-grid-area' }),
        row(t('geodesic'), `${num(p.geodesic_area_ha, 2)} ha`, { id: 'row-geodesic' }),
        p.grid_crs ? row(t('gridCrs'), GRID_NAMES[p.grid_crs] || p.grid_crs, { id: 'row-grid' }) : null,
        p.target_set ? row(t('targetSet'), p.target_set) : null)),
    p.note ? el('div', { id: 'zone-note', class: 'small' }, el('h3', { text: t('sourceNote') }),
      el('p', { lang: 'en', text: p.note })) : null,
    el('p', { class: 'actions' },
      el('a', { href: `#zone=${encodeURIComponent(code)}`, text: t('link') }), ' ',
      el('button', { id: 'history', on: { click: () => showHistory(code) } }, t('history')), ' ',
      el('button', { id: 'card-close', on: { click: closeCard } }, t('close'))),
    el('div', { id: 'history-list' }),
  ].filter(Boolean));
  if (historyOpen === code) showHistory(code);
}
function zoneButton(code) {
  const f = zoneSource.getFeatureById(code);
  if (!f) return null;
  return el('li', {}, el('button', { class: 'link', 'data-zone': code, on: { click: () => { select(code, true); $('card').querySelector('h2')?.focus(); } } },
    zoneLabel(f.getProperties())));
}
function communeButton(code) {
  const c = ground.communeSource.getFeatureById(code);
  if (!c) return null;
  return el('li', {}, el('button', { class: 'link', 'data-commune': code, on: { click: () => { showCommune(code, true); $('card').querySelector('h2')?.focus(); } } },
    c.get('fullName') || c.get('name')));
}
function fitCommunes(codes) {
  const e = createEmpty();
  for (const c of codes) { const f = ground.communeSource.getFeatureById(c); if (f) extend(e, f.getGeometry().getExtent()); }
  if (!isEmpty(e)) view.fit(e, { padding: [40, 40, 40, 40], maxZoom: 14, duration: 300 });
}
function showCommune(code, zoom) {
  const f = ground.communeSource.getFeatureById(code);
  if (!f) return;
  const p = f.getProperties();
  selected = null;
  zoneLayer.changed();
  ground.highlight([code]);
  if (zoom) fitCommunes([code]);
  history.replaceState(null, '', `#commune=${encodeURIComponent(code)}`);
  const zones = [...(index().communeById.get(code)?.zones || [])];
  const card = $('card');
  card.hidden = false;
  card.dataset.kind = 'commune';
  put(card, 
    cardHead(p.fullName || p.name),
    el('table', {},
      row(t('unitType'), p.type === 'phường' ? t('ward') : t('commune')),
      row(t('communeCode'), p.code || code),
      (p.oldProvince || []).length ? row(t('formerProvince'), p.oldProvince.join(', ')) : null,
      row(t('district'), (p.oldDistricts || []).join(', ') || '—'),
      p.oldUnitsMerged ? row(t('oldUnits'), p.oldUnitsMerged) : null,
      p.areaKm2 ? row(t('area'), `${num(p.areaKm2, 2)} km²`) : null,
      zones.length ? row(t('zonesHere'), el('ul', { class: 'plain' }, zones.map(zoneButton))) : null),
    el('p', { class: 'small', text: t('communeSource') }),
    el('p', { class: 'actions' }, el('button', { id: 'card-close', on: { click: closeCard } }, t('close'))));
}
let lastDistrict = null;
function showDistrict(key, zoom = true) {
  const d = index().districtById.get(key);
  if (!d) return;
  lastDistrict = key;
  selected = null;
  zoneLayer.changed();
  ground.highlight([...d.communes]);
  if (!zoom) { /* the card only */ } else if (d.communes.size) fitCommunes([...d.communes]);
  else {
    const e = createEmpty();
    for (const z of d.zones) { const f = zoneSource.getFeatureById(z); if (f) extend(e, f.getGeometry().getExtent()); }
    if (!isEmpty(e)) view.fit(e, { padding: [60, 60, 60, 60], maxZoom: 14, duration: 300 });
  }
  const card = $('card');
  card.hidden = false;
  card.dataset.kind = 'district';
  put(card, 
    cardHead(d.name),
    el('p', { text: t('districtNote') }),
    d.communes.size ? el('h3', { text: t('communesNowOf') }) : null,
    d.communes.size ? el('ul', { class: 'plain', id: 'district-communes' }, [...d.communes].map(communeButton)) : null,
    el('h3', { text: t('zonesHere') }),
    d.zones.size ? el('ul', { class: 'plain', id: 'district-zones' }, [...d.zones].map(zoneButton)) : el('p', { text: '—' }),
    el('p', { class: 'actions' }, el('button', { id: 'card-close', on: { click: closeCard } }, t('close'))));
}
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !e.defaultPrevented && !drawing && !$('card').hidden) $('card-close')?.click(); });
map.on('singleclick', (e) => {
  if (drawing) return;
  if (zoneTileLayer.getVisible()) {
    const tiled = map.forEachFeatureAtPixel(e.pixel, (f) => f.getId() || null, { layerFilter: (l) => l === zoneTileLayer });
    if (tiled) selectFromTile(String(tiled));
    return;
  }
  const hit = map.forEachFeatureAtPixel(e.pixel, (f) => (f.getId() && zoneSource.hasFeature(f) ? f : null),
    { layerFilter: (l) => l === zoneLayer });
  if (hit) select(hit.getId(), false);
});

let historyOpen = null;
async function showHistory(code) {
  historyOpen = code;
  const r = await api(`/collections/zones/items/${encodeURIComponent(code)}/history`);
  const h = await r.json();
  const list = $('history-list');
  if (!list || selected !== code) return;
  const chosen = [];
  // the fixed words in the page's language; what a person wrote stays as written
  const line = (v) => [
    `${t('version')} ${v.version}`, t(v.status),
    `${v.recorded_at.slice(0, 16).replace('T', ' ')} UTC`,
    `${t('recordedBy')}: ${v.recorded_by}`,
    v.decision ? `${t('decision')}: ${historyText(v.decision)}` : null,
    v.reason ? `${t('why')}: ${historyText(v.reason)}` : null,
  ].filter(Boolean).join(' — ');
  put(list, el('h3', { text: t('history') }), el('ol', { id: 'versions' }, (h.versions || []).map((v) => el('li', {},
    el('label', { class: 'check' }, el('input', { type: 'checkbox', value: v.version, on: { change: (e) => {
      if (e.target.checked) chosen.push(v); else chosen.splice(chosen.indexOf(v), 1);
    } } }), ` ${line(v)}`)))),
  el('button', { id: 'compare', on: { click: () => {
    compareSource.clear();
    chosen.slice(-2).forEach((v, i) => {
      const f = geojson.readFeature(v.feature);
      f.setId(undefined);
      f.set('slot', i);
      compareSource.addFeature(f);
    });
  } } }, t('compare')));
}

// --------------------------------------------------------------- targets
async function loadReport() {
  report = await apiJson('/report');
  renderTargets();
}
// a bar of what is counted against its target; `placeholders` of the count
// only hold a place the resolution's number needs (no such zone is known):
// they are a second, hatched segment, and the text says how many are real
function bar(label, value, target, unit, placeholders = null, id = null) {
  const pctOf = (v) => (target ? Math.min(100, (100 * v) / target) : 0);
  const real = placeholders == null ? value : value - placeholders;
  const text = placeholders == null ? '' : ` — ${num(real, 0)} ${t('realZones')}, ${num(placeholders, 0)} ${t('placeholderZones')}`;
  return el('div', { class: 'target', id },
    el('div', { class: 'label' }, label, el('span', { class: 'value', text: ` ${num(value, 0, 1)}${unit} ${t('of')} ${num(target, 0, 1)}${unit}${text}` })),
    el('div', { class: 'bar', role: 'progressbar', 'aria-label': label.replace(/:$/, ''), 'aria-valuemin': 0, 'aria-valuemax': target, 'aria-valuenow': Math.round(value),
      'aria-valuetext': `${num(value, 0, 1)}${unit} ${t('of')} ${num(target, 0, 1)}${unit}${text}` },
    el('div', { class: 'fill', style: `width:${pctOf(real)}%` }),
    placeholders ? el('div', { class: 'fill placeholder', style: `width:${pctOf(placeholders)}%` }) : null));
}
function placeholdersOf(line) {
  if (!Array.isArray(line.codes)) return null;
  let n = 0;
  for (const c of line.codes) {
    const f = zoneSource.getFeatureById(c);
    if (!f) return null;
    if (f.get('name_basis') === 'placeholder') n++;
  }
  return n;
}
function renderTargets() {
  if (!report) return;
  const line = (k) => report.lines.find((l) => l.key === k) || {};
  const k30 = line('kcn_2030'); const c30 = line('ccn_2030');
  $('targets').replaceChildren(el('h2', { text: t('targets') }),
    el('p', { class: 'small', id: 'targets-scope', text: t('targetsScope') }),
    bar(`${t('kcn2030')}:`, k30.count, k30.target_count, ` ${t('zones')}`, placeholdersOf(k30), 'bar-kcn-2030'),
    bar(`${t('kcn2030')}:`, k30.declared_area_ha, k30.target_area_ha, ' ha'),
    bar(`${t('ccn2030')}:`, c30.count, c30.target_count, ` ${t('zones')}`, placeholdersOf(c30), 'bar-ccn-2030'),
    bar(`${t('ccn2030')}:`, c30.declared_area_ha, c30.target_area_ha, ' ha'),
    bar(`${t('kcnAdded')}:`, line('kcn_added').declared_area_ha, line('kcn_added').target_area_ha, ' ha'),
    bar(`${t('ccnAdded')}:`, line('ccn_added').declared_area_ha, line('ccn_added').target_area_ha, ' ha'),
    bar(`${t('ccnRemoved')}:`, line('ccn_removed').declared_area_ha, line('ccn_removed').target_area_ha, ' ha'),
    bar(`${t('inUse')} (KCN):`, line('kcn_in_use_by_2025').count, line('kcn_in_use_by_2025').target_count, ''),
    bar(`${t('inUse')} (CCN):`, line('ccn_in_use_by_2025').count, line('ccn_in_use_by_2025').target_count, ''),
    el('ul', { class: 'plain bar-legend', id: 'bar-legend' },
      el('li', {}, el('span', { class: 'swatch fill' }), ` ${t('realLegend')}`),
      el('li', {}, el('span', { class: 'swatch fill placeholder' }), ` ${t('placeholderLegend')}`)),
    el('p', { class: 'small', text: t('areaNote') }));
}

// ---------------------------------------------------------------- legend
function swatch(c, dashed) {
  return el('span', { class: 'swatch', style: `background:${c.fill}99;border:2px ${dashed ? 'dashed' : 'solid'} ${c.line}` });
}
function lineSwatch(colour, dashed, width = 3) {
  return el('span', { class: 'swatch line', style: `border-top:${width}px ${dashed ? 'dashed' : 'solid'} ${colour}` });
}
function renderLegend() {
  const items = [
    ['KCN', 'existing'], ['KCN', 'new'], ['KCN', 'expansion'],
    ['CCN', 'existing'], ['CCN', 'new'], ['CCN', 'expansion'], ['CCN', 'merged'], ['CCN', 'removed'],
  ];
  const grey = { fill: '#555555', line: '#555555' };
  $('legend').replaceChildren(el('h2', { text: t('legend') }), el('ul', {},
    items.map(([k, a]) => el('li', {}, swatch(COLOURS[k][a]), ` ${k} — ${t(a)}`)),
    el('li', {}, swatch(grey, true), ` ${t('dashed')}`),
    el('li', {}, swatch(grey, false), ` ${t('solid')}`),
    el('li', { id: 'legend-province' }, lineSwatch(GROUND.province, false), ` ${t('provinceLine')}`),
    el('li', { id: 'legend-former' }, lineSwatch(GROUND.former, true), ` ${t('formerLine')}`),
    el('li', { id: 'legend-communes' }, lineSwatch(GROUND.commune, false, 1), ` ${t('communeLine')}`),
    // drafts: only a planner sees them, and the legend says how they look
    allowed('planner') || zoneSource.getFeatures().some((f) => f.get('status') === 'draft')
      ? el('li', { id: 'legend-draft' }, el('span', { class: 'swatch draft', style: `background:#777777${DRAFT.alpha};border:2px dotted ${DRAFT.line}` }), ` ${t('draftLegend')}`) : null),
  el('p', { class: 'small', text: `${t('kcn')}; ${t('ccn')}` }));
  $('layers').replaceChildren(el('h2', { text: t('layers') }),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'show-removed', checked: showRemoved,
      on: { change: (e) => { showRemoved = e.target.checked; zoneLayer.changed(); zoneLabelLayer.changed(); } } }), ` ${t('showRemoved')}`),
    el('label', { class: 'check' }, el('input', { type: 'checkbox', id: 'osm', checked: osmState === 'on' || osmState === 'loading',
      on: { change: (e) => turnOsm(e.target.checked) } }), ` ${t('osm')}`),
    el('p', { id: 'osm-msg', role: 'status', class: osmState === 'offline' || osmState === 'failed' ? 'error' : '', text: osmMessage() }));
}

// --------------------------------------------------------------- sign in
function signOut() {
  // a session from a password ends on the server too; an API token stays valid
  if (token && token.startsWith('zs_')) api('/logout', { method: 'POST' }).catch(() => {});
  token = null; user = null; sessionStorage.removeItem('zoning-token');
  refresh();
}

const allowed = (role) => !!user && (user.role === role || user.role === 'admin');
const roleName = (r) => t(`role-${r}`);
function signInBox(role) {
  if (allowed(role)) {
    return el('p', {}, `${t('signedIn')}: ${user.name} (${roleName(user.role)}) `,
      el('button', { id: `signout-${role}`, on: { click: signOut } }, t('signOut')));
  }
  // signed in with another role: none of this face's controls, and why; the
  // form below signs in with another account instead
  const wrong = user ? el('p', { class: 'note', id: `wrong-role-${role}`, text: fillIn(t('wrongRole'), { name: user.name, role: roleName(user.role), need: roleName(role) }) }) : null;
  const before = token;
  const name = el('input', { type: 'text', id: `name-${role}`, autocomplete: 'username' });
  const password = el('input', { type: 'password', id: `password-${role}`, autocomplete: 'current-password' });
  const input = el('input', { type: 'password', id: `token-${role}`, autocomplete: 'off' });
  const msg = el('p', { class: 'error', role: 'alert' });
  // the role comes with the sign-in's answer (POST /login) or from /whoami for a token
  const finish = async (who) => {
    if (!who) {
      const r = await api('/whoami');
      if (!r.ok) { token = null; msg.textContent = t('badToken'); return; }
      who = await r.json();
    }
    if (who.role !== role && who.role !== 'admin') {
      msg.textContent = fillIn(t('needRole'), { role: roleName(role), has: roleName(who.role) });
      if (token && token !== before && token.startsWith('zs_')) api('/logout', { method: 'POST' }).catch(() => {});
      token = before; return;
    }
    // the session this one replaces ends on the server too
    if (before && before !== token && before.startsWith('zs_')) fetch('/logout', { method: 'POST', headers: { Authorization: `Bearer ${before}` } }).catch(() => {});
    user = { name: who.name, role: who.role };
    sessionStorage.setItem('zoning-token', token);
    await loadZones();
    refresh();
  };
  const withPassword = async () => {
    msg.textContent = '';
    const r = await fetch('/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: name.value.trim(), password: password.value }) });
    if (r.status === 429) {
      msg.textContent = t('tooManyTries').replace('{s}', r.headers.get('Retry-After') || '60');
      return;
    }
    if (!r.ok) { msg.textContent = t('badPassword'); password.value = ''; password.focus(); return; }
    const body = await r.json();
    token = body.token;
    await finish(body.role ? { name: body.name, role: body.role } : null);
  };
  const withToken = async () => { token = input.value.trim(); await finish(null); };
  return el('div', {}, wrong,
    el('form', { on: { submit: (e) => { e.preventDefault(); withPassword(); } } },
      el('label', { for: `name-${role}`, text: t('userName') }), ' ', name, ' ',
      el('label', { for: `password-${role}`, text: t('password') }), ' ', password, ' ',
      el('button', { type: 'submit', id: `signin-${role}` }, t('signIn'))),
    el('details', { id: `token-box-${role}` }, el('summary', {}, t('useToken')),
      el('form', { on: { submit: (e) => { e.preventDefault(); withToken(); } } },
        el('label', { for: `token-${role}`, text: t('token') }), ' ', input, ' ',
        el('button', { type: 'submit', id: `signin-token-${role}` }, t('signIn')))),
    msg);
}

// --------------------------------------------------------------- planner
let drawing = false;
let draw = null;
let modify = null;
let snap = null;
let editing = null; // code of an existing zone being edited
let undoStack = []; // the geometries before each edit, last on top
// what the form holds, kept across a change of language or face
const plan = { code: '', kind: 'KCN', name: '', reason: '', decision: '', gridCrs: null, kindChosen: false, kindWhy: null, fileEncoding: '' };
let planMsg = null; // { key, vars, extra }
let planProblem = null; // { status, body, retryAfter } or { key, detail }
let lastFindings = null; // { findings, code }
let validation = 0;
const fillIn = (text, vars = {}) => text.replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? '');

function stopEditing() {
  for (const i of [draw, modify, snap]) if (i) map.removeInteraction(i);
  draw = modify = snap = null;
  drawing = false;
}
function addModify() {
  modify = new Modify({ source: editSource });
  modify.on('modifystart', (e) => { const f = e.features.item(0); if (f) undoStack.push(f.getGeometry().clone()); });
  modify.on('modifyend', validate);
  map.addInteraction(modify);
  snap = new Snap({ source: zoneSource });
  map.addInteraction(snap);
}
function clearFindings() {
  findingSource.clear();
  flaggedCodes.clear();
  lastFindings = null;
  zoneLayer.changed();
  if ($('findings')) $('findings').replaceChildren();
}
function setMsg(key, vars, extra) { planMsg = key ? { key, vars, extra } : null; renderPlanMsg(); }
function setProblem(p) { planProblem = p; renderPlanProblem(); }
function startDraw() {
  stopEditing();
  editSource.clear();
  clearFindings();
  setProblem(null);
  editing = null;
  undoStack = [];
  drawing = true;
  draw = new Draw({ source: editSource, type: 'Polygon' });
  draw.on('drawend', (e) => {
    map.removeInteraction(draw); draw = null; drawing = false;
    setMsg('drawn');
    guessKind(e.feature.getGeometry());
    setTimeout(validate, 0);
  });
  map.addInteraction(draw);
  addModify();
  setMsg('drawing');
}
// Esc: the drawing under way is dropped
function cancelDrawing() {
  if (draw) draw.abortDrawing();
  stopEditing();
  editSource.clear();
  setMsg('drawCancelled');
}
// Ctrl+Z: the boundary as it was before its last edit
function undo() {
  const f = editSource.getFeatures()[0];
  const g = undoStack.pop();
  if (!f || !g) { setMsg('nothingToUndo'); return; }
  f.setGeometry(g);
  setMsg('undone');
  validate();
}
window.addEventListener('keydown', (e) => {
  if (face !== 'planner' || !allowed('planner')) return;
  const typing = e.target instanceof Element && e.target.closest('input, textarea, select');
  if (e.key === 'Escape' && drawing) {
    e.preventDefault(); e.stopPropagation(); cancelDrawing();
  } else if (e.key === 'Backspace' && drawing && !typing) {
    e.preventDefault(); draw?.removeLastPoint();
  } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === 'z' && !typing) {
    e.preventDefault();
    if (drawing) draw?.removeLastPoint(); else undo();
  }
}, true);

// the kind a new zone most likely is, from the zones around it: the nearest
// zone within a kilometre, else the commoner kind in view
function guessKind(geom) {
  if (plan.kindChosen) return;
  const ext = geom.getExtent();
  const centre = [(ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2];
  const zones = zoneSource.getFeatures().filter((z) => z.get('plan_action') !== 'removed' && z.getId() !== editing);
  const margin = 1000 / Math.cos((21.2 * Math.PI) / 180); // 1 km in Web Mercator near here
  let best = null;
  for (const z of zones) {
    const zg = z.getGeometry();
    const ze = zg.getExtent();
    if (ze[0] > ext[2] + margin || ze[2] < ext[0] - margin || ze[1] > ext[3] + margin || ze[3] < ext[1] - margin) continue;
    const p = zg.getClosestPoint(centre);
    const d = zg.intersectsCoordinate(centre) ? 0 : Math.hypot(p[0] - centre[0], p[1] - centre[1]);
    if (!best || d < best.d) best = { z, d };
  }
  if (best && best.d <= margin + Math.max(ext[2] - ext[0], ext[3] - ext[1]) / 2) {
    setKind(best.z.get('kind'), { key: 'kindFromNear', vars: { kind: best.z.get('kind'), zone: zoneLabel(best.z.getProperties()) } });
    return;
  }
  const v = view.calculateExtent(map.getSize());
  const count = { KCN: 0, CCN: 0 };
  for (const z of zones) if (z.getGeometry().intersectsExtent(v) && count[z.get('kind')] != null) count[z.get('kind')]++;
  if (count.CCN + count.KCN) {
    const k = count.CCN > count.KCN ? 'CCN' : 'KCN';
    setKind(k, { key: 'kindFromView', vars: { kind: k, kcn: count.KCN, ccn: count.CCN } });
  }
}
function setKind(kind, why) {
  plan.kind = kind;
  plan.kindWhy = why;
  if ($('plan-kind')) $('plan-kind').value = kind;
  renderKindWhy();
}
function renderKindWhy() {
  const w = $('kind-why');
  if (w) w.textContent = plan.kindWhy ? fillIn(t(plan.kindWhy.key), plan.kindWhy.vars) : '';
}
function setField(id, key, value) {
  plan[key] = value ?? '';
  if ($(id)) $(id).value = plan[key];
}

function startEdit() {
  if (!selected) { setMsg('selectZone'); return; }
  stopEditing();
  setProblem(null);
  const f = zoneSource.getFeatureById(selected);
  editSource.clear();
  const copy = f.clone();
  copy.setId(undefined);
  editSource.addFeature(copy);
  editing = selected;
  undoStack = [];
  setField('plan-code', 'code', selected);
  setField('plan-name', 'name', f.get('name_vi'));
  plan.kindChosen = true;
  plan.gridCrs = null;
  setKind(f.get('kind'), null);
  addModify();
  setMsg('editing', { zone: f.get('name_vi') });
  validate();
}

// A file chosen in the editor. GeoJSON is read here (geofile.js); a zipped
// shapefile, a KML or KMZ and a DXF are sent as they are to the server's
// `/validate`, whose intake reads them as `zoning check` does (field mapping,
// encoding detection, the CRS from the .prj) and answers the features in WGS84.
const FILE_TYPES = {
  zip: 'application/zip', kmz: 'application/vnd.google-earth.kmz',
  kml: 'application/vnd.google-earth.kml+xml', dxf: 'image/vnd.dxf',
};
const FILE_FORMATS = { zip: 'shapefile', kmz: 'KMZ', kml: 'KML', dxf: 'DXF' };
let filePick = null; // { ask: { file, type } } (the grid of a file without a CRS) or { choose: { … } }
// what kind of file this is, by its first bytes, else by its name
function fileType(file, head) {
  const ext = (file.name.match(/\.([^.]+)$/)?.[1] || '').toLowerCase();
  const start = new TextDecoder('latin1').decode(head).replace(/^\uFEFF/, '').trimStart();
  if (head[0] === 0x50 && head[1] === 0x4b) return ext === 'kmz' ? 'kmz' : 'zip';
  if (start.startsWith('{')) return 'geojson';
  if (ext === 'dxf' || start.startsWith('AutoCAD Binary DXF') || /^(0\s*\r?\n\s*SECTION|999\s*\r?\n)/.test(start)) return 'dxf';
  if (ext === 'kml' || /^<(\?xml|kml)/.test(start)) return 'kml';
  return 'geojson';
}
async function loadFile(file) {
  setProblem(null);
  setFilePick(null);
  const type = fileType(file, new Uint8Array(await file.slice(0, 64).arrayBuffer()));
  if (type === 'geojson') { await loadGeoJson(file); return; }
  // a DXF has no CRS: its grid is asked for before it is sent
  if (type === 'dxf') { setFilePick({ ask: { file, type, how: {} } }); setMsg(null); return; }
  await sendFile(file, type, {});
}
// how = { grid, layer }: the grid of a file without a CRS, the shapefile of a
// zip that holds several; the encoding of its text is the form's choice
async function sendFile(file, type, how) {
  setFilePick(null);
  setMsg('fileReading', { name: file.name });
  const { grid, layer } = how;
  const headers = { 'Content-Type': FILE_TYPES[type] };
  if (grid) headers['Content-Crs'] = `<${GRIDS[grid]}>`;
  const q = new URLSearchParams();
  if (layer) q.set('layer', layer);
  if (plan.fileEncoding) q.set('encoding', plan.fileEncoding);
  const r = await send(`/validate${q.toString() ? `?${q}` : ''}`, { method: 'POST', headers, body: await file.arrayBuffer() });
  if (!r || !r.ok) {
    const p = await problemOf(r);
    const detail = p.body?.detail || '';
    setMsg(null);
    // a shapefile without .prj: its grid is asked for, and it is sent again
    if (p.status === 422 && !grid && /has no \.prj/.test(detail)) { setFilePick({ ask: { file, type, how } }); return; }
    // a zip of several shapefiles: which one (the server names them)
    const many = p.status === 422 && !layer && detail.match(/holds \d+ shapefiles \(([^)]+)\)/);
    if (many) { setFilePick({ layers: { file, type, how, names: many[1].split(', ') } }); return; }
    setProblem(p.status === 422 ? { key: 'fileUnreadable', detail: `${file.name}: ${detail}` } : p);
    return;
  }
  const body = await r.json();
  const features = (body.features || []).filter((f) => /Polygon$/.test(f.geometry?.type || ''));
  const notes = body.notes || [];
  if (!features.length) {
    // the features the reader or the intake refused, with why
    const why = (body.findings || []).filter((f) => f.severity === 'error').map((f) => f.reason).join('; ');
    setMsg(null);
    setProblem({ key: 'fileNoFeature', detail: `${file.name}${why ? `: ${why}` : ''}` });
    return;
  }
  const format = [layer ? `${FILE_FORMATS[type]} ${layer}` : FILE_FORMATS[type], grid].filter(Boolean).join(', ');
  const from = { name: file.name, format, grid, notes };
  if (features.length === 1) { useFileFeature(from, features[0]); return; }
  setMsg(null);
  setFilePick({ choose: { ...from, features } });
}
// one feature of a file read by the server: into the editor, with what the
// reader said about the file (fields mapped, encoding) and about this feature
function useFileFeature(from, f) {
  setFilePick(null);
  const p = f.properties || {};
  const code = f.id == null ? (p.code ?? null) : String(f.id);
  // the intake puts KCN where a file says nothing: the kind is the file's only
  // when one of its fields fed it
  const kindSaid = from.notes.some((n) => /→ kind\b/.test(n.note || ''));
  const notes = from.notes.filter((n) => n.feature == null || n.code === code).map((n) => n.note);
  applyLoaded({ geometry: f.geometry, crs: from.format, code, name: p.name_vi ?? p.name ?? null,
    kind: kindSaid && /^(KCN|CCN)$/.test(p.kind) ? p.kind : null, grid: from.grid }, from.name, notes);
}
function setFilePick(x) { filePick = x; renderFilePick(); }
function renderFilePick() {
  const box = $('file-pick');
  if (!box) return;
  if (filePick?.ask) {
    const { file, type, how } = filePick.ask;
    put(box, el('p', { id: 'file-ask', text: fillIn(t('fileAskGrid'), { name: file.name }) }),
      el('label', { for: 'file-grid', text: t('fileGrid') }), ' ',
      el('select', { id: 'file-grid' },
        el('option', { value: 'EPSG:9214', selected: true }, t('fileGrid9214')),
        el('option', { value: 'EPSG:9209' }, t('fileGrid9209'))), ' ',
      el('button', { id: 'file-grid-go', type: 'button', on: { click: () => sendFile(file, type, { ...how, grid: $('file-grid').value }) } }, t('fileGridGo')), ' ',
      el('button', { id: 'file-cancel', type: 'button', on: { click: () => setFilePick(null) } }, t('fileCancel')));
  } else if (filePick?.layers) {
    const { file, type, how, names } = filePick.layers;
    put(box, el('p', { id: 'file-layers-ask', text: fillIn(t('fileLayers'), { name: file.name, n: names.length }) }),
      el('ul', { id: 'file-layers' }, names.map((n) => el('li', {},
        el('button', { type: 'button', 'data-layer': n, on: { click: () => sendFile(file, type, { ...how, layer: n }) } }, fillIn(t('fileLayerAs'), { layer: n }))))),
      el('button', { id: 'file-cancel', type: 'button', on: { click: () => setFilePick(null) } }, t('fileCancel')));
  } else if (filePick?.choose) {
    const c = filePick.choose;
    put(box, el('p', { id: 'file-choose', text: fillIn(t('fileChoose'), { name: c.name, n: c.features.length }) }),
      el('ul', { id: 'file-features' }, c.features.map((f) => {
        const p = f.properties || {};
        return el('li', {}, el('button', { type: 'button', 'data-code': f.id, on: { click: () => useFileFeature(c, f) } },
          `${fillIn(t('fileChooseAs'), { code: f.id })}: ${p.name_vi ?? p.name ?? ''} (${p.kind ?? ''})`));
      })),
      el('button', { id: 'file-cancel', type: 'button', on: { click: () => setFilePick(null) } }, t('fileCancel')));
  } else box.replaceChildren();
  box.hidden = !filePick;
}

// a GeoJSON file: its first polygon is the boundary being edited
async function loadGeoJson(file) {
  let z;
  try {
    // a file in a legal grid: the server's intake takes it to WGS84
    z = await readZoneFile(await file.text(), async (feature, crsUri) => {
      const r = await api('/validate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/geo+json', 'Content-Crs': `<${crsUri}>` },
        body: JSON.stringify({ type: 'FeatureCollection', features: [{ ...feature, id: 'tệp' }] }),
      });
      if (!r.ok) throw new FileError('fileNoPolygon', `${r.status}`);
      return (await r.json()).features?.[0] ?? null;
    });
  } catch (e) {
    setProblem(e instanceof FileError ? { key: e.key, detail: e.detail } : { key: 'fileNotJson', detail: String(e.message || e) });
    return;
  }
  applyLoaded({ ...z, grid: z.crs === 'CRS84' ? null : z.crs }, file.name, []);
}
// a boundary read from a file: { geometry (WGS84), crs (as said), code, name,
// kind, grid (its legal grid, when it was in one) } is the boundary being edited
function applyLoaded(z, fileName, notes) {
  stopEditing();
  editSource.clear();
  clearFindings();
  const f = geojson.readFeature({ type: 'Feature', geometry: z.geometry, properties: {} });
  editSource.addFeature(f);
  undoStack = [];
  editing = z.code && zoneSource.getFeatureById(z.code) ? z.code : null;
  setField('plan-code', 'code', z.code || '');
  setField('plan-name', 'name', z.name || '');
  plan.gridCrs = z.grid;
  plan.kindChosen = !!z.kind;
  plan.kindWhy = null;
  if (z.kind) setKind(z.kind, { key: 'kindFromFile', vars: { kind: z.kind } });
  else guessKind(f.getGeometry());
  addModify();
  view.fit(f.getGeometry().getExtent(), { padding: [60, 60, 60, 60], maxZoom: 16 });
  setMsg(editing ? 'fileLoadedExisting' : 'fileLoaded', { name: fileName, crs: z.crs, code: z.code || '' }, notes);
  validate();
}

function editedFeature() {
  const f = editSource.getFeatures()[0];
  if (!f) return null;
  const g = JSON.parse(geojson.writeGeometry(f.getGeometry(), { decimals: 9 }));
  const code = plan.code.trim() || 'NEW-ZONE';
  const properties = { code, kind: plan.kind, name: plan.name.trim() || code };
  if (plan.gridCrs) properties.grid_crs = plan.gridCrs;
  return { type: 'Feature', id: code, geometry: g, properties };
}
async function send(path, opts) {
  try { return await api(path, opts); } catch { return null; }
}
async function problemOf(r) {
  if (!r) return { status: 0, body: null };
  let body = null;
  try { body = await r.json(); } catch { /* not JSON */ }
  return { status: r.status, body, retryAfter: r.headers.get('Retry-After') };
}
async function validate() {
  const feature = editedFeature();
  if (!feature) return;
  const n = ++validation;
  const r = await send('/validate', { method: 'POST', headers: { 'Content-Type': 'application/geo+json' }, body: JSON.stringify(feature) });
  if (n !== validation) return; // a later edit is being checked
  if (!r || !r.ok) { setProblem(await problemOf(r)); return; }
  const report = await r.json();
  if (n !== validation) return;
  if (planProblem && planProblem.status) setProblem(null);
  showFindings(report.findings || [], feature.id);
}
// the area two zones share: the boundary being edited (or the zone saved)
// intersected with the other zone, computed here (polygon-clipping)
function overlapArea(code, other) {
  const edited = editSource.getFeatures()[0];
  const a = (edited || zoneSource.getFeatureById(code))?.getGeometry();
  const b = zoneSource.getFeatureById(other)?.getGeometry();
  if (!a || !b) return null;
  const coords = (g) => (g.getType() === 'MultiPolygon' ? g.getCoordinates() : [g.getCoordinates()]);
  try {
    const out = polygonClipping.intersection(coords(a), coords(b));
    return out.length ? new MultiPolygon(out) : null;
  } catch { return null; }
}
function zoneName(c) {
  const f = zoneSource.getFeatureById(c);
  return f ? `${zoneLabel(f.getProperties())} (${c})` : c;
}
function showFindings(findings, code) {
  lastFindings = { findings, code };
  findingSource.clear();
  flaggedCodes.clear();
  for (const f of findings) {
    const others = (f.codes || []).filter((c) => c !== code && !/^feature #/.test(c));
    let drawn = false;
    if (f.rule === 'overlap' || f.rule === 'sliver') {
      for (const o of others) {
        const g = overlapArea(code, o);
        if (g) { findingSource.addFeature(new Feature({ geometry: g, area: true, rule: f.rule, other: o })); drawn = true; }
      }
    }
    if ((!drawn || f.rule === 'sliver') && f.location) findingSource.addFeature(new Feature({ geometry: new Point(fromLonLat(f.location)), rule: f.rule }));
    for (const c of others) flaggedCodes.add(c);
  }
  zoneLayer.changed();
  renderFindings();
}
function renderFindings() {
  const list = $('findings');
  if (!list || !lastFindings) return;
  const { findings, code } = lastFindings;
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.length - errors;
  put(list, el('h3', { text: t('findings') }),
    errors ? el('p', { id: 'findings-alert', role: 'alert', class: 'alert error', text: fillIn(t('findingsErrors'), { n: errors }) }) : null,
    !errors ? el('p', { id: 'findings-ok', role: 'status', class: warnings ? 'warning' : 'ok', text: warnings ? fillIn(t('findingsWarnings'), { n: warnings }) : t('noFindings') }) : null,
    findings.length ? el('ul', { class: 'findings' }, findings.map((f) => {
      const { what, todo } = findingText({ ...f, self: code }, zoneName);
      return el('li', { class: f.severity, 'data-rule': f.rule },
        el('strong', { text: `${t(f.severity === 'error' ? 'errorTitle' : 'warningTitle')}: ` }), what,
        el('div', { class: 'todo', text: `${t('whatToDo')}: ${todo}` }),
        el('div', { class: 'detail small' }, `${t('serverSays')} (${f.rule}): `, el('span', { lang: 'en', text: f.reason })));
    })) : null);
}
function renderPlanMsg() {
  const m = $('plan-msg');
  if (!m) return;
  m.textContent = planMsg ? fillIn(t(planMsg.key), planMsg.vars) : '';
  if (planMsg?.extra?.length) m.append(el('ul', { class: 'small' }, planMsg.extra.map((n) => el('li', {}, noteText(n) || n))));
}
// an error as an error: what is wrong, what to do, and the server's words
function problemBox(p, id) {
  if (!p) return [];
  let what; let todo = ''; let detail = '';
  if (p.key) { what = t(p.key); detail = p.detail || ''; } else ({ what, todo, detail } = problemText(p.status, p.body, p.retryAfter));
  return [el('strong', { text: p.status ? `${what} (HTTP ${p.status})` : what }),
    todo ? el('div', { class: 'todo', text: `${t('whatToDo')}: ${todo}` }) : null,
    detail ? el('div', { class: 'detail small' }, `${t('serverSays')}: `, el('span', { lang: p.key ? undefined : 'en', text: detail })) : null,
  ].filter(Boolean).map((x) => { if (id) x.dataset.of = id; return x; });
}
function renderPlanProblem() {
  const box = $('plan-alert');
  if (!box) return;
  put(box, ...problemBox(planProblem));
  box.classList.toggle('alert', !!planProblem);
  box.dataset.status = planProblem?.status ?? (planProblem?.key || '');
}
async function save() {
  const feature = editedFeature();
  if (!feature) { setMsg('nothingDrawn'); return; }
  if (plan.reason.trim()) feature.properties.change_reason = plan.reason.trim();
  if (plan.decision.trim()) feature.properties.change_decision = plan.decision.trim();
  let r;
  if (editing && editing === feature.id) {
    const cur = await send(`/collections/zones/items/${encodeURIComponent(editing)}`);
    const etag = cur?.headers.get('ETag');
    // a merge patch of what the editor changes (the boundary, kind, name, the
    // change's reason and decision): the zone's other properties (sources,
    // notes, plan action, bases) stay as recorded; a PUT of this form's few
    // fields would replace them with the defaults
    const { code, name, ...rest } = feature.properties;
    const patch = { geometry: feature.geometry, properties: { ...rest, name_vi: name } };
    // an area derived from the old boundary is derived again from the new one
    const recorded = cur && cur.ok ? await cur.json().catch(() => null) : null;
    if (recorded?.properties?.area_basis === 'derived') {
      patch.properties.declared_area_ha = null;
      patch.properties.area_basis = null;
    }
    r = await send(`/collections/zones/items/${encodeURIComponent(editing)}`, { method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json', ...(etag ? { 'If-Match': etag } : {}) }, body: JSON.stringify(patch) });
  } else {
    r = await send('/collections/zones/items', { method: 'POST', headers: { 'Content-Type': 'application/geo+json' }, body: JSON.stringify(feature) });
  }
  if (!r || !r.ok) { setProblem(await problemOf(r)); return; }
  const body = await r.json();
  setProblem(null);
  setMsg('savedCode', { code: feature.id }, body.notes || []);
  showFindings(body.findings || [], feature.id);
  stopEditing();
  editSource.clear();
  undoStack = [];
  setField('plan-reason', 'reason', '');
  setField('plan-decision', 'decision', '');
  await loadZones();
  select(feature.id, false);
}
function renderPlanner() {
  const p = $('planner');
  put(p, el('h2', { text: t('planner') }), signInBox('planner'));
  if (!allowed('planner')) return;
  const input = (id, key, attrs = {}) => el('input', { id, value: plan[key], ...attrs, on: { input: (e) => { plan[key] = e.target.value; } } });
  p.append(
    el('div', { class: 'tools' },
      el('button', { id: 'draw', on: { click: startDraw } }, t('draw')), ' ',
      el('button', { id: 'edit', on: { click: startEdit } }, t('edit')), ' ',
      el('button', { id: 'clear', on: { click: () => { stopEditing(); editSource.clear(); clearFindings(); setProblem(null); setMsg(null); setFilePick(null); undoStack = []; plan.kindChosen = false; plan.kindWhy = null; renderKindWhy(); } } }, t('clear'))),
    el('p', { class: 'file' }, el('label', { for: 'geojson-file', text: t('loadFile') }), ' ',
      el('input', { type: 'file', id: 'geojson-file', accept: '.geojson,.json,.zip,.kml,.kmz,.dxf,application/geo+json,application/json',
        on: { change: (e) => { const f = e.target.files[0]; if (f) loadFile(f); e.target.value = ''; } } })),
    el('p', { class: 'file' }, el('label', { for: 'file-encoding', text: t('fileEncoding') }), ' ',
      el('select', { id: 'file-encoding', on: { change: (e) => { plan.fileEncoding = e.target.value; } } },
        [['', t('fileEncodingAuto')], ['utf-8', 'UTF-8'], ['cp1258', 'Windows-1258'], ['tcvn3', 'TCVN3 (ABC, .VnTime)'], ['vni', 'VNI-Windows'], ['viscii', 'VISCII']]
          .map(([v, label]) => el('option', { value: v, selected: plan.fileEncoding === v }, label)))),
    el('div', { id: 'file-pick', class: 'file-pick', hidden: true }),
    el('p', { id: 'edit-hint', class: 'small hint', text: t('editHint') }),
    el('form', { class: 'zone-form', on: { submit: (e) => { e.preventDefault(); save(); } } },
      el('label', { for: 'plan-code', text: t('code') }), input('plan-code', 'code', { required: true }),
      el('label', { for: 'plan-kind', text: t('kind') }),
      el('div', {}, el('select', { id: 'plan-kind', 'aria-describedby': 'kind-why', on: { change: (e) => { plan.kind = e.target.value; plan.kindChosen = true; plan.kindWhy = null; renderKindWhy(); } } },
        el('option', { value: 'KCN', selected: plan.kind === 'KCN' }, 'KCN'), el('option', { value: 'CCN', selected: plan.kind === 'CCN' }, 'CCN')),
      el('p', { id: 'kind-why', class: 'small', 'aria-live': 'polite' })),
      el('label', { for: 'plan-name', text: t('name') }), input('plan-name', 'name', { required: true }),
      el('label', { for: 'plan-reason', text: t('changeReason') }), input('plan-reason', 'reason', { placeholder: t('changeReasonHint') }),
      el('label', { for: 'plan-decision', text: t('changeDecision') }), input('plan-decision', 'decision', { placeholder: t('changeDecisionHint') }),
      el('button', { type: 'submit', id: 'save' }, t('save'))),
    el('div', { id: 'plan-alert', role: 'alert', class: 'error-box' }),
    el('p', { id: 'plan-msg', role: 'status' }),
    el('div', { id: 'findings' }));
  $('plan-kind').value = plan.kind;
  renderKindWhy();
  renderPlanMsg();
  renderPlanProblem();
  renderFilePick();
  renderFindings();
}

// -------------------------------------------------------------- surveyor
// the last answer stays on the page across a change of language or face
let survey = null; // { report } or { ask: { file, etag, replaces } } or { problem }
async function upload(file, replace = null) {
  const text = await file.arrayBuffer();
  // CSV or an Excel workbook: the service recognises which from the bytes
  const headers = { 'Content-Type': file.type || 'text/csv' };
  if (replace) headers['If-Match'] = replace;
  const r = await send(`/markers/upload${replace ? '?replace=true' : ''}`, { method: 'POST', headers, body: text });
  const p = await problemOf(r);
  const body = p.body || {};
  if (r && r.status === 409 && body.replaces && body.etag) {
    // markers of this table exist already: say which, and replace only when asked
    survey = { ask: { file, etag: body.etag, replaces: body.replaces } };
  } else if (!r || !r.ok) {
    survey = { problem: p };
  } else {
    survey = { report: body };
    markerChosen = null;
    markerSource.clear();
    // the service adds WGS84 (through PROJ) to the grid coordinates
    for (const m of body.markers) {
      markerSource.addFeature(new Feature({ geometry: new Point(fromLonLat([m.lon, m.lat])), status: m.status, distance_m: m.distance_m, id: m.id }));
    }
    for (const v of body.unmarked_vertices) {
      markerSource.addFeature(new Feature({ geometry: new Point(fromLonLat([v.lon, v.lat])), unmarked: true }));
    }
    if (markerSource.getFeatures().length) map.getView().fit(markerSource.getExtent(), { padding: [60, 60, 60, 60], maxZoom: 16 });
  }
  renderSurvey();
}
function showMarker(id) {
  const f = markerSource.getFeatures().find((m) => m.get('id') === id && !m.get('unmarked'));
  if (!f) return;
  markerChosen = id;
  markerSource.changed();
  for (const tr of document.querySelectorAll('#marker-table tbody tr')) tr.classList.toggle('chosen', tr.dataset.marker === id);
  view.animate({ center: f.getGeometry().getCoordinates(), zoom: Math.max(view.getZoom(), 18), duration: 300 });
}
const zoneOfMarker = (code) => {
  if (!code) return null;
  const f = zoneSource.getFeatureById(code);
  return f ? `${zoneLabel(f.getProperties())} (${code})` : code;
};
const metres = (v, d = 3) => num(v, d);
function renderSurvey() {
  const out = $('survey-out');
  if (!out || !survey) return;
  if (survey.ask) {
    const { file, etag, replaces } = survey.ask;
    put(out, el('p', { class: 'alert error', role: 'alert', text: t('replaceAsk').replace('{n}', replaces.length).replace('{list}', replaces.slice(0, 10).join(', ')) }),
      el('button', { id: 'replace-markers', on: { click: () => upload(file, etag) } }, t('replaceDo')));
    return;
  }
  if (survey.problem) {
    put(out, el('div', { class: 'alert error', role: 'alert', id: 'survey-alert' }, ...problemBox(survey.problem)));
    return;
  }
  const body = survey.report;
  const statusCell = (s) => el('td', { class: 'status' },
    el('span', { class: 'status-dot', style: `background:${MARKER_COLOURS[s] || MARKER_COLOURS['no-zone']}`, 'aria-hidden': 'true' }), ` ${t(s)}`);
  put(out, 
    el('h3', { text: t('markers') }),
    el('p', { id: 'survey-terms', class: 'small', text: fillIn(t('surveyTerms'), {
      tol: num(body.tolerance_m * 100, 0, 1), radius: num(body.search_radius_m, 0, 1), crs: body.crs }) }),
    el('table', { class: 'data', id: 'marker-table' },
      el('caption', { class: 'small', text: t('markerTableCaption') }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('markerNo') }), el('th', { scope: 'col', text: t('line') }),
        el('th', { scope: 'col', text: t('zoneMatched') }), el('th', { scope: 'col', text: t('deviation') }), el('th', { scope: 'col', text: t('status') }))),
      el('tbody', {}, body.markers.map((m) => el('tr', { class: `${m.status}${m.id === markerChosen ? ' chosen' : ''}`, 'data-marker': m.id, on: { click: () => showMarker(m.id) } },
        el('td', {}, el('button', { class: 'link', text: m.id, 'aria-label': fillIn(t('showMarker'), { id: m.id }) })),
        el('td', { text: String(m.line) }),
        el('td', { class: 'zone', text: zoneOfMarker(m.zone) || fillIn(t('noZoneWithin'), { radius: num(body.search_radius_m, 0) }) }),
        // a marker near no zone deviates from nothing
        el('td', { text: m.distance_m == null || m.status === 'no-zone' ? '—' : num(m.distance_m * 100, 1) }),
        statusCell(m.status))))),
    el('h3', { text: t('rejected') }),
    body.rejected_rows.length ? el('table', { class: 'data', id: 'rejected' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('line') }), el('th', { scope: 'col', text: t('markerNo') }), el('th', { scope: 'col', text: t('reason') }))),
      el('tbody', {}, body.rejected_rows.map((x) => {
        const plain = rowReason(x.reason);
        return el('tr', {}, el('td', { text: String(x.line) }), el('td', { text: x.id || '—' }),
          el('td', {}, plain ? el('span', { class: 'plain-reason', text: plain }) : null,
            el('div', { class: 'detail small' }, `${t('serverSays')}: `, el('span', { lang: 'en', text: x.reason }))));
      }))) : el('p', { id: 'rejected', text: t('noneRejected') }),
    el('h3', { text: t('unmarked') }),
    el('p', { id: 'unmarked-count', text: fillIn(t('unmarkedCount'), { n: body.unmarked_vertices.length }) }),
    body.unmarked_vertices.length ? el('table', { class: 'data', id: 'unmarked-table' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: t('zone') }), el('th', { scope: 'col', text: t('xNorthing') }),
        el('th', { scope: 'col', text: t('yEasting') }), el('th', { scope: 'col', text: t('gridCol') }), el('th', { scope: 'col', text: t('nearestMarker') }))),
      el('tbody', {}, body.unmarked_vertices.map((v) => el('tr', {},
        el('td', { text: zoneOfMarker(v.zone) || '—' }), el('td', { class: 'num', text: metres(v.x) }), el('td', { class: 'num', text: metres(v.y) }),
        el('td', { text: v.grid_crs || body.crs }), el('td', { class: 'num', text: v.nearest_marker_m == null ? '—' : `${num(v.nearest_marker_m, 2)} m` }))))) : null,
    body.warnings.length ? el('ul', { id: 'survey-warnings' }, body.warnings.map((w) => el('li', { class: 'warning' },
      warningText(w) || '', el('div', { class: 'detail small' }, `${t('serverSays')}: `, el('span', { lang: 'en', text: w }))))) : null);
}
function renderSurveyor() {
  const s = $('surveyor');
  put(s, el('h2', { text: t('surveyor') }), signInBox('surveyor'));
  if (!allowed('surveyor')) return;
  const spacing = el('input', { id: 'spacing', type: 'number', min: '1', value: stakeoutSpacing, on: { input: (e) => { stakeoutSpacing = e.target.value; } } });
  s.append(
    el('label', { for: 'csv', text: t('upload') }), ' ',
    el('input', { type: 'file', id: 'csv', accept: '.csv,.xlsx,.xls,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel', on: { change: (e) => e.target.files[0] && upload(e.target.files[0]) } }),
    el('div', { id: 'survey-out' }),
    el('p', {}, el('label', { for: 'spacing', text: t('spacing') }), ' ', spacing, ' ',
      el('button', { id: 'stakeout', on: { click: () => {
        if (!selected) { alert(t('selectZone')); return; }
        const a = el('a', { href: `/collections/zones/items/${encodeURIComponent(selected)}/stakeout?max_spacing_m=${spacing.value}`, download: `${selected}-stakeout.csv` });
        document.body.append(a); a.click(); a.remove();
      } } }, t('stakeout'))));
  renderSurvey();
}
let stakeoutSpacing = '100';

// ---------------------------------------------------------------- frame
function refresh() {
  document.title = t('title');
  $('title').textContent = t('title');
  $('search').placeholder = t('searchHint');
  $('search-label').textContent = t('search');
  $('lang').textContent = t('otherLang');
  // the visible letters first in the name (WCAG 2.5.3), then the language
  $('lang').setAttribute('aria-label', `${t('otherLang')} — ${t('otherLangName')}`);
  $('illustrative').textContent = t('illustrative');
  $('map').setAttribute('aria-label', t('mapLabel'));
  for (const b of document.querySelectorAll('[role=tab]')) {
    b.textContent = t(b.dataset.face);
    b.setAttribute('aria-selected', String(b.dataset.face === face));
  }
  $('planner').hidden = face !== 'planner';
  $('surveyor').hidden = face !== 'surveyor';
  if (face === 'planner') renderPlanner();
  if (face === 'surveyor') renderSurveyor();
  if (face !== 'planner') stopEditing();
  renderLegend();
  renderTargets();
  communeLabelLayer.changed();
  if (!$('card').hidden) {
    const kind = $('card').dataset.kind;
    const f = selected && zoneSource.getFeatureById(selected);
    if (kind === 'zone' && f) showCard(f);
    const m = location.hash.match(/commune=([^&]+)/);
    if (kind === 'commune' && m) showCommune(decodeURIComponent(m[1]), false);
    if (kind === 'district' && lastDistrict) showDistrict(lastDistrict, false);
  }
}
for (const b of document.querySelectorAll('[role=tab]')) {
  b.addEventListener('click', () => { face = b.dataset.face; refresh(); });
}
$('lang').addEventListener('click', () => { setLang(lang() === 'vi' ? 'en' : 'vi'); refresh(); });
function followHash() {
  const z = location.hash.match(/zone=([^&]+)/);
  if (z) {
    const code = decodeURIComponent(z[1]);
    if (window.zoning.mode === 'tiles') selectFromTile(code, true); else select(code, true);
    return true;
  }
  const c = location.hash.match(/commune=([^&]+)/);
  if (c) { showCommune(decodeURIComponent(c[1]), true); return true; }
  return false;
}
window.addEventListener('hashchange', followHash);

async function start() {
  setLang(lang());
  refresh();
  if (token) {
    const r = await api('/whoami');
    if (r.ok) { const who = await r.json(); user = { name: who.name, role: who.role }; } else { token = null; sessionStorage.removeItem('zoning-token'); }
  }
  await Promise.all([ground.load(apiJson), loadZones(), loadReport()]);
  searchIndex = null;
  refresh();
  if (!followHash()) fitProvince();
  window.zoning.ready = true;
}
start();
