"""Plan exports: GeoJSON, QGroundControl, MAVLink waypoints, KML, CSV and a map.

:func:`render` makes a file's bytes from its suffix; :func:`write_all` renders every file first
and then writes each atomically, so a failure leaves no partial file behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from planner.errors import InputError
from planner.plan import FlightPlan
from terrain.hazards import HazardMaps

FORMATS = {".geojson": "GeoJSON plan", ".plan": "QGroundControl plan",
           ".waypoints": "MAVLink QGC WPL 110", ".kml": "KML", ".csv": "CSV of waypoints",
           ".png": "map (PNG)"}
ALL_FILES = ("plan.geojson", "plan.plan", "plan.waypoints", "plan.kml", "plan.csv", "plan.png")


def check_target(path: str | Path) -> Path:
    """Validate an output path before planning: a known suffix in a writable folder."""
    p = Path(path)
    if p.suffix.lower() not in FORMATS:
        raise InputError(f"{p}: unknown export format {p.suffix!r} (known: "
                         f"{', '.join(FORMATS)})")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{p}: cannot write: folder {str(folder)!r} does not exist")
    if p.is_dir():
        raise InputError(f"{p}: cannot write: it is a folder")
    import os

    if not os.access(folder, os.W_OK):
        raise InputError(f"{p}: cannot write: folder {str(folder)!r} is not writable")
    return p


def render(plan: FlightPlan, hazards: HazardMaps, suffix: str) -> bytes:
    """The bytes of one export, by file suffix."""
    from planner import planfile
    from planner.export import mavlink, plot, simple

    s = suffix.lower()
    if s == ".geojson":
        text = planfile.plan_json(plan)
    elif s == ".plan":
        text = mavlink.qgc_plan_text(plan)
    elif s == ".waypoints":
        text = mavlink.wpl_text(plan)
    elif s == ".kml":
        text = simple.kml_text(plan)
    elif s == ".csv":
        text = simple.csv_text(plan)
    elif s == ".png":
        return plot.plot_png(plan, hazards)
    else:
        raise InputError(f"unknown export format {suffix!r}")
    return text.encode("utf-8")


def write_all(plan: FlightPlan, hazards: HazardMaps, paths: Sequence[Path]) -> None:
    """Render every export, then write each atomically."""
    from planner.export.files import write_atomic

    blobs = [(p, render(plan, hazards, p.suffix)) for p in paths]
    for p, data in blobs:
        write_atomic(p, data)
