"""Worst case of an anonymous request (docs/security.md, docs/benchmarks.md):
`POST /validate` of the largest boundary a zone may have (max_vertices, 20,000
vertices) and of a 950,000-vertex polygon, against the shipped registry; wall
time of each request and the server's resident memory before and after.

Usage: python tests/bench/bench_validate_cost.py target/release/zoning
"""
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def polygon(n, lon=106.402, lat=21.451, r=0.004):
    # a star-ish ring of n vertices: valid, simple
    ring = [[lon + r * (1 + 0.05 * (i % 2)) * math.cos(2 * math.pi * i / n),
             lat + r * (1 + 0.05 * (i % 2)) * math.sin(2 * math.pi * i / n)] for i in range(n)]
    ring.append(ring[0])
    return {"type": "Feature", "id": f"BIG-{n}", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def post(base, body):
    req = urllib.request.Request(f"{base}/validate", data=body, method="POST",
                                 headers={"Content-Type": "application/geo+json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    return status, time.perf_counter() - t


def main():
    binary = sys.argv[1]
    d = tempfile.mkdtemp()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    srv = subprocess.Popen([binary, "serve", "--db", os.path.join(d, "r.db"), "--bind", f"127.0.0.1:{port}"],
                           stderr=subprocess.DEVNULL, env={**os.environ, "ZONING_LOG": "warn"})
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        before = rss_mib(srv.pid)
        for n in [int(a) for a in sys.argv[2:]] or (19_999, 950_000):
            body = json.dumps(polygon(n)).encode()
            runs = [post(base, body) for _ in range(5)]
            statuses = sorted({s for s, _ in runs})
            times = sorted(t for _, t in runs)
            print(f"{n:>7} vertices, {len(body) / 2**20:5.1f} MiB: status {statuses}, "
                  f"median {times[2] * 1e3:7.1f} ms, max {times[-1] * 1e3:7.1f} ms, RSS {rss_mib(srv.pid):6.1f} MiB")
        print(f"RSS before {before:.1f} MiB, after {rss_mib(srv.pid):.1f} MiB")
    finally:
        srv.terminate()
        srv.wait(timeout=10)


if __name__ == "__main__":
    main()
