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
import OSM from 'ol/source/OSM.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import { Style, Fill, Stroke, Text, Circle as CircleStyle, RegularShape } from 'ol/style.js';
import { defaults as defaultControls } from 'ol/control/defaults.js';
import { defaults as defaultInteractions } from 'ol/interaction/defaults.js';
import Draw from 'ol/interaction/Draw.js';
import Modify from 'ol/interaction/Modify.js';
import Snap from 'ol/interaction/Snap.js';
import { fromLonLat } from 'ol/proj.js';
import { createEmpty, extend, isEmpty } from 'ol/extent.js';
import { t, lang, setLang, num, pct } from './i18n.js';
import { createGround, ZONE_LABEL_ZOOM, GROUND } from './ground.js';
import { buildIndex, search } from './search.js';

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
    const alpha = p.plan_action === 'removed' ? '33' : p.status === 'draft' ? '44' : '99';
    styleCache[key] = new Style({
      fill: new Fill({ color: c.fill + alpha }),
      stroke: new Stroke({
        color: flagged ? '#d00' : f.getId() === selected ? '#000' : c.line,
        width: flagged || f.getId() === selected ? 3 : 1.5,
        lineDash: dashed ? [6, 4] : undefined,
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
const findingStyle = new Style({ image: new CircleStyle({ radius: 7, fill: new Fill({ color: '#d00' }), stroke: new Stroke({ color: '#fff', width: 2 }) }) });
const compareStyles = [
  new Style({ stroke: new Stroke({ color: '#0a0', width: 3 }), fill: new Fill({ color: '#0a02' }) }),
  new Style({ stroke: new Stroke({ color: '#c00', width: 3, lineDash: [4, 4] }), fill: new Fill({ color: '#c002' }) }),
];
function markerStyle(f) {
  const s = f.get('status');
  if (f.get('unmarked')) {
    return new Style({ image: new RegularShape({ points: 4, radius: 6, angle: Math.PI / 4, stroke: new Stroke({ color: '#d00', width: 2 }) }) });
  }
  const d = f.get('distance_m') ?? 0;
  const c = s === 'ok' ? '#1a9c3a' : s === 'no-zone' ? '#888' : d < 0.5 ? '#f08c00' : '#d00';
  return new Style({ image: new CircleStyle({ radius: 6, fill: new Fill({ color: c }), stroke: new Stroke({ color: '#fff', width: 1.5 }) }) });
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
  fit: (w, s, e, n) => map.getView().fit([...fromLonLat([w, s]), ...fromLonLat([e, n])], { padding: [40, 40, 40, 40] }),
  colours: COLOURS,
  ground: GROUND,
  ready: false,
};

// the whole current province in view, on any screen
function fitProvince() {
  const e = ground.extent();
  // clear of the credits along the bottom and the zoom buttons on the left
  const credits = map.getViewport().querySelector('.ol-attribution');
  const zoom = map.getViewport().querySelector('.ol-zoom');
  if (e) view.fit(e, { padding: [12, 12, (credits ? credits.offsetHeight : 0) + 8, (zoom ? zoom.offsetWidth + zoom.offsetLeft : 0) + 4] });
}

async function loadZones() {
  const fc = await apiJson('/collections/zones/items?limit=10000');
  zoneSource.clear();
  zoneSource.addFeatures(geojson.readFeatures(fc));
  searchIndex = null;
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
  ul.replaceChildren(...results.map((r, i) => {
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
function showCard(f) {
  const p = f.getProperties();
  const action = p.plan_action === 'merged' ? `${t('merged')} → ${p.merged_into}`
    : p.plan_action === 'expansion' ? `${t('expansion')} (${p.expansion_of})` : t(p.plan_action);
  const sources = el('ul', {}, (p.sources || []).map((s) => el('li', {},
    s.url ? el('a', { href: s.url, rel: 'noopener', target: '_blank', text: s.decision || new URL(s.url).hostname }) : (s.decision || ''))));
  const card = $('card');
  card.hidden = false;
  card.dataset.kind = 'zone';
  card.replaceChildren(...[
    cardHead(p.name_vi),
    el('table', {},
      row(t('kind'), p.kind),
      row(t('planAction'), `${action} — ${t('basis')}: ${t(p.plan_basis)}`),
      row(t('nameBasis'), t(p.name_basis === 'placeholder' ? 'placeholderName' : 'sourcedName')),
      row(t('declared'), `${num(p.declared_area_ha, 2)} ha — ${t('basis')}: ${t(p.area_basis)}`),
      row(t('grid'), `${num(p.grid_area_ha, 2)} ha`),
      row(t('geodesic'), `${num(p.geodesic_area_ha, 2)} ha`),
      communesRow(p),
      row(t('district'), p.district_vi || '—', { id: 'row-district' }),
      p.former_province ? row(t('formerProvince'), `${t('provincePrefix')} ${p.former_province} ${t('formerSuffix')}`, { id: 'row-former-province' }) : null,
      p.grid_crs ? row(t('gridCrs'), GRID_NAMES[p.grid_crs] || p.grid_crs, { id: 'row-grid' }) : null,
      row(t('infrastructure'), t(p.infrastructure)),
      row(t('geometry'), el('strong', { text: t(p.geometry_source === 'illustrative' ? 'illustrativeGeom' : p.geometry_source) })),
      row(t('status'), `${t(p.status)} (${t('version')} ${p.version})`),
      row(t('sources'), sources),
    ),
    p.note ? el('p', { class: 'small', text: p.note }) : null,
    el('p', { class: 'actions' },
      el('a', { href: `#zone=${encodeURIComponent(f.getId())}`, text: t('link') }), ' ',
      el('button', { id: 'history', on: { click: () => showHistory(f.getId()) } }, t('history')), ' ',
      el('button', { id: 'card-close', on: { click: closeCard } }, t('close'))),
    el('div', { id: 'history-list' }),
  ].filter(Boolean));
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
  card.replaceChildren(
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
  card.replaceChildren(
    cardHead(d.name),
    el('p', { text: t('districtNote') }),
    d.communes.size ? el('h3', { text: t('communesNowOf') }) : null,
    d.communes.size ? el('ul', { class: 'plain', id: 'district-communes' }, [...d.communes].map(communeButton)) : null,
    el('h3', { text: t('zonesHere') }),
    d.zones.size ? el('ul', { class: 'plain', id: 'district-zones' }, [...d.zones].map(zoneButton)) : el('p', { text: '—' }),
    el('p', { class: 'actions' }, el('button', { id: 'card-close', on: { click: closeCard } }, t('close'))));
}
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !$('card').hidden) $('card-close')?.click(); });
map.on('singleclick', (e) => {
  if (drawing) return;
  const hit = map.forEachFeatureAtPixel(e.pixel, (f) => (f.getId() && zoneSource.hasFeature(f) ? f : null),
    { layerFilter: (l) => l === zoneLayer });
  if (hit) select(hit.getId(), false);
});

async function showHistory(code) {
  const r = await api(`/collections/zones/items/${encodeURIComponent(code)}/history`);
  const h = await r.json();
  const list = $('history-list');
  const chosen = [];
  list.replaceChildren(el('h3', { text: t('history') }), el('ol', { id: 'versions' }, (h.versions || []).map((v) => el('li', {},
    el('label', { class: 'check' }, el('input', { type: 'checkbox', value: v.version, on: { change: (e) => {
      if (e.target.checked) chosen.push(v); else chosen.splice(chosen.indexOf(v), 1);
    } } }), ` ${t('version')} ${v.version} — ${t(v.status)} — ${v.recorded_at.slice(0, 19).replace('T', ' ')} — ${v.recorded_by}${v.decision ? ` — ${v.decision}` : ''}${v.reason ? ` — ${v.reason}` : ''}`)))),
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
    el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': target, 'aria-valuenow': Math.round(value),
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
    el('li', { id: 'legend-communes' }, lineSwatch(GROUND.commune, false, 1), ` ${t('communeLine')}`)),
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

function signInBox(role) {
  if (user && (user.role === role || user.role === 'admin')) {
    return el('p', {}, `${t('signedIn')}: ${user.name} (${user.role}) `,
      el('button', { id: `signout-${role}`, on: { click: signOut } }, t('signOut')));
  }
  const name = el('input', { type: 'text', id: `name-${role}`, autocomplete: 'username' });
  const password = el('input', { type: 'password', id: `password-${role}`, autocomplete: 'current-password' });
  const input = el('input', { type: 'password', id: `token-${role}`, autocomplete: 'off' });
  const msg = el('p', { class: 'error', role: 'alert' });
  const finish = async () => {
    const r = await api('/whoami');
    if (!r.ok) { token = null; msg.textContent = t('badToken'); return; }
    user = await r.json();
    if (user.role !== role && user.role !== 'admin') { msg.textContent = `${t('needRole')} ${role}`; token = null; user = null; return; }
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
    token = (await r.json()).token;
    await finish();
  };
  const withToken = async () => { token = input.value.trim(); await finish(); };
  return el('div', {},
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
function stopEditing() {
  for (const i of [draw, modify, snap]) if (i) map.removeInteraction(i);
  draw = modify = snap = null;
  drawing = false;
}
function startDraw() {
  stopEditing();
  editSource.clear();
  findingSource.clear();
  editing = null;
  drawing = true;
  draw = new Draw({ source: editSource, type: 'Polygon' });
  draw.on('drawend', () => { map.removeInteraction(draw); draw = null; drawing = false; setTimeout(validate, 0); });
  modify = new Modify({ source: editSource });
  modify.on('modifyend', validate);
  map.addInteraction(draw);
  map.addInteraction(modify);
  snap = new Snap({ source: zoneSource });
  map.addInteraction(snap);
}
function startEdit() {
  if (!selected) { $('plan-msg').textContent = t('selectZone'); return; }
  stopEditing();
  const f = zoneSource.getFeatureById(selected);
  editSource.clear();
  const copy = f.clone();
  copy.setId(undefined);
  editSource.addFeature(copy);
  editing = selected;
  $('plan-code').value = selected;
  $('plan-kind').value = f.get('kind');
  $('plan-name').value = f.get('name_vi');
  modify = new Modify({ source: editSource });
  modify.on('modifyend', validate);
  map.addInteraction(modify);
  snap = new Snap({ source: zoneSource });
  map.addInteraction(snap);
  validate();
}
function editedFeature() {
  const f = editSource.getFeatures()[0];
  if (!f) return null;
  const g = JSON.parse(geojson.writeGeometry(f.getGeometry(), { decimals: 9 }));
  const code = $('plan-code').value.trim() || 'NEW-ZONE';
  return { type: 'Feature', id: code, geometry: g,
    properties: { code, kind: $('plan-kind').value, name: $('plan-name').value.trim() || code } };
}
async function validate() {
  const feature = editedFeature();
  if (!feature) return;
  const r = await api('/validate', { method: 'POST', headers: { 'Content-Type': 'application/geo+json' }, body: JSON.stringify(feature) });
  const report = await r.json();
  showFindings(report.findings || [], feature.id);
}
function showFindings(findings, code) {
  findingSource.clear();
  flaggedCodes.clear();
  for (const f of findings) {
    if (f.location) findingSource.addFeature(new Feature(new Point(fromLonLat(f.location))));
    for (const c of f.codes || []) if (c !== code) flaggedCodes.add(c);
  }
  zoneLayer.changed();
  const list = $('findings');
  list.replaceChildren(el('h3', { text: t('findings') }), findings.length
    ? el('ul', {}, findings.map((f) => el('li', { class: f.severity, 'data-rule': f.rule },
      `${t(f.severity)} — ${f.rule}: ${f.reason}`)))
    : el('p', { class: 'ok', text: t('noFindings') }));
}
async function save() {
  const feature = editedFeature();
  const msg = $('plan-msg');
  if (!feature) { msg.textContent = t('nothingDrawn'); return; }
  let r;
  if (editing && editing === feature.id) {
    const cur = await api(`/collections/zones/items/${encodeURIComponent(editing)}`);
    r = await api(`/collections/zones/items/${encodeURIComponent(editing)}`, { method: 'PUT',
      headers: { 'Content-Type': 'application/geo+json', 'If-Match': cur.headers.get('ETag') }, body: JSON.stringify(feature) });
  } else {
    r = await api('/collections/zones/items', { method: 'POST', headers: { 'Content-Type': 'application/geo+json' }, body: JSON.stringify(feature) });
  }
  const body = await r.json();
  if (!r.ok) { msg.textContent = `${r.status}: ${body.detail}`; return; }
  msg.textContent = `${t('saved')}: ${feature.id}`;
  showFindings(body.findings || [], feature.id);
  stopEditing();
  editSource.clear();
  await loadZones();
  select(feature.id, false);
}
function renderPlanner() {
  const p = $('planner');
  p.replaceChildren(el('h2', { text: t('planner') }), signInBox('planner'));
  if (!user) return;
  p.append(
    el('div', { class: 'tools' },
      el('button', { id: 'draw', on: { click: startDraw } }, t('draw')), ' ',
      el('button', { id: 'edit', on: { click: startEdit } }, t('edit')), ' ',
      el('button', { id: 'clear', on: { click: () => { stopEditing(); editSource.clear(); findingSource.clear(); flaggedCodes.clear(); zoneLayer.changed(); } } }, t('clear'))),
    el('form', { class: 'zone-form', on: { submit: (e) => { e.preventDefault(); save(); } } },
      el('label', { for: 'plan-code', text: t('code') }), el('input', { id: 'plan-code', required: true }),
      el('label', { for: 'plan-kind', text: t('kind') }), el('select', { id: 'plan-kind' }, el('option', { value: 'KCN' }, 'KCN'), el('option', { value: 'CCN' }, 'CCN')),
      el('label', { for: 'plan-name', text: t('name') }), el('input', { id: 'plan-name', required: true }),
      el('button', { type: 'submit', id: 'save' }, t('save'))),
    el('p', { id: 'plan-msg', role: 'status' }),
    el('div', { id: 'findings' }));
}

// -------------------------------------------------------------- surveyor
async function upload(file, replace = null) {
  const text = await file.arrayBuffer();
  const headers = { 'Content-Type': 'text/csv' };
  if (replace) headers['If-Match'] = replace;
  const r = await api(`/markers/upload${replace ? '?replace=true' : ''}`, { method: 'POST', headers, body: text });
  const body = await r.json();
  const out = $('survey-out');
  if (r.status === 409 && body.replaces && body.etag) {
    // markers of this table exist already: say which, and replace only when asked
    out.replaceChildren(el('p', { class: 'error', role: 'alert', text: t('replaceAsk').replace('{n}', body.replaces.length).replace('{list}', body.replaces.slice(0, 10).join(', ')) }),
      el('button', { id: 'replace-markers', on: { click: () => upload(file, body.etag) } }, t('replaceDo')));
    return;
  }
  if (!r.ok) { out.replaceChildren(el('p', { class: 'error', text: body.detail })); return; }
  markerSource.clear();
  // the service adds WGS84 (through PROJ) to the grid coordinates
  for (const m of body.markers) {
    markerSource.addFeature(new Feature({ geometry: new Point(fromLonLat([m.lon, m.lat])), status: m.status, distance_m: m.distance_m, id: m.id }));
  }
  for (const v of body.unmarked_vertices) {
    markerSource.addFeature(new Feature({ geometry: new Point(fromLonLat([v.lon, v.lat])), unmarked: true }));
  }
  if (markerSource.getFeatures().length) map.getView().fit(markerSource.getExtent(), { padding: [60, 60, 60, 60], maxZoom: 16 });
  out.replaceChildren(
    el('h3', { text: t('markers') }),
    el('table', { id: 'marker-table' }, el('tr', {}, el('th', { text: 'Số hiệu mốc' }), el('th', { text: t('line') }), el('th', { text: t('deviation') }), el('th', { text: t('status') })),
      body.markers.map((m) => el('tr', { class: m.status }, el('td', { text: m.id }), el('td', { text: m.line }),
        el('td', { text: m.distance_m == null ? '' : num(m.distance_m * 100, 1) }), el('td', { text: t(m.status) })))),
    el('h3', { text: t('rejected') }),
    el('table', { id: 'rejected' }, el('tr', {}, el('th', { text: t('line') }), el('th', { text: 'Số hiệu mốc' }), el('th', { text: t('reason') })),
      body.rejected_rows.map((x) => el('tr', {}, el('td', { text: x.line }), el('td', { text: x.id || '' }), el('td', { text: x.reason })))),
    el('h3', { text: t('unmarked') }),
    el('p', { id: 'unmarked-count', text: String(body.unmarked_vertices.length) }),
    body.warnings.length ? el('ul', {}, body.warnings.map((w) => el('li', { text: w }))) : null);
}
function renderSurveyor() {
  const s = $('surveyor');
  s.replaceChildren(el('h2', { text: t('surveyor') }), signInBox('surveyor'));
  if (!user) return;
  const spacing = el('input', { id: 'spacing', type: 'number', min: '1', value: '100' });
  s.append(
    el('label', { for: 'csv', text: t('upload') }), ' ',
    el('input', { type: 'file', id: 'csv', accept: '.csv,text/csv', on: { change: (e) => e.target.files[0] && upload(e.target.files[0]) } }),
    el('div', { id: 'survey-out' }),
    el('p', {}, el('label', { for: 'spacing', text: t('spacing') }), ' ', spacing, ' ',
      el('button', { id: 'stakeout', on: { click: () => {
        if (!selected) { alert(t('selectZone')); return; }
        const a = el('a', { href: `/collections/zones/items/${encodeURIComponent(selected)}/stakeout?max_spacing_m=${spacing.value}`, download: `${selected}-stakeout.csv` });
        document.body.append(a); a.click(); a.remove();
      } } }, t('stakeout'))));
}

// ---------------------------------------------------------------- frame
function refresh() {
  document.title = t('title');
  $('title').textContent = t('title');
  $('search').placeholder = t('searchHint');
  $('search-label').textContent = t('search');
  $('lang').textContent = t('otherLang');
  $('lang').setAttribute('aria-label', t('otherLangName'));
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
  if (z) { select(decodeURIComponent(z[1]), true); return true; }
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
    if (r.ok) user = await r.json(); else { token = null; sessionStorage.removeItem('zoning-token'); }
  }
  await Promise.all([ground.load(apiJson), loadZones(), loadReport()]);
  searchIndex = null;
  refresh();
  if (!followHash()) fitProvince();
  window.zoning.ready = true;
}
start();
