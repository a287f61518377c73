"""Shared helpers: the built `zoning` binary (ZONING_BIN, set by `make e2e`)."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "reference"))


def zoning_bin():
    return str(pathlib.Path(os.environ.get("ZONING_BIN", ROOT / "target" / "release" / "zoning")).resolve())


def run(*args, check=True):
    """Runs `zoning ARGS…` from a directory outside the repository."""
    proc = subprocess.run([zoning_bin(), *map(str, args)], capture_output=True, text=True, timeout=120, cwd="/")
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
