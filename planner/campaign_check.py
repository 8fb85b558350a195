"""Re-check a campaign document (``plan-flight --flights N --json``) against its mission.

Each flight's GeoJSON plan in the document is rebuilt over the mission's prepared ground
(:func:`planner.planfile.rebuild_plan`) and verified as a flight of its own
(:func:`planner.verify.verify`): the first takes off at the mission's home, the last lands at
its landing site when it names one, and each flight is held to the figures its plan records.
Then the campaign's own rules (:func:`planner.campaign_flow.check_campaign`): every hand-off,
each flight within its share of the budget, each target's view or image once, every required
target photographed whole over the flights and, with ``at_home`` recharge, every battery swap
at home or an airfield; and the document's campaign table against its flights. Every violation
is one line naming its flight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from shapely.geometry import Point

from planner.campaign_flow import (
    CampaignPlan,
    check_airfields,
    check_campaign,
    flight_targets,
    per_recharge,
    swap_points,
)
from planner.errors import InputError
from planner.mission import RECHARGE
from planner.pipeline import Context, Progress, check_sites, no_progress, prepare
from planner.plan import FlightPlan
from planner.planfile import (
    FILE_TOLERANCE,
    PlanFile,
    load_json,
    read_plan_doc,
    rebuild_plan,
    route_mismatch,
)
from planner.settings import PlanOptions
from planner.values import number
from planner.verify import verify

CAMPAIGN_TYPE = "plan-flight campaign"
"""The ``type`` member of a campaign document (:func:`planner.campaign_flow.campaign_to_json`)."""


@dataclass(frozen=True)
class CampaignFile:
    """A campaign document read and validated: each flight's plan and its table row."""

    source: str
    recharge: str
    planned: int
    flights: tuple[PlanFile, ...]
    rows: tuple[dict[str, Any], ...]
    """The campaign table's rows (``summary``), one per flight, validated."""
    skipped: tuple[str, ...]
    """The targets the document says no flight photographs."""


@dataclass(frozen=True)
class CampaignReport:
    """What re-checking a campaign found: one line per violation, and what was checked."""

    violations: tuple[str, ...]
    notes: tuple[str, ...]
    rules_broken: frozenset[str]
    """The verifier's rules any flight breaks (``wind`` says no-go in a given wind)."""
    flights: tuple[FlightPlan, ...]

    @property
    def ok(self) -> bool:
        """No violation."""
        return not self.violations


def is_campaign_doc(doc: object) -> bool:
    """Whether parsed JSON is a campaign document rather than one flight's plan."""
    return isinstance(doc, dict) and doc.get("type") == CAMPAIGN_TYPE


def campaign_doc(path: str | Path) -> dict[str, Any] | None:
    """The campaign document at ``path``, or ``None`` when it holds something else.

    Raises
    ------
    InputError
        A JSON file that is missing, unreadable or not JSON.
    """
    from planner.export.mavlink import MISSION_SUFFIXES

    if Path(path).suffix.lower() in MISSION_SUFFIXES:
        return None
    doc = load_json(path)
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and \
            isinstance(doc.get("campaign"), dict):
        return _from_geojson(doc, str(path))
    return doc if isinstance(doc, dict) and is_campaign_doc(doc) else None


def _from_geojson(doc: dict[str, Any], src: str) -> dict[str, Any]:
    """The campaign document a campaign GeoJSON holds (its flights' features regrouped)."""
    camp = dict(doc["campaign"])
    plans = camp.pop("plans", None)
    if not isinstance(plans, list) or not plans:
        raise InputError(f"{src}: field 'campaign.plans' must be a list of the flights' plan "
                         f"summaries")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InputError(f"{src}: field 'features' must be a list")
    flights: list[dict[str, Any]] = [{"type": "FeatureCollection", "plan": p, "features": []}
                                     for p in plans]
    for i, f in enumerate(features):
        props = f.get("properties") if isinstance(f, dict) else None
        k = props.get("flight") if isinstance(props, dict) else None
        if k is None:
            continue  # the keep-outs: the mission's, which the check reads
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= len(plans):
            raise InputError(f"{src}: feature {i}: field 'flight' must be a flight number "
                             f"from 1 to {len(plans)}, not {k!r}")
        flights[k - 1]["features"].append(f)
    return {**camp, "type": CAMPAIGN_TYPE, "flights": flights}


def read_campaign_doc(doc: dict[str, Any], src: str) -> CampaignFile:
    """Validate a campaign document's fields (each error names the field; exit code 2)."""
    recharge = doc.get("recharge")
    if recharge not in RECHARGE:
        raise InputError(f"{src}: field 'recharge' must be one of {', '.join(RECHARGE)}, not "
                         f"{recharge!r}")
    flights, rows = doc.get("flights"), doc.get("summary")
    if not isinstance(flights, list) or not flights:
        raise InputError(f"{src}: field 'flights' must be a list of the flights' plans")
    if not isinstance(rows, list) or len(rows) != len(flights):
        raise InputError(f"{src}: field 'summary' must have one row per flight "
                         f"({len(flights)})")
    try:
        planned = int(number(doc.get("flights_planned", len(flights)), minimum=1.0,
                             whole=True))
    except ValueError as exc:
        raise InputError(f"{src}: field 'flights_planned' {exc}") from None
    skipped = doc.get("skipped", [])
    if not isinstance(skipped, list) or \
            not all(isinstance(x, dict) and isinstance(x.get("target"), str) for x in skipped):
        raise InputError(f"{src}: field 'skipped' must be a list of {{\"target\": name, ...}}")
    plans = tuple(read_plan_doc(f, f"{src}: flight {k + 1}") for k, f in enumerate(flights))
    checked = []
    for k, row in enumerate(rows):
        where = f"{src}: summary row {k + 1}"
        if not isinstance(row, dict):
            raise InputError(f"{where}: must be an object")
        for key in ("from", "to"):
            if not isinstance(row.get(key), str):
                raise InputError(f"{where}: field {key!r} must be an airfield's name")
        for key, bounds in (("budget_fraction", {"minimum": 0.0, "exclusive_minimum": True,
                                                 "maximum": 1.0}),
                            ("distance_m", {"minimum": 0.0}), ("duration_s", {"minimum": 0.0}),
                            ("energy_wh", {"minimum": 0.0}), ("flight", {"minimum": 1.0})):
            try:
                number(row.get(key), **bounds)  # type: ignore[arg-type]
            except ValueError as exc:
                raise InputError(f"{where}: field {key!r} {exc}") from None
        if not isinstance(row.get("targets"), list) or \
                not all(isinstance(t, str) for t in row["targets"]):
            raise InputError(f"{where}: field 'targets' must be a list of target names")
        checked.append(row)
    return CampaignFile(source=src, recharge=str(recharge), planned=planned, flights=plans,
                        rows=tuple(checked),
                        skipped=tuple(str(x["target"]) for x in skipped))


def _site_at(ctx: Context, site_name: str, x: float, y: float) -> tuple[Any, Point]:
    """A mission site named ``site_name`` at local (x, y): a flight's own airfield."""
    lon, lat = ctx.frame.to_lonlat(x, y)
    return (replace(ctx.mission.home, name=site_name, point=Point(float(lon), float(lat))),
            Point(x, y))


def check_campaign_doc(doc: dict[str, Any], src: str, mission_path: str | Path,
                       options: PlanOptions | None = None, *,
                       progress: Progress = no_progress) -> CampaignReport:
    """Verify every flight of a campaign document, its hand-offs and its campaign table.

    Raises
    ------
    InputError
        A field of the document is missing or wrong, or the mission is bad input.
    """
    options = options or PlanOptions()
    camp = read_campaign_doc(doc, src)
    first = camp.flights[0]
    ctx = prepare(mission_path, options, recorded=(first.source, first.settings),
                  progress=progress)
    ctx, _ = per_recharge(ctx, camp.recharge)  # each flight held to one recharge's energy
    mission = ctx.mission
    sites = check_sites(ctx)
    fields, notes = check_airfields(ctx)
    n = len(camp.flights)
    plans: list[FlightPlan] = []
    out: list[str] = []
    broken: set[str] = set()
    for k, (record, row) in enumerate(zip(camp.flights, camp.rows, strict=True)):
        progress(f"checking flight {k + 1} of {n}")
        flown = rebuild_plan(record, mission=mission, local=ctx.local, vehicle=ctx.vehicle,
                             dem=ctx.dem)
        take, land = flown.waypoints[0], flown.waypoints[-1]
        # The first flight takes off at home; a later one where it takes off, since its
        # hand-off is the campaign's rule below. Each lands where it lands, checked for safety,
        # but the last at the mission's landing site when it names one.
        home, home_pt = (mission.home, ctx.local.home) if k == 0 else \
            _site_at(ctx, row["from"], take.x, take.y)
        landing, landing_pt = (mission.landing_site, ctx.local.landing) \
            if k == n - 1 and mission.landing is not None else \
            _site_at(ctx, row["to"], land.x, land.y)
        here = set(flown.targets_photographed)
        # Each flight answers for the required targets it alone photographs; the campaign for
        # all, and for those whose views or images are shared between flights.
        index = {t.name: i for i, t in enumerate(mission.targets)}
        targets = flight_targets(mission.targets, [{index[t] for t in r["targets"] if t in index}
                                                   for r in camp.rows], k)
        plan = replace(flown, mission=replace(mission, home=home, landing=landing,
                                              targets=targets),
                       local=replace(ctx.local, home=home_pt, landing=landing_pt))
        # A flight's plan lists as skipped only what it skips itself; the targets of the other
        # flights and those the whole campaign skips are accounted for by the document.
        others = [{"target": t} for t in dict.fromkeys(
            t for j, f in enumerate(camp.rows) if j != k for t in f["targets"]) if t not in here
        ] + [{"target": t} for t in camp.skipped]
        summary = {**record.summary, "targets_skipped": [
            *(record.summary.get("targets_skipped") or []), *others]}
        report = verify(plan, hazards=ctx.hazards, record_tolerance=FILE_TOLERANCE,
                        summary=summary, wind=ctx.wind)
        out += [f"flight {k + 1}: {v}" for v in report.violations]
        broken |= report.rules_broken
        notes += [f"flight {k + 1}: {v}" for v in report.notes]
        drawn = route_mismatch(record, ctx.local)
        if drawn:
            out.append(f"flight {k + 1}: route: plan: {drawn}")
        out += _row_mismatch(k, row, plan)
        plans.append(plan)
    whole = CampaignPlan(flights=tuple(plans),
                         legs=tuple((str(r["from"]), str(r["to"])) for r in camp.rows),
                         planned=camp.planned, recharge=camp.recharge,
                         budgets=tuple(float(r["budget_fraction"]) for r in camp.rows),
                         skipped=(), selection="from file")
    out += [f"campaign: {p}" for p in check_campaign(whole, ctx,
                                                     swap_points(ctx, sites, fields))]
    return CampaignReport(violations=tuple(out), notes=tuple(notes),
                          rules_broken=frozenset(broken), flights=tuple(plans))


@dataclass(frozen=True)
class OneFlight:
    """Flight K of a campaign, as the campaign plan makes it, to check its own file against."""

    ctx: Context
    """The context of flight K: its take-off and landing airfields, the targets it answers
    for (:func:`planner.campaign_flow.flight_targets`), its share of the budget."""
    notes: tuple[str, ...]
    elsewhere: tuple[str, ...]
    """The targets the campaign photographs on its other flights or skips: the flight's file
    lists none of them as its own skipped targets."""


def one_flight(ctx: Context, options: PlanOptions, plan_path: str | Path, flight: int | None, *,
               progress: Progress = no_progress) -> OneFlight | None:
    """The flight of a campaign a per-flight file is, or ``None`` for a mission of one flight.

    ``flight`` is ``--flight K``; without it, the K the file's name gives
    (:func:`planner.export.files.flight_of`). The campaign is planned again from the mission,
    as ``--out`` planned it (same settings and seed), for where flight K takes off (where
    flight K-1 landed) and lands, the targets it alone answers for, and its budget.

    Raises
    ------
    InputError
        A campaign mission and no K (one line: pass ``--flight K`` or check the campaign's
        document), a K beyond the campaign's flights, or ``--flight`` for a single flight.
    """
    from planner.campaign_flow import flights_asked, plan_campaign
    from planner.export.files import flight_of

    mission = ctx.mission
    n = flights_asked(mission, options)
    if n <= 1:
        if flight is not None and flight != 1:
            raise InputError(f"--flight {flight}: {mission.source} plans one flight, not a "
                             f"campaign")
        return None
    k = flight if flight is not None else flight_of(plan_path)
    if k is None:
        raise InputError(f"{plan_path}: {mission.source} plans a campaign of {n} flights: pass "
                         f"--flight K to check this file as its flight K, or check the "
                         f"campaign's GeoJSON (plan.geojson of --out); --flights 1 if it was "
                         f"planned as one flight")
    campaign, cctx = plan_campaign(mission.source, options, ctx=ctx, progress=progress)
    flown = len(campaign.flights)
    if k > flown:
        raise InputError(f"{plan_path}: flight {k}: the campaign is flown in {flown} "
                         f"flight{'s' if flown > 1 else ''}"
                         + ("" if flight is not None else " (K from the file's name)"))
    plan = campaign.flights[k - 1]
    share = campaign.budgets[k - 1]
    p = cctx.vehicle.profile
    held = replace(p, usable_energy_wh=share * p.budget_energy_wh + p.reserve_wh,
                   max_flight_time_s=share * p.max_flight_time_s)
    fctx = replace(cctx, mission=plan.mission, local=plan.local,
                   vehicle=replace(cctx.vehicle, profile=held))
    start, end = campaign.legs[k - 1]
    notes = [f"checked as flight {k} of the campaign's {flown}, planned again from the mission "
             f"(seed {options.seed}): from {start!r} to {end!r}, within "
             + ("a whole battery" if share >= 1.0 else f"its {share:.0%} of a battery")
             + f" ({held.budget_energy_wh:.2f} Wh above the reserve, "
             f"{held.max_flight_time_s:g} s)"]
    if campaign.selection.endswith("another run may choose differently"):
        notes.append("the campaign's search stopped at its time cap: if this flight's "
                     "airfields differ from the file's, check the campaign's GeoJSON instead")
    others = [t.name for t, own in zip(mission.targets, plan.mission.targets, strict=True)
              if t.required and not own.required]
    if others:
        notes.append("required target(s) " + ", ".join(repr(t) for t in others) +
                     " are photographed on other flights of the campaign, or shared between "
                     "flights: a per-flight file cannot show that; check those flights' files, "
                     "or the campaign's GeoJSON")
    here = set(plan.targets_photographed)
    elsewhere = tuple(dict.fromkeys(
        [t for j, f in enumerate(campaign.flights) if j != k - 1
         for t in f.targets_photographed if t not in here] +
        [s.target for s in campaign.skipped]))
    return OneFlight(ctx=fctx, notes=tuple(notes), elsewhere=elsewhere)


def _row_mismatch(k: int, row: dict[str, Any], plan: FlightPlan) -> list[str]:
    """Where the campaign table's row of flight ``k`` differs from the flight's plan."""
    out = []
    if int(row["flight"]) != k + 1:
        out.append(f"flight {k + 1}: summary: the campaign table numbers it {row['flight']}")
    for key, value in (("distance_m", plan.distance_m), ("duration_s", plan.duration_s),
                       ("energy_wh", plan.energy_wh)):
        recorded = float(row[key])
        if not math.isclose(recorded, value, rel_tol=FILE_TOLERANCE, abs_tol=1e-2):
            out.append(f"flight {k + 1}: summary: the campaign table's {key} {recorded:g} is "
                       f"not the flight's {value:.2f}")
    if list(row["targets"]) != list(plan.targets_photographed):
        out.append(f"flight {k + 1}: summary: the campaign table's targets "
                   f"{', '.join(row['targets']) or 'none'} are not the flight's "
                   f"{', '.join(plan.targets_photographed) or 'none'}")
    return out


__all__ = ["CAMPAIGN_TYPE", "CampaignFile", "CampaignReport", "OneFlight", "campaign_doc",
           "check_campaign_doc", "is_campaign_doc", "one_flight", "read_campaign_doc"]
