// Figures of the public map: time to the first zones drawn and to the `load`
// event, and the bytes the page transfers, on the shipped data, with an empty
// cache, at a desktop's and a phone's size.
//
// Run by tests/browser.mjs (the test "figures: …"), or alone:
//   ZONING_BIN=… node tests/perf.mjs [--runs N]
// which starts its own `zoning serve` on a fresh database (the shipped data)
// and serves web/dist.
//
// Bytes: what came over the wire (Chromium's encodedDataLength: headers and
// the body as the server sent it, compressed when it compresses; the server
// answers `Content-Encoding: br` or `gzip` to a browser), the bodies once
// decoded, and those bodies gzip-compressed here with zlib (level 6), to
// compare with a server that would send gzip.
import { gzipSync } from 'node:zlib';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

async function once(context, base, viewport, acceptEncoding) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  // what a browser that takes gzip only (no br) would get from the server
  if (acceptEncoding) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': acceptEncoding } });
  const responses = new Map();
  cdp.on('Network.responseReceived', (e) => {
    responses.set(e.requestId, { url: e.response.url, encoding: e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || 'identity', status: e.response.status, wire: 0, decoded: 0 });
  });
  cdp.on('Network.dataReceived', (e) => { const r = responses.get(e.requestId); if (r) r.decoded += e.dataLength; });
  const finished = [];
  cdp.on('Network.loadingFinished', (e) => { const r = responses.get(e.requestId); if (r) { r.wire = e.encodedDataLength; finished.push(e.requestId); } });
  await page.goto(`${base}/`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.zoning && window.zoning.ready && performance.getEntriesByName('zoning-first-zones').length);
  // everything the first view asked for has come
  await page.waitForLoadState('networkidle');
  const times = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      firstZones: performance.getEntriesByName('zoning-first-zones')[0].startTime,
      load: nav.loadEventEnd,
      domContentLoaded: nav.domContentLoadedEventEnd,
      firstContentfulPaint: fcp ? fcp.startTime : null,
    };
  });
  let gzip = 0; let wire = 0; let decoded = 0;
  const items = [];
  for (const id of finished) {
    const r = responses.get(id);
    let body = null;
    try {
      const b = await cdp.send('Network.getResponseBody', { requestId: id });
      body = Buffer.from(b.body, b.base64Encoded ? 'base64' : 'utf8');
    } catch { /* no body (a 204, a 304) */ }
    const gz = body && body.length ? gzipSync(body).length : 0;
    gzip += gz; wire += r.wire; decoded += body ? body.length : r.decoded;
    items.push({ path: new URL(r.url).pathname + new URL(r.url).search, status: r.status, encoding: r.encoding, wire: r.wire, decoded: body ? body.length : r.decoded, gzip: gz });
  }
  await page.close();
  return { times, wire, decoded, gzip, items };
}

// the medians of `runs` loads, each with an empty cache
export async function measure(context, base, viewport, runs = 3, acceptEncoding = null) {
  const all = [];
  for (let i = 0; i < runs; i++) all.push(await once(context, base, viewport, acceptEncoding));
  const pick = (f) => median(all.map(f));
  return {
    viewport: `${viewport.width}×${viewport.height}${acceptEncoding ? `, Accept-Encoding: ${acceptEncoding}` : ''}`,
    runs,
    firstZonesMs: Math.round(pick((r) => r.times.firstZones)),
    loadMs: Math.round(pick((r) => r.times.load)),
    domContentLoadedMs: Math.round(pick((r) => r.times.domContentLoaded)),
    firstContentfulPaintMs: Math.round(pick((r) => r.times.firstContentfulPaint ?? 0)),
    allFirstZonesMs: all.map((r) => Math.round(r.times.firstZones)),
    wireBytes: pick((r) => r.wire),
    decodedBytes: pick((r) => r.decoded),
    gzipBytes: pick((r) => r.gzip),
    requests: all[0].items.length,
    items: all[0].items,
  };
}

export function describe(m) {
  const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
  const enc = [...new Set(m.items.map((i) => i.encoding))].join(', ');
  return [
    `${m.viewport}: first zones drawn ${m.firstZonesMs} ms (runs ${m.allFirstZonesMs.join(', ')}), load event ${m.loadMs} ms, DOMContentLoaded ${m.domContentLoadedMs} ms, first contentful paint ${m.firstContentfulPaintMs} ms (medians of ${m.runs})`,
    `  ${m.requests} responses: ${kb(m.wireBytes)} over the wire (Content-Encoding: ${enc}), ${kb(m.decodedBytes)} decoded, ${kb(m.gzipBytes)} if gzip-compressed (zlib, level 6)`,
    ...m.items.map((i) => `    ${i.path.padEnd(48)} ${String(i.status).padEnd(4)} ${i.encoding.padEnd(9)} wire ${kb(i.wire).padStart(10)}  decoded ${kb(i.decoded).padStart(10)}  gzip ${kb(i.gzip).padStart(10)}`),
  ].join('\n');
}

// alone: its own server and browser
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { chromium } = await import('playwright-core');
  const { spawn, execFileSync } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, resolve, dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const net = (await import('node:net')).default;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const bin = process.env.ZONING_BIN || join(root, 'target', 'release', 'zoning');
  const runsAt = process.argv.indexOf('--runs');
  const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
  const port = await new Promise((ok) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); }); });
  const dir = mkdtempSync(join(tmpdir(), 'zoning-perf-'));
  const server = spawn(bin, ['serve', '--db', join(dir, 'registry.db'), '--bind', `127.0.0.1:${port}`, '--web-dir', join(root, 'web', 'dist')],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ZONING_LOG: 'warn' } });
  process.on('exit', () => server.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`${base}/health`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const context = await browser.newContext();
  console.log(`Chromium ${browser.version()}; ${execFileSync('nproc', { encoding: 'utf8' }).trim()} CPUs`);
  for (const viewport of [{ width: 1400, height: 900 }, { width: 390, height: 844 }]) console.log(describe(await measure(context, base, viewport, runs)));
  console.log(describe(await measure(context, base, { width: 1400, height: 900 }, runs, 'gzip, deflate')));
  await browser.close();
  server.kill('SIGTERM');
  process.exit(0);
}
