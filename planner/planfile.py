"""The GeoJSON plan file: its schema, written and read in this one place.

A plan file is a FeatureCollection others can read, with the plan's summary in a top-level
``"plan"`` member (``schema_version`` says which layout; see :data:`SCHEMA_VERSION`). Features,
each with a ``role``: one ``route`` LineString with 3-D coordinates
``[lon, lat, absolute altitude m]``; a ``waypoint`` Point per waypoint; a ``photo`` Point per
camera command at its station; a ``footprint`` Polygon per photo; the ``keep_out`` zones as given.
A Mars plan keeps Mars lon/lat and says so with a legacy ``crs`` member naming its IAU code, as
GDAL and QGIS expect, since RFC 7946 itself assumes Earth.

:func:`plan_to_geojson` writes a plan; :func:`read_plan_file` reads one back, validating every
field it uses, and :func:`rebuild_plan` turns it into a :class:`~planner.plan.FlightPlan` over a
prepared mission (local coordinates, ground heights, aims and footprints recomputed), which is
how ``--check`` re-verifies a plan.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from planner import __version__
from planner.camera import footprint
from planner.errors import InputError
from planner.local import LocalMission
from planner.mission import Mission
from planner.plan import (
    PASS_THROUGH,
    Action,
    FlightPlan,
    LandingMove,
    Photo,
    Skipped,
    Waypoint,
)
from planner.settings import Settings
from planner.values import number
from planner.vehicle import Vehicle
from planner.viewpoints import target_points
from planner.wind import Wind, wind_from_json
from terrain.dem import DEM

SCHEMA_VERSION = 2
"""Layout of the plan file. Files without ``schema_version`` (plan-flight 0.1) have layout 1.
Layout 2 adds each waypoint's ``trigger_m`` (the camera's trigger distance on the leg leaving
it, 0 for none) and the ``trigger`` action (an image taken in motion); layout 1 files, which
have neither, are read as plans with no strip flown through."""
READABLE_VERSIONS = (1, 2)
"""The layouts this plan-flight reads."""
_DEC = 8  # ~1 mm in degrees on Mars and Earth
FILE_TOLERANCE = 2e-3
"""Relative tolerance for figures read back from a plan file: it rounds times to 0.01 s and
energies to 1e-4 Wh."""


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def plan_summary(plan: FlightPlan) -> dict[str, Any]:
    """The plan's headline figures as plain JSON values."""
    p = plan.vehicle.profile
    v = plan.vehicle
    return {
        "generator": f"plan-flight {__version__}",
        "schema_version": SCHEMA_VERSION,
        "mission": plan.mission.source,
        "body": plan.mission.body.name,
        "crs": plan.mission.body.geographic_crs,
        "input_crs": plan.mission.input_crs,
        "local_frame": plan.frame.describe(),
        "terrain": plan.dem.source,
        "terrain_synthetic": plan.dem.synthetic,
        "vehicle": p.name,
        "air_density_kg_m3": v.air_density_kg_m3,
        "cruise_altitude_agl_m": v.cruise_altitude_agl_m,
        "cruise_speed_m_s": v.cruise_speed_m_s,
        "survey_capture": p.camera.survey_capture.value,
        "distance_m": _r(plan.distance_m, 2),
        "duration_s": _r(plan.duration_s, 2),
        "max_flight_time_s": p.max_flight_time_s,
        "energy_used_wh": _r(plan.energy_wh, 3),
        "energy_usable_wh": p.usable_energy_wh,
        "reserve_wh": p.reserve_wh,
        "targets_photographed": list(plan.targets_photographed),
        "targets_skipped": [{"target": s.target, "reason": s.reason, "required": s.required}
                            for s in plan.skipped],
        "priority_collected": plan.priority_collected,
        "priority_total": plan.priority_total,
        "selection": plan.selection,
        "selection_stopped_by_time": plan.stopped_by_time,
        "landing": list(_lonlat(plan, *plan.landing_xy)),
        "landing_moved": None if plan.landing_moved is None else {
            "from": list(_lonlat(plan, *plan.landing_moved.requested_xy)),
            "reason": plan.landing_moved.reason},
        "warnings": list(plan.warnings),
        "wind": None if plan.wind is None else plan.wind.to_json(),
        "wind_from_deg": plan.wind_from_deg,
        "wind_cases": [{"from_deg": c.from_deg, "duration_s": _r(c.duration_s, 2),
                        "energy_used_wh": _r(c.energy_wh, 4)} for c in plan.wind_cases],
    }


def _lonlat(plan: FlightPlan, x: float, y: float) -> tuple[float, float]:
    lon, lat = plan.frame.to_lonlat(x, y)
    return round(float(lon), _DEC), round(float(lat), _DEC)


def _round_geom(geom: BaseGeometry) -> dict[str, Any]:
    out: dict[str, Any] = mapping(shapely.set_precision(geom, 10 ** -_DEC))
    return out


def plan_to_geojson(plan: FlightPlan) -> dict[str, Any]:
    """The whole plan as a GeoJSON FeatureCollection (a plain dict, ready for ``json.dump``)."""
    feats: list[dict[str, Any]] = []
    coords = [[round(w.lon, _DEC), round(w.lat, _DEC), _r(w.alt_m)] for w in plan.waypoints]
    feats.append({"type": "Feature", "properties": {"role": "route"},
                  "geometry": {"type": "LineString", "coordinates": coords}})
    for w in plan.waypoints:
        feats.append({"type": "Feature", "properties": {
            "role": "waypoint", "seq": w.seq, "action": w.action, "alt_agl_m": _r(w.agl_m),
            "alt_m": _r(w.alt_m), "ground_m": _r(w.ground_m), "east_m": _r(w.x),
            "north_m": _r(w.y), "leg_m": _r(w.leg_m), "speed_m_s": _r(w.speed_m_s),
            "time_s": _r(w.time_s, 2), "energy_used_wh": _r(w.energy_wh, 4),
            "heading_deg": None if w.heading_deg is None else _r(w.heading_deg, 2),
            "hold_s": _r(w.hold_s, 2), "leg_speed_m_s": _r(w.leg_speed_m_s),
            "tailwind_m_s": _r(w.tailwind_m_s), "trigger_m": _r(w.trigger_m),
            "camera_pitch_deg": None if w.camera_pitch_deg is None
            else _r(w.camera_pitch_deg, 2)},
            "geometry": {"type": "Point", "coordinates": [round(w.lon, _DEC),
                                                          round(w.lat, _DEC), _r(w.alt_m)]}})
    for ph in plan.photos:
        lon, lat = _lonlat(plan, ph.station[0], ph.station[1])
        feats.append({"type": "Feature", "properties": {
            "role": "photo", "number": ph.number, "target": ph.target, "waypoint": ph.waypoint,
            "count": ph.count, "heading_deg": _r(ph.heading_deg, 2),
            "camera_pitch_deg": _r(ph.pitch_deg, 2), "slant_range_m": _r(ph.slant_range_m, 2),
            "gsd_cm": _r(ph.gsd_cm, 3), "obliquity_deg": _r(ph.obliquity_deg, 2),
            "surface": ph.surface, "view": ph.view + 1},
            "geometry": {"type": "Point", "coordinates": [lon, lat, _r(ph.station[2])]}})
        feats.append({"type": "Feature", "properties": {
            "role": "footprint", "number": ph.number, "target": ph.target},
            "geometry": _round_geom(plan.frame.geometry_to_lonlat(ph.footprint))})
    for k in plan.mission.keep_outs:
        feats.append({"type": "Feature", "properties": {
            "role": "keep_out", "name": k.name, "buffer_m": k.buffer_m,
            **{key: getattr(k, key) for key in ("height_m", "floor_m", "ceiling_m")
               if getattr(k, key) is not None}},
            "geometry": _round_geom(k.geometry)})
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if plan.mission.body.name != "earth":
        doc["crs"] = {"type": "name", "properties": {
            "name": "urn:ogc:def:crs:" + plan.mission.body.geographic_crs.replace(":", "::")}}
    doc["plan"] = plan_summary(plan)
    doc["features"] = feats
    return doc


def plan_json(plan: FlightPlan) -> str:
    """The plan file's text."""
    return json.dumps(plan_to_geojson(plan), indent=1) + "\n"


@dataclass(frozen=True)
class WaypointRecord:
    """A waypoint as a plan file gives it (lon/lat on the body, heights in metres)."""

    seq: int
    action: Action
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
    leg_speed_m_s: float
    camera_pitch_deg: float | None
    tailwind_m_s: float = 0.0
    trigger_m: float = 0.0


@dataclass(frozen=True)
class PhotoRecord:
    """A camera command as a plan file gives it."""

    number: int
    target: str
    waypoint: int
    count: int
    heading_deg: float
    pitch_deg: float
    slant_range_m: float
    gsd_cm: float
    lon: float
    lat: float
    alt_m: float
    obliquity_deg: float
    surface: str
    view: int = 0
    """The target's view or survey image the photo takes, from 0 (the file counts from 1)."""


@dataclass(frozen=True)
class PlanFile:
    """A plan file read and validated: its summary, waypoints (by ``seq``) and photos."""

    source: str
    schema_version: int
    summary: dict[str, Any]
    waypoints: tuple[WaypointRecord, ...]
    photos: tuple[PhotoRecord, ...]
    route: tuple[tuple[float, float, float], ...] | None = None
    """The ``route`` LineString's vertices (lon, lat, alt), if the file has one."""

    @property
    def settings(self) -> Settings:
        """The flight settings the plan records (vehicle, cruise height and speed, air, wind)."""
        s = self.summary
        capture = s.get("survey_capture")
        return Settings(vehicle=s.get("vehicle"), altitude_m=s.get("cruise_altitude_agl_m"),
                        speed_m_s=s.get("cruise_speed_m_s"),
                        air_density_kg_m3=s.get("air_density_kg_m3"), wind=self.wind,
                        survey_capture=capture if isinstance(capture, str) else None)

    @property
    def wind(self) -> Wind | None:
        """The wind the plan's figures are in (validated on reading); ``None``: still air."""
        w = self.summary.get("wind")
        return w if isinstance(w, Wind) else None


# The summary fields :func:`read_plan_file` validates and uses, with what each must be.
_SUMMARY_NUMBERS = ("cruise_altitude_agl_m", "cruise_speed_m_s", "air_density_kg_m3")
_SUMMARY_TEXT = ("vehicle", "selection")


def _field(where: str, key: str, value: object, **bounds: Any) -> float:
    try:
        return number(value, **bounds)
    except ValueError as exc:
        raise InputError(f"{where}: field {key!r} {exc}") from None


def _point(where: str, geometry: object) -> tuple[float, float, float]:
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point" or \
            not isinstance(coords, list) or len(coords) != 3:
        raise InputError(f"{where}: field 'geometry' must be a 3-D Point [lon, lat, alt]")
    lon, lat, alt = (_field(where, "geometry", c) for c in coords)
    return lon, lat, alt


def read_plan_file(path: str | Path) -> PlanFile:
    """Read and validate a plan file written by :func:`plan_to_geojson`.

    Raises
    ------
    InputError
        The file cannot be read, is not a plan-flight plan, is of a newer layout, or a field it
        needs is missing or wrong (named with the feature's index).
    """
    return read_plan_doc(load_json(path), str(path))


def load_json(path: str | Path) -> object:
    """A JSON file's parsed content.

    Raises
    ------
    InputError
        The file is missing, cannot be read or is not JSON (one line naming it).
    """
    src = str(path)
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"{src}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{src}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        what = "" if Path(path).suffix.lower() in (".geojson", ".json") else (
            " (a plan to check is plan-flight's .geojson plan or campaign document, a "
            "QGroundControl .plan or a MAVLink .waypoints file)")
        raise InputError(f"{src}: invalid JSON at line {exc.lineno} column {exc.colno}: "
                         f"{exc.msg}{what}") from None


def read_plan_doc(doc: object, src: str) -> PlanFile:
    """Validate a plan file's parsed JSON (``src`` names it in errors): see :func:`read_plan_file`.

    A campaign document holds one such plan per flight.
    """
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or \
            not isinstance(doc.get("plan"), dict) or not isinstance(doc.get("features"), list):
        raise InputError(f"{src}: not a plan-flight GeoJSON plan (a FeatureCollection with a "
                         f"'plan' member)")
    raw = doc["plan"]
    version = raw.get("schema_version", 1)
    if version not in READABLE_VERSIONS:
        raise InputError(f"{src}: field 'plan.schema_version' is {version!r}; this plan-flight "
                         f"reads layouts {', '.join(map(str, READABLE_VERSIONS))}")
    summary: dict[str, Any] = dict(raw)
    for key in _SUMMARY_NUMBERS:
        if raw.get(key) is not None:
            summary[key] = _field(f"{src}: plan", key, raw[key], minimum=0.0,
                                  exclusive_minimum=True)
    for key in _SUMMARY_TEXT:
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise InputError(f"{src}: plan: field {key!r} must be a string")
    if raw.get("wind") is not None:
        try:
            summary["wind"] = wind_from_json(raw["wind"])
        except ValueError as exc:
            raise InputError(f"{src}: plan: field 'wind': {exc}") from None
        d = raw.get("wind_from_deg")
        summary["wind_from_deg"] = None if d is None else \
            _field(f"{src}: plan", "wind_from_deg", d, minimum=0.0, maximum=360.0)
    else:
        summary["wind"] = summary["wind_from_deg"] = None
    wps: list[WaypointRecord] = []
    photos: list[PhotoRecord] = []
    route: tuple[tuple[float, float, float], ...] | None = None
    for i, f in enumerate(doc["features"]):
        props = f.get("properties") if isinstance(f, dict) else None
        role = props.get("role") if isinstance(props, dict) else None
        if role == "route":
            route = _line(f"{src}: feature {i}", f.get("geometry"))
        if role not in ("waypoint", "photo"):
            continue
        assert isinstance(props, dict)
        where = f"{src}: feature {i}"
        lon, lat, alt = _point(where, f.get("geometry"))

        def num(key: str, _where: str = where, _props: dict[str, Any] = props,
                **bounds: Any) -> float:
            return _field(_where, key, _props.get(key), **bounds)

        if role == "waypoint":
            action = props.get("action")
            if action not in tuple(Action):
                raise InputError(f"{where}: field 'action' must be one of "
                                 f"{', '.join(Action)}, not {action!r}")
            heading = props.get("heading_deg")
            pitch = props.get("camera_pitch_deg")
            wps.append(WaypointRecord(
                seq=int(num("seq", minimum=1, whole=True)), action=Action(action), lon=lon,
                lat=lat, ground_m=num("ground_m"), agl_m=num("alt_agl_m"), alt_m=num("alt_m"),
                leg_m=num("leg_m"), speed_m_s=num("speed_m_s"),
                time_s=num("time_s"),
                energy_wh=num("energy_used_wh"),
                heading_deg=None if heading is None else num("heading_deg"),
                hold_s=num("hold_s"),
                # Plans of plan-flight 0.1 recorded no commanded speed: their mean speed.
                leg_speed_m_s=num("leg_speed_m_s") if "leg_speed_m_s" in props
                else num("speed_m_s"),
                camera_pitch_deg=None if pitch is None else num("camera_pitch_deg"),
                tailwind_m_s=num("tailwind_m_s") if "tailwind_m_s" in props else 0.0,
                trigger_m=num("trigger_m", minimum=0.0) if "trigger_m" in props else 0.0))
        else:
            target = props.get("target")
            if not isinstance(target, str):
                raise InputError(f"{where}: field 'target' must be a target's name")
            photos.append(PhotoRecord(
                number=int(num("number", minimum=1, whole=True)), target=target,
                waypoint=int(num("waypoint", minimum=1, whole=True)),
                count=int(num("count", minimum=1, whole=True)),
                heading_deg=num("heading_deg"), pitch_deg=num("camera_pitch_deg"),
                slant_range_m=num("slant_range_m"),
                gsd_cm=num("gsd_cm"), lon=lon, lat=lat, alt_m=alt,
                obliquity_deg=num("obliquity_deg") if "obliquity_deg" in props else 0.0,
                surface=str(props.get("surface", "ground")),
                view=int(num("view", minimum=1, whole=True)) - 1 if "view" in props else 0))
    if not wps:
        raise InputError(f"{src}: the plan has no waypoint features")
    return PlanFile(source=src, schema_version=int(version), summary=summary,
                    waypoints=tuple(sorted(wps, key=lambda w: w.seq)),
                    photos=tuple(sorted(photos, key=lambda p: p.number)), route=route)


def _line(where: str, geometry: object) -> tuple[tuple[float, float, float], ...]:
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "LineString" or \
            not isinstance(coords, list) or \
            not all(isinstance(c, list) and len(c) == 3 for c in coords):
        raise InputError(f"{where}: field 'geometry' must be a 3-D LineString")
    return tuple((_field(where, "geometry", c[0]), _field(where, "geometry", c[1]),
                  _field(where, "geometry", c[2])) for c in coords)


def rebuild_plan(record: PlanFile, *, mission: Mission, local: LocalMission, vehicle: Vehicle,
                 dem: DEM) -> FlightPlan:
    """A :class:`FlightPlan` from a plan file, over a prepared mission and terrain.

    Positions are projected into the mission's local frame; heights (ground, above ground,
    absolute) are the file's, for the verifier to check against the terrain. Each photo's aim
    is its target's (as the mission gives it: the point, or the centroid of a line or polygon,
    on the ground) and its footprint is recomputed from the camera model. A photo of a target
    the mission does not have keeps the ground under its station as its aim (the verifier
    reports it). Waypoints that stop are every one but the pass-through ``terrain`` and
    ``trigger`` points.
    """
    frame = local.frame
    lon = [w.lon for w in record.waypoints]
    lat = [w.lat for w in record.waypoints]
    xs, ys = frame.to_local(lon, lat)
    wps = tuple(Waypoint(
        seq=w.seq, action=w.action, x=float(x), y=float(y), lon=w.lon, lat=w.lat,
        ground_m=w.ground_m, agl_m=w.agl_m, alt_m=w.alt_m, leg_m=w.leg_m,
        speed_m_s=w.speed_m_s, time_s=w.time_s, energy_wh=w.energy_wh,
        heading_deg=w.heading_deg, hold_s=w.hold_s, stop=w.action not in PASS_THROUGH,
        leg_speed_m_s=w.leg_speed_m_s, camera_pitch_deg=w.camera_pitch_deg,
        tailwind_m_s=w.tailwind_m_s, trigger_m=w.trigger_m)
        for w, x, y in zip(record.waypoints, xs, ys, strict=True))
    index_of = {t.name: i for i, t in enumerate(mission.targets)}
    photos = []
    for ph in record.photos:
        sx, sy = (float(v) for v in frame.to_local(ph.lon, ph.lat))
        station = (sx, sy, ph.alt_m)
        ti = index_of.get(ph.target)
        if ti is not None:
            aim = target_points(local.targets[ti], dem)[1]
        else:
            aim = (sx, sy, float(dem.sample(sx, sy)))
        photos.append(Photo(
            number=ph.number, target=ph.target, waypoint=ph.waypoint, count=ph.count,
            heading_deg=ph.heading_deg, pitch_deg=ph.pitch_deg, slant_range_m=ph.slant_range_m,
            gsd_cm=ph.gsd_cm, station=station, aim=aim, obliquity_deg=ph.obliquity_deg,
            surface=ph.surface, view=ph.view,
            footprint=footprint(vehicle.camera, station, ph.heading_deg, ph.pitch_deg, aim[2],
                                max_range_m=max(2.0 * ph.slant_range_m, 20.0))
            if math.isfinite(aim[2]) else shapely.Polygon()))
    by_name = {t.name: t for t in mission.targets}
    skipped = []
    for s in record.summary.get("targets_skipped") or []:
        if isinstance(s, dict) and isinstance(s.get("target"), str):
            spec = by_name.get(s["target"])
            skipped.append(Skipped(target=s["target"], reason=str(s.get("reason", "")),
                                   required=bool(s.get("required", False)),
                                   priority=spec.priority if spec is not None else 1.0))
    warnings = record.summary.get("warnings") or []
    moved = None
    raw_move = record.summary.get("landing_moved")
    if isinstance(raw_move, dict) and isinstance(raw_move.get("from"), list) and \
            len(raw_move["from"]) == 2:
        where = f"{record.source}: plan: field 'landing_moved'"
        mlon, mlat = (_field(where, "from", v) for v in raw_move["from"])
        mx, my = frame.to_local(mlon, mlat)
        moved = LandingMove(requested_xy=(float(mx), float(my)),
                            reason=str(raw_move.get("reason", "")))
    land = wps[-1]
    return FlightPlan(mission=mission, local=local, vehicle=vehicle, dem=dem, waypoints=wps,
                      photos=tuple(photos), skipped=tuple(skipped),
                      warnings=tuple(str(w) for w in warnings if isinstance(w, str)),
                      landing_xy=(land.x, land.y),
                      selection=str(record.summary.get("selection") or "from file"),
                      stopped_by_time=record.summary.get("selection_stopped_by_time") is True,
                      landing_moved=moved, wind=record.wind,
                      wind_from_deg=record.summary.get("wind_from_deg"))


def route_mismatch(record: PlanFile, local: LocalMission) -> str:
    """Where the file's drawn route differs from its waypoints ("" where they agree).

    The ``route`` LineString is what GIS tools and viewers draw; it must be the waypoints, in
    order, at their heights.
    """
    if record.route is None:
        return "the file has no route line"
    if len(record.route) != len(record.waypoints):
        return (f"the route line has {len(record.route)} vertices for "
                f"{len(record.waypoints)} waypoints")
    frame = local.frame
    rx, ry = frame.to_local([c[0] for c in record.route], [c[1] for c in record.route])
    wx, wy = frame.to_local([w.lon for w in record.waypoints], [w.lat for w in record.waypoints])
    for k, w in enumerate(record.waypoints):
        d = math.hypot(float(rx[k] - wx[k]), float(ry[k] - wy[k]))
        dz = record.route[k][2] - w.alt_m
        if d > ROUTE_TOL_M or abs(dz) > ROUTE_TOL_M:
            return (f"route vertex {k + 1} lies {d:.2f} m across and {dz:+.2f} m up from "
                    f"waypoint {w.seq}")
    return ""


ROUTE_TOL_M = 0.05
"""How far a route vertex may lie from its waypoint (both are rounded to about a millimetre)."""
