// Search over the zones, the 99 communes and wards of 2025 and the former
// districts (abolished on 1 July 2025): "Viet Yen" finds the former district,
// its communes and the zones in it; "kcn quang chau" and "Quang Chau KCN" find
// KCN Quang Châu. Case, diacritics (đ too) and word order do not matter; "KCN",
// "CCN", "huyện", "xã", "phường" narrow or are ignored. Pure functions, no DOM.
import { fold } from './i18n.js';

const PHRASES = [
  [/\bkhu cong nghiep\b/g, 'kcn'], [/\bcum cong nghiep\b/g, 'ccn'],
  [/\bthanh pho\b/g, 'tp'], [/\bthi xa\b/g, 'tx'], [/\bthi tran\b/g, 'tt'],
];
const KINDS = { kcn: 'KCN', ccn: 'CCN' };
// words that say what kind of place is meant, not which one
const SOFT = new Set(['kcn', 'ccn', 'tp', 'tx', 'tt', 'huyen', 'quan', 'xa', 'phuong', 'tinh', 'cu', 'khu', 'cum']);
const TYPE_ORDER = { zone: 0, district: 1, commune: 2 };

export function words(s) {
  let f = ` ${fold(s).replace(/[^a-z0-9]+/g, ' ')} `;
  for (const [re, r] of PHRASES) f = f.replace(re, r);
  return f.split(' ').filter(Boolean);
}

// "Huyện Việt Yên", "Thị xã Việt Yên", "TP. Bắc Giang", "Việt Yên" → "viet yen"
export function districtKey(name) {
  return words(name).filter((w) => !SOFT.has(w)).join(' ');
}

// How well the query's words name a thing: 0 the whole name in order, 1 every
// word whole, 2 every word a prefix of one of the name's; null no match.
export function nameMatch(nameWords, queryWords, extraWords = []) {
  if (!queryWords.length) return null;
  const all = nameWords.concat(extraWords);
  if (!queryWords.every((q) => all.some((w) => w.startsWith(q)))) return null;
  const core = nameWords.filter((w) => !SOFT.has(w));
  if (core.length === queryWords.length && core.every((w, i) => w === queryWords[i])) return 0;
  if (queryWords.every((q) => all.includes(q))) return 1;
  return 2;
}

// zones: [{id, properties}], communes: [{id, properties}] (GeoJSON-like)
export function buildIndex(zones, communes) {
  const districts = new Map();
  const district = (name) => {
    const key = districtKey(name);
    if (!key) return null;
    if (!districts.has(key)) districts.set(key, { type: 'district', id: key, name, communes: new Set(), zones: new Set(), words: words(name) });
    return districts.get(key);
  };
  const communeList = communes.map(({ id, properties: p }) => {
    const olds = String(p.oldUnitsMerged || '').split(/\s*[,;]\s*/).filter(Boolean);
    const c = {
      type: 'commune', id: id ?? p.code, name: p.fullName || p.name, short: p.name, kind: p.type,
      oldDistricts: p.oldDistricts || [], oldProvince: p.oldProvince || [], olds,
      words: words(p.fullName || p.name), extra: words(p.nameEn || '').concat(words(p.nameAlt || '')),
      oldWords: olds.map((o) => ({ name: o, words: words(o) })), zones: new Set(),
    };
    for (const d of c.oldDistricts) {
      const e = district(d);
      if (!e) continue;
      e.communes.add(c.id);
    }
    return c;
  });
  const communeById = new Map(communeList.map((c) => [c.id, c]));
  const zoneList = zones.map(({ id, properties: p }) => {
    const z = {
      type: 'zone', id: id ?? p.code, name: p.name_vi, kind: p.kind, plan: p.plan_action,
      district: p.district_vi || null,
      communes: Array.isArray(p.communes) ? p.communes : null,
      words: words(p.name_vi), extra: words(id ?? p.code),
    };
    for (const part of String(p.district_vi || '').split(';').map((s) => s.trim()).filter(Boolean)) {
      const e = district(part);
      if (e) e.zones.add(z.id);
    }
    for (const c of z.communes || []) {
      const commune = communeById.get(c.code);
      if (!commune) continue;
      commune.zones.add(z.id);
      for (const d of commune.oldDistricts) districts.get(districtKey(d))?.zones.add(z.id);
    }
    return z;
  });
  for (const d of districts.values()) d.words = words(d.name);
  return { zones: zoneList, communes: communeList, districts: [...districts.values()],
    zoneById: new Map(zoneList.map((z) => [z.id, z])), communeById, districtById: districts };
}

// The matches of a query, best first: [{type, id, score, via}] where via names
// what made an indirect match (a district, a commune, an old unit's name).
export function search(index, query, limit = 40) {
  const q = words(query);
  if (!q.length) return [];
  const kinds = new Set(q.filter((w) => KINDS[w]).map((w) => KINDS[w]));
  const hard = q.filter((w) => !SOFT.has(w));
  const kindOk = (z) => !kinds.size || kinds.has(z.kind);
  const found = new Map();
  const add = (e, score, via = null) => {
    const k = `${e.type}:${e.id}`;
    const prev = found.get(k);
    if (!prev || prev.score > score) found.set(k, { type: e.type, id: e.id, name: e.name, score, via });
  };
  if (!hard.length) {
    // only "KCN" or "CCN": every zone of that kind
    if (kinds.size) for (const z of index.zones) if (kindOk(z)) add(z, 5);
  } else {
    for (const z of index.zones) {
      const m = nameMatch(z.words, hard, z.extra);
      if (m != null && kindOk(z)) add(z, m);
    }
    // with "KCN" or "CCN" the places only as where the zones are
    const places = kinds.size ? 10 : 0;
    for (const d of index.districts) {
      const m = nameMatch(d.words, hard);
      if (m == null) continue;
      add(d, places + m);
      for (const c of d.communes) add(index.communeById.get(c), places + 10 + m, { district: d.id });
      for (const zc of d.zones) {
        const z = index.zoneById.get(zc);
        if (z && kindOk(z)) add(z, 12 + m, { district: d.id });
      }
    }
    for (const c of index.communes) {
      const m = nameMatch(c.words, hard, c.extra);
      if (m != null) {
        add(c, places + m);
        for (const zc of c.zones) {
          const z = index.zoneById.get(zc);
          if (z && kindOk(z)) add(z, 15 + m, { commune: c.id });
        }
        continue;
      }
      // the name of a commune before 2025: the ward or commune it is part of now
      for (const o of c.oldWords) {
        const mo = nameMatch(o.words, hard);
        if (mo != null) { add(c, places + 30 + mo, { old: o.name }); break; }
      }
    }
  }
  return [...found.values()]
    .sort((a, b) => a.score - b.score || TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || fold(a.name).localeCompare(fold(b.name)))
    .slice(0, limit);
}
