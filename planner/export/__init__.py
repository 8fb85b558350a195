"""Plan exports: GeoJSON, QGroundControl, MAVLink waypoints, DJI WPML and Litchi, KML, CSV, a map.

:data:`FORMATS` is the one list of formats (the command line reads it for its help and its
checks); a file's format is its suffix, except that ``.litchi.csv`` is Litchi's mission CSV and
any other ``.csv`` the waypoint table. :func:`render` makes a file's bytes; :func:`write_all`
renders every file first and then writes them all or none (:mod:`planner.export.files`), so a
failure leaves no partial file behind. The DJI formats are for aircraft on Earth:
:func:`check_for_body` refuses them for a plan on another body before anything is planned, and
:func:`render` refuses them too.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from planner.errors import InputError

if TYPE_CHECKING:
    from planner.plan import FlightPlan
    from terrain.hazards import HazardMaps

FORMATS = {".geojson": "GeoJSON plan", ".plan": "QGroundControl plan",
           ".waypoints": "MAVLink QGC WPL 110", ".kmz": "DJI WPML (Pilot 2, Mavic 3E)",
           ".litchi.csv": "Litchi mission CSV", ".kml": "KML", ".csv": "CSV of waypoints",
           ".png": "map (PNG)"}
"""Every export format by suffix, with what it is."""
EARTH_ONLY = frozenset({".kmz", ".litchi.csv"})
"""Formats for DJI aircraft, which fly on Earth only."""
ALL_FILES = ("plan.geojson", "plan.plan", "plan.waypoints", "plan.kml", "plan.csv", "plan.png")
"""The files ``--out DIR`` writes for a plan on any body (:func:`all_files` adds the rest)."""
EARTH_FILES = ("plan.kmz", "plan.litchi.csv")
"""The files ``--out DIR`` adds for a plan on Earth."""


def format_of(path: str | Path) -> str:
    """The export format of a file name: its suffix, or ``.litchi.csv`` (case ignored).

    Examples
    --------
    >>> format_of("out/Plan.Litchi.CSV"), format_of("plan.csv"), format_of("a.b.kmz")
    ('.litchi.csv', '.csv', '.kmz')
    """
    name = Path(path).name.lower()
    if name.endswith(".litchi.csv"):
        return ".litchi.csv"
    return Path(name).suffix


def all_files(body: str) -> tuple[str, ...]:
    """The files ``--out DIR`` writes for a plan on ``body`` (``"mars"``, ``"earth"``)."""
    return ALL_FILES + (EARTH_FILES if body == "earth" else ())


def check_target(path: str | Path) -> Path:
    """Validate an output path before planning: a known suffix in a writable folder."""
    p = Path(path)
    if format_of(p) not in FORMATS:
        raise InputError(f"{p}: unknown export format {p.suffix!r} (known: "
                         f"{', '.join(FORMATS)})")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{p}: cannot write: folder {str(folder)!r} does not exist")
    if p.is_dir():
        raise InputError(f"{p}: cannot write: it is a folder")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{p}: cannot write: folder {str(folder)!r} is not writable")
    return p


def check_for_body(paths: Iterable[str | Path], body: str) -> None:
    """Refuse, before planning, an export the body's aircraft cannot fly.

    Raises
    ------
    InputError
        A DJI format (``.kmz``, ``.litchi.csv``) for a plan not on Earth.
    """
    if body == "earth":
        return
    for p in paths:
        fmt = format_of(p)
        if fmt in EARTH_ONLY:
            raise InputError(f"{p}: a {FORMATS[fmt]} is for DJI aircraft on Earth; this "
                             f"mission is on {body.capitalize()}")


STOP_AND_SHOOT_ONLY = frozenset({".kmz", ".litchi.csv"})
"""Formats whose survey images are photo waypoints only: the plan-flight writers of DJI WPML and
Litchi missions hold no camera trigger by distance, so they cannot fly a strip through."""


def check_capture(plan: FlightPlan, path: str | Path) -> None:
    """Refuse a format that cannot fly the plan's survey strips through.

    Raises
    ------
    InputError
        A stop-and-shoot format (:data:`STOP_AND_SHOOT_ONLY`) for a plan with strips flown
        through with the camera fired by distance.
    """
    fmt = format_of(path)
    strips = sum(1 for a, b in itertools.pairwise(plan.waypoints)
                 if b.trigger_m > 0 and a.trigger_m <= 0)
    if fmt in STOP_AND_SHOOT_ONLY and strips:
        raise InputError(f"{path}: a {FORMATS[fmt]} takes survey images at photo waypoints "
                         f"only; this plan flies {strips} strip(s) through with the camera "
                         f"fired by distance ({plan.vehicle.profile.name}'s survey_capture "
                         f"'distance'): export .plan or .waypoints")


def render(plan: FlightPlan, hazards: HazardMaps, suffix: str) -> bytes:
    """The bytes of one export, by format (a suffix or a file name, see :func:`format_of`).

    Raises
    ------
    InputError
        An unknown format; a DJI format for a plan not on Earth, or one the format cannot hold
        (:func:`check_capture`).
    """
    from planner import planfile
    from planner.export import dji, mavlink, plot, simple

    s = suffix.lower() if suffix.lower() in FORMATS else format_of(suffix)
    check_for_body([f"plan{s}"], plan.mission.body.name)
    check_capture(plan, f"plan{s}")
    if s == ".geojson":
        text = planfile.plan_json(plan)
    elif s == ".plan":
        text = mavlink.qgc_plan_text(plan)
    elif s == ".waypoints":
        text = mavlink.wpl_text(plan)
    elif s == ".kmz":
        return dji.wpml_kmz(plan)
    elif s == ".litchi.csv":
        text = dji.litchi_csv(plan)
    elif s == ".kml":
        text = simple.kml_text(plan)
    elif s == ".csv":
        text = simple.csv_text(plan)
    elif s == ".png":
        return plot.plot_png(plan, hazards)
    else:
        raise InputError(f"unknown export format {suffix!r}")
    return text.encode("utf-8")


def write_all(plan: FlightPlan, hazards: HazardMaps, paths: Sequence[Path], *,
              terrain: Path | None = None) -> None:
    """Render every export (and the terrain), then write them all or none."""
    from planner.export.files import write_bytes, write_together

    check_for_body(paths, plan.mission.body.name)
    for p in paths:
        check_capture(plan, p)
    items: list[tuple[Path, Callable[[Path], None]]] = [
        (p, partial(write_bytes, render(plan, hazards, format_of(p)))) for p in paths]
    if terrain is not None:
        items.append((terrain, plan.dem.write_geotiff))
    write_together(items)
