"""Missions of many targets: the shortlist, --quiet's bounded skipped lines, progress with counts.

Small versions (tens of targets on a few hundred metres of Earth) so the file runs in seconds;
``benchmarks/scale_bench.py`` measures the thousands.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from shapely.geometry import Point
from typer.testing import CliRunner

from planner import selection
from planner.cli import app
from planner.mission import Target
from planner.pipeline import PlanOptions, plan_mission
from planner.report import reason_class
from tests.conftest import collection, feature

LON0, LAT0 = 8.54, 47.37
M_LON = 1 / (111_320 * np.cos(np.radians(LAT0)))
M_LAT = 1 / 110_540
runner = CliRunner()
SHORT = ["--max-flight-time", "240"]
SHORT_OPTIONS = PlanOptions(max_flight_time_s=240)
"""A short flight, so that the budget leaves targets out."""


def at(east: float, north: float) -> list[float]:
    return [LON0 + east * M_LON, LAT0 + north * M_LAT]


def many_targets(n: int = 40, *, seed: int = 3) -> dict:
    """``n`` targets within 150 m of home, a keep-out with targets inside it, some with a GSD
    no camera gives, and one out of range; flown with :data:`SHORT` so many are left out."""
    rng = np.random.default_rng(seed)
    feats = [feature("Point", at(0, 0), role="home", name="home"),
             feature("Polygon", [[at(40, 40), at(90, 40), at(90, 90), at(40, 90), at(40, 40)]],
                     role="keep_out", name="yard")]
    for i, (e, n_) in enumerate(rng.uniform(-150, 150, (n, 2))):
        props = {"name": f"t{i}", "priority": int(rng.integers(1, 4))}
        if i % 10 == 3:
            props["gsd_cm"] = 0.01  # no camera station meets it
        feats.append(feature("Point", at(e, n_), **props))
    for i in range(3):
        feats.append(feature("Point", at(60 + 10 * i, 65), name=f"inside{i}"))
    feats.append(feature("Point", at(90_000, 0), name="far"))
    return collection(*feats, plan_flight={"vehicle": "mavic3", "altitude_m": 40,
                                           "speed_m_s": 10})


def targets_at(points: list[tuple[float, float, float, bool]]) -> list[Target]:
    return [Target(index=i, name=f"t{i}", geometry=Point(x, y), priority=p, required=r)
            for i, (x, y, p, r) in enumerate(points)]


def test_the_shortlist_keeps_everything_up_to_its_size() -> None:
    ts = targets_at([(100.0 * i, 0.0, 1.0, False) for i in range(5)])
    kept, why = selection.shortlist(ts, [t.geometry for t in ts], home=Point(0, 0),
                                    landing=Point(0, 0), candidates=range(5), size=5)
    assert kept == [0, 1, 2, 3, 4] and why == {}


def test_the_shortlist_never_drops_a_required_target() -> None:
    rng = np.random.default_rng(0)
    pts = [(float(x), float(y), float(rng.integers(1, 4)), bool(rng.random() < 0.3))
           for x, y in rng.uniform(-1000, 1000, (200, 2))]
    ts = targets_at(pts)
    required = {i for i, p in enumerate(pts) if p[3]}
    assert len(required) > 20
    for size in (0, 10, 20, 100, 199):
        kept, why = selection.shortlist(ts, [t.geometry for t in ts], home=Point(0, 0),
                                        landing=Point(0, 0), candidates=range(200), size=size)
        assert required <= set(kept)
        assert set(kept) | set(why) == set(range(200)) and not set(kept) & set(why)
        assert len(kept) == max(size, len(required))
        # No optional target left off has a higher priority than one kept, or the same
        # priority and a shorter way from home.
        for d in why:
            for k in set(kept) - required:
                assert (pts[k][2], -np.hypot(*pts[k][:2])) >= (pts[d][2], -np.hypot(*pts[d][:2]))
        assert all(r.startswith("not shortlisted: of its 200 targets") for r in why.values())


def test_a_shortlisted_mission_keeps_required_targets_and_what_fits(write_json, monkeypatch,
                                                                    ) -> None:
    doc = many_targets()
    names = [f["properties"].get("name") for f in doc["features"]]
    doc["features"][names.index("t0")]["properties"].update(required=True, priority=1)
    full, _ = plan_mission(write_json(doc), SHORT_OPTIONS)
    monkeypatch.setattr(selection, "SHORTLIST_TARGETS", 20)
    short, _ = plan_mission(write_json(doc, name="short.geojson"), SHORT_OPTIONS)
    reasons = {s.target: s.reason for s in short.skipped}
    dropped = {t for t, r in reasons.items() if r.startswith("not shortlisted")}
    assert len(dropped) == 44 - 1 - 20  # 44 targets, the one out of range, 20 searched
    assert "t0" in short.targets_photographed  # required, of the lowest priority
    assert reasons["far"].startswith("out of range")
    prio = {f["properties"]["name"]: f["properties"].get("priority", 1)
            for f in doc["features"] if f["properties"].get("role") is None}
    kept = set(prio) - dropped - {"far", "t0"}
    cut = min(prio[t] for t in kept)
    assert all(prio[t] <= cut for t in dropped)
    # Every target the full search flew above the shortlist's lowest priority is still searched.
    assert not {t for t in full.targets_photographed if prio[t] > cut} & dropped
    assert short.priority_collected >= 0.8 * full.priority_collected


def test_quiet_prints_one_line_per_reason_class(write_json, monkeypatch) -> None:
    monkeypatch.setattr(selection, "SHORTLIST_TARGETS", 30)
    path = str(write_json(many_targets()))
    quiet = runner.invoke(app, [path, *SHORT, "--quiet"], env={"COLUMNS": "80"})
    assert quiet.exit_code == 0, quiet.output
    out = quiet.stdout
    lines = out.splitlines()
    assert "Waypoints" not in out and max(len(line) for line in lines) <= 80
    head = next(i for i, line in enumerate(lines) if line.startswith("Skipped targets:"))
    doc = json.loads(runner.invoke(app, [path, *SHORT, "--json"]).stdout)
    classes = {reason_class(s["reason"]) for s in doc["plan"]["targets_skipped"]}
    assert {"out of range", "not shortlisted", "no station meets the required GSD",
            "left out for higher-priority targets"} <= classes
    rows = [line for line in lines[head + 1:] if re.match(r"^\s+\d+\s\s\S", line)]
    assert len(rows) == len(classes)  # one line per class, no more
    counts = {re.sub(r" \(.*", "", line.split(None, 1)[1].split("  ", 1)[-1]).strip():
              int(line.split()[0]) for line in rows}
    n_skipped = int(re.search(r"Skipped targets: (\d+) of 44", out).group(1))
    assert sum(counts.values()) == n_skipped
    assert counts["not shortlisted"] == 44 - 1 - 30
    block = lines[head:lines.index("", head) if "" in lines[head:] else len(lines)]
    assert len(block) == 1 + len(classes)  # the heading, the classes, nothing else


def test_progress_prints_each_stage_with_counts(write_json) -> None:
    path = str(write_json(many_targets(12)))
    res = runner.invoke(app, [path, *SHORT, "--progress", "--quiet"])
    assert res.exit_code == 0, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("plan-flight: ")]
    stages = [re.sub(r"^plan-flight:\s+[\d.]+ s\s+", "", ln) for ln in lines]
    expect = [r"reading the mission", r"loading terrain \([\d,]+ m x [\d,]+ m\)",
              r"assessing hazards \([\d,]+ x [\d,]+ cells\)",
              r"finding camera stations \(15 targets, up to 6 each\)",
              r"building the roadmap \(\d+ mission points\)",
              r"travel table \(\d+ x \d+ mission points over \d+ roadmap nodes, [\d,]+ legs\)",
              r"choosing targets and their order \(\d+ stations of \d+ targets\)",
              r"verifying the plan \(\d+ waypoints, \d+ photos\)"]
    assert len(stages) == len(expect), stages
    for text, pattern in zip(stages, expect, strict=True):
        assert re.fullmatch(pattern, text), (text, pattern)
    seconds = [float(ln.split()[1]) for ln in lines]
    assert seconds == sorted(seconds)
    res = runner.invoke(app, [path, *SHORT, "--quiet"])
    assert not [ln for ln in res.stderr.splitlines() if "reading the mission" in ln]


@pytest.mark.parametrize("reason", ["over budget: even alone it needs 1 Wh",
                                    "unreachable around the keep-out zones and hazards; the "
                                    "direct line from take-off meets keep-out zone 'a'"])
def test_reason_classes_drop_the_figures(reason: str) -> None:
    assert reason_class(reason) == reason.split(":", maxsplit=1)[0].split(";", maxsplit=1)[0]
