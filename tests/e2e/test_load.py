"""Reading while writing, on loopback, for a bounded time: no error, no lost
write; the latencies are printed (pytest -s) for docs/benchmarks.md."""

import json
import statistics
import threading
import time

from service import Server, add_user

SECONDS = 3.0


def test_reads_and_writes_together(tmp_path):
    db = tmp_path / "load.db"
    server = Server(db).start()
    token = add_user(db, "load-planner", "planner")
    errors, acknowledged, read_ms, write_ms = [], [], [], []
    lock = threading.Lock()
    deadline = time.time() + SECONDS

    def reader():
        while time.time() < deadline:
            t0 = time.perf_counter()
            status, _, body = server.request("GET", "/collections/zones/items?limit=100")
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                read_ms.append(dt)
                if status != 200 or json.loads(body)["numberReturned"] != 100:
                    errors.append(("read", status))

    def writer(w):
        i = 0
        while time.time() < deadline:
            code = f"LOAD-{w}-{i}"
            lon, lat = 106.60 + 0.002 * (i % 30), 21.45 + 0.003 * w + 0.0006 * (i // 30)
            f = {"type": "Feature", "id": code, "properties": {"kind": "CCN", "name": code},
                 "geometry": {"type": "Polygon", "coordinates": [[[lon, lat], [lon + 0.001, lat], [lon + 0.001, lat + 0.0004], [lon, lat + 0.0004], [lon, lat]]]}}
            t0 = time.perf_counter()
            status, _, _ = server.request("POST", "/collections/zones/items", f, token=token)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                write_ms.append(dt)
                if status == 201:
                    acknowledged.append(code)
                else:
                    errors.append(("write", status))
            i += 1

    threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer, args=(w,)) for w in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 30)
        assert errors == []
        status, _, body = server.request("GET", "/collections/zones/items?limit=10000", token=token)
        present = {f["id"] for f in json.loads(body)["features"]}
        assert set(acknowledged) <= present
        q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]  # noqa: E731
        print(f"\n{len(read_ms)} reads of 100 zones: p50 {statistics.median(read_ms):.2f} ms, p99 {q(read_ms, 0.99):.2f} ms; "
              f"{len(write_ms)} writes: p50 {statistics.median(write_ms):.2f} ms, p99 {q(write_ms, 0.99):.2f} ms")
    finally:
        server.stop()
