"""Anonymous /validate of pathological shapes within the budgets: a valid
1,998-vertex spiked star (the validity sweep is quadratic on it) and
self-crossing stars (named as tangled, not repaired); docs/benchmarks.md.

Usage: python tests/bench/bench_validate_shapes.py target/release/zoning
"""
import json, math, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_validate_cost import post, free_port, rss_mib
import os, subprocess, tempfile, time, urllib.request
def spikes(n, lon=106.2, lat=21.38):
    r=[]
    for i in range(n):
        a=2*math.pi*i/n; rad=0.004 if i%2==0 else 0.00004
        r.append([lon+rad*math.cos(a),lat+rad*math.sin(a)])
    r.append(r[0]); return {"type":"Feature","id":f"SPIKES-{n}","properties":{},"geometry":{"type":"Polygon","coordinates":[r]}}
def star(n,k,lon=106.2,lat=21.38):
    r=[[lon+0.004*math.cos(2*math.pi*(i*k%n)/n),lat+0.004*math.sin(2*math.pi*(i*k%n)/n)] for i in range(n)];r.append(r[0])
    return {"type":"Feature","id":f"STAR-{n}","properties":{},"geometry":{"type":"Polygon","coordinates":[r]}}
binary=sys.argv[1]; d=tempfile.mkdtemp(); port=free_port(); base=f"http://127.0.0.1:{port}"
srv=subprocess.Popen([binary,"serve","--db",os.path.join(d,"r.db"),"--bind",f"127.0.0.1:{port}"],stderr=subprocess.DEVNULL,env={**os.environ,"ZONING_LOG":"warn"})
try:
    for _ in range(200):
        try: urllib.request.urlopen(base+"/health",timeout=1).read(); break
        except OSError: time.sleep(0.1)
    for name,f in [("spikes 1,998",spikes(1998)),("spikes 1,000",spikes(1000)),("star 301 (tangled)",star(301,149)),("star 1,001 (tangled)",star(1001,499))]:
        body=json.dumps(f).encode(); runs=[post(base,body) for _ in range(5)]
        ts=sorted(t for _,t in runs)
        print(f"{name}: status {sorted({s for s,_ in runs})}, median {ts[2]*1e3:.1f} ms, max {ts[-1]*1e3:.1f} ms")
finally:
    srv.terminate(); srv.wait()
