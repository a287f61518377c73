"""The service on PostgreSQL + PostGIS with many zones, beside pygeoapi's
PostgreSQL provider on the same database, in one run.

Usage: python tests/bench/bench_postgis.py ZONING_BIN PYGEOAPI_VENV [--zones 1000000]
           [--requests 500] [--warmup 50] [--wrk-seconds 10] [--port 55510] [--keep]
           [--max-rss-gib 10]

1. A throwaway PostgreSQL 15 cluster under target/bench/pg (as the `postgres`
   OS user when run as root), on 127.0.0.1:PORT only, with Debian's PostGIS 3.
   Its settings are printed; fsync and synchronous_commit stay on.
2. The seeded synthetic set (gen_zones.py, given the zone model by
   bench_startup.store_ready) of --zones zones is imported with
   `zoning import --db postgres://…` and timed (wall, CPU, peak RSS of the
   command); then VACUUM ANALYZE (timed apart). With --keep the cluster stays,
   and a later run with the same --zones reuses the imported database.
3. `zoning serve --db postgres://…`: time from exec until /health answers,
   peak and current RSS. If its RSS passes --max-rss-gib it is stopped and the
   run says so.
4. pygeoapi 0.21 under gunicorn (one sync worker per core) with its
   PostgreSQL provider on the view `zones_public` of the same database
   (id_field `code`, geom_field `geom`, storage_crs EPSG:9214: pygeoapi
   transforms the bbox to it and the geometries back to CRS84 with pyproj).
5. A bbox in the middle of the data that holds exactly 100 zones (searched on
   zoning's numberMatched); both servers must answer numberMatched 100 and the
   same 100 codes before anything is timed.
6. Interleaved, one request after the other on loopback (keep-alive where the
   server keeps the connection): after --warmup rounds, --requests rounds of
   [zoning bbox, pygeoapi bbox, zoning z14 tile when the binary has the tiles
   route]; p50/p99/max at the client, and zoning's own handler time
   (`micros` of its request log). Then, optionally, `wrk -t2 -c8` on each.
Every wait is bounded; the servers and the cluster are stopped (and the
cluster removed unless --keep) at the end, also on failure.
"""

import argparse
import http.client
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import ROOT  # noqa: E402
from bench_pygeoapi import SERVER  # noqa: E402
from bench_startup import store_ready  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from service import free_port  # noqa: E402

PGBIN = Path("/usr/lib/postgresql/15/bin")
WORK = ROOT / "target" / "bench" / "pg"
DBNAME = "zoning"
PG_SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = ''
max_connections = 50
shared_buffers = 1GB
work_mem = 16MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
checkpoint_timeout = 15min
fsync = on
synchronous_commit = on
logging_collector = off
log_min_messages = warning
"""

PYGEOAPI_CONFIG = SERVER + """\
resources:
  zones:
    type: collection
    title: zones
    description: zoning's public view (zones_public) in PostgreSQL
    keywords: [zones]
    extents:
      spatial: {{bbox: [100.0, 15.0, 112.0, 27.0], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: 127.0.0.1, port: {pg_port}, dbname: {db}, user: postgres, search_path: [public]}}
        id_field: code
        table: zones_public
        geom_field: geom
        storage_crs: http://www.opengis.net/def/crs/EPSG/0/9214
        crs: [http://www.opengis.net/def/crs/OGC/1.3/CRS84, http://www.opengis.net/def/crs/EPSG/0/9214]
        properties: [code, version, status, properties, recorded_at, author, reason, decision]
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- the cluster -------------------------------------------------------------

def as_owner(cmd):
    """`cmd` as the cluster's owner: the postgres user when run as root."""
    cmd = [str(c) for c in cmd]
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def psql(port, sql, db="postgres", timeout=3600):
    out = subprocess.run([PGBIN / "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                          "-p", str(port), "-U", "postgres", "-d", db, "-c", sql],
                         capture_output=True, text=True, timeout=timeout, check=True)
    return out.stdout.strip()


def cluster_start(port):
    data = WORK / "data"
    WORK.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(WORK, "postgres", "postgres")
    if not (data / "PG_VERSION").exists():
        subprocess.run(as_owner([PGBIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                 "--locale=C.UTF-8"]), check=True, capture_output=True, timeout=300)
        (data / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n", encoding="utf-8")
        with open(data / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write("\n# tests/bench/bench_postgis.py\n" + PG_SETTINGS.format(port=port))
        if os.geteuid() == 0:
            for p in ("pg_hba.conf", "postgresql.conf"):
                shutil.chown(data / p, "postgres", "postgres")
    subprocess.run(as_owner([PGBIN / "pg_ctl", "-D", data, "-l", WORK / "postgres.log", "-w", "-t", "120", "start"]),
                   check=True, capture_output=True, timeout=180)
    return f"postgres://postgres@127.0.0.1:{port}/{DBNAME}"


def cluster_stop(remove):
    data = WORK / "data"
    if (data / "PG_VERSION").exists():
        subprocess.run(as_owner([PGBIN / "pg_ctl", "-D", data, "-m", "fast", "-w", "-t", "120", "stop"]),
                       capture_output=True, timeout=180)
    if remove:
        shutil.rmtree(WORK, ignore_errors=True)


# --- processes ---------------------------------------------------------------

def proc_mib(pid, key):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith(key)), 0.0)


def stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def timed_child(cmd, timeout, out_path):
    """Runs cmd (its output to out_path); returns wall s, CPU s (user + sys),
    peak RSS MiB of that child and the end of its output."""
    t0 = time.perf_counter()
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"{cmd[:2]} did not finish in {timeout} s")
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    out = Path(out_path).read_bytes()[-3000:].decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:2]} failed ({proc.returncode}):\n{out}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, out


# --- HTTP --------------------------------------------------------------------

class Client:
    """One keep-alive connection (re-opened when the server closes it)."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path, accept="application/geo+json, application/json"):
        for attempt in (0, 1):
            try:
                t0 = time.perf_counter()
                self.conn.request("GET", path, headers={"Accept": accept})
                r = self.conn.getresponse()
                body = r.read()
                dt = time.perf_counter() - t0
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                return r.status, body, dt
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, path):
        status, body, _ = self.get(path)
        assert status == 200, f"{path}: {status} {body[:300]!r}"
        return json.loads(body)


def wait_http(port, path, proc, timeout, rss_limit_mib=None):
    """Seconds until GET path answers 200; None when the RSS limit was passed."""
    t0 = time.perf_counter()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        if rss_limit_mib and proc_mib(proc.pid, "VmRSS") > rss_limit_mib:
            return None
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"port {port}{path} did not answer in {timeout} s")


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1)]


# --- the steps ---------------------------------------------------------------

def import_zones(zoning, url, port, n, work):
    """Imports the n-zone set unless the database already holds exactly it."""
    have = psql(port, f"SELECT count(*) FROM pg_database WHERE datname = '{DBNAME}'")
    if have == "1":
        try:
            count = int(psql(port, "SELECT count(*) FROM zone_heads", db=DBNAME))
        except subprocess.CalledProcessError:
            count = -1
        if count == n:
            log(f"reusing the database with {n:,} zones (imported by an earlier run with --keep)")
            return None
        psql(port, f"DROP DATABASE {DBNAME}")
    psql(port, f"CREATE DATABASE {DBNAME}")
    psql(port, "CREATE EXTENSION postgis", db=DBNAME)
    src = store_ready(n)
    log(f"importing {src.name} ({src.stat().st_size / 2**20:,.0f} MiB) …")
    wall, cpu, rss, _ = timed_child([zoning, "import", "--db", url, src], 4 * 3600, work / "import.log")
    t0 = time.perf_counter()
    psql(port, "VACUUM ANALYZE", db=DBNAME)
    vacuum = time.perf_counter() - t0
    size = int(psql(port, f"SELECT pg_database_size('{DBNAME}')")) / 2**20
    return {"wall": wall, "cpu": cpu, "rss": rss, "vacuum": vacuum, "size": size}


def start_zoning(zoning, url, work, limit_mib):
    port = free_port()
    errlog = open(work / "serve.log", "wb")  # noqa: SIM115 (kept open while it runs)
    proc = subprocess.Popen([zoning, "serve", "--db", url, "--bind", f"127.0.0.1:{port}"],
                            env=dict(os.environ, ZONING_LOG="info"), stdout=subprocess.DEVNULL, stderr=errlog, cwd="/")
    start = wait_http(port, "/health", proc, timeout=3600, rss_limit_mib=limit_mib)
    return proc, port, start


def start_pygeoapi(venv, pg_port, work):
    port = free_port()
    cfg, api = work / "pygeoapi.yml", work / "openapi.yml"
    cfg.write_text(PYGEOAPI_CONFIG.format(port=port, pg_port=pg_port, db=DBNAME), encoding="utf-8")
    env = dict(os.environ, PYGEOAPI_CONFIG=str(cfg), PYGEOAPI_OPENAPI=str(api))
    bin_ = Path(venv).resolve() / "bin"
    subprocess.run([bin_ / "pygeoapi", "openapi", "generate", str(cfg), "--output-file", str(api)],
                   env=env, check=True, capture_output=True, timeout=300)
    errlog = open(work / "pygeoapi.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([bin_ / "gunicorn", "-w", str(os.cpu_count() or 2), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--timeout", "120", "pygeoapi.flask_app:APP"],
                            env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=errlog)
    start = wait_http(port, "/collections/zones", proc, timeout=300)
    return proc, port, start


def bbox_path(b, limit=100):
    return "/collections/zones/items?" + urllib.parse.urlencode(
        {"bbox": ",".join(f"{v:.6f}" for v in b), "limit": limit})


def find_bbox(zc, pc, n):
    """A bbox in the middle of the data holding exactly 100 zones for both servers."""
    from pyproj import Transformer
    to_wgs = Transformer.from_crs("EPSG:9214", "EPSG:4326", always_xy=True)
    side = math.ceil(math.sqrt(n))
    for attempt in range(12):
        # the middle of the generator's grid, moved a little on each attempt
        lon, lat = to_wgs.transform(444_000 + attempt * 1_370.0, 2_364_000 - (side % 7) * 1_000.0 + attempt * 910.0)

        def matched(hx, hy):
            return zc.json(bbox_path([lon - hx, lat - hy, lon + hx, lat + hy], 1))["numberMatched"]
        lo, hi = 0.001, 0.5
        for _ in range(40):  # the half-size where zoning's count reaches 100
            mid = (lo + hi) / 2
            if matched(mid, mid) < 100:
                lo = mid
            else:
                hi = mid
        hy, count = lo, matched(lo, lo)
        lo_x, hi_x = lo, hi
        for _ in range(40):  # widen in x only, so the count moves one by one
            mid = (lo_x + hi_x) / 2
            if matched(mid, hy) < 100:
                lo_x = mid
            else:
                hi_x = mid
        hx, count = hi_x, matched(hi_x, hy)
        if count != 100:
            continue
        b = [lon - hx, lat - hy, lon + hx, lat + hy]
        z, p = zc.json(bbox_path(b)), pc.json(bbox_path(b))
        zcodes = sorted(f["id"] for f in z["features"])
        pcodes = sorted(f["id"] for f in p["features"])
        if p["numberMatched"] == 100 and zcodes == pcodes and len(zcodes) == 100:
            return b
        log(f"bbox {b}: zoning {z['numberMatched']}, pygeoapi {p['numberMatched']} zones, "
            f"{len(set(zcodes) ^ set(pcodes))} codes differ; another bbox")
    raise RuntimeError("found no bbox where both servers answer the same 100 zones")


def tile_path(b, z=14):
    lon, lat = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    return f"/collections/zones/tiles/WebMercatorQuad/{z}/{y}/{x}"


def wrk(port, path, seconds, connections=8):
    accept = "*/*" if "/tiles/" in path else "application/geo+json, application/json"
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
                          "-H", f"Accept: {accept}", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert errors is None, f"{path}: {errors.group(0)}"

    def p(q):
        v, unit = re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    return rps, p(50), p(99)


def zoning_micros(work, path_prefix):
    text = re.sub(r"\x1b\[[0-9;]*m", "", (work / "serve.log").read_text(encoding="utf-8", errors="replace"))
    return [int(m.group(1)) / 1000 for line in text.splitlines()
            if f"path={path_prefix}" in line and (m := re.search(r"micros=(\d+)", line))]


def measure(zc, pc, bbox, tile, a):
    """Interleaved sequential requests; returns {label: [ms, …]}."""
    series = {"zoning bbox": (zc, bbox_path(bbox)), "pygeoapi bbox": (pc, bbox_path(bbox))}
    if tile:
        series["zoning tile z14"] = (zc, tile)
    times = {k: [] for k in series}
    for i in range(a.warmup + a.requests):
        for label, (client, path) in series.items():
            status, _, dt = client.get(path, accept="*/*" if "tiles" in path else "application/geo+json")
            assert status == 200, f"{label}: {status}"
            if i >= a.warmup:
                times[label].append(dt * 1000)
    return times


def report(a, imp, zstart, zrss, pstart, bbox, times, micros, wrk_rows, tile_note):
    print(f"zones: {a.zones:,}; bbox {','.join(f'{v:.6f}' for v in bbox)} (100 zones); "
          f"{a.requests} interleaved sequential rounds after {a.warmup} of warm-up")
    if imp:
        print(f"zoning import --db postgres://…: {imp['wall']:.1f} s wall, {imp['cpu']:.1f} s CPU, "
              f"peak RSS {imp['rss']:,.0f} MiB; VACUUM ANALYZE {imp['vacuum']:.1f} s; database {imp['size']:,.0f} MiB")
    print(f"zoning serve: /health after {zstart:.2f} s; RSS peak {zrss[0]:,.0f} MiB, after the run {zrss[1]:,.0f} MiB")
    print(f"pygeoapi (gunicorn -w {os.cpu_count() or 2}): /collections/zones after {pstart:.2f} s")
    print()
    print("| request | server | p50 | p99 | max | server's own time p50 / p99 |")
    print("|---|---|---:|---:|---:|---:|")
    for label, ms in times.items():
        own = ""
        if label in micros and micros[label]:
            own = f"{pct(micros[label], 50):.2f} / {pct(micros[label], 99):.2f} ms"
        print(f"| {label.split(' ', 1)[1]} | {label.split(' ', 1)[0]} | {pct(ms, 50):.2f} ms | "
              f"{pct(ms, 99):.2f} ms | {max(ms):.2f} ms | {own} |")
    if tile_note:
        print(f"\n{tile_note}")
    if wrk_rows:
        print(f"\nwrk -t2 -c8 -d{a.wrk_seconds}s, one server at a time:\n")
        print("| request | server | requests/s | p50 | p99 |")
        print("|---|---|---:|---:|---:|")
        for label, (rps, p50, p99) in wrk_rows.items():
            print(f"| {label.split(' ', 1)[1]} | {label.split(' ', 1)[0]} | {rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zoning")
    ap.add_argument("venv")
    ap.add_argument("--zones", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--wrk-seconds", type=int, default=10, help="0: no wrk")
    ap.add_argument("--port", type=int, default=55510)
    ap.add_argument("--keep", action="store_true", help="leave the cluster (and its database) for the next run")
    ap.add_argument("--max-rss-gib", type=float, default=10.0)
    a = ap.parse_args()
    zoning = str(Path(a.zoning).resolve())
    work = ROOT / "target" / "bench" / "postgis"
    work.mkdir(parents=True, exist_ok=True)
    zproc = pproc = None
    try:
        url = cluster_start(a.port)
        log(f"cluster up on 127.0.0.1:{a.port} ({WORK})")
        imp = import_zones(zoning, url, a.port, a.zones, work)
        if imp:
            log(f"import: {imp}")
        zproc, zport, zstart = start_zoning(zoning, url, work, a.max_rss_gib * 1024)
        if zstart is None:
            rss = proc_mib(zproc.pid, "VmRSS")
            raise SystemExit(f"zoning serve passed {a.max_rss_gib} GiB of RSS ({rss:,.0f} MiB) before /health "
                             f"with {a.zones:,} zones: stopped")
        log(f"zoning serve: /health after {zstart:.2f} s, RSS {proc_mib(zproc.pid, 'VmRSS'):,.0f} MiB")
        pproc, pport, pstart = start_pygeoapi(a.venv, a.port, work)
        log(f"pygeoapi: up after {pstart:.2f} s")
        zc, pc = Client(zport), Client(pport)
        bbox = find_bbox(zc, pc, a.zones)
        log(f"bbox with the same 100 zones on both: {bbox}")
        tile, tile_note = tile_path(bbox), ""
        status, body, _ = zc.get(tile, accept="*/*")
        if status != 200:
            tile_note = f"The z14 tile was not measured: {tile} answered {status} (no tiles route in this binary)."
            tile = None
        else:
            log(f"tile {tile}: {len(body):,} bytes")
        load = [os.getloadavg()[0]]
        times = measure(zc, pc, bbox, tile, a)
        load.append(os.getloadavg()[0])
        zrss = (proc_mib(zproc.pid, "VmHWM"), proc_mib(zproc.pid, "VmRSS"))
        own_bbox = zoning_micros(work, "/collections/zones/items ")
        own_tile = zoning_micros(work, "/collections/zones/tiles/")
        n = a.requests
        micros = {"zoning bbox": own_bbox[-n:] if len(own_bbox) >= n else [],
                  "zoning tile z14": own_tile[-n:] if tile and len(own_tile) >= n else []}
        wrk_rows = {}
        if a.wrk_seconds and shutil.which("wrk"):
            wrk_rows["zoning bbox"] = wrk(zport, bbox_path(bbox), a.wrk_seconds)
            wrk_rows["pygeoapi bbox"] = wrk(pport, bbox_path(bbox), a.wrk_seconds)
            if tile:
                wrk_rows["zoning tile z14"] = wrk(zport, tile, a.wrk_seconds)
        report(a, imp, zstart, zrss, pstart, bbox, times, micros, wrk_rows, tile_note)
        print(f"\nload average (1 min) before / after the interleaved requests: {load[0]:.2f} / {load[1]:.2f}")
    finally:
        stop(pproc)
        stop(zproc)
        cluster_stop(remove=not a.keep)
        log(f"children's CPU: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime:.1f} s user")


if __name__ == "__main__":
    main()
