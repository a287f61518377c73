"""N concurrent GETs of one path against `zoning serve` (release, loopback, the
shipped data): the wall time of all of them (docs/benchmarks.md).

Usage: python tests/bench/bench_concurrent.py target/release/zoning 500 /report
"""
import os, socket, subprocess, sys, tempfile, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
binary=sys.argv[1]; n=int(sys.argv[2]); path=sys.argv[3]
with socket.socket() as s:
    s.bind(("127.0.0.1",0)); port=s.getsockname()[1]
d=tempfile.mkdtemp(); base=f"http://127.0.0.1:{port}"
srv=subprocess.Popen([binary,"serve","--db",os.path.join(d,"r.db"),"--bind",f"127.0.0.1:{port}"],stderr=subprocess.DEVNULL,env={**os.environ,"ZONING_LOG":"warn"})
try:
    for _ in range(200):
        try: urllib.request.urlopen(base+"/health",timeout=1).read(); break
        except OSError: time.sleep(0.1)
    def get(_):
        with urllib.request.urlopen(base+path,timeout=120) as r: r.read(); return r.status
    t=time.perf_counter()
    with ThreadPoolExecutor(n) as ex: st=list(ex.map(get,range(n)))
    print(f"{n} concurrent GET {path}: {time.perf_counter()-t:.2f} s, statuses {sorted(set(st))}")
finally:
    srv.terminate(); srv.wait()
