"""The flight plan: waypoints, camera commands, legs, and the targets left out, with why.

:func:`assemble` turns a chosen route (mission nodes in order, and the roadmap paths between them)
into waypoints. Each straight leg is checked against the terrain profile at the DEM's resolution
and split with pass-through waypoints wherever a straight climb or descent would bring the vehicle
closer to the ground than its clearance or higher than its ceiling: terrain following computed on
the ground. Time and energy are then added up leg by leg, with the photos' hovers and yaw turns.
A survey strip whose vehicle fires its camera by distance is flown through (:func:`through_runs`):
its images between the first and the last are ``trigger`` waypoints, flown through at the
strip's speed, with the trigger distance recorded on the legs (:attr:`Waypoint.trigger_m`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from shapely.geometry import Polygon

from planner.errors import InfeasibleMissionError
from planner.following import (
    MIN_SPEED_M_S,
    SPEED_STEP_M_S,
    followable_speed,
    followed_ground,
    holds_ground,
    leg_profile,
    speed_runs,
)
from planner.frames import Frame, heading_deg, turn_deg
from planner.local import LocalMission
from planner.mission import Mission
from planner.profiles import CameraSpec
from planner.roadmap import Node
from planner.vehicle import Vehicle
from planner.viewpoints import Station
from planner.wind import Wind
from terrain.analysis import profile
from terrain.dem import DEM


class Action(StrEnum):
    """What happens at a waypoint."""

    TAKEOFF = "takeoff"
    """Spin up and climb vertically to the first height."""
    WAYPOINT = "waypoint"
    """A stop: a turn around an obstacle, or the last point before landing."""
    TERRAIN = "terrain"
    """A pass-through point that keeps the leg within its height band over the ground."""
    PHOTO = "photo"
    """A stop to aim the camera and take the target's images."""
    TRIGGER = "trigger"
    """A pass-through point on a survey strip flown through: the camera, fired by distance
    (:attr:`Waypoint.trigger_m`), takes an image here in motion, without stopping."""
    LAND = "land"
    """Descend vertically and land."""


@dataclass(frozen=True)
class Waypoint:
    """One waypoint. Times and energies are cumulative when the vehicle leaves it.

    ``alt_m`` is above the DEM's vertical datum; ``agl_m`` above the ground under the waypoint.
    ``leg_m``, ``leg_speed_m_s`` and ``speed_m_s`` describe the leg that arrives here: its
    horizontal length, the ground speed the vehicle is commanded to fly it at, and its mean
    ground speed with the accelerations and climbs (0 for take-off and landing).
    ``heading_deg`` is where the vehicle faces on leaving (``None``: it keeps its heading);
    ``camera_pitch_deg`` the camera's pitch at a photo waypoint (``None`` elsewhere).
    """

    seq: int
    action: Action
    x: float
    y: float
    lon: float
    lat: float
    ground_m: float
    agl_m: float
    alt_m: float
    leg_m: float
    speed_m_s: float
    time_s: float
    energy_wh: float
    heading_deg: float | None
    hold_s: float
    stop: bool
    leg_speed_m_s: float = 0.0
    camera_pitch_deg: float | None = None
    tailwind_m_s: float = 0.0
    """The wind's component along the leg into it, in the direction the plan's figures are
    for (+ a tail wind, - a head wind; 0 in still air and for take-off and landing)."""
    trigger_m: float = 0.0
    """The camera's trigger distance in force on the leg leaving this waypoint: an image every
    ``trigger_m`` metres flown from the last stop (0: none). Set from a survey strip's first
    image (a photo stop) to the waypoint before its last (a photo stop, where it ends)."""


PASS_THROUGH = frozenset({Action.TERRAIN, Action.TRIGGER})
"""The actions of waypoints the vehicle flies through without stopping."""


@dataclass(frozen=True)
class WindCase:
    """A whole flight in one direction of the wind: its time and energy."""

    from_deg: float
    duration_s: float
    energy_wh: float


@dataclass(frozen=True)
class Photo:
    """A camera command: which target, from which waypoint, how aimed, and what it yields.

    ``gsd_cm`` is the ground sample distance on the target's surface (``surface``: the ground,
    or an upright face turned to the camera), coarsest across the image's two axes;
    ``obliquity_deg`` the angle between the line of sight and that surface's normal (0: seen
    square on). ``footprint`` is the image's outline on level ground at the target's height
    (local frame), cut at twice the target's range: an oblique view reaches the horizon, but only
    the near part is at a useful resolution.
    """

    number: int
    target: str
    waypoint: int
    count: int
    heading_deg: float
    pitch_deg: float
    slant_range_m: float
    gsd_cm: float
    station: tuple[float, float, float]
    aim: tuple[float, float, float]
    footprint: Polygon
    obliquity_deg: float = 0.0
    surface: str = "ground"
    view: int = 0
    """Which of the target's views it is (0 for a target with one view)."""


@dataclass(frozen=True)
class LandingMove:
    """The landing site the mission asked for was unsafe: where it was, and why."""

    requested_xy: tuple[float, float]
    reason: str


@dataclass(frozen=True)
class Skipped:
    """A target left out of the plan, and why."""

    target: str
    reason: str
    required: bool = False
    priority: float = 1.0


@dataclass(frozen=True, eq=False)
class FlightPlan:
    """A complete plan and everything needed to report, export and re-check it.

    ``selection`` says how the targets were chosen, in words ("exact (optimal)", "search");
    ``stopped_by_time`` is True when the route search stopped on its wall-clock cap rather than
    after its fixed work, so that another run may choose differently. ``landing_moved`` is set
    when the landing site the mission asked for (or home, when it names none) was unsafe and the
    plan lands at the nearest safe spot instead (``landing_xy``).
    """

    mission: Mission
    local: LocalMission
    vehicle: Vehicle
    dem: DEM
    waypoints: tuple[Waypoint, ...]
    photos: tuple[Photo, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    landing_xy: tuple[float, float]
    selection: str
    stopped_by_time: bool = False
    landing_moved: LandingMove | None = None
    wind: Wind | None = None
    """The wind the plan holds in; ``None``: still air."""
    wind_from_deg: float | None = None
    """The direction the waypoints' figures are for: of an uncertain wind, the one that takes
    the most energy (the same wind all flight)."""
    wind_cases: tuple[WindCase, ...] = ()
    """The whole flight in each direction of :meth:`planner.wind.Wind.directions`."""

    @property
    def longest_s(self) -> float:
        """The flight time in the wind's direction that makes it longest (or in still air)."""
        return max([self.duration_s, *(c.duration_s for c in self.wind_cases)])

    @property
    def frame(self) -> Frame:
        """The mission's local frame."""
        return self.local.frame

    @property
    def distance_m(self) -> float:
        """Horizontal distance flown."""
        return float(sum(w.leg_m for w in self.waypoints))

    @property
    def duration_s(self) -> float:
        """Flight time from spin-up to spin-down."""
        return self.waypoints[-1].time_s if self.waypoints else 0.0

    @property
    def energy_wh(self) -> float:
        """Energy used."""
        return self.waypoints[-1].energy_wh if self.waypoints else 0.0

    @property
    def targets_photographed(self) -> tuple[str, ...]:
        """Names of the targets photographed, in flight order, once each."""
        return tuple(dict.fromkeys(p.target for p in self.photos))

    @property
    def priority_collected(self) -> float:
        """Sum of the priorities of the targets photographed.

        A target photographed from several sides counts the share of its views taken.
        """
        views: dict[str, set[int]] = {}
        for p in self.photos:
            views.setdefault(p.target, set()).add(p.view)
        return float(sum(t.priority * min(len(views[t.name]) / t.views, 1.0)
                         for t in self.mission.targets if t.name in views))

    @property
    def priority_total(self) -> float:
        """Sum of the priorities of all targets."""
        return float(sum(t.priority for t in self.mission.targets))


@dataclass(frozen=True)
class RoutePoint(Node):
    """A roadmap node the route passes, in the order flown, with what happens there."""

    station: Station | None = None
    target_name: str = ""
    photos: int = 1


def terrain_split(dem: DEM, a: tuple[float, float, float], b: tuple[float, float, float], *,
                  clearance: float, ceiling: float,
                  depth: int = 0) -> list[tuple[float, float, float]]:
    """Pass-through points that keep a straight leg between ``clearance`` and ``ceiling`` AGL.

    ``a`` and ``b`` are ``(x, y, agl)``; returned points are ``(x, y, agl)`` strictly between
    them, in order. The leg is sampled at the DEM's resolution; where the straight line between
    absolute altitudes leaves the band, a point at the wanted height is inserted at the worst
    sample and both halves are checked again.
    """
    ga, gb = float(dem.sample(a[0], a[1])), float(dem.sample(b[0], b[1]))
    za, zb = ga + a[2], gb + b[2]
    prof = profile(dem, a[0], a[1], b[0], b[1])
    length = prof.distance[-1]
    if length < 2 * dem.resolution or depth > 40:
        return []
    t = prof.distance / length
    line = za + (zb - za) * t
    agl = line - prof.ground
    want = a[2] + (b[2] - a[2]) * t
    low = clearance - agl
    high = agl - ceiling
    worst = np.maximum(low, high)
    worst[[0, -1]] = -np.inf
    k = int(np.argmax(worst))
    if not np.isfinite(worst[k]) or worst[k] <= 0:
        return []
    mid = (float(prof.x[k]), float(prof.y[k]), float(want[k]))
    return [*terrain_split(dem, a, mid, clearance=clearance, ceiling=ceiling, depth=depth + 1),
            mid,
            *terrain_split(dem, mid, b, clearance=clearance, ceiling=ceiling, depth=depth + 1)]


@dataclass(frozen=True)
class Piece:
    """A straight piece of a leg, flown at one speed: where it ends and what it costs."""

    x: float
    y: float
    h: float
    length: float
    climb: float
    descent: float
    speed: float
    end_stop: bool


def leg_pieces(dem: DEM, followed: DEM, vehicle: Vehicle, a: tuple[float, float, float],
               b: tuple[float, float, float]) -> list[Piece]:
    """The pieces of the leg from ``a`` to ``b`` (``(x, y, height above ground)``), in order.

    A vehicle that holds its height above the ground flies the leg in runs of the speed the
    ground allows (see :mod:`planner.following`), climbing and descending with the followed
    ground. One that holds absolute heights flies straight lines, with pass-through points
    added where the line would leave its height band: the heights asked for at either end, less
    and more the profile's ``agl_tolerance_m``, within the clearance and the ceiling; a piece
    too steep for its vertical rates at cruise speed is flown slower.

    Raises
    ------
    InfeasibleMissionError
        Ground that rises or falls faster than the vehicle can follow at any speed.
    """
    p = vehicle.profile
    if holds_ground(vehicle):
        leg = leg_profile(dem, followed, vehicle, a, b)
        runs = speed_runs(leg, vehicle)
        pieces = []
        start = a
        for k, (_, i1, run_speed) in enumerate(runs):
            last = k == len(runs) - 1
            end = b if last else (float(leg.x[i1]), float(leg.y[i1]), float(leg.h[i1]))
            # Each piece becomes a leg between two waypoints, flown (and verified) as such:
            # its own profile, eased onto the ground at both ends, gives its length, climb,
            # descent and the speed it can be followed at.
            sub = leg if len(runs) == 1 else leg_profile(dem, followed, vehicle, start, end)
            fit = followable_speed(sub, vehicle)
            speed = fit if run_speed < MIN_SPEED_M_S else min(run_speed, fit)
            if speed < MIN_SPEED_M_S:
                raise InfeasibleMissionError(
                    f"route: the ground between ({start[0]:.0f}, {start[1]:.0f}) and "
                    f"({end[0]:.0f}, {end[1]:.0f}) m rises or falls faster than "
                    f"{p.name} can follow even at {MIN_SPEED_M_S:g} m/s (climb "
                    f"{p.climb_rate_m_s:g} m/s, descent {p.descent_rate_m_s:g} m/s)")
            climb, descent = sub.climb_descent()
            pieces.append(Piece(end[0], end[1], end[2], sub.length, climb, descent, speed, last))
            start = end
        return pieces
    lo = max(p.min_clearance_m, min(a[2], b[2]) - p.agl_tolerance_m)
    hi = min(p.max_altitude_agl_m, max(a[2], b[2]) + p.agl_tolerance_m)
    inter = terrain_split(dem, a, b, clearance=lo, ceiling=hi)
    ends = [*[(x, y, h, False) for x, y, h in inter], (b[0], b[1], b[2], True)]
    pieces = []
    sx, sy, sh = a
    for x, y, h, end_stop in ends:
        d = math.hypot(x - sx, y - sy)
        dz = (float(dem.sample(x, y)) + h) - (float(dem.sample(sx, sy)) + sh)
        pieces.append(Piece(x, y, h, d, max(dz, 0.0), max(-dz, 0.0),
                            straight_speed(vehicle, d, dz), end_stop))
        sx, sy, sh = x, y, h
    return pieces


def straight_speed(vehicle: Vehicle, length: float, dz: float) -> float:
    """The ground speed of a straight piece: cruise, or slower where its vertical rate binds.

    Rounded down to :data:`~planner.following.SPEED_STEP_M_S` when slowed, never below
    :data:`~planner.following.MIN_SPEED_M_S` (a steeper piece takes its vertical time anyway).
    """
    p = vehicle.profile
    v = vehicle.cruise_speed_m_s
    rate = p.climb_rate_m_s if dz > 0 else p.descent_rate_m_s
    if dz == 0 or length <= 0 or v * abs(dz) / length <= rate:
        return v
    slow = math.floor(rate * length / abs(dz) / SPEED_STEP_M_S + 1e-9) * SPEED_STEP_M_S
    return max(slow, MIN_SPEED_M_S)


@dataclass
class _Row:
    """A waypoint while the route is assembled (the last one's figures change at a photo)."""

    action: Action
    x: float
    y: float
    agl: float
    leg: float
    speed: float
    t: float
    e: float
    heading: float | None
    hold: float
    stop: bool
    leg_speed: float = 0.0
    pitch: float | None = None
    trigger: float = 0.0


def assemble(points: list[RoutePoint], *, mission: Mission, local: LocalMission,
             vehicle: Vehicle, dem: DEM, skipped: list[Skipped], warnings: list[str],
             selection: str, stopped_by_time: bool = False,
             landing_moved: LandingMove | None = None, wind: Wind | None = None) -> FlightPlan:
    """Build the waypoints of a route given as the points flown, first home, last landing.

    In a ``wind`` the flight is costed in each of its directions (the same wind all flight) and
    the waypoints carry the figures of the one that takes the most energy; every direction's
    totals are kept (:attr:`FlightPlan.wind_cases`).
    """
    from planner.camera import footprint

    cam = vehicle.camera
    rows: list[_Row] = []
    photos: list[Photo] = []
    home = points[0]
    first_photo = next((q.station for q in points if q.station is not None), None)
    heading = first_photo.pointing.heading_deg if first_photo is not None else (
        heading_deg(points[-1].x - home.x, points[-1].y - home.y)
        if len(points) > 1 and (points[-1].x, points[-1].y) != (home.x, home.y) else 0.0)
    rows.append(_Row(Action.TAKEOFF, home.x, home.y, home.agl_m, 0.0, 0.0, 0.0, 0.0, heading,
                     0.0, True))
    prev = home
    followed = followed_ground(dem, vehicle)
    legs: list[_Leg] = []
    turns: dict[int, float] = {}  # row: degrees turned there before its photos
    run_of: dict[int, Run] = {}  # point index: the strip flown through it
    for strip in through_runs(points, mission=mission, local=local, vehicle=vehicle):
        run_of.update(dict.fromkeys(range(strip.first, strip.last + 1), strip))
    run_rows: dict[int, int] = {}  # the row of each run's first point
    for j, q in enumerate(points[1:], start=1):
        run = run_of.get(j)
        # On a strip flown through: the leg into q is on it, q's image is taken in motion,
        # and the leg leaves a point the vehicle flies through.
        inside = run is not None and run.first < j
        through = run is not None and run.first < j < run.last
        start_stop = not (run is not None and run.first < j - 1)
        cap = run.speed_m_s if run is not None and inside else math.inf
        sx, sy = prev.x, prev.y
        pieces = leg_pieces(dem, followed, vehicle, (prev.x, prev.y, prev.agl_m),
                            (q.x, q.y, q.agl_m))
        for k, piece in enumerate(pieces):
            end_stop = piece.end_stop and not (through and k == len(pieces) - 1)
            speed = min(piece.speed, cap)
            stops = int(start_stop) + int(end_stop)
            legs.append(_Leg(len(rows), piece.length, piece.climb, piece.descent, stops,
                             speed, heading_deg(piece.x - sx, piece.y - sy)))
            rows.append(_Row(Action.WAYPOINT if end_stop else Action.TERRAIN, piece.x,
                             piece.y, piece.h, piece.length, 0.0, 0.0, 0.0, None, 0.0,
                             end_stop, leg_speed=speed))
            start_stop = end_stop
            sx, sy = piece.x, piece.y
        last = rows[-1]
        if run is not None and j == run.first:
            run_rows[j] = len(rows) - 1
        if run is not None and j == run.last:
            for r in rows[run_rows[run.first]:-1]:  # the trigger is in force until here
                r.trigger = run.spacing_m
        if through and q.station is not None:
            last.action = Action.TRIGGER
            photos.append(_photo(len(photos) + 1, q, len(rows), cam, footprint))
        elif q.station is not None:
            st = q.station
            turns[len(rows) - 1] = turn_deg(heading, st.pointing.heading_deg)
            hold = q.photos * cam.photo_hover_s
            heading = st.pointing.heading_deg
            last.action = Action.PHOTO
            last.heading, last.hold, last.pitch = heading, hold, st.pointing.pitch_deg
            photos.append(_photo(len(photos) + 1, q, len(rows), cam, footprint))
        prev = q
    end = points[-1]
    rows.append(_Row(Action.LAND, end.x, end.y, 0.0, 0.0, 0.0, 0.0, 0.0, None, 0.0, True))
    cases: list[WindCase] = []
    worst: tuple[_Costed, float | None] | None = None
    for one in ([None] if wind is None or wind.calm else wind.candidates()):
        costed = cost_rows(vehicle, rows, legs, turns, landing_agl_m=end.agl_m, wind=one)
        d = None if one is None else one.from_deg
        if d is not None:
            cases.append(WindCase(d, float(costed.t[-1]), float(costed.e[-1])))
        if worst is None or (costed.e[-1], costed.t[-1]) > (worst[0].e[-1], worst[0].t[-1]):
            worst = (costed, d)
    assert worst is not None
    costed, worst_from = worst
    for i, r in enumerate(rows):
        r.t, r.e = float(costed.t[i]), float(costed.e[i])
        if r.leg > 0 or i in costed.leg_t:
            lt = costed.leg_t.get(i, 0.0)
            r.speed = r.leg / lt if lt > 0 else 0.0
    xs = np.array([r.x for r in rows], dtype=float)
    ys = np.array([r.y for r in rows], dtype=float)
    lon, lat = local.frame.to_lonlat(xs, ys)
    ground = dem.sample(xs, ys)
    wps = tuple(Waypoint(
        seq=i + 1, action=r.action, x=float(xs[i]), y=float(ys[i]), lon=float(lon[i]),
        lat=float(lat[i]), ground_m=float(ground[i]), agl_m=float(r.agl),
        alt_m=float(ground[i]) + float(r.agl), leg_m=float(r.leg), speed_m_s=float(r.speed),
        time_s=float(r.t), energy_wh=float(r.e),
        heading_deg=None if r.heading is None else float(r.heading), hold_s=float(r.hold),
        stop=r.stop, leg_speed_m_s=float(r.leg_speed), camera_pitch_deg=r.pitch,
        tailwind_m_s=costed.tail.get(i, 0.0), trigger_m=float(r.trigger))
        for i, r in enumerate(rows))
    return FlightPlan(mission=mission, local=local, vehicle=vehicle, dem=dem, waypoints=wps,
                      photos=tuple(photos), skipped=tuple(skipped), warnings=tuple(warnings),
                      landing_xy=(end.x, end.y), selection=selection,
                      stopped_by_time=stopped_by_time, landing_moved=landing_moved,
                      wind=wind, wind_from_deg=worst_from, wind_cases=tuple(cases))


def _photo(number: int, q: RoutePoint, waypoint: int, cam: CameraSpec,
           footprint: Callable[..., Polygon]) -> Photo:
    """The photo record of a route point's station, taken from waypoint ``waypoint``."""
    st = q.station
    assert st is not None
    return Photo(
        number=number, target=q.target_name, waypoint=waypoint,
        count=q.photos, heading_deg=st.pointing.heading_deg,
        pitch_deg=st.pointing.pitch_deg, slant_range_m=st.pointing.slant_range_m,
        gsd_cm=st.pointing.gsd_cm, station=(st.x, st.y, st.z), aim=st.aim,
        footprint=footprint(cam, (st.x, st.y, st.z), st.pointing.heading_deg,
                            st.pointing.pitch_deg, st.aim[2],
                            max_range_m=max(2.0 * st.pointing.slant_range_m, 20.0)),
        obliquity_deg=st.pointing.obliquity_deg, surface=st.pointing.surface,
        view=st.view)


@dataclass(frozen=True)
class Run:
    """Route points ``first`` to ``last`` (indices): one survey strip flown through.

    The first and last images are photo stops; the ones between are taken in motion by the
    camera's distance trigger, every ``spacing_m`` metres, the strip flown at ``speed_m_s``.
    """

    first: int
    last: int
    spacing_m: float
    speed_m_s: float


def through_runs(points: list[RoutePoint], *, mission: Mission, local: LocalMission,
                 vehicle: Vehicle) -> list[Run]:
    """The strips of a route that its vehicle flies through (none if it stops to shoot).

    A run is three or more consecutive route points that are images of one survey target
    taken one at a time (``photos`` 1), on one heading, each one image spacing on from the
    last along that heading (to :data:`~planner.coverage.STRIP_STEP_TOL_M`) and all the same
    way: the route entered the strip at one end and left it at the other, with no detour
    between. It is flown at the cruise speed, or slower where the camera's motion blur or its
    least trigger interval binds (:func:`~planner.coverage.through_speed_m_s`), rounded down
    to :data:`~planner.following.SPEED_STEP_M_S`; a strip that would need less than
    :data:`~planner.following.MIN_SPEED_M_S` stays stop and shoot.
    """
    from planner import coverage

    cam = vehicle.camera
    if not cam.flies_through:
        return []
    specs = {t.name: (t, g) for t, g in zip(mission.targets, local.targets, strict=True)}
    spacing_of: dict[str, float | None] = {}

    def spacing(name: str) -> float | None:
        if name not in spacing_of:
            t, g = specs[name]
            spacing_of[name] = coverage.survey_advance_m(t, vehicle) \
                if t.photos == 1 and coverage.is_survey(t, g, vehicle) else None
        return spacing_of[name]

    def step(a: RoutePoint, b: RoutePoint) -> int:
        """+1 (-1): b is the next image on a's strip along (against) its heading; else 0."""
        if a.station is None or b.station is None or a.target_name != b.target_name or \
                a.target_name not in specs or a.photos != 1 or b.photos != 1:
            return 0
        d = spacing(a.target_name)
        return 0 if d is None else coverage.strip_step(a.station, b.station, d)

    runs: list[Run] = []
    i = 1
    while i < len(points) - 2:
        sign = step(points[i], points[i + 1])
        j = i + 1 if sign else i
        while sign and j + 1 < len(points) and step(points[j], points[j + 1]) == sign:
            j += 1
        if j - i >= 2:
            d = spacing(points[i].target_name)
            assert d is not None
            gsd = min(q.station.pointing.gsd_cm for q in points[i:j + 1]
                      if q.station is not None)
            v = coverage.strip_speed_m_s(vehicle, gsd_cm=gsd, spacing_m=d)
            if v > 0:
                runs.append(Run(i, j, d, v))
            i = j + 1  # runs are disjoint: a run's last stop is no other's first
        else:
            i += 1
    return runs


@dataclass(frozen=True)
class _Leg:
    """A piece of the route to cost: the row it arrives at, and how it is flown."""

    row: int
    length: float
    climb: float
    descent: float
    stops: int
    speed: float
    track_deg: float


@dataclass(frozen=True)
class _Costed:
    """Cumulative time and energy at each row; each leg's time and tail wind by its row."""

    t: list[float]
    e: list[float]
    leg_t: dict[int, float]
    tail: dict[int, float]


def cost_rows(vehicle: Vehicle, rows: list[_Row], legs: list[_Leg], turns: dict[int, float], *,
              landing_agl_m: float, wind: Wind | None) -> _Costed:
    """Time and energy of the assembled rows in one wind (one direction, or still air).

    Take-off, the legs (vectorised, by their number of stops), the yaw turn and photo hover at
    each photo row, and the landing.
    """
    leg_t: dict[int, float] = {}
    leg_e: dict[int, float] = {}
    tail: dict[int, float] = {}
    for stops in sorted({g.stops for g in legs}):
        group = [g for g in legs if g.stops == stops]
        c = vehicle.leg_costs(np.array([g.length for g in group]),
                              np.array([g.climb for g in group]),
                              np.array([g.descent for g in group]), stops=stops,
                              speed_m_s=np.array([g.speed for g in group]),
                              heading_deg=np.array([g.track_deg for g in group]), wind=wind)
        for k, g in enumerate(group):
            leg_t[g.row] = float(c.time_s[k])
            leg_e[g.row] = float(c.energy_wh[k])
            tail[g.row] = float(c.tailwind_m_s[k]) if g.length > 0 else 0.0  # no track
    t_out: list[float] = []
    e_out: list[float] = []
    t, e = vehicle.takeoff(rows[0].agl, wind)
    t_out.append(t)
    e_out.append(e)
    for i in range(1, len(rows)):
        r = rows[i]
        if r.action == Action.LAND:
            lt, le = vehicle.landing(landing_agl_m, wind)
        else:
            lt, le = leg_t.get(i, 0.0), leg_e.get(i, 0.0)
            if i in turns:
                yt, ye = vehicle.yaw(turns[i], wind)
                lt, le = lt + yt + r.hold, le + ye + vehicle.hover(r.hold, wind)
        t, e = t + lt, e + le
        t_out.append(t)
        e_out.append(e)
    return _Costed(t_out, e_out, leg_t, tail)
