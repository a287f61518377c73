"""The service side by side with pygeoapi serving the same zones, in one run.

Usage: python tests/bench/bench_pygeoapi.py ZONING_BIN PYGEOAPI_VENV [--seconds 10] [--connections 16]

`zoning serve` starts on a fresh store loaded with the shipped zones; its
`/export/zones.geojson` is the GeoJSON file pygeoapi (GeoJSON provider, the
'same zones as a GeoJSON collection') serves under gunicorn with one sync worker
per core. Before timing, the script checks that both answer the same ids for
the page of 100 and the same geometry for one zone. Then `wrk` (loopback, on
the same machine) measures requests/s and p50/p99 for 100 items and for one.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from service import free_port  # noqa: E402

# pygeoapi's server and metadata sections, shared with bench_postgis.py
SERVER = """
server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 1000}}
  map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OpenStreetMap}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: zones, description: zoning benchmark zones, keywords: [zones], keywords_type: theme,
                   terms_of_service: none, url: 'http://127.0.0.1'}}
  license: {{name: CC-BY 4.0, url: 'https://creativecommons.org/licenses/by/4.0/'}}
  provider: {{name: zoning benchmark, url: 'http://127.0.0.1'}}
  contact: {{name: zoning, position: none, address: none, city: Bac Giang, stateorprovince: Bac Giang,
            postalcode: '0', country: Vietnam, phone: '0', fax: '0', email: none@example.invalid,
            url: 'http://127.0.0.1', hours: none, instructions: none, role: pointOfContact}}
"""

CONFIG = SERVER + """\
resources:
  zones:
    type: collection
    title: zones
    description: the zones of zoning's shipped data
    keywords: [zones]
    extents:
      spatial: {{bbox: [105.5, 20.9, 107.1, 21.8], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
    providers:
      - type: feature
        name: GeoJSON
        data: {data}
        id_field: id
"""


def get_json(url):
    req = urllib.request.Request(url, headers={"Accept": "application/geo+json, application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def wait(url, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            get_json(url)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in time")


def wrk(url, seconds, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-H", "Accept: application/geo+json, application/json", url],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert errors is None, f"{url}: {errors.group(0)}"

    def pct(p):
        v, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    return rps, pct(50), pct(99)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zoning")
    ap.add_argument("venv")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    a = ap.parse_args()
    cores = os.cpu_count() or 2
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        zport, pport = free_port(), free_port()
        zoning = subprocess.Popen([a.zoning, "serve", "--db", str(tmp / "z.db"), "--bind", f"127.0.0.1:{zport}"],
                                  env=dict(os.environ, ZONING_LOG="warn"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs = [zoning]
        try:
            zurl = f"http://127.0.0.1:{zport}"
            wait(zurl + "/health", zoning)
            with urllib.request.urlopen(zurl + "/export/zones.geojson", timeout=30) as r:
                (tmp / "zones.geojson").write_bytes(r.read())
            (tmp / "pygeoapi.yml").write_text(CONFIG.format(port=pport, data=tmp / "zones.geojson"), encoding="utf-8")
            env = dict(os.environ, PYGEOAPI_CONFIG=str(tmp / "pygeoapi.yml"), PYGEOAPI_OPENAPI=str(tmp / "openapi.yml"))
            bin_ = Path(a.venv).resolve() / "bin"
            subprocess.run([bin_ / "pygeoapi", "openapi", "generate", str(tmp / "pygeoapi.yml"),
                            "--output-file", str(tmp / "openapi.yml")], env=env, check=True, capture_output=True, timeout=120)
            pyg = subprocess.Popen([bin_ / "gunicorn", "-w", str(cores), "-b", f"127.0.0.1:{pport}", "--log-level", "warning",
                                    "pygeoapi.flask_app:APP"], env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(pyg)
            purl = f"http://127.0.0.1:{pport}"
            wait(purl + "/collections/zones", pyg)

            page = "/collections/zones/items?limit=100"
            one = "/collections/zones/items/KCN-QUANG-CHAU"
            zids = [f["id"] for f in get_json(zurl + page)["features"]]
            pids = [f["id"] for f in get_json(purl + page)["features"]]
            assert len(zids) == 100 and sorted(zids) == sorted(pids), "the two pages hold different zones"
            zg, pg = get_json(zurl + one)["geometry"], get_json(purl + one)["geometry"]
            assert zg["type"] == pg["type"] and json.dumps(zg["coordinates"]) == json.dumps(pg["coordinates"]), "KCN-QUANG-CHAU differs"

            print(f"wrk -t2 -c{a.connections} -d{a.seconds}s on loopback; pygeoapi 0.21 under gunicorn -w {cores}; zoning serve with its defaults")
            print()
            print("| request | server | requests/s | p50 | p99 |")
            print("|---|---|---:|---:|---:|")
            for label, path in [("100 zones", page), ("one zone", one)]:
                rows = {}
                for name, base in [("zoning", zurl), ("pygeoapi", purl)]:
                    rows[name] = wrk(base + path, a.seconds, a.connections)
                    rps, p50, p99 = rows[name]
                    print(f"| {label} | {name} | {rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms |", flush=True)
                print(f"| {label} | zoning / pygeoapi | {rows['zoning'][0] / rows['pygeoapi'][0]:,.0f}× | | |", flush=True)
        finally:
            for p in procs:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    main()
