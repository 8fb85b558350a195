"""CSV of waypoints and KML of the whole plan."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from planner.plan import FlightPlan

CSV_COLUMNS = ("seq", "action", "lon", "lat", "east_m", "north_m", "ground_m", "alt_agl_m",
               "alt_m", "leg_m", "leg_speed_m_s", "speed_m_s", "time_s", "energy_used_wh",
               "heading_deg", "camera_pitch_deg", "hold_s", "trigger_m")
"""The waypoint table's columns: east/north are metres from home (the take-off point), as in the
printed table; ``leg_speed_m_s`` is the speed commanded on the leg into the waypoint and
``speed_m_s`` its mean with the accelerations and climbs; ``heading_deg`` where the vehicle faces
on leaving (empty: unchanged) and ``camera_pitch_deg`` the camera's pitch at a photo waypoint
(negative: down; empty elsewhere); ``trigger_m`` the camera's trigger distance on the leg
leaving it (0: none; see :attr:`planner.plan.Waypoint.trigger_m`)."""


def csv_text(plan: FlightPlan) -> str:
    """One row per waypoint; heights in metres (AGL, and absolute above the terrain's datum)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    hx, hy = plan.local.home.x, plan.local.home.y
    for p in plan.waypoints:
        w.writerow([p.seq, p.action, f"{p.lon:.8f}", f"{p.lat:.8f}", f"{p.x - hx:.3f}",
                    f"{p.y - hy:.3f}", f"{p.ground_m:.3f}", f"{p.agl_m:.3f}", f"{p.alt_m:.3f}",
                    f"{p.leg_m:.3f}", f"{p.leg_speed_m_s:.3f}", f"{p.speed_m_s:.3f}",
                    f"{p.time_s:.2f}", f"{p.energy_wh:.4f}",
                    "" if p.heading_deg is None else f"{p.heading_deg:.2f}",
                    "" if p.camera_pitch_deg is None else f"{p.camera_pitch_deg:.2f}",
                    f"{p.hold_s:.2f}", f"{p.trigger_m:.3f}"])
    return buf.getvalue()


KML_NS = "http://www.opengis.net/kml/2.2"


def _coords(points: list[tuple[float, float, float]] | list[tuple[float, float]]) -> str:
    return " ".join(",".join(f"{v:.8f}" if i < 2 else f"{v:.3f}" for i, v in enumerate(pt))
                    for pt in points)


def kml_text(plan: FlightPlan) -> str:
    """KML 2.2: the route (absolute heights), waypoints, photo stations, footprints, keep-outs.

    KML assumes Earth (WGS 84); a Mars plan keeps Mars lon/lat and says so in its description.
    """
    return kml_campaign_text([plan], None)


def kml_campaign_text(plans: Sequence[FlightPlan],
                      legs: Sequence[tuple[str, str]] | None) -> str:
    """KML of one plan (``legs`` None), or of a campaign's flights, one Folder each.

    A campaign's folders are named ``flight K: A to B`` and hold each flight's route,
    waypoints, photo stations and footprints; the keep-outs are drawn once.
    """
    ET.register_namespace("", KML_NS)
    k = f"{{{KML_NS}}}"
    first = plans[0]
    root = ET.Element(f"{k}kml")
    doc = ET.SubElement(root, f"{k}Document")
    ET.SubElement(doc, f"{k}name").text = f"plan-flight: {first.mission.source}"
    body = first.mission.body
    desc = (f"{body.name.capitalize()} {'plan' if legs is None else 'campaign'}, "
            f"{body.geographic_crs}. Heights are metres above the terrain model's datum.")
    if body.name != "earth":
        desc += " Coordinates are planetocentric Mars lon/lat, not WGS 84."
    ET.SubElement(doc, f"{k}description").text = desc

    def placemark(parent: ET.Element, name: str, role: str,
                  description: str = "") -> ET.Element:
        pm = ET.SubElement(parent, f"{k}Placemark")
        ET.SubElement(pm, f"{k}name").text = name
        if description:
            ET.SubElement(pm, f"{k}description").text = description
        ext = ET.SubElement(pm, f"{k}ExtendedData")
        data = ET.SubElement(ext, f"{k}Data", name="role")
        ET.SubElement(data, f"{k}value").text = role
        return pm

    for n, plan in enumerate(plans, start=1):
        if legs is None:
            where = doc
        else:
            where = ET.SubElement(doc, f"{k}Folder")
            ET.SubElement(where, f"{k}name").text = \
                f"flight {n}: {legs[n - 1][0]} to {legs[n - 1][1]}"
        pm = placemark(where, "route", "route")
        ls = ET.SubElement(pm, f"{k}LineString")
        ET.SubElement(ls, f"{k}altitudeMode").text = "absolute"
        ET.SubElement(ls, f"{k}coordinates").text = _coords(
            [(w.lon, w.lat, w.alt_m) for w in plan.waypoints])
        for w in plan.waypoints:
            pm = placemark(where, f"{w.seq} {w.action}", "waypoint",
                           f"{w.agl_m:.1f} m above ground, t {w.time_s:.0f} s, "
                           f"{w.energy_wh:.2f} Wh")
            pt = ET.SubElement(pm, f"{k}Point")
            ET.SubElement(pt, f"{k}altitudeMode").text = "absolute"
            ET.SubElement(pt, f"{k}coordinates").text = _coords([(w.lon, w.lat, w.alt_m)])
        for ph in plan.photos:
            w = plan.waypoints[ph.waypoint - 1]
            pm = placemark(where, f"photo {ph.number}: {ph.target}", "photo",
                           f"heading {ph.heading_deg:.1f} deg, pitch {ph.pitch_deg:.1f} deg, "
                           f"range {ph.slant_range_m:.1f} m, GSD {ph.gsd_cm:.2f} cm, "
                           f"{ph.count} image(s)")
            pt = ET.SubElement(pm, f"{k}Point")
            ET.SubElement(pt, f"{k}altitudeMode").text = "absolute"
            ET.SubElement(pt, f"{k}coordinates").text = _coords([(w.lon, w.lat, w.alt_m)])
            fp = plan.frame.geometry_to_lonlat(ph.footprint)
            pm = placemark(where, f"footprint {ph.number}: {ph.target}", "footprint")
            _polygon(pm, k, list(fp.exterior.coords))
    for ko in first.mission.keep_outs:
        for poly in getattr(ko.geometry, "geoms", [ko.geometry]):
            pm = placemark(doc, ko.name, "keep_out", ", ".join(
                [f"buffer {ko.buffer_m:g} m", *([ko.heights_text] if ko.heights_text else [])]))
            _polygon(pm, k, list(poly.exterior.coords))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def _polygon(pm: ET.Element, k: str, ring: list[tuple[float, ...]]) -> None:
    poly = ET.SubElement(pm, f"{k}Polygon")
    ET.SubElement(poly, f"{k}altitudeMode").text = "clampToGround"
    outer = ET.SubElement(ET.SubElement(poly, f"{k}outerBoundaryIs"), f"{k}LinearRing")
    ET.SubElement(outer, f"{k}coordinates").text = _coords([(c[0], c[1]) for c in ring])
