"""Property tests of the verifier on the planner's own plans, perturbed at random.

Hypothesis generates missions (Mars with Ingenuity's fixed camera, Earth with the Mavic 3's
gimbal: random targets, priorities, image counts, keep-outs, landing sites and budgets); the
planner plans them and exports the plan. The verifier must accept every original. Then each plan
is perturbed at random, the way an operator's edit or a corrupted file would change it: a
waypoint moved (into a keep-out, off the landing site or take-off, or anywhere while the recorded
legs stay), photos deleted, waypoints reordered, a photo re-aimed, re-timed (a hover cut, a time
or an energy changed, a speed out of range). For each perturbation an oracle computed here from
geometry alone (not with the verifier's code) says which rule it must break; the verifier must
reject it naming that rule.

The plan files are rebuilt and verified in-process over the planning run's terrain, exactly as
``--check`` does after preparing the mission (:func:`planner.check.check_plan_file`).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, assume, event, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from planner.errors import InfeasibleMissionError, MissionError
from planner.pipeline import plan_mission
from planner.planfile import FILE_TOLERANCE, plan_json, read_plan_file, rebuild_plan, route_mismatch
from planner.settings import PlanOptions
from planner.verify import Report, verify
from tests.conftest import collection, feature, mars_offset
from tests.planner.test_verify import (
    Good,
    local_xy,
    move_to,
    photos,
    renumber,
    retime,
    summary_from_photos,
    wps,
)

EARTH_LAT0, EARTH_LON0 = 47.3769, 8.5417
"""An Earth site for generated missions (the Earth example's region)."""

MARGIN_M = 0.5
"""How far past a rule's limit a perturbation is placed: ten times the verifier's position
tolerance (5 cm), so that rounding in the file cannot decide the outcome."""


def earth_offset(east: float, north: float) -> list[float]:
    """Lon/lat ``east``/``north`` metres from the Earth site (spherical, exact enough here)."""
    lat = EARTH_LAT0 + math.degrees(north / 6_371_008.8)
    lon = EARTH_LON0 + math.degrees(east / (6_371_008.8 * math.cos(math.radians(EARTH_LAT0))))
    return [lon, lat]


offsets = st.tuples(st.floats(-110, 110), st.floats(-110, 110))


@st.composite
def missions(draw: st.DrawFn) -> dict[str, Any]:
    """A random mission on Mars (Ingenuity) or Earth (Mavic 3)."""
    mars = draw(st.booleans())
    at = mars_offset if mars else earth_offset
    targets = []
    for i in range(draw(st.integers(1, 4))):
        e, n = draw(offsets)
        props: dict[str, Any] = {"name": f"t{i}", "priority": draw(st.sampled_from([1, 2, 3])),
                                 "photos": draw(st.integers(1, 3))}
        if draw(st.integers(0, 3)) == 0:
            props["required"] = True
        targets.append(feature("Point", at(e, n), **props))
    keeps = []
    for i in range(draw(st.integers(0, 3))):
        e, n = draw(offsets)
        half = draw(st.floats(6, 20))
        if max(abs(e), abs(n)) < half + 12:  # keep clear of home at the origin
            continue
        ring = [(e - half, n - half), (e + half, n - half), (e + half, n + half),
                (e - half, n + half), (e - half, n - half)]
        keeps.append(feature("Polygon", [[at(x, y) for x, y in ring]],
                             role="keep_out", name=f"k{i}",
                             buffer_m=draw(st.sampled_from([0, 2, 5]))))
    landing = []
    if draw(st.booleans()):
        e, n = draw(offsets)
        landing = [feature("Point", at(e, n), role="landing", name="pad")]
    settings_: dict[str, Any] = {"altitude_m": draw(st.sampled_from([5, 8, 12])) if mars else
                                 draw(st.sampled_from([20, 30, 50]))}
    return collection(feature("Point", at(0, 0), role="home", name="home"), *landing,
                      *targets, *keeps, crs="IAU_2015:49900" if mars else None,
                      plan_flight=settings_)


def plan_good(doc: dict[str, Any], folder: Path, seed: int) -> Good | None:
    """Plan a generated mission; ``None`` when the planner refuses it (a clear answer too)."""
    mission = folder / "mission.geojson"
    mission.write_text(json.dumps(doc))
    try:
        plan, ctx = plan_mission(mission, PlanOptions(seed=seed))
    except (InfeasibleMissionError, MissionError):
        return None
    return Good("generated", ctx, mission, json.loads(plan_json(plan)), folder)


def check(g: Good, doc: dict[str, Any]) -> Report:
    """What ``--check`` reports on a plan document, over the planning run's terrain."""
    path = g.folder / "plan.geojson"
    path.write_text(json.dumps(doc))
    record = read_plan_file(path)
    ctx = g.ctx
    plan = rebuild_plan(record, mission=ctx.mission, local=ctx.local, vehicle=ctx.vehicle,
                        dem=ctx.dem)
    report = verify(plan, hazards=ctx.hazards, record_tolerance=FILE_TOLERANCE,
                    summary=record.summary)
    assert not route_mismatch(record, ctx.local)  # the perturbations keep the drawn route true
    return report


def redraw(g: Good, doc: dict[str, Any]) -> None:
    """Keep the drawn route, east/north and the photos' positions with their waypoints, and
    nothing else (the recorded legs, times and energies stay as they were)."""
    ws = wps(doc)
    for f in ws:
        x, y = local_xy(g, f)
        f["properties"]["east_m"], f["properties"]["north_m"] = round(x, 3), round(y, 3)
    by_seq = {f["properties"]["seq"]: f for f in ws}
    for ph in photos(doc):
        w = by_seq.get(ph["properties"]["waypoint"])
        if w is not None:
            ph["geometry"]["coordinates"] = list(w["geometry"]["coordinates"])
    route = next(f for f in doc["features"] if f["properties"].get("role") == "route")
    route["geometry"]["coordinates"] = [list(f["geometry"]["coordinates"]) for f in ws]


def leg_lengths(g: Good, doc: dict[str, Any]) -> list[tuple[float, float]]:
    """Each flown leg's (recorded, actual) horizontal length, from the positions in the file."""
    ws = wps(doc)
    out = []
    for a, b in itertools.pairwise(ws):
        if b["properties"]["action"] == "land":
            break
        out.append((b["properties"]["leg_m"], math.dist(local_xy(g, a), local_xy(g, b))))
    return out


def legs_changed(g: Good, doc: dict[str, Any]) -> bool:
    """Whether some leg's recorded length is now off by more than the margin."""
    return any(abs(rec - now) > MARGIN_M for rec, now in leg_lengths(g, doc))


def middle(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The waypoints between take-off and the waypoint above the landing."""
    return wps(doc)[1:-2]


def direction(draw: st.DrawFn) -> tuple[float, float]:
    a = math.radians(draw(st.floats(0, 360)))
    return math.sin(a), math.cos(a)


# ---------------------------------------------------------------------------------------------
# Perturbations: each edits a document and returns the rule the oracle says must break, or None
# when this draw does not apply to this plan (no keep-out, no required target, ...).


def p_move_into_keepout(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str | None:
    zones = [z for z in g.ctx.local.keep_outs if not z.is_empty and z.area > 4.0]
    if not zones or not middle(d):
        return None
    zone = draw(st.sampled_from(zones))
    x0, y0, x1, y1 = zone.bounds
    for _ in range(50):  # a point inside the zone as the mission gives it
        x, y = draw(st.floats(x0, x1)), draw(st.floats(y0, y1))
        if zone.contains(Point(x, y).buffer(MARGIN_M)):
            break
    else:
        return None
    move_to(g, draw(st.sampled_from(middle(d))), x, y)
    retime(g, d)
    return "keep-out"


def p_move_landing(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str:
    radius = g.ctx.vehicle.profile.landing_search_radius_m
    site = g.ctx.local.landing
    ex, ny = direction(draw)
    dist = draw(st.floats(radius + MARGIN_M + 1.0, radius + 60.0))
    x, y = site.x + ex * dist, site.y + ny * dist
    for f in wps(d)[-2:]:  # the landing and the waypoint above it: still a vertical descent
        move_to(g, f, x, y)
    retime(g, d)
    return "landing site"


def p_move_takeoff(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str:
    ex, ny = direction(draw)
    dist = draw(st.floats(MARGIN_M, 40.0))
    home = g.ctx.local.home
    move_to(g, wps(d)[0], home.x + ex * dist, home.y + ny * dist)
    retime(g, d)
    return "take-off"


def p_move_keeping_records(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str | None:
    if not middle(d):
        return None
    f = draw(st.sampled_from(middle(d)))
    ex, ny = direction(draw)
    dist = draw(st.floats(1.0, 40.0))
    x, y = local_xy(g, f)
    move_to(g, f, x + ex * dist, y + ny * dist)
    redraw(g, d)
    return "leg" if legs_changed(g, d) else None


def p_reorder(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str | None:
    mid = middle(d)
    if len(mid) < 2:
        return None
    i, j = draw(st.lists(st.integers(0, len(mid) - 1), min_size=2, max_size=2, unique=True))
    order = wps(d)
    a, b = order.index(mid[i]), order.index(mid[j])
    order[a], order[b] = order[b], order[a]
    renumber(d, order)
    redraw(g, d)
    return "leg" if legs_changed(g, d) else None


def p_delete_required_photos(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str | None:
    required = [t.name for t in g.ctx.mission.targets if t.required]
    if not required:
        return None
    name = draw(st.sampled_from(required))
    for ph in [p for p in photos(d) if p["properties"]["target"] == name]:
        d["features"].remove(ph)
    for number, ph in enumerate(photos(d), 1):
        ph["properties"]["number"] = number
    summary_from_photos(g, d)
    retime(g, d)
    return "required"


def p_delete_photos_keeping_summary(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted({p["properties"]["target"] for p in photos(d)})))
    for ph in [p for p in photos(d) if p["properties"]["target"] == name]:
        d["features"].remove(ph)
    for number, ph in enumerate(photos(d), 1):
        ph["properties"]["number"] = number
    retime(g, d)
    return "summary"  # the summary still lists the target as photographed


def _single_photo_waypoint(d: dict[str, Any], draw: st.DrawFn
                           ) -> tuple[dict[str, Any], dict[str, Any]] | None:
    counts: dict[int, int] = {}
    for ph in photos(d):
        counts[ph["properties"]["waypoint"]] = counts.get(ph["properties"]["waypoint"], 0) + 1
    singles = [ph for ph in photos(d) if counts[ph["properties"]["waypoint"]] == 1]
    if not singles:
        return None
    ph = draw(st.sampled_from(singles))
    w = next(f for f in wps(d) if f["properties"]["seq"] == ph["properties"]["waypoint"])
    return ph, w


def p_reaim_out_of_frame(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str | None:
    picked = _single_photo_waypoint(d, draw)
    if picked is None:
        return None
    ph, w = picked
    spec = next(i for i, t in enumerate(g.ctx.mission.targets)
                if t.name == ph["properties"]["target"])
    target = g.ctx.local.targets[spec]
    cam = g.ctx.vehicle.camera
    x, y = local_xy(g, w)
    bearing = math.degrees(math.atan2(target.x - x, target.y - y)) % 360
    off = draw(st.floats(cam.hfov_deg / 2 + 5.0, 180.0)) * draw(st.sampled_from([-1, 1]))
    heading = round((bearing + off) % 360, 2)
    ph["properties"]["heading_deg"] = heading
    w["properties"]["heading_deg"] = heading
    retime(g, d)
    # The oracle: the angle between the optical axis and the ray to the target, against the
    # frame's half-diagonal (no point farther off the axis than that is in any frame).
    pitch = math.radians(ph["properties"]["camera_pitch_deg"])
    h = math.radians(heading)
    axis = (math.cos(pitch) * math.sin(h), math.cos(pitch) * math.cos(h), math.sin(pitch))
    ray = (target.x - x, target.y - y,
           float(g.ctx.dem.sample(target.x, target.y)) - w["properties"]["alt_m"])
    cos_off = sum(a * r for a, r in zip(axis, ray, strict=True)) / math.hypot(*ray)
    off_axis = math.degrees(math.acos(max(-1.0, min(1.0, cos_off))))
    half_diagonal = math.degrees(math.atan(math.hypot(math.tan(math.radians(cam.hfov_deg / 2)),
                                                      math.tan(math.radians(cam.vfov_deg / 2)))))
    return "frame" if off_axis > half_diagonal + 1.0 else None


def p_reaim_photo_only(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str:
    ph = draw(st.sampled_from(photos(d)))
    off = draw(st.floats(1.0, 179.0)) * draw(st.sampled_from([-1, 1]))
    ph["properties"]["heading_deg"] = round((ph["properties"]["heading_deg"] + off) % 360, 2)
    return "aim"  # the vehicle's yaw (the waypoint's heading) no longer points the camera there


def p_repitch(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str:
    cam = g.ctx.vehicle.camera
    ph = draw(st.sampled_from(photos(d)))
    if cam.mount == "fixed":
        pitch = cam.fixed_pitch_deg + draw(st.floats(1.0, 40.0)) * draw(st.sampled_from([-1, 1]))
    else:
        lo, hi = cam.gimbal_pitch_min_deg, cam.gimbal_pitch_max_deg
        pitch = draw(st.one_of(st.floats(lo - 60.0, lo - 1.0), st.floats(hi + 1.0, hi + 60.0)))
    ph["properties"]["camera_pitch_deg"] = round(pitch, 2)
    return "aim"


def p_cut_hover(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str | None:
    per_image = g.ctx.vehicle.camera.photo_hover_s
    if per_image <= 0:
        return None
    w = draw(st.sampled_from([f for f in wps(d) if f["properties"]["action"] == "photo"]))
    images = sum(p["properties"]["count"] for p in photos(d)
                 if p["properties"]["waypoint"] == w["properties"]["seq"])
    need = images * per_image
    w["properties"]["hold_s"] = round(draw(st.floats(0.0, need - 0.1)), 2)
    retime(g, d)
    return "hover"


def p_retime(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str:
    w = draw(st.sampled_from(wps(d)))
    key = draw(st.sampled_from(["time_s", "energy_used_wh"]))
    value = w["properties"][key]
    # Off by 1 % to 50 % of the value (and at least a second or 0.05 Wh), five times the
    # file tolerance at the least.
    off = max(value * draw(st.floats(0.01, 0.5)), 1.0 if key == "time_s" else 0.05)
    assert off > 5 * FILE_TOLERANCE * max(value, 1.0)
    w["properties"][key] = round(value + off * draw(st.sampled_from([-1, 1])), 4)
    return "record"


def p_speed_out_of_range(g: Good, d: dict[str, Any], draw: st.DrawFn) -> str:
    p = g.ctx.vehicle.profile
    flown = [f for f in wps(d)[1:] if f["properties"]["action"] != "land"]
    w = draw(st.sampled_from(flown))
    w["properties"]["leg_speed_m_s"] = round(p.max_speed_m_s + draw(st.floats(0.5, 20.0)), 2)
    return "speed"


PERTURBATIONS = {
    "move into a keep-out": p_move_into_keepout,
    "move the landing": p_move_landing,
    "move the take-off": p_move_takeoff,
    "move, records kept": p_move_keeping_records,
    "reorder": p_reorder,
    "delete a required target's photos": p_delete_required_photos,
    "delete photos, summary kept": p_delete_photos_keeping_summary,
    "re-aim out of frame": p_reaim_out_of_frame,
    "re-aim a photo only": p_reaim_photo_only,
    "re-pitch": p_repitch,
    "cut a hover": p_cut_hover,
    "re-time": p_retime,
    "speed out of range": p_speed_out_of_range,
}


@settings(max_examples=20, deadline=None, derandomize=True,
          # No shrinking: each example plans a mission; a failure is reported as generated.
          phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.filter_too_much])
@given(doc=missions(), seed=st.integers(0, 50), data=st.data())
def test_perturbed_plans_are_rejected(doc: dict[str, Any], seed: int, data: st.DataObject,
                                      tmp_path_factory: pytest.TempPathFactory) -> None:
    g = plan_good(doc, tmp_path_factory.mktemp("prop"), seed)
    event("refused" if g is None else "planned")
    assume(g is not None and photos(g.doc))
    assert g is not None
    original = check(g, g.doc)
    assert original.ok, [str(f) for f in original.findings]
    names = data.draw(st.lists(st.sampled_from(sorted(PERTURBATIONS)), min_size=6, max_size=6,
                               unique=True), label="perturbations")
    for name in names:
        d = copy.deepcopy(g.doc)
        rule = PERTURBATIONS[name](g, d, data.draw)
        if rule is None:
            event(f"not applicable: {name}")
            continue
        event(f"caught: {name}")
        report = check(g, d)
        broken = {f.rule for f in report.findings}
        assert rule in broken, (name, rule, [str(f) for f in report.findings])
