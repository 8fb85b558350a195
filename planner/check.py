"""Re-check an exported GeoJSON plan against a mission and a terrain, with the verifier.

The plan file's waypoints and photos are read back (lon/lat into the mission's local frame,
heights above ground, recorded times and energies, headings and holds) and handed to
:func:`planner.verify.verify` with the terrain's hazards and the mission's keep-out zones. The
vehicle, its cruise height and speed and the air density default to those the plan records, so
a plan is checked against the model it was made with unless the caller says otherwise.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from shapely.geometry import Polygon

from planner.errors import InputError
from planner.pipeline import PlanOptions, Progress, _first, _noop, prepare
from planner.plan import FlightPlan, Photo, Waypoint
from planner.verify import Report, verify

# GeoJSON exports round times to 0.01 s and energies to 1e-4 Wh.
FILE_TOLERANCE = 2e-3


def _load(path: str | Path) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: "
                         f"{exc.msg}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or \
            not isinstance(doc.get("plan"), dict) or not isinstance(doc.get("features"), list):
        raise InputError(f"{path}: not a plan-flight GeoJSON plan (a FeatureCollection with a "
                         f"'plan' member)")
    return doc


def _num(props: dict[str, Any], key: str, where: str) -> float:
    val = props.get(key)
    if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
        raise InputError(f"{where}: field {key!r} must be a finite number, not {val!r}")
    return float(val)


def check_plan_file(plan_path: str | Path, mission_path: str | Path,
                    options: PlanOptions | None = None, *,
                    progress: Progress = _noop) -> tuple[Report, FlightPlan]:
    """Verify a GeoJSON plan file against a mission file and terrain.

    Raises
    ------
    InputError
        The plan file cannot be read or is not a plan-flight GeoJSON plan.
    """
    options = options or PlanOptions()
    doc = _load(plan_path)
    summary = doc["plan"]
    opts = replace(
        options,
        vehicle=options.vehicle or summary.get("vehicle"),
        altitude_m=_first(options.altitude_m, summary.get("cruise_altitude_agl_m")),
        speed_m_s=_first(options.speed_m_s, summary.get("cruise_speed_m_s")),
        air_density_kg_m3=_first(options.air_density_kg_m3, summary.get("air_density_kg_m3")))
    ctx = prepare(mission_path, opts, progress=progress)
    progress("checking the plan")
    frame, dem = ctx.frame, ctx.dem
    wps: list[Waypoint] = []
    photos: list[Photo] = []
    for i, f in enumerate(doc["features"]):
        props = f.get("properties") or {} if isinstance(f, dict) else {}
        role = props.get("role")
        where = f"{plan_path}: feature {i}"
        if role not in ("waypoint", "photo"):
            continue
        coords = (f.get("geometry") or {}).get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise InputError(f"{where}: field 'geometry' must be a Point")
        x, y = (float(v) for v in frame.to_local(coords[0], coords[1]))
        if role == "waypoint":
            heading = props.get("heading_deg")
            action = str(props.get("action"))
            wps.append(Waypoint(
                seq=int(_num(props, "seq", where)), action=action, x=x, y=y,
                lon=float(coords[0]), lat=float(coords[1]), ground_m=float(dem.sample(x, y)),
                agl_m=_num(props, "alt_agl_m", where), alt_m=_num(props, "alt_m", where),
                leg_m=_num(props, "leg_m", where), speed_m_s=_num(props, "speed_m_s", where),
                time_s=_num(props, "time_s", where),
                energy_wh=_num(props, "energy_used_wh", where),
                heading_deg=None if heading is None else _num(props, "heading_deg", where),
                hold_s=_num(props, "hold_s", where), stop=action != "terrain"))
        else:
            photos.append(Photo(
                number=int(_num(props, "number", where)), target=str(props.get("target")),
                waypoint=int(_num(props, "waypoint", where)),
                count=int(_num(props, "count", where)),
                heading_deg=_num(props, "heading_deg", where),
                pitch_deg=_num(props, "camera_pitch_deg", where),
                slant_range_m=_num(props, "slant_range_m", where),
                gsd_cm=_num(props, "gsd_cm", where), station=(x, y, float(coords[2])),
                aim=(math.nan, math.nan, math.nan), footprint=Polygon()))
    wps.sort(key=lambda w: w.seq)
    if not wps:
        raise InputError(f"{plan_path}: the plan has no waypoint features")
    land = wps[-1]
    plan = FlightPlan(mission=ctx.mission, frame=frame, vehicle=ctx.vehicle, dem=dem,
                      waypoints=tuple(wps), photos=tuple(sorted(photos, key=lambda p: p.number)),
                      skipped=(), warnings=(), landing_xy=(land.x, land.y),
                      selection="from file")
    report = verify(plan, hazards=ctx.hazards, keep_outs=ctx.keep_outs_local,
                    record_tolerance=FILE_TOLERANCE)
    return report, plan
