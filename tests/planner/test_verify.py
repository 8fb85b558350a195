"""Mutation tests of the independent verifier.

Good plans are made by the planner (Mars: Ingenuity's fixed camera; Earth: the Mavic 3's gimbal)
and exported; each mutation then breaks exactly one rule the verifier owns (editing the plan file,
the mission, the terrain or the vehicle's budget), and the plan's recorded figures are recomputed
where the edit moved something, so that nothing else breaks. Each mutation must be caught and
named, both in-process (:func:`planner.check.check_plan_file`) and through the command line
(``plan-flight MISSION --check PLAN``). A rule whose check were switched off would turn its
mutation's test red: ``test_every_rule_has_a_mutation`` holds the catalogue to the verifier's list.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from planner import following
from planner import verify as verify_module
from planner.check import check_plan_file
from planner.cli import app
from planner.frames import turn_deg
from planner.pipeline import Context, plan_mission
from planner.plan import straight_speed
from planner.planfile import plan_json
from planner.settings import PlanOptions
from planner.wind import parse_wind
from tests.conftest import three_targets_doc

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


@dataclass
class Good:
    """A good plan, its context, its mission file and its exported document."""

    name: str
    ctx: Context
    mission: Path
    doc: dict[str, Any]
    folder: Path


def _good(name: str, mission: Path, folder: Path) -> Good:
    plan, ctx = plan_mission(mission)
    doc = json.loads(plan_json(plan))
    return Good(name, ctx, mission, doc, folder)


@pytest.fixture(scope="module")
def mars(tmp_path_factory) -> Good:
    folder = tmp_path_factory.mktemp("mars")
    mission = folder / "mission.geojson"
    mission.write_text(json.dumps(three_targets_doc()))
    return _good("mars", mission, folder)


@pytest.fixture(scope="module")
def earth(tmp_path_factory) -> Good:
    folder = tmp_path_factory.mktemp("earth")
    return _good("earth", EXAMPLES / "earth" / "targets.geojson", folder)


@pytest.fixture(scope="module")
def survey(tmp_path_factory) -> Good:
    folder = tmp_path_factory.mktemp("field")
    return _good("field", EXAMPLES / "field-survey" / "targets.geojson", folder)


# ---------------------------------------------------------------------------------------------
# Editing plan documents


def feats(doc: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [f for f in doc["features"] if f["properties"].get("role") == role]


def wps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(feats(doc, "waypoint"), key=lambda f: f["properties"]["seq"])


def photos(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(feats(doc, "photo"), key=lambda f: f["properties"]["number"])


def local_xy(g: Good, f: dict[str, Any]) -> tuple[float, float]:
    lon, lat = f["geometry"]["coordinates"][:2]
    x, y = g.ctx.frame.to_local(lon, lat)
    return float(x), float(y)


def move_to(g: Good, f: dict[str, Any], x: float, y: float) -> None:
    """Put a waypoint or photo feature at local (x, y), keeping its height above ground."""
    lon, lat = g.ctx.frame.to_lonlat(x, y)
    f["geometry"]["coordinates"][:2] = [round(float(lon), 10), round(float(lat), 10)]


def retime(g: Good, doc: dict[str, Any], *, heights: bool = True) -> dict[str, Any]:
    """Recompute what a geometric edit changes, with the vehicle model, as the planner would.

    Ground heights and absolute altitudes (unless ``heights`` is False), leg lengths, speeds,
    cumulative times and energies, the route line, photo positions at their waypoints, and the
    summary's distance, duration and energy.
    """
    dem, vehicle = g.ctx.dem, g.ctx.vehicle
    followed = following.followed_ground(dem, vehicle)
    ws = wps(doc)
    for f in ws:
        p = f["properties"]
        x, y = local_xy(g, f)
        p["east_m"], p["north_m"] = round(x, 3), round(y, 3)
        if heights:
            p["ground_m"] = round(float(dem.sample(x, y)), 3)
            p["alt_m"] = round(p["ground_m"] + p["alt_agl_m"], 3)
        f["geometry"]["coordinates"] = [*f["geometry"]["coordinates"][:2], p["alt_m"]]
    t, e = vehicle.takeoff(ws[0]["properties"]["alt_agl_m"])
    heading = ws[0]["properties"]["heading_deg"] or 0.0
    distance = 0.0
    ws[0]["properties"].update(time_s=round(t, 2), energy_used_wh=round(e, 4))
    for fa, fb in itertools.pairwise(ws):
        a, b = fa["properties"], fb["properties"]
        if b["action"] == "land":
            lt, le = vehicle.landing(a["alt_agl_m"])
            t, e = t + lt, e + le
            b.update(time_s=round(t, 2), energy_used_wh=round(e, 4))
            break
        (ax, ay), (bx, by) = local_xy(g, fa), local_xy(g, fb)
        d = math.dist((ax, ay), (bx, by))
        distance += d
        leg = following.leg_profile(dem, followed, vehicle, (ax, ay, a["alt_agl_m"]),
                                    (bx, by, b["alt_agl_m"]), za=a["alt_m"], zb=b["alt_m"])
        if following.holds_ground(vehicle):
            slowest = float(following.allowed_speed(leg, vehicle).min())
            speed = vehicle.cruise_speed_m_s if slowest >= vehicle.cruise_speed_m_s else \
                max(math.floor(slowest / following.SPEED_STEP_M_S) * following.SPEED_STEP_M_S,
                    following.MIN_SPEED_M_S)
        else:
            speed = straight_speed(vehicle, d, b["alt_m"] - a["alt_m"])
        climb, descent = leg.climb_descent()
        stops = int(a["action"] != "terrain") + int(b["action"] != "terrain")
        lt, le = vehicle.leg(d, climb, descent, stops=stops, speed_m_s=speed)
        b["leg_speed_m_s"] = round(speed, 3)
        t, e = t + float(lt), e + float(le)
        if b["action"] == "photo":
            if b["heading_deg"] is not None:
                yt, ye = vehicle.yaw(turn_deg(heading, b["heading_deg"]))
                t, e = t + yt, e + ye
                heading = b["heading_deg"]
            t, e = t + b["hold_s"], e + vehicle.hover(b["hold_s"])
        b.update(leg_m=round(d, 3), speed_m_s=round(d / float(lt), 3) if lt > 0 else 0.0,
                 time_s=round(t, 2), energy_used_wh=round(e, 4))
    by_seq = {f["properties"]["seq"]: f for f in ws}
    for ph in photos(doc):
        w = by_seq.get(ph["properties"]["waypoint"])
        if w is not None:
            ph["geometry"]["coordinates"] = list(w["geometry"]["coordinates"])
    route = feats(doc, "route")[0]
    route["geometry"]["coordinates"] = [list(f["geometry"]["coordinates"]) for f in ws]
    doc["plan"].update(distance_m=round(distance, 2), duration_s=round(t, 2),
                       energy_used_wh=round(e, 3))
    return doc


def renumber(doc: dict[str, Any], order: list[dict[str, Any]]) -> None:
    """Give waypoints new sequence numbers in ``order``, and their photos the new numbers."""
    old_to_new = {f["properties"]["seq"]: i + 1 for i, f in enumerate(order)}
    for f in order:
        f["properties"]["seq"] = old_to_new[f["properties"]["seq"]]
    for ph in photos(doc):
        ph["properties"]["waypoint"] = old_to_new.get(ph["properties"]["waypoint"], 0)


def insert_waypoint(g: Good, doc: dict[str, Any], after: int, x: float, y: float) -> None:
    """Insert a plain waypoint at local (x, y) after waypoint number ``after``."""
    order = wps(doc)
    new = copy.deepcopy(order[after - 1])
    new["properties"].update(action="waypoint", heading_deg=None, hold_s=0.0, seq=-1)
    move_to(g, new, x, y)
    doc["features"].append(new)
    order.insert(after, new)
    renumber(doc, order)


def photo_wp(doc: dict[str, Any], k: int = 0) -> dict[str, Any]:
    seq = photos(doc)[k]["properties"]["waypoint"]
    return next(f for f in wps(doc) if f["properties"]["seq"] == seq)


def summary_from_photos(g: Good, doc: dict[str, Any]) -> None:
    """Make the summary's targets and priority agree with the photos (after adding or deleting
    photos), so only the rule under test breaks."""
    names = list(dict.fromkeys(p["properties"]["target"] for p in photos(doc)))
    prio = {t.name: t.priority for t in g.ctx.mission.targets}
    doc["plan"]["targets_photographed"] = names
    doc["plan"]["targets_skipped"] = [{"target": t.name, "reason": "x", "required": t.required}
                                      for t in g.ctx.mission.targets if t.name not in names]
    doc["plan"]["priority_collected"] = float(sum(prio.get(n, 0.0) for n in names))


def lonely_leg(g: Good, doc: dict[str, Any]) -> tuple[tuple[float, float], tuple[float, float]]:
    """A leg at least 20 m long whose middle is farthest from take-off and landing."""
    ws = [f for f in wps(doc) if f["properties"]["action"] != "land"]
    pairs = [(local_xy(g, a), local_xy(g, b)) for a, b in itertools.pairwise(ws)]
    sites = [(g.ctx.local.home.x, g.ctx.local.home.y),
             (g.ctx.local.landing.x, g.ctx.local.landing.y)]

    def room(p: tuple[tuple[float, float], tuple[float, float]]) -> float:
        mid = ((p[0][0] + p[1][0]) / 2, (p[0][1] + p[1][1]) / 2)
        return min(math.dist(mid, s) for s in sites) if math.dist(*p) >= 20 else -1.0

    return max(pairs, key=room)


# ---------------------------------------------------------------------------------------------
# Terrain edits, written as GeoTIFFs in the local frame and given with --dem


def terrain_file(g: Good, edit: Callable[[Good, np.ndarray, np.ndarray, np.ndarray], None],
                 name: str) -> Path:
    """The planning terrain with an edit, as a GeoTIFF that states a 2 cm vertical precision
    (a survey-grade DEM, which sees rocks of a few tens of centimetres)."""
    dem = g.ctx.dem
    rows, cols = dem.shape
    xs, ys = dem.xy(np.arange(rows)[:, None], np.arange(cols)[None, :])
    z = dem.elevation.copy()
    edit(g, z, np.broadcast_to(xs, z.shape), np.broadcast_to(ys, z.shape))
    from terrain.dem import DEM

    path = g.folder / f"{name}.tif"
    DEM(z, dem.transform, dem.crs, vertical_precision_m=0.02).write_geotiff(path)
    return path


def bump_under_lonely_leg(height: float, sigma: float = 10.0) -> Callable[..., None]:
    def edit(g: Good, z: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        (x0, y0), (x1, y1) = lonely_leg(g, g.doc)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        # A round hill (or pit) under the middle of a leg far from take-off and landing.
        z += height * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma ** 2))

    return edit


def nodata_under_lonely_leg(g: Good, z: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    (x0, y0), (x1, y1) = lonely_leg(g, g.doc)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    z[np.hypot(x - cx, y - cy) < 3.0] = np.nan


def rocks_at_landing(g: Good, z: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    land = g.ctx.local.landing
    near = np.hypot(x - land.x, y - land.y) < 4.0
    rng = np.random.default_rng(3)
    z[near] += rng.uniform(0.0, 0.6, int(near.sum()))  # rocks up to 60 cm


def wall_before_first_photo(g: Good, z: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
    """A ridge across the line of sight of the first photo, half way to its target."""
    ph = photos(g.doc)[0]
    sx, sy = local_xy(g, ph)
    ti = [t.name for t in g.ctx.mission.targets].index(ph["properties"]["target"])
    c = g.ctx.local.targets[ti].centroid
    ux, uy = (c.x - sx), (c.y - sy)
    n = math.hypot(ux, uy)
    ux, uy = ux / n, uy / n
    along = (x - sx) * ux + (y - sy) * uy
    across = -(x - sx) * uy + (y - sy) * ux
    at = n / 2  # half way
    z += np.where((np.abs(along - at) < 1.0) & (np.abs(across) < 3.0), 12.0, 0.0)


# ---------------------------------------------------------------------------------------------
# The catalogue


@dataclass
class Mutation:
    name: str
    apply: Callable[[Good, dict[str, Any]], None]
    expect: set[str]
    allow: set[str] = field(default_factory=set)
    args: Callable[[Good], list[str]] = lambda g: []
    mission: Callable[[dict[str, Any]], None] | None = None
    plans: tuple[str, ...] = ("mars", "earth")
    needle: str = ""


def _m_delete_takeoff(g, d):
    d["features"].remove(wps(d)[0])
    feats(d, "route")[0]["geometry"]["coordinates"] = [
        list(f["geometry"]["coordinates"]) for f in wps(d)]


def _m_seq_gap(g, d):
    wps(d)[-1]["properties"]["seq"] += 1


def _m_takeoff_midflight(g, d):
    plain = next(f for f in wps(d)[1:-1] if f["properties"]["action"] != "photo")
    plain["properties"].update(action="takeoff")


def _m_takeoff_off_home(g, d):
    ws = wps(d)
    (x0, y0), (x1, y1) = local_xy(g, ws[0]), local_xy(g, ws[1])
    k = 12.0 / math.dist((x0, y0), (x1, y1))
    move_to(g, ws[0], x0 + k * (x1 - x0), y0 + k * (y1 - y0))  # 12 m along the first leg
    retime(g, d)


def _m_landing_onto_keepout(g, d):
    # The issue's case 1: the landing waypoint alone moved onto the keep-out zone.
    keep = g.ctx.local.keep_outs[0].representative_point()
    move_to(g, wps(d)[-1], keep.x, keep.y)
    retime(g, d)


def _m_landing_and_takeoff_onto_rocks(g, d):
    # The issue's case 2: take-off and landing (at home) both moved 12 m onto rough ground.
    ws = wps(d)
    hz = g.ctx.hazards
    hx, hy = g.ctx.local.home.x, g.ctx.local.home.y
    rows, cols = np.nonzero(hz.landing & ~hz.flight)
    px, py = hz.dem.xy(rows, cols)
    dist = np.hypot(px - hx, py - hy)
    k = int(np.argmin(np.where(dist >= 8.0, dist, np.inf)))
    for f in (ws[0], ws[-2], ws[-1]):
        move_to(g, f, float(px[k]), float(py[k]))
    retime(g, d)


def _m_landing_moved_without_cause(g, d):
    ws = wps(d)
    x, y = local_xy(g, ws[-1])
    hz = g.ctx.hazards
    rows, cols = np.nonzero(~hz.landing & ~hz.flight)
    px, py = hz.dem.xy(rows, cols)
    dist = np.hypot(px - x, py - y)
    k = int(np.argmin(np.where(dist >= 6.0, dist, np.inf)))  # a safe spot 6 m or more away
    for f in ws[-2:]:
        move_to(g, f, float(px[k]), float(py[k]))
    lon, lat = g.ctx.frame.to_lonlat(g.ctx.local.landing.x, g.ctx.local.landing.y)
    d["plan"]["landing_moved"] = {"from": [float(lon), float(lat)], "reason": "invented"}
    retime(g, d)


def _m_not_vertical(g, d):
    ws = wps(d)
    x, y = local_xy(g, ws[-2])
    move_to(g, ws[-2], x + 3.0, y)
    retime(g, d)


def _m_station_below_floor(g, d):
    # The issue's case 3: a photo station at 2.5 m, below Ingenuity's 3 m floor.
    photo_wp(d)["properties"]["alt_agl_m"] = 2.5 if g.name == "mars" else 8.5
    retime(g, d)


def _m_above_ceiling(g, d):
    wps(d)[1]["properties"]["alt_agl_m"] = 30.0 if g.name == "mars" else 125.0
    retime(g, d)


def _m_lowered_10m(g, d):
    # The issue's case 7: alt_m and the route's heights lowered 10 m (underground).
    for f in wps(d):
        f["properties"]["alt_m"] -= 10.0
    retime(g, d, heights=False)


def _m_heading_on_waypoint(g, d):
    f = next(f for f in wps(d) if f["properties"]["action"] in ("waypoint", "terrain"))
    f["properties"]["heading_deg"] = 90.0


def _m_photo_heading_null(g, d):
    photo_wp(d)["properties"]["heading_deg"] = None
    retime(g, d)


def _m_leg_length(g, d):
    wps(d)[2]["properties"]["leg_m"] += 5.0


def _m_speed(g, d):
    wps(d)[2]["properties"]["speed_m_s"] += 1.0


def _m_time(g, d):
    wps(d)[2]["properties"]["time_s"] += 5.0


def _m_energy(g, d):
    wps(d)[2]["properties"]["energy_used_wh"] += 0.5


def _m_photo_off_waypoint(g, d):
    ph = photos(d)[0]
    x, y = local_xy(g, ph)
    move_to(g, ph, x + 5.0, y)


def _m_photo_at_plain_waypoint(g, d):
    photos(d)[0]["properties"]["waypoint"] = 1


def _m_photo_numbers(g, d):
    photos(d)[-1]["properties"]["number"] += 1


def _m_optional_photo_deleted(g, d):
    optional = {t.name for t in g.ctx.mission.targets if not t.required}
    ph = next(p for p in photos(d) if p["properties"]["target"] in optional)
    d["features"].remove(ph)
    for k, p in enumerate(photos(d)):
        p["properties"]["number"] = k + 1
    summary_from_photos(g, d)


def _m_required_photo_deleted(g, d):
    # The issue's case 5: the required target's photo deleted, the summary still listing it.
    required = {t.name for t in g.ctx.mission.targets if t.required}
    ph = next(p for p in photos(d) if p["properties"]["target"] in required)
    d["features"].remove(ph)
    for k, p in enumerate(photos(d)):
        p["properties"]["number"] = k + 1


def _m_yaw_against_heading(g, d):
    # The issue's case 4: vehicle yaw 60 degrees against a photo heading of 240 degrees.
    f = photo_wp(d)
    f["properties"]["heading_deg"] = (photos(d)[0]["properties"]["heading_deg"] + 180.0) % 360
    retime(g, d)


def _m_fixed_pitch(g, d):
    photos(d)[0]["properties"]["camera_pitch_deg"] = -30.0


def _m_gimbal_pitch(g, d):
    photos(d)[0]["properties"]["camera_pitch_deg"] = 50.0


def _m_sixty_images(g, d):
    # The issue's case 6: 60 images with 12 s of hover.
    photos(d)[0]["properties"]["count"] = 60
    photo_wp(d)["properties"]["hold_s"] = 12.0
    retime(g, d)


def _m_required_photo_one_image(g, d):
    # The review's b17: the water tower asks for 2 images; its photo takes 1 (hold unchanged).
    for ph in photos(d):
        if ph["properties"]["target"] == "water tower":
            ph["properties"]["count"] = 1


def _m_no_hover(g, d):
    # The issue's case 6: every photo hover set to 0 s.
    for f in wps(d):
        if f["properties"]["action"] == "photo":
            f["properties"]["hold_s"] = 0.0
    retime(g, d)


def _m_hold_on_plain_waypoint(g, d):
    f = next(f for f in wps(d) if f["properties"]["action"] in ("waypoint", "terrain"))
    f["properties"]["hold_s"] = 5.0
    retime(g, d)


def _m_invented_target(g, d):
    optional = {t.name for t in g.ctx.mission.targets if not t.required}
    ph = next(p for p in photos(d) if p["properties"]["target"] in optional)
    ph["properties"]["target"] = "ghost"
    summary_from_photos(g, d)


def _m_turned_away(g, d):
    # Vehicle and camera both turned about (the turn costed): the target is out of frame. The
    # photo looking nearest the horizon, where a turn matters most to a gimbal.
    ph = max(photos(d), key=lambda p: p["properties"]["camera_pitch_deg"])
    new = (ph["properties"]["heading_deg"] + 180.0) % 360
    ph["properties"]["heading_deg"] = new
    seq = ph["properties"]["waypoint"]
    for p in photos(d):
        if p["properties"]["waypoint"] == seq:
            p["properties"]["heading_deg"] = new
    next(f for f in wps(d) if f["properties"]["seq"] == seq)["properties"]["heading_deg"] = new
    retime(g, d)


def _m_extra_photo(g, d):
    # The issue's case 9: an extra photo at a waypoint, another heading, not costed.
    extra = copy.deepcopy(photos(d)[0])
    extra["properties"]["number"] = len(photos(d)) + 1
    extra["properties"]["heading_deg"] = (extra["properties"]["heading_deg"] + 90.0) % 360
    d["features"].append(extra)


def _m_summary_energy_and_target(g, d):
    # The issue's case 8: the summary's energy changed to 3 Wh, an invented target added.
    d["plan"]["energy_used_wh"] = 3.0
    d["plan"]["targets_photographed"] = [*d["plan"]["targets_photographed"], "invented"]


def _m_summary_distance(g, d):
    d["plan"]["distance_m"] = d["plan"]["distance_m"] * 0.5


def _m_summary_priority(g, d):
    d["plan"]["priority_collected"] += 7


def _m_summary_skipped(g, d):
    d["plan"]["targets_skipped"] = [{"target": photos(d)[0]["properties"]["target"],
                                     "reason": "invented", "required": False}]


def _m_route_line(g, d):
    route = feats(d, "route")[0]
    route["geometry"]["coordinates"][1][2] -= 10.0


def _m_through_keepout(g, d):
    # A waypoint inserted in the keep-out zone, on the way from take-off.
    keep = g.ctx.local.keep_outs[0].representative_point()
    insert_waypoint(g, d, 1, keep.x, keep.y)
    retime(g, d)


def _mission_tighter_gsd(m):
    for f in m["features"]:
        p = f["properties"]
        if p.get("role", "target") == "target":
            p["gsd_cm"] = 0.1
            p["required"] = False


def _mission_square_on(m):
    for f in m["features"]:
        p = f["properties"]
        if p.get("role", "target") == "target":
            p["max_obliquity_deg"] = 1.0
            p["required"] = False


def _m_southern_strip_deleted(g, d):
    # The required field's southern strip of images deleted: the strips either side of a middle
    # one overlap by 70 %, but nothing else sees the southern edge. Its waypoints stay photo
    # waypoints with no photo.
    pics = photos(d)
    south = min(local_xy(g, p)[1] for p in pics)
    keep = [p for p in pics if local_xy(g, p)[1] - south > 5.0]
    gone = {id(p) for p in pics} - {id(p) for p in keep}
    numbers = {p["properties"]["number"] for p in pics if id(p) in gone}
    d["features"] = [f for f in d["features"] if id(f) not in gone and not (
        f["properties"].get("role") == "footprint" and f["properties"]["number"] in numbers)]
    for k, p in enumerate(keep):
        p["properties"]["number"] = k + 1


def _mission_view_from_above(m):
    # Seen from straight above, within half a degree: no plan's photo looks that steeply.
    for f in m["features"]:
        p = f["properties"]
        if p.get("role", "target") == "target":
            p["view_elevation_deg"] = 89.5
            p["view_elevation_tolerance_deg"] = 0.5


def _mission_wider_standoff(m):
    for f in m["features"]:
        p = f["properties"]
        if p.get("role", "target") == "target":
            p["min_standoff_m"] = 300.0
            p["required"] = False


def _mission_new_required(m):
    home = next(f for f in m["features"] if f["properties"].get("role") == "home")
    lon, lat = home["geometry"]["coordinates"]
    m["features"].append({"type": "Feature", "properties": {"name": "new", "required": True},
                          "geometry": {"type": "Point", "coordinates": [lon + 1e-4, lat]}})


def _noop(g, d):
    return None


def _budget_args(which: str) -> Callable[[Good], list[str]]:
    def args(g: Good) -> list[str]:
        if which == "energy":
            used = g.doc["plan"]["energy_used_wh"]
            return ["--usable-energy-wh", f"{used * 0.9:.3f}", "--reserve-wh", "0"]
        return ["--max-flight-time", f"{g.doc['plan']['duration_s'] * 0.9:.1f}"]

    return args


def _wind_args(g: Good) -> list[str]:
    # The plan's own energy is the budget, to the last digit the file keeps: in still air it
    # fits; in a 12 m/s wind from any direction (the Mavic 3's limit) the head-wind legs fly at
    # 20 m/s airspeed, twice the power, so the worst direction cannot.
    used = g.doc["plan"]["energy_used_wh"]
    return ["--wind", "12@any", "--usable-energy-wh", f"{used + 1e-3:.4f}", "--reserve-wh", "0"]


def _m_wind_unrecorded(g, d):
    # A wind written into the file without re-costing it: the tail-wind components say still air.
    d["plan"]["wind"] = {"speed_m_s": 5.0, "from_deg": 90.0}
    d["plan"]["wind_from_deg"] = 90.0


def _dem_args(edit: Callable[..., None], name: str) -> Callable[[Good], list[str]]:
    def args(g: Good) -> list[str]:
        return ["--dem", str(terrain_file(g, edit, name))]

    return args


MUTATIONS = [
    Mutation("take-off waypoint deleted", _m_delete_takeoff, {"structure"}),
    Mutation("a gap in the waypoint numbers", _m_seq_gap, {"structure"}),
    Mutation("a take-off in mid-flight", _m_takeoff_midflight, {"structure"},
             allow={"record", "speed"}, plans=("mars",)),
    Mutation("take-off 12 m off home", _m_takeoff_off_home, {"take-off"}),
    Mutation("landing waypoint moved onto the keep-out", _m_landing_onto_keepout,
             {"vertical", "landing site", "landing safety"}, plans=("mars",)),
    Mutation("take-off and landing moved onto rocks", _m_landing_and_takeoff_onto_rocks,
             {"take-off", "landing site", "landing safety"}, plans=("earth",)),
    Mutation("landing moved from a safe site, with an invented record",
             _m_landing_moved_without_cause, {"landing site"}, needle="no cause"),
    Mutation("landing not below the last waypoint", _m_not_vertical, {"vertical"}),
    Mutation("photo station below the floor", _m_station_below_floor, {"height band"},
             allow={"frame", "sight", "gsd", "clearance", "hazard", "obliquity"}),
    Mutation("a waypoint above the ceiling", _m_above_ceiling, {"height band", "ceiling"},
             allow={"gsd", "frame", "sight", "obliquity", "time budget", "band"}),
    Mutation("alt_m lowered 10 m", _m_lowered_10m, {"altitude"},
             allow={"clearance", "sight", "frame", "photo", "record", "speed", "gsd",
                    "obliquity", "band"}),
    Mutation("heading on a plain waypoint", _m_heading_on_waypoint, {"heading"},
             plans=("mars",)),
    Mutation("photo waypoint without a heading", _m_photo_heading_null, {"heading"}),
    Mutation("recorded leg length", _m_leg_length, {"leg"}),
    Mutation("recorded speed", _m_speed, {"speed"}),
    Mutation("recorded time", _m_time, {"record"}),
    Mutation("recorded energy", _m_energy, {"record"}),
    Mutation("photo 5 m off its waypoint", _m_photo_off_waypoint, {"photo"}),
    Mutation("photo at the take-off", _m_photo_at_plain_waypoint, {"photo"}),
    Mutation("photos misnumbered", _m_photo_numbers, {"photo"}),
    Mutation("optional photo deleted", _m_optional_photo_deleted, {"photo"}),
    Mutation("required photo deleted, summary unchanged", _m_required_photo_deleted,
             {"photo", "required", "summary"}, plans=("earth",)),
    Mutation("vehicle yawed against the photo heading", _m_yaw_against_heading, {"aim"}),
    Mutation("fixed camera pitched", _m_fixed_pitch, {"aim"}, allow={"frame"},
             plans=("mars",)),
    Mutation("gimbal pitched up out of range", _m_gimbal_pitch, {"aim"}, allow={"frame"},
             plans=("earth",)),
    Mutation("60 images in 12 s", _m_sixty_images, {"hover"}),
    Mutation("required photo takes fewer images than asked", _m_required_photo_one_image,
             {"required"}, plans=("earth",),
             needle="asks for 2 images at each station; photo 2 takes 1 image"),
    Mutation("no photo hovers", _m_no_hover, {"hover"}),
    Mutation("a hold at a plain waypoint", _m_hold_on_plain_waypoint, {"hover"},
             plans=("mars",)),
    Mutation("photo of an invented target", _m_invented_target, {"target"}),
    Mutation("vehicle and camera turned away", _m_turned_away, {"frame"}),
    Mutation("an extra photo, another heading, not costed", _m_extra_photo, {"aim", "hover"},
             allow={"frame"}),
    Mutation("summary energy and an invented target", _m_summary_energy_and_target,
             {"summary"}),
    Mutation("summary distance", _m_summary_distance, {"summary"}),
    Mutation("summary priority", _m_summary_priority, {"summary"}),
    Mutation("summary skipped list", _m_summary_skipped, {"summary"}),
    Mutation("route line lowered", _m_route_line, {"route"}),
    Mutation("a waypoint in the keep-out", _m_through_keepout, {"keep-out"},
             allow={"hazard"}),
    Mutation("mission asks a finer GSD", _noop, {"gsd"}, mission=_mission_tighter_gsd),
    Mutation("mission asks for a square-on view", _noop, {"obliquity"},
             mission=_mission_square_on),
    Mutation("mission asks a wider standoff", _noop, {"standoff"},
             mission=_mission_wider_standoff),
    Mutation("a required area's southern strip deleted", _m_southern_strip_deleted,
             {"coverage"}, allow={"photo"}, plans=("survey",)),
    Mutation("mission asks for a view from straight above", _noop, {"view"},
             mission=_mission_view_from_above),
    Mutation("mission requires a target the plan never saw", _noop, {"required", "summary"},
             mission=_mission_new_required),
    Mutation("energy budget below the plan", _noop, {"energy budget"},
             args=_budget_args("energy")),
    Mutation("time budget below the plan", _noop, {"time budget"}, args=_budget_args("time")),
    Mutation("a forecast the plan's energy cannot fly", _noop, {"wind"}, args=_wind_args,
             plans=("earth",), needle="in 12 m/s from any direction from"),
    Mutation("a wind recorded but not costed", _m_wind_unrecorded, {"wind", "record"},
             allow={"summary"}, needle="tail wind on the leg into it"),
    # Terrain edits under a vehicle that holds its height above the ground: it climbs with the
    # new ground, so the plan's recorded times and speeds no longer hold there either.
    Mutation("a hill under a leg", _noop, {"clearance"},
             allow={"hazard", "sight", "record", "speed", "summary"},
             args=_dem_args(bump_under_lonely_leg(7.0), "hill"), plans=("mars",)),
    # A vehicle that holds absolute heights flies straight over a pit.
    Mutation("a pit deeper than the ceiling allows", _noop, {"ceiling", "band"},
             args=_dem_args(bump_under_lonely_leg(-100.0, 6.0), "pit"), plans=("earth",)),
    Mutation("unknown ground under a leg", _noop, {"terrain", "hazard"},
             args=_dem_args(nodata_under_lonely_leg, "nodata"), plans=("mars",)),
    Mutation("rocks on the landing site", _noop, {"landing safety"},
             args=_dem_args(rocks_at_landing, "rocks"), plans=("mars",)),
    Mutation("a ridge across the line of sight", _noop, {"sight"},
             allow={"clearance", "hazard", "ceiling"},
             args=_dem_args(wall_before_first_photo, "ridge"), plans=("mars",)),
]

CASES = [(m, p) for m in MUTATIONS for p in m.plans]


def test_every_rule_has_a_mutation() -> None:
    doc = verify_module.__doc__ or ""
    rules = set()
    for line in doc.splitlines():
        rules |= {part.strip("`") for part in line.split() if part.startswith("``")
                  and part.rstrip(",:;").endswith("``")}
    rules = {r.rstrip(",:;").strip("`") for r in rules}
    # Rule names span two words in a few places.
    rules |= {"take-off", "landing site", "landing safety", "height band", "energy budget",
              "time budget"}
    rules = {r for r in rules if r and not r.startswith("buffer") and r != "alt_m"}
    covered = set().union(*(m.expect for m in MUTATIONS))
    assert rules - covered == set(), f"rules without a mutation: {rules - covered}"
    assert len(MUTATIONS) >= 30


def _mutated(g: Good, m: Mutation, tmp_path: Path) -> tuple[Path, Path, list[str]]:
    doc = copy.deepcopy(g.doc)
    m.apply(g, doc)
    plan_path = tmp_path / "mutated.geojson"
    plan_path.write_text(json.dumps(doc))
    mission = g.mission
    if m.mission is not None:
        mdoc = json.loads(g.mission.read_text())
        m.mission(mdoc)
        mission = tmp_path / "mission.geojson"
        mission.write_text(json.dumps(mdoc))
    return plan_path, mission, m.args(g)


def _options(args: list[str]) -> PlanOptions:
    names = {"--dem": "dem", "--usable-energy-wh": "usable_energy_wh",
             "--reserve-wh": "reserve_wh", "--max-flight-time": "max_flight_time_s",
             "--wind": "wind"}
    kw: dict[str, Any] = {}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        kw[names[flag]] = value if flag == "--dem" else parse_wind(value) \
            if flag == "--wind" else float(value)
    return PlanOptions(**kw)


@pytest.mark.parametrize(("which", "good"), [("mars", "mars"), ("earth", "earth"),
                                           ("survey", "survey")])
def test_the_good_plans_pass(which, good, request) -> None:
    g = request.getfixturevalue(good)
    path = g.folder / "good.geojson"
    path.write_text(json.dumps(g.doc))
    report, _ = check_plan_file(path, g.mission)
    assert report.ok, report.violations
    # Recomputing the figures of a good plan changes nothing that matters.
    again = retime(g, copy.deepcopy(g.doc))
    path.write_text(json.dumps(again))
    report, _ = check_plan_file(path, g.mission)
    assert report.ok, report.violations


@pytest.mark.parametrize(("mutation", "which"), CASES,
                         ids=[f"{p}: {m.name}" for m, p in CASES])
def test_mutation_is_caught_and_named(mutation: Mutation, which: str, request,
                                      tmp_path) -> None:
    g = request.getfixturevalue(which)
    plan_path, mission, args = _mutated(g, mutation, tmp_path)
    report, _ = check_plan_file(plan_path, mission, _options(args))
    broken = report.rules_broken
    assert mutation.expect <= broken, (sorted(broken), report.violations)
    assert broken <= mutation.expect | mutation.allow, (sorted(broken), report.violations)
    if mutation.needle:
        assert any(mutation.needle in v for v in report.violations), report.violations
    # The same file through the command line: exit 4, each broken rule named on stdout.
    res = runner.invoke(app, [str(mission), "--check", str(plan_path), *args])
    assert res.exit_code == 4, (res.exit_code, res.stdout, res.stderr)
    assert "Traceback" not in res.stdout + res.stderr
    for rule in mutation.expect:
        assert f": {rule}: " in res.stdout, (rule, res.stdout)


def test_a_short_photo_of_an_optional_target_is_a_note(earth, tmp_path) -> None:
    """A target that is not required, asking for more images than its photo takes, is not
    counted as photographed (the planner credits it only with all of them): a note, no rule."""
    mdoc = json.loads(earth.mission.read_text())
    for f in mdoc["features"]:
        if f["properties"].get("name") == "solar array":
            f["properties"]["photos"] = 3
    mission = tmp_path / "mission.geojson"
    mission.write_text(json.dumps(mdoc))
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps(earth.doc))
    report, _ = check_plan_file(path, mission)
    assert report.ok, report.violations
    number = next(p["properties"]["number"] for p in photos(earth.doc)
                  if p["properties"]["target"] == "solar array")
    assert f"target 'solar array' is not counted as photographed: it asks for 3 images at " \
        f"each station; photo {number} takes 1 image" in report.notes, report.notes


def _finding(report: Any, rule: str) -> str:
    return next(v for v in report.violations if f": {rule}: " in v)


def test_positions_in_findings_are_metres_from_home(mars, survey, tmp_path) -> None:
    """Findings give positions as the tables, the CSV and the map do: metres east and north of
    home, in words (the local frame is centred on the mission, not on home)."""
    doc = copy.deepcopy(mars.doc)
    _m_landing_onto_keepout(mars, doc)
    path = tmp_path / "landing.geojson"
    path.write_text(json.dumps(doc))
    report, _ = check_plan_file(path, mars.mission)
    x, y = local_xy(mars, wps(doc)[-1])
    home = mars.ctx.local.home
    dx, dy = x - home.x, y - home.y
    assert math.hypot(home.x, home.y) > 10.0  # the frame's centre is not home
    assert f"landing spot ({abs(dx):.1f} m {'east' if dx >= 0 else 'west'}, {abs(dy):.1f} m " \
        f"{'north' if dy >= 0 else 'south'} of home) is unsafe" in _finding(report,
                                                                             "landing safety")
    # A coverage gap near the deleted southern strip's images, placed from home.
    doc = copy.deepcopy(survey.doc)
    south = min(local_xy(survey, p)[1] for p in photos(doc))
    strip = [local_xy(survey, p) for p in photos(doc) if local_xy(survey, p)[1] - south <= 5.0]
    _m_southern_strip_deleted(survey, doc)
    path = tmp_path / "strip.geojson"
    path.write_text(json.dumps(doc))
    report, _ = check_plan_file(path, survey.mission)
    line = _finding(report, "coverage")
    home = survey.ctx.local.home
    words = line.split("centred near ")[1]
    east, north = (float(part.split(" m ")[0]) * (1 if ("east" in part or "north" in part)
                                                  else -1)
                   for part in words.split(" of home")[0].split(", "))
    # The gap is the strip's ground: within an image's footprint (about 50 m by 40 m at
    # 40 m) of its stations' middle; home is 143 m and 117 m from the frame's centre.
    assert abs(east - (float(np.mean([p[0] for p in strip])) - home.x)) < 60.0, line
    assert abs(north - (float(np.mean([p[1] for p in strip])) - home.y)) < 60.0, line


def test_a_landing_moved_from_a_safe_site_too_far_is_one_finding(earth, tmp_path) -> None:
    """The review's f26 case: a landing moved from a safe site beyond the search radius is one
    finding giving both reasons, not two."""
    doc = copy.deepcopy(earth.doc)
    ws = wps(doc)
    x, y = local_xy(earth, ws[-1])
    radius = earth.ctx.vehicle.profile.landing_search_radius_m
    hz = earth.ctx.hazards
    rows, cols = np.nonzero(~hz.landing & ~hz.flight)
    px, py = hz.dem.xy(rows, cols)
    dist = np.hypot(px - x, py - y)
    k = int(np.argmin(np.where(dist >= radius + 5.0, dist, np.inf)))
    for f in ws[-2:]:
        move_to(earth, f, float(px[k]), float(py[k]))
    lon, lat = earth.ctx.frame.to_lonlat(earth.ctx.local.landing.x, earth.ctx.local.landing.y)
    doc["plan"]["landing_moved"] = {"from": [float(lon), float(lat)], "reason": "invented"}
    retime(earth, doc)
    path = tmp_path / "far.geojson"
    path.write_text(json.dumps(doc))
    report, _ = check_plan_file(path, earth.mission)
    sites = [v for v in report.violations if ": landing site: " in v]
    assert len(sites) == 1, report.violations
    assert "which is safe: no cause to move, and beyond the" in sites[0]
    res = runner.invoke(app, [str(earth.mission), "--check", str(path)])
    assert res.exit_code == 4
    n = len(report.rules_broken)
    assert f"breaks {n} flight rule(s)" in res.stderr and \
        f"in {len(report.violations)} place(s)" in res.stderr, res.stderr
