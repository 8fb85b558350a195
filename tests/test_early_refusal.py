"""What cannot be planned is refused before any terrain is made or read (issue 15, item 3).

Each case runs the command line in a fresh interpreter and then lists which of the libraries that
make, read or route over terrain (or draw it) the process had loaded. A far target or keep-out,
a malformed file and a bad option need none of them; a mission that is planned loads them, which
shows the probe sees them.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import collection, feature, mars_offset

TERRAIN_LIBRARIES = ("scipy", "scipy.ndimage", "rasterio", "matplotlib", "networkx",
                     "scipy.sparse.csgraph")
"""What makes terrain and its hazards (scipy.ndimage), reads rasters (rasterio), builds the roadmap
and its travel table (scipy.sparse.csgraph; networkx only when its graph is asked for) and draws
the map (matplotlib): none is needed to refuse a mission before its terrain, nor is the rest of
scipy (the vehicle model needs none of it)."""

PLANNING_MODULES = ("planner.selection", "planner.route", "planner.coverage", "planner.verify",
                    "terrain.synthetic")
"""The route search, coverage layouts, the verifier and the built-in terrain: imported where they
are used, so a refusal (and the command line's start) needs none of them."""

WATCHED = TERRAIN_LIBRARIES + PLANNING_MODULES

PROBE = """
import json, sys
from planner.cli import main
watched = json.loads(sys.argv[2])
sys.argv = ["plan-flight", *json.loads(sys.argv[1])]
try:
    main()
    code = 0
except SystemExit as exc:
    code = exc.code
print(json.dumps({"exit": code,
                  "loaded": [m for m in watched if m in sys.modules]}))
"""

LON0, LAT0 = 8.54, 47.37


def earth(east: float, north: float) -> list[float]:
    """Longitude and latitude ``east``, ``north`` metres from (LON0, LAT0), near enough."""
    return [LON0 + east / (111_320 * math.cos(math.radians(LAT0))), LAT0 + north / 110_540]


def mission(*extra: dict) -> dict:
    """Earth, a Mavic 3 (range about 20 km): home and a target 100 m north, plus ``extra``."""
    return collection(feature("Point", earth(0, 0), role="home", name="home"),
                      feature("Point", earth(0, 100), name="near"), *extra,
                      plan_flight={"vehicle": "mavic3", "altitude_m": 40, "speed_m_s": 10})


def probe(*argv: str) -> tuple[int, list[str], str]:
    """Run plan-flight with ``argv`` in a fresh interpreter: exit code, libraries loaded, stderr."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv),
                           json.dumps(WATCHED)], capture_output=True, text=True,
                          timeout=120, check=False)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found["exit"], found["loaded"], done.stderr


def far_square(east: float, half: float) -> list[list[list[float]]]:
    return [[earth(east + dx, dy) for dx, dy in
             [(-half, -half), (half, -half), (half, half), (-half, half), (-half, -half)]]]


CASES = [
    ("a required target 70 km away",
     mission(feature("Point", earth(70_000, 0), name="far", required=True)), [], 3,
     ["required target 'far'", "140.", "range of at most 20."]),
    ("a keep-out 70 km away",
     mission(feature("Polygon", far_square(70_000, 50), role="keep_out", name="zone")), [], 2,
     ["'zone'", "lies 70.", "range at most 20."]),
    # Air denser than Ingenuity's reference (0.017 kg/m³): the densest air its motors can hover
    # in is worked out before the range, and that needs no solver library either.
    ("on Mars, a required target 70 km away (Ingenuity)",
     collection(feature("Point", mars_offset(0, 0), role="home", name="Q"),
                feature("Point", mars_offset(70_000, 0), name="far", required=True),
                crs="IAU_2015:49900", plan_flight={"altitude_m": 8, "speed_m_s": 3}),
     ["--air-density", "0.02"], 3, ["required target 'far'", "140.0 km", "ingenuity's range"]),
    ("a malformed file", None, [], 2, ["invalid JSON"]),
    ("an altitude the vehicle cannot fly", mission(), ["--altitude", "-5"], 2,
     ["--altitude -5"]),
]


@pytest.mark.parametrize(("doc", "options", "code", "says"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_before_any_terrain(tmp_path: Path, doc: dict | None, options: list[str],
                                    code: int, says: list[str]) -> None:
    path = tmp_path / "mission.geojson"
    path.write_text(json.dumps(doc) if doc is not None else '{"type": "FeatureCollection", [')
    exit_code, loaded, stderr = probe(str(path), *options)
    assert exit_code == code, stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    for text in says:
        assert text in stderr
    assert loaded == [], f"loaded {loaded} before refusing: {stderr}"


def test_probe_sees_the_terrain_libraries_when_a_plan_is_made(tmp_path: Path) -> None:
    path = tmp_path / "mission.geojson"
    path.write_text(json.dumps(mission()))
    exit_code, loaded, stderr = probe(str(path), "--quiet", "--resolution", "2")
    assert exit_code == 0, stderr
    assert {"scipy.ndimage", "scipy.sparse.csgraph", *PLANNING_MODULES} <= set(loaded)
