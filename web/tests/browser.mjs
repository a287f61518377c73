// Browser tests of the three faces, in Debian's Chromium driven by
// playwright-core, against `zoning serve` on 127.0.0.1 with a fresh database.
// Usage: node tests/browser.mjs [--screenshots DIR]
// Environment: ZONING_BIN (default ../target/release/zoning).
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const bin = process.env.ZONING_BIN || join(root, 'target', 'release', 'zoning');
const shotsAt = process.argv.indexOf('--screenshots');
const shots = shotsAt > 0 ? resolve(process.argv[shotsAt + 1]) : null;
if (shots) mkdirSync(shots, { recursive: true });

const freePort = () => new Promise((ok) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
});
const dir = mkdtempSync(join(tmpdir(), 'zoning-web-'));
const db = join(dir, 'registry.db');
const user = (name, role) => execFileSync(bin, ['user', 'add', '--db', db, '--name', name, '--role', role], { encoding: 'utf8' }).trim();
const planner = user('lan', 'planner');
// a person signs in with a name and a password, set by an administrator
const plannerPassword = 'mật-khẩu-của-Lan-2026';
execFileSync(bin, ['user', 'password', '--db', db, '--name', 'lan'], { input: `${plannerPassword}\n`, encoding: 'utf8' });
const surveyor = user('hoa', 'surveyor');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(bin, ['serve', '--db', db, '--bind', `127.0.0.1:${port}`, '--web-dir', join(root, 'web', 'dist')],
  { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ZONING_LOG: 'warn' } });
const stop = () => server.kill('SIGTERM');
process.on('exit', stop);
for (let i = 0; i < 100; i++) {
  try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 100));
}

const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'zoning-chromium-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 900 },
});
const page = context.pages()[0] || await context.newPage();
page.setDefaultTimeout(15000);
const errors = [];
const outside = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) outside.push(r.url()); });

let failures = 0;
async function test(name, f) {
  const t0 = Date.now();
  try {
    await f();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failures++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
    await page.screenshot({ path: join(dir, `${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
    console.log(`     screenshot in ${dir}`);
  }
}
const ready = () => page.waitForFunction(() => window.zoning && window.zoning.ready);

await test('public map renders with legend, targets, search and a card', async () => {
  await page.goto(`${base}/`);
  await ready();
  const legend = await page.textContent('#legend');
  assert.match(legend, /KCN/);
  assert.match(legend, /CCN/);
  const targets = await page.textContent('#targets');
  assert.match(targets, /29 khu \/ 29 khu/);
  assert.match(targets, /66 khu \/ 66 khu/);
  assert.match(targets, /372,6 ha \/ 372,6 ha/);
  assert.match(targets, /7\.840 ha \/ 7\.840 ha/, 'Vietnamese number format');
  await page.fill('#search', 'Quang Chau');
  await page.waitForSelector('#results [data-code="KCN-QUANG-CHAU"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#card:not([hidden]) h2');
  assert.equal(await page.textContent('#card h2'), 'Quang Châu');
  const card = await page.textContent('#card');
  assert.match(card, /minh họa/);
  assert.match(card, /426,00 ha/);
  assert.ok(!card.includes('null'));
  assert.match(page.url(), /#zone=KCN-QUANG-CHAU$/);
  await page.waitForTimeout(500); // the zoom animation
  if (shots) await page.screenshot({ path: join(shots, 'public.png') });
  // English is one click away, with English numbers
  await page.click('#lang');
  assert.match(await page.textContent('#targets'), /7,840 ha \/ 7,840 ha/);
  assert.match(await page.textContent('#card'), /illustrative/);
  await page.click('#lang');
});

await test('a link opens the map on a zone', async () => {
  await page.goto(`${base}/#zone=CCN-DUC-THANG`);
  await ready();
  await page.waitForSelector('#card:not([hidden]) h2');
  assert.equal(await page.textContent('#card h2'), 'Đức Thắng');
});

async function clickAt(lon, lat, dbl = false) {
  const [x, y] = await page.evaluate(([a, b]) => window.zoning.pixel(a, b), [lon, lat]);
  const box = await page.locator('#map').boundingBox();
  if (dbl) await page.mouse.dblclick(box.x + x, box.y + y);
  else await page.mouse.click(box.x + x, box.y + y);
}
async function drawSquare(lon, lat, d) {
  await page.click('#draw');
  await clickAt(lon, lat);
  await clickAt(lon + d, lat);
  await clickAt(lon + d, lat + d);
  await clickAt(lon, lat + d, true);
}

await test('planner signs in with a name and a password; a wrong one is said plainly', async () => {
  await page.goto(`${base}/#zone=KCN-DINH-TRAM`);
  await ready();
  await page.click('#tab-planner');
  await page.fill('#name-planner', 'lan');
  await page.fill('#password-planner', 'not the password');
  await page.click('#signin-planner');
  await page.waitForFunction(() => [...document.querySelectorAll('[role=alert]')].some((e) => /Sai tên đăng nhập hoặc mật khẩu/.test(e.textContent)));
  assert.equal(await page.locator('#draw').count(), 0);
  await page.fill('#password-planner', plannerPassword);
  await page.click('#signin-planner');
  await page.waitForSelector('#draw');
  const stored = await page.evaluate(() => sessionStorage.getItem('zoning-token'));
  assert.match(stored, /^zs_/, 'a session token, not the API token');
  assert.notEqual(stored, planner);
});

await test('planner draws over a neighbour and sees the finding', async () => {
  await page.goto(`${base}/#zone=KCN-DINH-TRAM`);
  await ready();
  await page.click('#tab-planner');
  await page.waitForSelector('#draw');
  const corner = await page.evaluate(async () => {
    const f = await (await fetch('/collections/zones/items/KCN-DINH-TRAM')).json();
    return f.geometry.coordinates[0][0][0];
  });
  const [lon, lat] = corner;
  await page.evaluate(([w, s, e, n]) => window.zoning.fit(w, s, e, n), [lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01]);
  await page.fill('#plan-code', 'KCN-WEB-TEST');
  await page.fill('#plan-name', 'KCN thử trên web');
  await drawSquare(lon - 0.002, lat - 0.002, 0.004);
  await page.waitForSelector('#findings li[data-rule="overlap"]');
  assert.match(await page.textContent('#findings'), /KCN-DINH-TRAM/);
  if (shots) await page.screenshot({ path: join(shots, 'planner.png') });
});

await test('planner fixes it, saves the draft and sees it in the history', async () => {
  await page.click('#clear');
  // a free place inside the province, 2 km from every zone
  const [lon, lat] = [106.2, 21.38];
  await page.evaluate(([w, s, e, n]) => window.zoning.fit(w, s, e, n), [lon - 0.004, lat - 0.004, lon + 0.008, lat + 0.008]);
  await drawSquare(lon, lat, 0.004);
  await page.waitForSelector('#findings h3');
  await page.waitForFunction(() => !document.querySelector('#findings li.error'));
  await page.click('#save');
  await page.waitForFunction(() => /KCN-WEB-TEST/.test(document.querySelector('#plan-msg').textContent));
  assert.match(await page.textContent('#plan-msg'), /Đã lưu bản nháp/);
  // the card turns to the saved draft (it may still show the zone chosen before)
  await page.waitForFunction(() => document.querySelector('#card:not([hidden]) h2')?.textContent === 'KCN thử trên web');
  await page.click('#history');
  await page.waitForSelector('#versions li');
  const versions = await page.textContent('#versions');
  assert.match(versions, /bản nháp/);
  assert.match(versions, /lan/);
});

await test('planner drags a vertex of the saved draft, saves it again and compares the two versions', async () => {
  await page.click('#edit');
  const area = () => page.evaluate(() => window.zoning.layer('edit').getSource().getFeatures()[0].getGeometry().getArea());
  const before = await area();
  // the north-east corner of the square drawn at (106.2, 21.38), 0.004° wide
  const [x0, y0] = await page.evaluate(() => window.zoning.pixel(106.204, 21.384));
  const [x1, y1] = await page.evaluate(() => window.zoning.pixel(106.206, 21.386));
  const box = await page.locator('#map').boundingBox();
  await page.mouse.move(box.x + x0, box.y + y0);
  await page.mouse.down();
  await page.mouse.move(box.x + (x0 + x1) / 2, box.y + (y0 + y1) / 2, { steps: 5 });
  await page.mouse.move(box.x + x1, box.y + y1, { steps: 5 });
  await page.mouse.up();
  const after = await area();
  assert.ok(after > before * 1.1, `dragging the corner changed the boundary: ${before} → ${after}`);
  await page.waitForSelector('#findings h3');
  await page.click('#save');
  await page.waitForFunction(() => /KCN-WEB-TEST/.test(document.querySelector('#plan-msg').textContent));
  await page.waitForSelector('#card:not([hidden]) h2');
  await page.click('#history');
  await page.waitForFunction(() => document.querySelectorAll('#versions li').length === 2);
  const boxes = page.locator('#versions input[type=checkbox]');
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.click('#compare');
  const compared = await page.evaluate(() => window.zoning.layer('compare').getSource().getFeatures().map((f) => f.getGeometry().getArea()));
  assert.equal(compared.length, 2);
  assert.ok(compared[1] > compared[0] * 1.1, `the dragged corner made the zone larger: ${compared}`);
  if (shots) await page.screenshot({ path: join(shots, 'history.png') });
});

await test('surveyor uploads a table and sees markers and rejected rows', async () => {
  await page.goto(`${base}/#zone=KCN-DINH-TRAM`);
  await ready();
  await page.click('#tab-surveyor');
  // an access token still works, under "use a token instead"
  await page.click('#token-box-surveyor summary');
  await page.fill('#token-surveyor', surveyor);
  await page.click('#signin-token-surveyor');
  await page.waitForSelector('#csv');
  const grid = await page.evaluate(async () => {
    const r = await fetch('/collections/zones/items/KCN-DINH-TRAM?crs=http://www.opengis.net/def/crs/EPSG/0/9214');
    return (await r.json()).geometry.coordinates[0][0];
  });
  const fmt = (v) => v.toFixed(3).replace('.', ',');
  const csv = ['Số hiệu mốc;X (m);Y (m)',
    `M1;${fmt(grid[0][1])};${fmt(grid[0][0])}`,
    `M2;${fmt(grid[1][1] + 0.3)};${fmt(grid[1][0])}`,
    'M3;abc;406000',
    `M1;${fmt(grid[2][1])};${fmt(grid[2][0])}`].join('\r\n');
  const file = join(dir, 'survey.csv');
  writeFileSync(file, '\ufeff' + csv);
  await page.setInputFiles('#csv', file);
  await page.waitForSelector('#marker-table tr.ok');
  assert.match(await page.textContent('#marker-table'), /M1/);
  assert.match(await page.textContent('#marker-table'), /Vượt sai số/);
  const rejected = await page.textContent('#rejected');
  assert.match(rejected, /4.*M3.*not a number/s);
  assert.match(rejected, /5.*M1.*first on line 2/s);
  const onMap = await page.evaluate(() => window.zoning.layer('markers').getSource().getFeatures().length);
  assert.ok(onMap >= 2);
  if (shots) await page.screenshot({ path: join(shots, 'surveyor.png') });
  // the stake-out table of the selected zone
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#stakeout')]);
  assert.match(download.suggestedFilename(), /KCN-DINH-TRAM-stakeout\.csv/);
  // the same table again: the page names the markers it would replace and
  // replaces them only when asked
  await page.setInputFiles('#csv', []);
  await page.setInputFiles('#csv', file);
  await page.waitForSelector('#replace-markers');
  assert.match(await page.textContent('#survey-out'), /M1/);
  await page.click('#replace-markers');
  await page.waitForSelector('#marker-table tr.ok');
  // what the surveyor received: the table `zoning markers stakeout` makes of the
  // same boundary (its grid coordinates, written as a GeoJSON in EPSG:9214)
  const received = readFileSync(await download.path(), 'utf8');
  const zoneGrid = await (await fetch(`${base}/collections/zones/items/KCN-DINH-TRAM?crs=http://www.opengis.net/def/crs/EPSG/0/9214`)).json();
  const zoneFile = join(dir, 'dinh-tram-grid.geojson');
  writeFileSync(zoneFile, JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:9214' } },
    features: [{ type: 'Feature', id: 'KCN-DINH-TRAM', properties: {}, geometry: zoneGrid.geometry }] }));
  const expected = execFileSync(bin, ['markers', 'stakeout', '--zones', zoneFile, '--max-spacing-m', '100', '--format', 'csv'], { encoding: 'utf8' });
  const rows = (text) => text.replace(/^\ufeff/, '').trim().split(/\r?\n/);
  const got = rows(received);
  const want = rows(expected);
  assert.equal(got[0], want[0], 'the same header');
  assert.equal(got.length, want.length, 'one row per stake-out point');
  assert.ok(got.length > 4, `a row per corner at least: ${got.length - 1}`);
  const numbers = (row) => row.split(';').map((v) => Number(v.replace(/"/g, '').replace(',', '.'))).filter((v) => Number.isFinite(v) && v > 1000);
  for (let i = 1; i < got.length; i++) {
    const [a, b] = [numbers(got[i]), numbers(want[i])];
    assert.equal(a.length, b.length, `row ${i}: ${got[i]} / ${want[i]}`);
    a.forEach((v, k) => assert.ok(Math.abs(v - b[k]) <= 0.001, `row ${i}: ${got[i]} / ${want[i]}`));
  }
});

await test('on a phone the panel goes below the map and the search still works', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/`);
  await ready();
  const map = await page.locator('#map').boundingBox();
  const panel = await page.locator('#panel').boundingBox();
  assert.ok(panel.y >= map.y + map.height - 1, 'panel below the map');
  assert.ok(map.width <= 390);
  await page.fill('#search', 'dinh tram');
  await page.waitForSelector('#results [data-code="KCN-DINH-TRAM"]');
  await page.setViewportSize({ width: 1400, height: 900 });
});

await test('nothing left the machine and the console stayed clean', async () => {
  assert.deepEqual(outside, []);
  // Chromium logs every non-2xx answer: the one 409 is the second upload of
  // the same table (the page turns it into a question), the one 401 the wrong
  // password tried on purpose (the page says so)
  const expected = [/status of 409/, /status of 401/];
  for (const re of expected) assert.equal(errors.filter((e) => re.test(e)).length, 1, errors.join('\n'));
  assert.deepEqual(errors.filter((e) => !expected.some((re) => re.test(e))), []);
});

await context.close();
stop();
console.log(failures ? `${failures} failed` : 'all passed');
process.exit(failures ? 1 : 0);
