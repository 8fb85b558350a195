"""The plan as GeoJSON: a FeatureCollection others can read, with the summary in ``"plan"``.

Features, each with a ``role``: one ``route`` LineString with 3-D coordinates
``[lon, lat, absolute altitude m]``; a ``waypoint`` Point per waypoint; a ``photo`` Point per
camera command at its station; a ``footprint`` Polygon per photo; the ``keep_out`` zones as given.
A Mars plan keeps Mars lon/lat and says so with a legacy ``crs`` member naming its IAU code, as
GDAL and QGIS expect, since RFC 7946 itself assumes Earth.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from planner import __version__
from planner.plan import FlightPlan

_DEC = 8  # ~1 mm in degrees on Mars and Earth


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def plan_summary(plan: FlightPlan) -> dict[str, Any]:
    """The plan's headline figures as plain JSON values."""
    p = plan.vehicle.profile
    v = plan.vehicle
    return {
        "generator": f"plan-flight {__version__}",
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
        "landing": list(_lonlat(plan, *plan.landing_xy)),
        "warnings": list(plan.warnings),
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
            "hold_s": _r(w.hold_s, 2)},
            "geometry": {"type": "Point", "coordinates": [round(w.lon, _DEC),
                                                          round(w.lat, _DEC), _r(w.alt_m)]}})
    for ph in plan.photos:
        lon, lat = _lonlat(plan, ph.station[0], ph.station[1])
        feats.append({"type": "Feature", "properties": {
            "role": "photo", "number": ph.number, "target": ph.target, "waypoint": ph.waypoint,
            "count": ph.count, "heading_deg": _r(ph.heading_deg, 2),
            "camera_pitch_deg": _r(ph.pitch_deg, 2), "slant_range_m": _r(ph.slant_range_m, 2),
            "gsd_cm": _r(ph.gsd_cm, 3)},
            "geometry": {"type": "Point", "coordinates": [lon, lat, _r(ph.station[2])]}})
        feats.append({"type": "Feature", "properties": {
            "role": "footprint", "number": ph.number, "target": ph.target},
            "geometry": _round_geom(plan.frame.geometry_to_lonlat(ph.footprint))})
    for k in plan.mission.keep_outs:
        feats.append({"type": "Feature", "properties": {
            "role": "keep_out", "name": k.name, "buffer_m": k.buffer_m},
            "geometry": _round_geom(k.geometry)})
    doc: dict[str, Any] = {"type": "FeatureCollection"}
    if plan.mission.body.name != "earth":
        doc["crs"] = {"type": "name", "properties": {
            "name": "urn:ogc:def:crs:" + plan.mission.body.geographic_crs.replace(":", "::")}}
    doc["plan"] = plan_summary(plan)
    doc["features"] = feats
    return doc
