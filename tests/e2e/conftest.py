"""Shared helpers: the built `zoning` binary (ZONING_BIN, set by `make e2e`),
and the store the tests' databases live in.

With ZONING_TEST_PG set to a PostgreSQL base URL (`make e2e-pg` sets it, see
scripts/with-pg.sh), every test database path given to `--db` stands for a
PostgreSQL database of its own: `db_url` is the one place that maps them."""

import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "reference"))


def zoning_bin():
    return str(pathlib.Path(os.environ.get("ZONING_BIN", ROOT / "target" / "release" / "zoning")).resolve())


# The PostgreSQL cluster the tests use instead of SQLite files, e.g.
# postgres://postgres@127.0.0.1:55432 (a superuser: zoning creates the postgis
# extension), or None for SQLite.
PG = os.environ.get("ZONING_TEST_PG", "").rstrip("/") or None

on_postgres = pytest.mark.skipif(PG is None, reason="needs ZONING_TEST_PG (a PostgreSQL cluster): make e2e-pg")
on_sqlite = pytest.mark.skipif(PG is not None, reason="about the SQLite file itself")

_made, _made_lock = {}, threading.Lock()


class SqliteFile(pathlib.PosixPath):
    """A test database path that stays an SQLite file under ZONING_TEST_PG too
    (for the tests that copy a registry between the two stores)."""


def pg_name(path):
    """The PostgreSQL database name that stands for the test database PATH."""
    return "t_" + hashlib.sha1(os.path.abspath(str(path)).encode()).hexdigest()[:16]


def db_url(path):
    """What `--db` gets for a test database PATH: the path itself on SQLite;
    with ZONING_TEST_PG, the URL of a PostgreSQL database made for that path,
    created empty the first time this run asks for it (one of an earlier run
    of the same name is dropped first). A URL is returned as it is."""
    text = str(path)
    if PG is None or "://" in text or isinstance(path, SqliteFile):
        return text
    name = pg_name(path)
    with _made_lock:
        if name not in _made:
            psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            psql("postgres", f"CREATE DATABASE {name}")
            _made[name] = os.path.abspath(text)
    return f"{PG}/{name}"


@pytest.fixture(scope="module", autouse=True)
def _drop_module_databases():
    """Drops the PostgreSQL databases the module's tests made, once the module
    is done (its servers are stopped first: this fixture is set up before
    them), so that a run's databases (about 16 MB each) do not pile up."""
    yield
    if PG is None:
        return
    with _made_lock:
        names = list(_made)
        _made.clear()
    for name in names:
        psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def psql_bin():
    pgbin = pathlib.Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")) / "psql"
    return str(pgbin) if pgbin.exists() else (shutil.which("psql") or "psql")


def psql(db, sql, check=True):
    """Runs one SQL command with psql on the database DB (a test database path,
    a URL, or a bare database name on the ZONING_TEST_PG cluster); the rows, each
    a list of text fields. With check=False, returns the CompletedProcess."""
    assert PG is not None, "psql needs ZONING_TEST_PG"
    text = str(db)
    url = text if "://" in text else (f"{PG}/{text}" if "/" not in text else db_url(text))
    proc = subprocess.run([psql_bin(), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          capture_output=True, text=True, timeout=60)
    if not check:
        return proc
    if proc.returncode != 0:
        raise AssertionError(f"psql {url} -c {sql!r} exited {proc.returncode}: {proc.stderr}")
    return [line.split("\t") for line in proc.stdout.splitlines() if line]


def cli_args(args):
    """ARGS with the value after every `--db` (or in `--db=…`) mapped by db_url."""
    out, after_db = [], False
    for a in map(str, args):
        if after_db:
            a, after_db = db_url(a), False
        elif a == "--db":
            after_db = True
        elif a.startswith("--db="):
            a = "--db=" + db_url(a[len("--db="):])
        out.append(a)
    return out


def run(*args, check=True):
    """Runs `zoning ARGS…` from a directory outside the repository (a `--db`
    path mapped by db_url)."""
    proc = subprocess.run([zoning_bin(), *cli_args(args)], capture_output=True, text=True, timeout=120, cwd="/")
    if check and proc.returncode != 0:
        raise AssertionError(f"zoning {' '.join(map(str, args))} exited {proc.returncode}: {proc.stderr}")
    return proc


def run_json(*args):
    return json.loads(run(*args, "--format", "json").stdout)


@pytest.fixture(scope="session")
def root():
    return ROOT


# The province since 1 July 2025 (dissolved from its communes: what
# `outside-boundary` uses) and the former Bắc Giang (the resolution's scope).
PROVINCE_FILE = ROOT / "data/admin-2025/bac-ninh-2025-province-dissolved-from-communes.geojson"
FORMER_BAC_GIANG_FILE = ROOT / "data/admin-2025/bac-giang-former-dissolved-from-communes.geojson"
COMMUNES_FILE = ROOT / "data/admin-2025/bac-ninh-2025-communes.geojson"


def outline_wgs84(path=PROVINCE_FILE):
    """The outline as one shapely Polygon (the largest part), WGS84."""
    from shapely.geometry import shape

    g = shape(json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"])
    return max(getattr(g, "geoms", [g]), key=lambda p: p.area)
