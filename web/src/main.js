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
import { Style, Fill, Stroke, Circle as CircleStyle, RegularShape } from 'ol/style.js';
import Draw from 'ol/interaction/Draw.js';
import Modify from 'ol/interaction/Modify.js';
import Snap from 'ol/interaction/Snap.js';
import { fromLonLat } from 'ol/proj.js';
import { t, lang, setLang, num, fold } from './i18n.js';

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
const COLOURS = {
  KCN: { existing: '#1f5fa8', new: '#4f9de0', expansion: '#13a89e' },
  CCN: { existing: '#c8661a', new: '#f2a541', expansion: '#d6c31e', merged: '#8a4fbf', removed: '#9a9a9a' },
};
let showRemoved = false;
const styleCache = {};
function colour(p) {
  return (COLOURS[p.kind] || COLOURS.CCN)[p.plan_action] || '#777';
}
function zoneStyle(f) {
  const p = f.getProperties();
  if (p.plan_action === 'removed' && !showRemoved) return null;
  const dashed = p.geometry_source === 'illustrative';
  const flagged = flaggedCodes.has(f.getId());
  const key = `${colour(p)}|${dashed}|${p.plan_action}|${flagged}|${f.getId() === selected}|${p.status}`;
  if (!styleCache[key]) {
    const c = colour(p);
    const alpha = p.plan_action === 'removed' ? '33' : p.status === 'draft' ? '44' : '99';
    styleCache[key] = new Style({
      fill: new Fill({ color: c + alpha }),
      stroke: new Stroke({
        color: flagged ? '#d00' : f.getId() === selected ? '#000' : c,
        width: flagged || f.getId() === selected ? 3 : 1.5,
        lineDash: dashed ? [6, 4] : undefined,
      }),
      zIndex: p.plan_action === 'merged' ? 2 : 1,
    });
  }
  return styleCache[key];
}
const provinceStyle = new Style({ fill: new Fill({ color: '#f4f1e8' }), stroke: new Stroke({ color: '#6b5e3c', width: 2 }) });
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
const provinceSource = new VectorSource();
const zoneSource = new VectorSource();
const editSource = new VectorSource();
const findingSource = new VectorSource();
const markerSource = new VectorSource();
const compareSource = new VectorSource();
const flaggedCodes = new Set();
const osmLayer = new TileLayer({ source: new OSM(), visible: false });
const zoneLayer = new VectorLayer({ source: zoneSource, style: zoneStyle });
const map = new Map({
  target: 'map',
  layers: [
    new VectorLayer({ source: provinceSource, style: provinceStyle }),
    osmLayer,
    zoneLayer,
    new VectorLayer({ source: compareSource, style: (f) => compareStyles[f.get('slot')] }),
    new VectorLayer({ source: editSource, style: editStyle }),
    new VectorLayer({ source: markerSource, style: markerStyle }),
    new VectorLayer({ source: findingSource, style: findingStyle }),
  ],
  view: new View({ center: fromLonLat([106.45, 21.38]), zoom: 9.5 }),
});
// for tests and for the curious: the map and a coordinate → pixel helper
window.zoning = {
  map,
  pixel: (lon, lat) => map.getPixelFromCoordinate(fromLonLat([lon, lat])),
  fit: (w, s, e, n) => map.getView().fit([...fromLonLat([w, s]), ...fromLonLat([e, n])], { padding: [40, 40, 40, 40] }),
  ready: false,
};

async function loadProvince() {
  const r = await api('/collections/province/items');
  provinceSource.addFeatures(geojson.readFeatures(await r.json()));
}
async function loadZones() {
  const r = await api('/collections/zones/items?limit=10000');
  const fc = await r.json();
  zoneSource.clear();
  zoneSource.addFeatures(geojson.readFeatures(fc));
}

// ----------------------------------------------------------------- search
function renderResults(list) {
  const ul = $('results');
  ul.replaceChildren();
  ul.hidden = list.length === 0 && !$('search').value;
  if (!list.length && $('search').value) ul.append(el('li', { text: t('noMatch') }));
  list.slice(0, 12).forEach((f, i) => {
    ul.append(el('li', { role: 'option', tabindex: '-1', id: `r-${i}`, 'data-code': f.getId(),
      on: { click: () => choose(f.getId()), keydown: (e) => e.key === 'Enter' && choose(f.getId()) } },
    `${f.get('name_vi')} (${f.get('kind')})`));
  });
}
function matches(q) {
  const k = fold(q).trim();
  if (!k) return [];
  return zoneSource.getFeatures().filter((f) => fold(f.get('name_vi')).includes(k) || fold(f.getId()).includes(k))
    .sort((a, b) => fold(a.get('name_vi')).indexOf(k) - fold(b.get('name_vi')).indexOf(k));
}
function choose(code) {
  $('results').hidden = true;
  select(code, true);
}
$('search').addEventListener('input', (e) => renderResults(matches(e.target.value)));
$('search').addEventListener('keydown', (e) => {
  const items = [...$('results').querySelectorAll('[role=option]')];
  if (e.key === 'Enter' && items[0]) choose(items[0].dataset.code);
  if (e.key === 'ArrowDown' && items[0]) items[0].focus();
  if (e.key === 'Escape') $('results').hidden = true;
});
$('results').addEventListener('keydown', (e) => {
  const items = [...$('results').querySelectorAll('[role=option]')];
  const i = items.indexOf(document.activeElement);
  if (e.key === 'ArrowDown' && items[i + 1]) items[i + 1].focus();
  if (e.key === 'ArrowUp') (items[i - 1] || $('search')).focus();
});

// ------------------------------------------------------------------ card
function select(code, zoom) {
  selected = code;
  const f = zoneSource.getFeatureById(code);
  zoneLayer.changed();
  if (!f) return;
  if (zoom) map.getView().fit(f.getGeometry().getExtent(), { padding: [80, 80, 80, 80], maxZoom: 15, duration: 300 });
  history.replaceState(null, '', `#zone=${encodeURIComponent(code)}`);
  showCard(f);
}
function row(label, value) {
  return el('tr', {}, el('th', { text: label }), el('td', {}, value));
}
function showCard(f) {
  const p = f.getProperties();
  const action = p.plan_action === 'merged' ? `${t('merged')} → ${p.merged_into}`
    : p.plan_action === 'expansion' ? `${t('expansion')} (${p.expansion_of})` : t(p.plan_action);
  const sources = el('ul', {}, (p.sources || []).map((s) => el('li', {},
    s.url ? el('a', { href: s.url, rel: 'noopener', target: '_blank', text: s.decision || new URL(s.url).hostname }) : (s.decision || ''))));
  const card = $('card');
  card.hidden = false;
  card.replaceChildren(...[
    el('h2', { text: p.name_vi }),
    el('table', {},
      row(t('kind'), p.kind),
      row(t('planAction'), `${action} — ${t('basis')}: ${t(p.plan_basis)}`),
      row(t('declared'), `${num(p.declared_area_ha, 2)} ha — ${t('basis')}: ${t(p.area_basis)}`),
      row(t('grid'), `${num(p.grid_area_ha, 2)} ha`),
      row(t('geodesic'), `${num(p.geodesic_area_ha, 2)} ha`),
      row(t('district'), p.district_vi || '—'),
      row(t('infrastructure'), t(p.infrastructure)),
      row(t('geometry'), el('strong', { text: t(p.geometry_source === 'illustrative' ? 'illustrativeGeom' : p.geometry_source) })),
      row(t('status'), `${t(p.status)} (${t('version')} ${p.version})`),
      row(t('sources'), sources),
    ),
    p.note ? el('p', { class: 'small', text: p.note }) : null,
    el('p', {},
      el('a', { href: `#zone=${encodeURIComponent(f.getId())}`, text: t('link') }), ' · ',
      el('button', { id: 'history', on: { click: () => showHistory(f.getId()) } }, t('history')), ' ',
      el('button', { id: 'card-close', on: { click: () => { card.hidden = true; selected = null; zoneLayer.changed(); } } }, t('close'))),
    el('div', { id: 'history-list' }),
  ].filter(Boolean));
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
    el('label', {}, el('input', { type: 'checkbox', value: v.version, on: { change: (e) => {
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
  const r = await api('/report');
  report = await r.json();
  renderTargets();
}
function bar(label, value, target, unit) {
  const pct = target ? Math.min(100, (100 * value) / target) : 0;
  return el('div', { class: 'target' },
    el('div', { class: 'label' }, label, el('span', { class: 'value', text: ` ${num(value, 0, 1)}${unit} ${t('of')} ${num(target, 0, 1)}${unit}` })),
    el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': target, 'aria-valuenow': Math.round(value) },
      el('div', { class: 'fill', style: `width:${pct}%` })));
}
function renderTargets() {
  if (!report) return;
  const line = (k) => report.lines.find((l) => l.key === k) || {};
  const k30 = line('kcn_2030'); const c30 = line('ccn_2030');
  $('targets').replaceChildren(el('h2', { text: t('targets') }),
    bar(`${t('kcn2030')}:`, k30.count, k30.target_count, ` ${t('zones')}`),
    bar(`${t('kcn2030')}:`, k30.declared_area_ha, k30.target_area_ha, ' ha'),
    bar(`${t('ccn2030')}:`, c30.count, c30.target_count, ` ${t('zones')}`),
    bar(`${t('ccn2030')}:`, c30.declared_area_ha, c30.target_area_ha, ' ha'),
    bar(`${t('kcnAdded')}:`, line('kcn_added').declared_area_ha, line('kcn_added').target_area_ha, ' ha'),
    bar(`${t('ccnAdded')}:`, line('ccn_added').declared_area_ha, line('ccn_added').target_area_ha, ' ha'),
    bar(`${t('ccnRemoved')}:`, line('ccn_removed').declared_area_ha, line('ccn_removed').target_area_ha, ' ha'),
    bar(`${t('inUse')} (KCN):`, line('kcn_in_use_by_2025').count, line('kcn_in_use_by_2025').target_count, ''),
    bar(`${t('inUse')} (CCN):`, line('ccn_in_use_by_2025').count, line('ccn_in_use_by_2025').target_count, ''));
}

// ---------------------------------------------------------------- legend
function swatch(c, dashed) {
  return el('span', { class: 'swatch', style: `background:${c}99;border:2px ${dashed ? 'dashed' : 'solid'} ${c}` });
}
function renderLegend() {
  const items = [
    ['KCN', 'existing'], ['KCN', 'new'], ['KCN', 'expansion'],
    ['CCN', 'existing'], ['CCN', 'new'], ['CCN', 'expansion'], ['CCN', 'merged'], ['CCN', 'removed'],
  ];
  $('legend').replaceChildren(el('h2', { text: t('legend') }), el('ul', {},
    items.map(([k, a]) => el('li', {}, swatch(COLOURS[k][a]), ` ${k} — ${t(a)}`)),
    el('li', {}, swatch('#555', true), ` ${t('dashed')}`),
    el('li', {}, swatch('#555', false), ` ${t('solid')}`)),
  el('p', { class: 'small', text: `${t('kcn')}; ${t('ccn')}` }));
  $('layers').replaceChildren(el('h2', { text: t('layers') }),
    el('label', {}, el('input', { type: 'checkbox', id: 'show-removed', checked: showRemoved,
      on: { change: (e) => { showRemoved = e.target.checked; zoneLayer.changed(); } } }), ` ${t('showRemoved')}`),
    el('br'),
    el('label', {}, el('input', { type: 'checkbox', id: 'osm', checked: osmLayer.getVisible(),
      on: { change: (e) => osmLayer.setVisible(e.target.checked) } }), ` ${t('osm')}`));
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
  const f = selected && zoneSource.getFeatureById(selected);
  if (f && !$('card').hidden) showCard(f);
}
for (const b of document.querySelectorAll('[role=tab]')) {
  b.addEventListener('click', () => { face = b.dataset.face; refresh(); });
}
$('lang').addEventListener('click', () => { setLang(lang() === 'vi' ? 'en' : 'vi'); refresh(); });
window.addEventListener('hashchange', () => {
  const m = location.hash.match(/zone=([^&]+)/);
  if (m) select(decodeURIComponent(m[1]), true);
});

async function start() {
  setLang(lang());
  if (token) {
    const r = await api('/whoami');
    if (r.ok) user = await r.json(); else { token = null; sessionStorage.removeItem('zoning-token'); }
  }
  await Promise.all([loadProvince(), loadZones(), loadReport()]);
  refresh();
  const m = location.hash.match(/zone=([^&]+)/);
  if (m) select(decodeURIComponent(m[1]), true);
  window.zoning.ready = true;
}
start();
