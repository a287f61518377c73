"""Startup time and memory of `zoning serve` with 100k zones in the store.

Usage: python tests/bench/bench_startup.py ZONING_BIN [--zones 100000] [--runs 3]

The seeded synthetic set (gen_zones.py) is given the zone model (every zone a
placeholder CCN with an illustrative geometry) and imported once with
`zoning import`; then the service is started `--runs` times on that store. For
each start: the time from exec until `/health` answers 200, then the time of
the first page of 100 zones, of a first bbox query and the median of 20 more
(the same query again), each at the client and as the server logs it (the
handler's time, `micros` of its request log line), and the peak RSS (VmHWM
from /proc) and the resident set then (VmRSS). Prints a Markdown table.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import ROOT, dataset  # noqa: E402

sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from service import free_port  # noqa: E402


def store_ready(n):
    """The synthetic zones with the properties the store requires."""
    path = ROOT / "target" / "bench" / f"zones-{n}-model.geojson"
    if path.exists():
        return path
    fc = json.loads(dataset(n).read_text(encoding="utf-8"))
    for f in fc["features"]:
        f["properties"] = {
            "kind": "CCN", "name_vi": f"Cụm thử {f['id']}", "name_basis": "placeholder",
            "declared_area_ha": f["properties"]["declared_area_ha"], "area_basis": "placeholder",
            "plan_action": "new", "plan_basis": "placeholder", "infrastructure": "unknown",
            "geometry_source": "illustrative", "note": "synthetic benchmark zone (tests/bench/gen_zones.py)",
        }
    path.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
    return path


def timed_get(url):
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        body = r.read()
        assert r.status == 200
    return time.perf_counter() - t0, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("zoning")
    ap.add_argument("--zones", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    work = ROOT / "target" / "bench" / "startup"
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"zones-{a.zones}.db"
    if not db.exists():
        src = store_ready(a.zones)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        t0 = time.perf_counter()
        subprocess.run([a.zoning, "import", "--db", str(db), str(src)], check=True, capture_output=True, timeout=3600)
        print(f"import of {a.zones:,} zones: {time.perf_counter() - t0:.1f} s wall, "
              f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before:.1f} s CPU; "
              f"store {sum(p.stat().st_size for p in work.glob(db.name + '*')) / 2**20:.0f} MiB")
    starts, firsts, bboxes, agains, rss, now = [], [], [], [], [], []
    server_first, server_again = [], []
    for _ in range(a.runs):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        log = work / "serve.log"
        with open(log, "wb") as err:
            proc = subprocess.Popen([a.zoning, "serve", "--db", str(db), "--bind", f"127.0.0.1:{port}"],
                                    env=dict(os.environ, ZONING_LOG="info"), stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.time() + 600
            while True:
                try:
                    timed_get(url + "/health")
                    break
                except OSError:
                    if proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError("zoning serve did not start")
                    time.sleep(0.02)
            starts.append(time.perf_counter() - t0)
            dt, body = timed_get(url + "/collections/zones/items?limit=100")
            assert json.loads(body)["numberReturned"] == 100
            firsts.append(dt)
            bbox = url + "/collections/zones/items?bbox=106.1,21.2,106.3,21.4&limit=1000"
            dt, body = timed_get(bbox)
            bboxes.append(dt)
            again = []
            for _ in range(20):
                dt, same = timed_get(bbox)
                assert same == body
                again.append(dt)
            agains.append(statistics.median(again))
            status = Path(f"/proc/{proc.pid}/status").read_text()
            field = lambda k: int(next(line.split()[1] for line in status.splitlines() if line.startswith(k))) / 1024  # noqa: E731
            rss.append(field("VmHWM"))
            now.append(field("VmRSS"))
            matched = json.loads(body)["numberMatched"]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        # the handler's own time of each items request, in order: the page
        # of 100, the first bbox query, the 20 again
        text = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text(encoding="utf-8", errors="replace"))
        micros = [int(m.group(1)) for line in text.splitlines()
                  if "path=/collections/zones/items " in line and (m := re.search(r"micros=(\d+)", line))]
        server_first.append(micros[1])
        server_again.append(statistics.median(micros[2:22]))
    med = statistics.median
    print(f"| zones in the store | start until /health (median of {a.runs}) | first 100 zones | bbox query ({matched:,} zones), first: client / server "
          "| the same again (median of 20): client / server | peak RSS | RSS after |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {a.zones:,} | {med(starts):.2f} s | {med(firsts) * 1000:.1f} ms | {med(bboxes) * 1000:.1f} / {med(server_first) / 1000:.2f} ms "
          f"| {med(agains) * 1000:.2f} / {med(server_again) / 1000:.2f} ms | {max(rss):.0f} MiB | {max(now):.0f} MiB |")


if __name__ == "__main__":
    main()
