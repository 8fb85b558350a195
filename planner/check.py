"""Re-check a plan file against a mission and a terrain, with the independent verifier.

The file's suffix says what it is: a QGroundControl ``.plan`` or a MAVLink ``QGC WPL 110`` file
(``.waypoints``, ``.txt``) is re-flown from its mission items by :mod:`planner.mavcheck`; anything
else is read as plan-flight's GeoJSON plan. A GeoJSON plan file is read through
:mod:`planner.planfile` (the one owner of its schema) and rebuilt
over the mission's prepared ground, then handed to :func:`planner.verify.verify` with the summary
the file records, so its figures are checked too. The vehicle, its cruise height and speed and
the air density default to those the plan records (the command line still wins, and the mission
file's fill what the plan does not say), so a plan is checked against the model it was made with
unless the caller says otherwise.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from planner.export.mavlink import MISSION_SUFFIXES
from planner.pipeline import Progress, no_progress, prepare
from planner.plan import FlightPlan
from planner.planfile import FILE_TOLERANCE, read_plan_file, rebuild_plan, route_mismatch
from planner.settings import PlanOptions
from planner.verify import Finding, Report, verify


def check_plan_file(plan_path: str | Path, mission_path: str | Path,
                    options: PlanOptions | None = None, *, flight: int | None = None,
                    progress: Progress = no_progress) -> tuple[Report, FlightPlan]:
    """Verify a plan file (GeoJSON, QGroundControl or MAVLink WPL) against a mission and terrain.

    For a mission that plans a campaign, the file is one flight's (``flight``, else the K its
    name gives): see :func:`planner.campaign_check.one_flight`.

    Raises
    ------
    InputError
        The plan file cannot be read or is not a plan of its kind; a campaign mission and no
        flight K.
    """
    if Path(plan_path).suffix.lower() in MISSION_SUFFIXES:
        from planner.mavcheck import check_mission_file

        return check_mission_file(plan_path, mission_path, options, flight=flight,
                                  progress=progress)
    options = options or PlanOptions()
    record = read_plan_file(plan_path)
    ctx = prepare(mission_path, options, recorded=(record.source, record.settings),
                  progress=progress)
    from planner.campaign_check import one_flight

    one = one_flight(ctx, options, plan_path, flight, progress=progress)
    summary = record.summary
    if one is not None:
        ctx = one.ctx
        # The flight's file lists as skipped only what it skips itself (as the campaign
        # document's check reads it).
        own = summary.get("targets_skipped")
        own = own if isinstance(own, list) else []
        named = {s.get("target") for s in own if isinstance(s, dict)}
        summary = {**summary, "targets_skipped": [
            *own, *({"target": t} for t in one.elsewhere if t not in named)]}
    progress("checking the plan")
    plan = rebuild_plan(record, mission=ctx.mission, local=ctx.local, vehicle=ctx.vehicle,
                        dem=ctx.dem)
    report = verify(plan, hazards=ctx.hazards, record_tolerance=FILE_TOLERANCE,
                    summary=summary, wind=ctx.wind)
    if one is not None:
        report = replace(report, notes=(*one.notes, *report.notes))
    drawn = route_mismatch(record, ctx.local)
    if drawn:
        report = replace(report, findings=(*report.findings, Finding("route", "plan", drawn)))
    return report, plan
