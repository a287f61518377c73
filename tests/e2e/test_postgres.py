"""The PostgreSQL + PostGIS store seen from the database itself (issue 14),
with psql, the way an administrator or another program would see it:

- history is append-only in the database: UPDATE, DELETE and TRUNCATE of the
  version tables and the audit log are refused by PostgreSQL (the counterpart of
  the SQLite triggers), whoever connects;
- each zone's boundary is a PostGIS geometry in its legal grid (SRID 9214 or
  9209) with a GiST index, and PostGIS's own area of it is the grid area the
  API serves;
- `zoning copy` carries a registry from SQLite to PostGIS and back without
  losing a version: every zone's history, the markers, the report and the users'
  tokens are the same through servers on all three.

Only with ZONING_TEST_PG (`make e2e-pg`)."""

import json

import pytest
from conftest import SqliteFile, db_url, on_postgres, pg_name, psql, run
from service import Server, add_user

pytestmark = on_postgres

ITEMS = "/collections/zones/items"
GRID_9214 = "http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F9214"


def corner_feature(code, lon, lat, side=0.002, name=None):
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Feature", "id": code, "properties": {"kind": "CCN", "name": name or code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def upload_marker(srv, token, number="M1"):
    """One marker on the first corner of the first zone in EPSG:9214 (a CSV in
    the surveyors' format: X northing, Y easting, decimal comma)."""
    st, _, body = srv.request("GET", f"{ITEMS}?limit=1&grid_crs=EPSG:9214&crs={GRID_9214}")
    assert st == 200, body
    z = json.loads(body)["features"][0]
    e, n = z["geometry"]["coordinates"][0][0][0]
    csv = f"Số hiệu mốc;X (m);Y (m)\r\n{number};{n:.3f};{e:.3f}\r\n".replace(".", ",").encode("utf-8")
    st, _, body = srv.request("POST", "/markers/upload", csv, token=token, headers={"Content-Type": "text/csv"})
    assert st == 200, body
    assert json.loads(body)["batch"] is not None, body
    return z["id"]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A PostgreSQL registry with the shipped zones, an edited zone, a marker,
    and users (whose creation is in the audit log)."""
    db = tmp_path_factory.mktemp("pgstore") / "registry.db"
    planner = add_user(db, "pg-planner", "planner")
    surveyor = add_user(db, "pg-surveyor", "surveyor")
    s = Server(db).start()
    try:
        st, h, body = s.request("POST", ITEMS, corner_feature("CCN-PG-1", 106.55, 21.40), token=planner)
        assert st == 201, body
        st, h, body = s.request("PUT", f"{ITEMS}/CCN-PG-1", corner_feature("CCN-PG-1", 106.56, 21.40), token=planner,
                                headers={"If-Match": h["etag"]})
        assert st == 200, body
        upload_marker(s, surveyor)
        yield {"db": db, "server": s, "planner": planner}
    finally:
        s.stop()


APPEND_ONLY = ("zone_versions", "marker_versions", "marker_batches", "audit_log")


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_history_tables_refuse_update_delete_and_truncate(registry, table):
    db = registry["db"]
    (n,), = psql(db, f"SELECT count(*) FROM {table}")
    assert int(n) > 0, f"{table} is empty: nothing to test the refusal on"
    (col,), = psql(db, "SELECT column_name FROM information_schema.columns "
                       f"WHERE table_schema = current_schema() AND table_name = '{table}' ORDER BY ordinal_position LIMIT 1")
    for sql in (f"UPDATE {table} SET {col} = {col}", f"DELETE FROM {table}", f"TRUNCATE {table}",
                f"TRUNCATE {table} CASCADE"):
        p = psql(db, sql, check=False)
        assert p.returncode != 0 and "ERROR" in p.stderr, f"{sql}: {p.returncode} {p.stdout} {p.stderr}"
    (after,), = psql(db, f"SELECT count(*) FROM {table}")
    assert after == n


def test_zone_boundaries_are_postgis_geometries_in_the_legal_grid(registry):
    """geometry_columns names the geometry columns of zone_versions, each with
    a GiST index; for every served zone one of them holds its boundary in the
    zone's legal grid (SRID 9214 or 9209), and PostGIS's ST_Area of it is the
    grid area the API serves (to 1 m²)."""
    db, s = registry["db"], registry["server"]
    cols = [c for (c,) in psql(db, "SELECT f_geometry_column FROM geometry_columns WHERE f_table_name = 'zone_versions'")]
    assert cols, "zone_versions has no PostGIS geometry column"
    gist = [d for (d,) in psql(db, "SELECT indexdef FROM pg_indexes WHERE tablename = 'zone_versions' AND indexdef ILIKE '%gist%'")]
    for c in cols:
        assert any(f"({c})" in d for d in gist), (c, gist)
    # every version of every zone: each column's SRID and PostGIS area
    areas = {}
    for c in cols:
        for code, srid, area in psql(db, f"SELECT code, ST_SRID({c}), ST_Area({c}) FROM zone_versions"):
            areas.setdefault(code, []).append((c, int(srid), float(area)))
    st, _, body = s.request("GET", f"{ITEMS}?limit=10000", token=registry["planner"])
    assert st == 200
    served = json.loads(body)["features"]
    assert {f["id"] for f in served} <= set(areas)
    grids = set()
    for f in served:
        p = f["properties"]
        want_srid = int(p["grid_crs"].split(":")[1])
        grids.add(want_srid)
        got = areas[f["id"]]
        assert any(srid == want_srid and abs(a / 10_000 - p["grid_area_ha"]) < 1e-4 for _, srid, a in got), \
            (f["id"], p["grid_crs"], p["grid_area_ha"], got)
    assert grids == {9214, 9209}, f"the shipped zones lie in both grids; served: {grids}"


def histories(srv, token):
    """{code: history versions} of every zone a planner sees, markers, report."""
    st, _, body = srv.request("GET", f"{ITEMS}?limit=10000", token=token)
    assert st == 200
    codes = sorted(f["id"] for f in json.loads(body)["features"])
    out = {}
    for code in codes:
        st, _, body = srv.request("GET", f"{ITEMS}/{code}/history", token=token)
        assert st == 200, (code, body[:200])
        out[code] = json.loads(body)["versions"]
    st, _, markers = srv.request("GET", "/collections/markers/items?limit=10000")
    assert st == 200
    st, _, report = srv.request("GET", "/report")
    assert st == 200
    features = lambda b: sorted(json.loads(b)["features"], key=lambda f: f["id"])  # noqa: E731
    return out, features(markers), json.loads(report)["lines"]


def test_copy_sqlite_to_postgis_and_back_keeps_every_version(tmp_path):
    """A SQLite registry with history (a zone posted, replaced, approved, and a
    draft retired; a marker; users) copied into PostGIS with `zoning copy`,
    and from there into a new SQLite file: the three serve the same histories,
    markers and report, and a token made on SQLite works on the copies."""
    src = SqliteFile(tmp_path / "source.db")
    planner = add_user(src, "copy-planner", "planner")
    admin = add_user(src, "copy-admin", "admin")
    surveyor = add_user(src, "copy-surveyor", "surveyor")
    s = Server(src).start()
    try:
        st, h, body = s.request("POST", ITEMS, corner_feature("CCN-COPY-1", 106.55, 21.40), token=planner)
        assert st == 201, body
        st, h, body = s.request("PUT", f"{ITEMS}/CCN-COPY-1", corner_feature("CCN-COPY-1", 106.55, 21.40, name="Sửa"),
                                token=planner, headers={"If-Match": h["etag"]})
        assert st == 200, body
        st, _, body = s.request("POST", f"{ITEMS}/CCN-COPY-1/approve", {"decision": "QĐ 1", "reason": "thử"}, token=admin,
                                headers={"If-Match": h["etag"], "Content-Type": "application/json"})
        assert st == 200, body
        st, h2, body = s.request("POST", ITEMS, corner_feature("CCN-COPY-2", 106.58, 21.40), token=planner)
        assert st == 201, body
        st, _, body = s.request("DELETE", f"{ITEMS}/CCN-COPY-2", token=planner, headers={"If-Match": h2["etag"]})
        assert st == 204, body
        upload_marker(s, surveyor)
        want = histories(s, planner)
    finally:
        s.stop()
    assert len(want[0]["CCN-COPY-1"]) == 3 and want[1], "the source has the history this test needs"

    pg = tmp_path / "copy-target.db"  # a PostgreSQL database under ZONING_TEST_PG
    out = run("copy", "--from", src, "--to", db_url(pg))
    back = SqliteFile(tmp_path / "back.db")
    for target in (pg, back):
        if target is back:
            out = run("copy", "--from", db_url(pg), "--to", back)
        s = Server(target, log=tmp_path / f"{pg_name(target)}.log").start()
        try:
            got = histories(s, planner)
        finally:
            s.stop()
        assert got[0].keys() == want[0].keys(), f"{target}: zones {set(got[0]) ^ set(want[0])}"
        for code in want[0]:
            assert got[0][code] == want[0][code], f"{target}: history of {code} differs"
        assert got[1] == want[1], f"{target}: markers differ"
        assert got[2] == want[2], f"{target}: report differs"
    # a copy never merges into a registry that holds zones
    again = run("copy", "--from", src, "--to", db_url(pg), check=False)
    assert again.returncode != 0 and again.stderr.strip(), (again.returncode, again.stderr)
    (n,), = psql(pg, "SELECT count(*) FROM zone_versions WHERE code = 'CCN-COPY-1'")
    assert n == "3"
    print(out.stdout.strip() or out.stderr.strip())


# --- PostgreSQL's own tools, as docs/deploy.md uses them ----------------------

def pgbin(name):
    import os
    return os.path.join(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"), name)


def as_postgres(cmd):
    """CMD run as the postgres OS user when we are root (as scripts/pg.sh runs
    the cluster), else as ourselves."""
    import os
    return ["runuser", "-u", "postgres", "--", *map(str, cmd)] if os.geteuid() == 0 else list(map(str, cmd))


def cluster():
    """host, port of the ZONING_TEST_PG cluster."""
    from urllib.parse import urlsplit

    from conftest import PG
    u = urlsplit(PG)
    return u.hostname, u.port or 5432


def test_pg_dump_and_pg_restore_give_the_same_registry(registry, tmp_path):
    """The logical backup of docs/deploy.md: `pg_dump -Fc` of a live registry,
    `pg_restore` into a new database; a server on the copy serves the same
    histories, markers and report, and the copy is still append-only."""
    import subprocess

    host, port = cluster()
    db, s, planner = registry["db"], registry["server"], registry["planner"]
    want = histories(s, planner)
    dump = tmp_path / "zoning.dump"
    subprocess.run([pgbin("pg_dump"), "-Fc", "-h", host, "-p", str(port), "-U", "postgres", "-f", str(dump), pg_name(db)],
                   check=True, capture_output=True, timeout=300)
    restored = tmp_path / "restored.db"
    db_url(restored)  # a new empty database
    p = subprocess.run([pgbin("pg_restore"), "--exit-on-error", "-h", host, "-p", str(port), "-U", "postgres",
                        "-d", pg_name(restored), str(dump)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    r = Server(restored).start()
    try:
        assert histories(r, planner) == want
    finally:
        r.stop()
    assert psql(restored, "DELETE FROM zone_versions", check=False).returncode != 0


def test_a_streaming_replica_follows_and_takes_over(tmp_path):
    """The replica of docs/deploy.md: `pg_basebackup -R -X stream` from a
    primary (a small cluster of its own: a base backup copies every database
    of a cluster), started on another port; a write through zoning on the
    primary is on the replica within 10 s; the replica, promoted, serves the
    registry (its tokens included) to a zoning started on it."""
    import os
    import shutil
    import subprocess
    import tempfile
    import time

    from conftest import ROOT
    from service import free_port

    pg_sh = str(ROOT / "scripts" / "pg.sh")
    # under /tmp, not pytest's directory: the postgres user must reach it
    base = tempfile.mkdtemp(prefix="zoning-replica-", dir="/tmp")
    os.chmod(base, 0o755)
    primary_dir, data = os.path.join(base, "primary"), os.path.join(base, "replica")
    log, pport, rport = os.path.join(base, "replica.log"), free_port(), free_port()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    started = False
    try:
        primary = subprocess.run([pg_sh, "start", primary_dir, str(pport)], check=True, capture_output=True, text=True,
                                 timeout=120).stdout.strip()
        subprocess.run([pg_sh, "createdb", "zoning", primary_dir], check=True, capture_output=True, timeout=60)
        url = f"{primary}/zoning"
        planner = add_user(url, "replica-planner", "planner")
        s = Server(tmp_path / "primary.db", log=tmp_path / "primary.log")
        s.db = url
        s.start()
        try:
            subprocess.run(as_postgres([pgbin("pg_basebackup"), "-h", "127.0.0.1", "-p", pport, "-U", "postgres", "-D", data,
                                        "-R", "-X", "stream", "-c", "fast"]), check=True, capture_output=True, timeout=300)
            subprocess.run(as_postgres([pgbin("pg_ctl"), "-D", data, "-l", log, "-o", f"-p {rport}", "-w", "-t", "60", "start"]),
                           check=True, capture_output=True, timeout=120)
            started = True
            replica = f"postgres://postgres@127.0.0.1:{rport}/zoning"
            assert psql(replica, "SELECT pg_is_in_recovery()") == [["t"]]
            st, _, body = s.request("POST", ITEMS, corner_feature("CCN-PG-REPLICA", 106.59, 21.40), token=planner)
            assert st == 201, body
            deadline = time.monotonic() + 10
            while not psql(replica, "SELECT 1 FROM zone_versions WHERE code = 'CCN-PG-REPLICA'"):
                assert time.monotonic() < deadline, "the write is not on the replica after 10 s"
                time.sleep(0.2)
        finally:
            s.stop()
        subprocess.run([pg_sh, "stop-immediate", primary_dir], check=True, capture_output=True, timeout=120)
        subprocess.run(as_postgres([pgbin("pg_ctl"), "-D", data, "-w", "-t", "60", "promote"]),
                       check=True, capture_output=True, timeout=120)
        assert psql(replica, "SELECT pg_is_in_recovery()") == [["f"]]
        r = Server(tmp_path / "replica.db", log=tmp_path / "replica-zoning.log")
        r.db = replica  # serve the promoted replica's database (db_url keeps a URL)
        r.start()
        try:
            st, _, body = r.request("GET", f"{ITEMS}/CCN-PG-REPLICA", token=planner)
            assert st == 200, body
            st, _, body = r.request("POST", ITEMS, corner_feature("CCN-PG-AFTER", 106.62, 21.40), token=planner)
            assert st == 201, body
        finally:
            r.stop()
    finally:
        if started:
            subprocess.run(as_postgres([pgbin("pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]),
                           capture_output=True, timeout=120)
        subprocess.run([pg_sh, "remove", primary_dir], capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def test_an_ordinary_role_runs_zoning_as_deploy_md_says(tmp_path):
    """docs/deploy.md's set-up: a role that is not a superuser owns the
    database; a superuser creates the postgis extension and lets the role add
    the legal grids to spatial_ref_sys. zoning then migrates, loads the shipped
    zones, adds a user and serves, connected as that role; and that role, owner
    of the tables, still cannot rewrite history."""
    import uuid

    from conftest import PG
    from urllib.parse import urlsplit

    role = "zr_" + uuid.uuid4().hex[:10]
    name = pg_name(tmp_path / "ordinary.db")
    u = urlsplit(PG)
    url = f"postgres://{role}@{u.hostname}:{u.port}/{name}"
    psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql("postgres", f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
    try:
        psql("postgres", f"CREATE DATABASE {name} OWNER {role}")
        psql(name, "CREATE EXTENSION postgis")
        psql(name, f"GRANT INSERT ON spatial_ref_sys TO {role}")
        token = run("user", "add", "--db", url, "--name", "thuong", "--role", "planner").stdout.strip()
        s = Server(tmp_path / "ordinary.db", log=tmp_path / "ordinary.log")
        s.db = url
        s.start()
        try:
            st, _, body = s.request("POST", ITEMS, corner_feature("CCN-PG-ROLE", 106.55, 21.40), token=token)
            assert st == 201, body
            st, _, body = s.request("GET", f"{ITEMS}?limit=1")
            assert st == 200 and json.loads(body)["numberMatched"] > 100, body[:300]
        finally:
            s.stop()
        p = psql(url, "DELETE FROM zone_versions", check=False)
        assert p.returncode != 0, p.stdout
    finally:
        psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql("postgres", f"DROP ROLE IF EXISTS {role}")
