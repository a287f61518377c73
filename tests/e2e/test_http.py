"""HTTP as clients expect it, over the real binary and its HTTP/1.1 codec
(docs/security.md): `curl -I` on every GET that /api documents, `304` for a
second GET with `If-None-Match`, compression, and a huge polygon answered
within its bound with the server's memory back near its baseline."""

import gzip
import json
import math
import subprocess
import threading

import pytest

from service import Server

SHIPPED = "KCN-DINH-TRAM"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("http") / "r.db").start()
    yield s
    s.stop()


def documented_gets(server):
    status, _, body = server.request("GET", "/api")
    assert status == 200
    doc = json.loads(body)
    for path, ops in doc["paths"].items():
        if "get" not in ops or path == "/whoami":
            continue
        for c in (["zones", "markers", "communes", "province"] if "{collectionId}" in path else [None]):
            p = path.replace("{collectionId}", c or "")
            item = "bac-giang" if "/province/" in p else "07210" if "/communes/" in p else SHIPPED
            if "/markers/items/" in p:
                continue  # no marker in a fresh registry
            p = p.replace("{tileMatrixSetId}", "WebMercatorQuad").replace("{tileMatrix}/{tileRow}/{tileCol}", "0/0/0")
            yield p.replace("{featureId}", item)


def test_curl_head_answers_every_documented_get(server):
    paths = list(documented_gets(server))
    assert len(paths) >= 15
    for p in paths:
        out = subprocess.run(["curl", "-sS", "-I", "--max-time", "30", server.url + p],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (p, out.stderr)
        head = out.stdout.splitlines()
        assert head[0].split()[1] == "200", (p, out.stdout)
        # a HEAD answer has headers and no body (curl would complain otherwise)
        assert any(h.lower().startswith("etag:") for h in head), (p, out.stdout)


def test_a_second_get_with_if_none_match_is_304(server):
    for p in documented_gets(server):
        status, headers, body = server.request("GET", p)
        assert status == 200, p
        etag = headers["etag"]
        status, headers2, body2 = server.request("GET", p, headers={"If-None-Match": etag})
        assert status == 304, p
        assert body2 == b""
        assert "cache-control" in headers and "cache-control" in headers2


def test_json_is_compressed_when_asked(server):
    status, headers, body = server.request("GET", "/collections/zones/items?limit=100",
                                           headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("content-encoding") == "gzip"
    fc = json.loads(gzip.decompress(body))
    assert fc["numberReturned"] == 100


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def ring(n, lon=106.402, lat=21.451, r=0.004):
    pts = [[lon + r * math.cos(2 * math.pi * i / n), lat + r * math.sin(2 * math.pi * i / n)] for i in range(n)]
    return pts + [pts[0]]


def test_a_huge_polygon_is_refused_within_the_bound_and_memory_comes_back(server):
    baseline = rss_mib(server.proc.pid)
    huge = json.dumps({"type": "Feature", "id": "HUGE", "properties": {},
                       "geometry": {"type": "Polygon", "coordinates": [ring(950_000)]}}).encode()
    # under the 16 MiB body limit, over the 4 MiB a feature may have
    big = json.dumps({"type": "Feature", "id": "BIG", "properties": {},
                      "geometry": {"type": "Polygon", "coordinates": [ring(380_000)]}}).encode()
    assert 4 * 2**20 < len(big) < 16 * 2**20
    over = json.dumps({"type": "Feature", "id": "OVER", "properties": {},
                       "geometry": {"type": "Polygon", "coordinates": [ring(10_001)]}}).encode()
    results = []

    def send(body):
        results.append(server.request("POST", "/validate", body=body, timeout=120))

    threads = [threading.Thread(target=send, args=(b,)) for b in (huge, huge, big, big, over, over)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    statuses = sorted(s for s, _, _ in results)
    # every one is refused, naming the limit: the bodies over max_feature_bytes
    # before they are read, the 10,001 vertices over the anonymous budget
    assert statuses == [413] * 6, statuses
    details = [json.loads(body)["detail"] for _, _, body in results]
    assert sum("max_feature_bytes" in d or "max_body_bytes" in d for d in details) == 4, details
    assert sum("anonymous_max_vertices" in d for d in details) == 2, details
    after = rss_mib(server.proc.pid)
    assert after < baseline + 100, (baseline, after)
