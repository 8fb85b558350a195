"""The flow of a campaign: one mission flown as several flights over the same prepared ground.

```
prepare ─► sites + airfields ─► stations ─► roadmap ─► campaign core ─► assemble ─► verify
```

The stages are the single flight's (:mod:`planner.pipeline`), with one roadmap and travel table
over every mission point: home, the landing site, the mission's ``role: airfield`` points and
every camera station. The selection problem's costs (:mod:`planner.selection`) become the
campaign core's (:func:`planner.campaign.solve_campaign`), which chooses each flight's targets
and where it lands; each flight is then assembled and verified as a flight of its own, from the
airfield where it takes off to the one where it lands.

How a flight ends (``plan_flight.recharge``):

- ``in_place`` (the default on Mars): the helicopter recharges where it landed, so flight k+1
  takes off where flight k landed; the campaign ends at the mission's landing site, or, when it
  names none, at whichever airfield (home included) leaves the most collected;
- ``at_home`` (the default on Earth): every flight lands at home or at a user-given airfield
  for a battery swap, and the next one takes off from there; without a landing site the
  campaign ends at home.

Budgets: ``plan_flight.flight_budgets`` gives each flight a fraction of the vehicle's usable
energy and flight time (a cold sol on Mars charges less); by default each flight has the full
budget. Targets are chosen over the whole campaign, each photographed once, required targets
before all others.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import Point

from planner import selection
from planner.campaign import SEQUENCE_BEAM, Campaign, refit, solve_campaign
from planner.errors import InfeasibleMissionError, MissionError, VerificationError
from planner.mission import RECHARGE, Mission, Site, Target
from planner.pipeline import (
    RESOLVE_ATTEMPTS,
    RESOLVE_MARGIN,
    Context,
    Progress,
    Sites,
    camera_stations,
    check_sites,
    flight_budgets,
    no_progress,
    prepare,
    safe_landing,
    travel,
)
from planner.plan import FlightPlan, LandingMove, Photo, Skipped, assemble
from planner.roadmap import Node, NodeKind, Roadmap, TravelTable
from planner.route import EPS, Method, path_cost
from planner.settings import DEFAULT_OPTIONS, PlanOptions
from planner.verify import POSITION_TOL_M, coverage_gaps, verify
from planner.viewpoints import TargetStations

DEFAULT_RECHARGE = {"mars": "in_place", "earth": "at_home"}
"""How flights are recharged when the mission does not say: Ingenuity charged its batteries
from its solar panel where it landed, one flight a few sols apart; a drone's crew swaps the
battery where the drone lands by them."""


@dataclass(frozen=True)
class Airfield:
    """Where a flight of the campaign may take off or land (local metres), by name."""

    name: str
    xy: tuple[float, float]
    site: Site
    """The mission feature it came from (home, the landing site or a ``role: airfield``)."""


@dataclass(frozen=True, eq=False)
class CampaignPlan:
    """A verified campaign: its flights in order, and the targets none of them photographs."""

    flights: tuple[FlightPlan, ...]
    legs: tuple[tuple[str, str], ...]
    """Each flight's take-off and landing airfield, by name."""
    planned: int
    """The number of flights asked for (a campaign may need fewer)."""
    recharge: str
    budgets: tuple[float, ...]
    """Each flight's share of the vehicle's budget (one per flight flown; a flight that would
    only have stood still is left out with its share)."""
    skipped: tuple[Skipped, ...]
    selection: str
    warnings: tuple[str, ...] = ()
    end_note: str = ""
    """Why the campaign ends where it does, when it chose the airfield (no landing site)."""

    @property
    def targets_photographed(self) -> tuple[str, ...]:
        """Every target photographed, flight after flight, once each.

        A target whose views or images are split between flights is listed at the first.
        """
        return tuple(dict.fromkeys(t for f in self.flights for t in f.targets_photographed))

    @property
    def priority_collected(self) -> float:
        """The priority photographed over the campaign.

        As :attr:`FlightPlan.priority_collected` counts it for one flight: a target from
        several sides counts the share of its sides taken on any flight.
        """
        views: dict[str, set[int]] = {}
        for f in self.flights:
            for p in f.photos:
                views.setdefault(p.target, set()).add(p.view)
        targets = self.flights[0].mission.targets if self.flights else ()
        return float(sum(t.priority * min(len(views[t.name]) / t.views, 1.0)
                         for t in targets if t.name in views))


def recharge_mode(mission: Mission) -> str:
    """How the campaign's flights are recharged: the mission's, else its body's default."""
    recharge = mission.campaign.recharge or DEFAULT_RECHARGE[mission.body.name]
    assert recharge in RECHARGE
    return recharge


def per_recharge(ctx: Context, recharge: str) -> tuple[Context, str | None]:
    """The context with each flight's energy held to what one recharge in place gives.

    With ``in_place`` recharge and a profile's ``flight_energy_per_recharge_wh`` below the
    battery's budget (usable energy less the reserve), every flight of the campaign may use
    only that much (Ingenuity's solar panel charged its batteries through a sol, and the
    nights' heating took most of it: NASA gave enough for one ~90 s flight a sol, FACTS): the
    vehicle's usable energy becomes that plus the reserve, for planning and verifying alike.
    Returns the context unchanged, and no note, otherwise.
    """
    p = ctx.vehicle.profile
    cap = p.flight_energy_per_recharge_wh
    if recharge != "in_place" or cap is None or cap >= p.budget_energy_wh:
        return ctx, None
    held = replace(p, usable_energy_wh=cap + p.reserve_wh)
    note = (f"each flight uses at most {cap:g} Wh, what one recharge in place gives "
            f"(the profile's flight_energy_per_recharge_wh), of the battery's "
            f"{p.budget_energy_wh:g} Wh after the reserve")
    return replace(ctx, vehicle=replace(ctx.vehicle, profile=held)), note


def campaign_settings(ctx: Context, options: PlanOptions) -> tuple[int, str, tuple[float, ...]]:
    """The flight count, the recharge mode and each flight's share of the budget.

    Raises
    ------
    MissionError
        ``flight_budgets`` with a different number of entries than flights.
    InfeasibleMissionError
        A flight whose share of the budget does not cover its take-off and landing.
    """
    mission = ctx.mission
    spec = mission.campaign
    n = flights_asked(mission, options)
    recharge = recharge_mode(mission)
    budgets = spec.flight_budgets or (1.0,) * n
    if len(budgets) != n:
        raise MissionError(f"{len(budgets)} budgets for {n} flights: give one per flight",
                           source=mission.source, field="plan_flight.flight_budgets")
    p, vehicle = ctx.vehicle.profile, ctx.vehicle
    h = vehicle.cruise_altitude_agl_m
    fixed_e = vehicle.takeoff(h, ctx.wind)[1] + vehicle.landing(h, ctx.wind)[1]
    for k, f in enumerate(budgets):
        if f * p.budget_energy_wh <= fixed_e:
            raise InfeasibleMissionError(
                f"{mission.source}: plan_flight.flight_budgets: flight {k + 1}'s "
                f"{f:g} of {p.budget_energy_wh:g} Wh does not cover its take-off and landing "
                f"({fixed_e:.2f} Wh)")
    return n, recharge, tuple(budgets)


def check_airfields(ctx: Context) -> tuple[list[Airfield], list[str]]:
    """The mission's airfields where a flight may land, and warnings for those moved or dropped.

    Each is checked like the landing site: one inside a keep-out zone is refused; one on
    unsafe ground moves to the nearest safe spot within the profile's landing search radius,
    or is dropped when there is none.

    Raises
    ------
    MissionError
        An airfield inside a keep-out zone (with its buffer).
    """
    mission, local = ctx.mission, ctx.local
    out: list[Airfield] = []
    warnings: list[str] = []
    column = (0.0, ctx.vehicle.cruise_altitude_agl_m)  # climbs to, descends from, cruise
    for site, pt in zip(mission.airfields, local.airfields, strict=True):
        for i in local.keep_outs_at(pt.x, pt.y, *column,
                                    clearance_m=ctx.vehicle.profile.min_clearance_m):
            k = mission.keep_outs[i]
            raise MissionError(f"lies inside keep-out zone {k.name!r} (with its buffer"
                               + (f"; {k.heights_text}" if k.heights_text else "") + ")",
                               source=mission.source, feature=site.index, name=site.name,
                               field="geometry")
        if not ctx.dem.contains(np.array([pt.x]), np.array([pt.y]))[0]:
            raise MissionError(f"lies outside the terrain {ctx.dem.source}",
                               source=mission.source, feature=site.index, name=site.name,
                               field="geometry")
        x, y = float(pt.x), float(pt.y)
        reason, alt = safe_landing(ctx, x, y)
        if reason and alt is None:
            warnings.append(f"airfield {site.name!r} is unsafe ({reason}) with no safe spot "
                            f"within {ctx.vehicle.profile.landing_search_radius_m:g} m: "
                            f"not used")
            continue
        if reason and alt is not None:
            warnings.append(f"airfield {site.name!r} is unsafe ({reason}); using the nearest "
                            f"safe spot, {math.hypot(alt[0] - x, alt[1] - y):.1f} m away")
            x, y = alt
        out.append(Airfield(site.name, (x, y), site))
    return out, warnings


AIRFIELDS_MAX = math.isqrt(SEQUENCE_BEAM)
"""Most airfields a campaign offers its core (home, the mission's and found ones): with A
airfields every flight's landing multiplies the landing sequences by A, and the campaign search
keeps :data:`planner.campaign.SEQUENCE_BEAM` (256) partial sequences; 16 airfields keep every
sequence of two landings in the beam, so no two-flight choice of airfields is cut unranked."""


def one_flight_reach_m(ctx: Context) -> float:
    """An upper bound on how far one flight can carry the vehicle from where it took off.

    The full travel budget (:func:`planner.pipeline.flight_budgets`: take-off and landing paid)
    spent in level cruise, in a straight line, with the whole mean wind behind it: a real flight
    also climbs, accelerates and stops, so none gets farther.
    """
    v = ctx.vehicle
    energy, time_s = flight_budgets(v, ctx.mission.source, ctx.wind)
    speed = v.cruise_speed_m_s
    ground = speed + (ctx.wind.speed_m_s if ctx.wind is not None else 0.0)
    hours = energy / float(v.level_power_w(speed))
    return min(hours * 3600.0, time_s) * ground


def found_airfields(ctx: Context, given: Sequence[Airfield]) -> tuple[list[Airfield], str]:
    """Safe landing spots found on the terrain, offered as airfields, and a note saying how many.

    Spots come from :func:`terrain.airfields.landing_spots` (flat, rock-free, textured ground
    with a clear circle; keep-outs, obstacles and volumes the descent would pass through
    blocked) on a spacing of the profile's ``landing_search_radius_m``: the planner already moves
    an unsafe landing site up to that far, so two spots closer than that are one airfield to it.
    Each is re-checked like a user's airfield (:func:`planner.pipeline.safe_landing`); those
    beyond one flight's reach of home (:func:`one_flight_reach_m`) or within the spacing of home,
    the landing site or a given airfield are dropped; the rest, nearest a target first (a flight
    that lands by the targets leaves the next one close to its work), up to
    :data:`AIRFIELDS_MAX` airfields in all.
    """
    from terrain import hazards as hz
    from terrain.airfields import landing_spots

    p = ctx.vehicle.profile
    spacing = p.landing_search_radius_m
    blocked = hz.polygons_mask(ctx.dem, ctx.obstacles)
    for vol in ctx.volumes:
        if vol.lo < ctx.vehicle.cruise_altitude_agl_m:  # the descent from cruise passes it
            blocked |= hz.polygons_mask(ctx.dem, vol.footprint)
    spots = landing_spots(ctx.hazards, spacing, blocked=blocked)
    home = ctx.local.home
    reach = one_flight_reach_m(ctx)
    taken = [(home.x, home.y), *((ctx.local.landing.x, ctx.local.landing.y)
                                  if ctx.mission.landing is not None else ()),
             *(a.xy for a in given)]
    aims = [g if isinstance(g, Point) else g.centroid for g in ctx.local.targets]
    kept = []
    for x, y in spots:
        if math.hypot(x - home.x, y - home.y) > reach or \
                min(math.hypot(x - a, y - b) for a, b in taken) < spacing or \
                safe_landing(ctx, x, y)[0]:
            continue
        near = min((math.hypot(x - t.x, y - t.y) for t in aims), default=0.0)
        kept.append((near, x, y))
    room = max(0, AIRFIELDS_MAX - 1 - len(given))
    kept.sort()
    out = []
    for i, (_, x, y) in enumerate(kept[:room]):
        lon, lat = ctx.frame.to_lonlat(np.array([x]), np.array([y]))
        name = f"spot {i + 1}"
        out.append(Airfield(name, (x, y), Site(index=-1, name=name,
                                                point=Point(float(lon[0]), float(lat[0])))))
    note = (f"auto_airfields: {len(out)} safe landing spot{'s' if len(out) != 1 else ''} found "
            f"on the terrain offered as airfields ({len(kept)} within one flight's reach of "
            f"home, {reach:.0f} m, {spacing:g} m apart"
            + (f"; the {len(out)} nearest the targets kept, {AIRFIELDS_MAX} airfields in all"
               if len(kept) > len(out) else "") + ")")
    return out, note


def _sub_table(table: TravelTable, idx: list[int]) -> TravelTable:
    """The travel table between the mission points ``idx`` (in that order)."""
    ix = np.ix_(idx, idx)
    return TravelTable(energy_wh=table.energy_wh[ix], time_s=table.time_s[ix],
                       length_m=table.length_m[ix],
                       sources=tuple(table.sources[i] for i in idx),
                       predecessors=table.predecessors[idx],
                       still_energy_wh=None if table.still_energy_wh is None
                       else table.still_energy_wh[ix],
                       still_time_s=None if table.still_time_s is None
                       else table.still_time_s[ix])


@dataclass(frozen=True, eq=False)
class _Setup:
    ctx: Context
    sites: Sites
    fields: tuple[Airfield, ...]
    nodes: tuple[Node, ...]
    found: tuple[TargetStations, ...]
    base: selection.Problem
    table: TravelTable
    roadmap: Roadmap
    cost: NDArray[np.float64]
    """Each leg's share of a full flight's budget (the larger of energy and time)."""
    n_fixed: int
    """Nodes before the first station: home, the landing site, then the airfields."""


def _setup(ctx: Context, options: PlanOptions, sites: Sites, fields: list[Airfield],
           progress: Progress) -> _Setup:
    # The selection's groups are slots in ``found``: one per view of a target photographed from
    # several sides, one per image of an area or corridor surveyed image by image, one for any
    # other target. The flow maps a slot to its target by ``found[slot].target``.
    found = camera_stations(ctx, options, progress=progress)
    h = ctx.vehicle.cruise_altitude_agl_m
    start = Node(sites.start[0], sites.start[1], h, NodeKind.HOME)
    end = Node(sites.end[0], sites.end[1], h, NodeKind.LANDING)
    base_nodes, _ = selection.problem_nodes(start, end, found)
    fixed = [start, end, *(Node(a.xy[0], a.xy[1], h, NodeKind.LANDING) for a in fields)]
    nodes = (*fixed, *base_nodes[2:])
    progress(f"building the roadmap ({len(nodes):,} mission points, {len(fields)} airfields)")
    rm, table = travel(ctx, nodes, progress=progress)
    nf = len(fixed)
    base_idx = [0, 1, *range(nf, len(nodes))]
    energy, time_s = flight_budgets(ctx.vehicle, ctx.mission.source, ctx.wind)
    base = selection.build_problem(start=start, end=end, found=found,
                                   targets=ctx.mission.targets, roadmap=rm,
                                   table=_sub_table(table, base_idx), vehicle=ctx.vehicle,
                                   energy_budget_wh=energy, time_budget_s=time_s,
                                   wind=ctx.wind)
    # Legs to and from airfields: travel plus the photo hover at a station reached (no yaw
    # turn: an airfield has no camera heading to turn from).
    service_t, service_e, *_ = selection.node_service(
        [None] * nf + list(base.stations[2:]), ctx.mission.targets, ctx.vehicle, ctx.wind)
    e = table.energy_wh + service_e[None, :]
    t = table.time_s + service_t[None, :]
    e[np.ix_(base_idx, base_idx)] = base.energy_wh
    t[np.ix_(base_idx, base_idx)] = base.time_s
    with np.errstate(invalid="ignore"):
        cost = np.maximum(e / energy, t / time_s)
    cost[~np.isfinite(cost)] = np.inf
    return _Setup(ctx=ctx, sites=sites, fields=tuple(fields), nodes=nodes, found=tuple(found),
                  base=base, table=table, roadmap=rm, cost=cost, n_fixed=nf)


def _budget_share(ctx: Context, fraction: float) -> float:
    """A flight's budget in the costs' units (shares of a full flight's travel budget).

    A flight with ``fraction`` of the vehicle's budget still pays a whole take-off and landing,
    so its share of the travel budget is smaller than ``fraction``; the lesser of the energy
    and time shares keeps both.
    """
    v = ctx.vehicle
    p = v.profile
    h = v.cruise_altitude_agl_m
    (t_to, e_to), (t_la, e_la) = v.takeoff(h, ctx.wind), v.landing(h, ctx.wind)
    energy, time_s = flight_budgets(v, ctx.mission.source, ctx.wind)
    return max(0.0, min((fraction * p.budget_energy_wh - e_to - e_la) / energy,
                        (fraction * p.max_flight_time_s - t_to - t_la) / time_s))


def plan_campaign(path: str | Path, options: PlanOptions = DEFAULT_OPTIONS, *,
                  progress: Progress = no_progress,
                  ctx: Context | None = None) -> tuple[CampaignPlan, Context]:
    """Plan a mission file as a campaign of flights and verify every flight and hand-off.

    Raises
    ------
    InputError
        Bad input (exit code 2).
    InfeasibleMissionError
        A required target in no flight, or no campaign within the budgets (exit code 3).
    VerificationError
        The independent check found a violation: a planner bug (exit code 4).
    """
    ctx = ctx or prepare(path, options, progress=progress)
    mission = ctx.mission
    ctx, charge_note = per_recharge(ctx, recharge_mode(mission))
    n, recharge, fractions = campaign_settings(ctx, options)
    if mission.campaign.auto_airfields and recharge != "in_place":
        raise MissionError("needs recharge in_place: with at_home (the default on Earth) a "
                           "crew swaps the battery at home or a role: airfield point",
                           source=mission.source, field="plan_flight.auto_airfields")
    sites = check_sites(ctx)
    fields, field_warnings = check_airfields(ctx)
    if charge_note:
        field_warnings.insert(0, charge_note)
    if mission.campaign.auto_airfields:
        found, note = found_airfields(ctx, fields)
        fields += found
        field_warnings.append(note)
    setup = _setup(ctx, options, sites, fields, progress)
    nf = setup.n_fixed
    end = 1 if mission.landing is not None else (0 if recharge == "at_home" else None)
    airfields = [0, *range(2, nf)]
    prize = np.concatenate([np.zeros(nf), setup.base.prize[2:]])
    groups = np.concatenate([np.full(nf, -1), setup.base.groups[2:]])
    scales = [1.0] * n
    raw: Campaign | None = None
    end_note = ""
    for _attempt in range(RESOLVE_ATTEMPTS):
        budgets = [_budget_share(ctx, f) * s for f, s in zip(fractions, scales, strict=True)]
        camp = None
        if raw is not None and raw.method is Method.SEARCH:
            progress("fitting the flights that overshot when built to tighter budgets")
            # Flights chosen by the search that overshot when built: the same campaign made
            # to fit the tightened budgets (the overshooting flights give up visits, the others
            # take them in where there is room) when that keeps the whole prize, instead of a
            # second search (as long as the first on the 100-target benchmark).
            fitted = refit(setup.cost, prize, raw.flights, budgets=budgets[:len(raw.flights)],
                           airfields=airfields, groups=groups)
            if fitted.prize >= raw.prize - EPS:
                camp = replace(fitted, stopped_by_time=raw.stopped_by_time)
        if camp is None:
            progress(f"choosing targets, flights and airfields ({n} flights, "
                     f"{len(setup.nodes) - nf:,} stations, {len(fields)} airfields)")
            camp = solve_campaign(setup.cost, prize, start=0, end=end, airfields=airfields,
                                  budgets=budgets, groups=groups, seed=options.seed,
                                  time_limit_s=options.time_limit_s)
        raw = camp
        # A flight that visits nothing and lands where it took off is no flight at all (but a
        # campaign that reaches nothing still flies its first, as one flight would).
        kept = [k for k, f in enumerate(camp.flights) if len(f) > 2 or f[0] != f[-1]] or \
            list(range(min(1, len(camp.flights))))
        camp = replace(camp, flights=tuple(camp.flights[k] for k in kept),
                       costs=tuple(camp.costs[k] for k in kept))
        shares = tuple(fractions[k] for k in kept)  # each flight flown keeps its own budget
        if not camp.flights:
            raise InfeasibleMissionError(
                f"{mission.source}: no campaign of {n} flights reaches "
                f"{'the landing site' if end == 1 else 'an airfield'} within the budgets")
        if end is None:
            camp, end_note = _end_for_what_is_left(setup, camp, budgets[kept[-1]],
                                                   _budget_share(ctx, 1.0), airfields)
        _refuse_missing_required(setup, camp, n, budgets)
        plans = _assemble(setup, camp, shares, sites)
        over = [1.0] * n
        for k, pl in zip(kept, plans, strict=True):
            over[k] = max(pl.energy_wh / (ctx.vehicle.profile.budget_energy_wh * fractions[k]),
                          pl.longest_s / (ctx.vehicle.profile.max_flight_time_s * fractions[k]))
        if max(over) <= 1.0:
            break
        # The search's leg costs are estimates; the assembled flights are exact. Tighten the
        # flights that overshot and re-fit or re-solve.
        scales = [s / o * RESOLVE_MARGIN if o > 1.0 else s
                  for s, o in zip(scales, over, strict=True)]
    else:
        raise InfeasibleMissionError(f"{mission.source}: no campaign within the budgets was "
                                     f"found")
    names = [_node_name(setup, f[0]) for f in camp.flights]
    legs = tuple((names[k], _node_name(setup, f[-1])) for k, f in enumerate(camp.flights))
    text = describe(camp)
    if camp.stopped_by_time:
        text += " — stopped at its time cap: another run may choose differently"
    skipped, partial = _skipped(setup, camp, n, budgets)
    plan = CampaignPlan(flights=tuple(plans), legs=legs, planned=n, recharge=recharge,
                        budgets=shares, skipped=tuple(skipped), selection=text,
                        warnings=(*field_warnings, *partial), end_note=end_note)
    for k, pl in enumerate(plan.flights):
        progress(f"verifying flight {k + 1} of {len(plan.flights)}")
        verify(pl, hazards=ctx.hazards).raise_if_failed()
    problems = check_campaign(plan, ctx, swap_points(ctx, sites, fields))
    if problems:
        raise VerificationError(f"{mission.source}: the campaign breaks a rule: {problems[0]}")
    return plan, ctx


def _end_for_what_is_left(setup: _Setup, camp: Campaign, budget: float, full: float,
                          airfields: Sequence[int]) -> tuple[Campaign, str]:
    """With no landing site given, the last flight lands where the next flight would do most.

    The core ends the campaign at any airfield that collects the most; among those where the
    last flight, with the same visits, still fits its ``budget``, this one is chosen: the one
    from which one more flight (a ``full`` budget, landing at any airfield) reaches the most
    priority the campaign leaves out, then the nearest to what is left (Ingenuity's airfields
    were chosen so that the next flight could go on). The campaign as it was, and no note,
    when nothing is left out or no airfield does better.
    """
    c = setup.cost
    nf = setup.n_fixed
    done = _slots(setup, camp.visits)
    slot = setup.base.groups[2:]
    left = [v for v in range(nf, len(setup.nodes)) if int(slot[v - nf]) not in done]
    if not left:
        return camp, ""
    af = np.asarray(airfields, dtype=int)
    lv = np.asarray(left, dtype=int)
    back = c[np.ix_(lv, af)].min(axis=1)
    prize = setup.base.prize[2:]

    def key(a: int) -> tuple[float, float]:
        ok = c[a, lv] + back <= full + EPS
        best: dict[int, float] = {}
        for v in lv[ok]:
            g = int(slot[v - nf])
            best[g] = max(best.get(g, 0.0), float(prize[v - nf]))
        return (sum(best.values()), -float(c[a, lv].min()))

    last = camp.flights[-1]
    here = key(last[-1])
    fits = [a for a in airfields if a != last[-1]
            and path_cost(c, (*last[:-1], a)) <= budget + EPS]
    scored = [(key(a), a) for a in fits]
    better = [(k, a) for k, a in scored if k[0] > here[0] + EPS
              or (k[0] > here[0] - EPS and k[1] > here[1] + EPS)]
    if not better:
        return camp, ""
    (reach, _), a = max(better, key=lambda ka: (ka[0], -ka[1]))
    flight = (*last[:-1], a)
    names = sorted({setup.ctx.mission.targets[setup.found[int(slot[v - nf])].target].name
                    for v in left})
    what = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    note = (f"one more flight from there reaches {reach:g} of the priority left ({what})"
            if reach > 0 else f"the airfield nearest what is left ({what})")
    return replace(camp, flights=(*camp.flights[:-1], flight),
                   costs=(*camp.costs[:-1], path_cost(c, flight))), note


def _node_name(setup: _Setup, node: int) -> str:
    mission = setup.ctx.mission
    if node == 0:
        return mission.home.name
    if node == 1:
        return mission.landing_site.name
    return setup.fields[node - 2].name


def _node_site(setup: _Setup, node: int) -> tuple[Site, tuple[float, float]]:
    """The mission site a flight takes off from or lands at, placed where it is flown."""
    ctx = setup.ctx
    if node == 0:
        xy = setup.sites.start
        site = ctx.mission.home
    elif node == 1:
        xy = setup.sites.end
        site = ctx.mission.landing_site
    else:
        xy = setup.fields[node - 2].xy
        site = setup.fields[node - 2].site
    lon, lat = ctx.frame.to_lonlat(np.array([xy[0]]), np.array([xy[1]]))
    return replace(site, point=Point(float(lon[0]), float(lat[0]))), xy


def describe(camp: Campaign) -> str:
    """How the campaign's flights were chosen, in words."""
    return (f"campaign {camp.method}{' (optimal)' if camp.optimal else ''} over "
            f"{len(camp.flights)} flight{'s' if len(camp.flights) > 1 else ''}")


def _assemble(setup: _Setup, camp: Campaign, fractions: tuple[float, ...],
              sites: Sites) -> list[FlightPlan]:
    """Each flight's waypoints, as a flight of its own from its airfield to its airfield."""
    ctx = setup.ctx
    nf = setup.n_fixed
    n_nodes = len(setup.nodes)
    plans = []
    for k, flight in enumerate(camp.flights):
        a, b = flight[0], flight[-1]
        idx = [a, b, *range(nf, n_nodes)]
        energy, time_s = flight_budgets(ctx.vehicle, ctx.mission.source, ctx.wind)
        prob = selection.build_problem(
            start=replace(setup.nodes[a], kind=NodeKind.HOME),
            end=replace(setup.nodes[b], kind=NodeKind.LANDING), found=setup.found,
            targets=ctx.mission.targets, roadmap=setup.roadmap,
            table=_sub_table(setup.table, idx), vehicle=ctx.vehicle,
            energy_budget_wh=energy * fractions[k], time_budget_s=time_s * fractions[k],
            wind=ctx.wind)
        order = [0, *(2 + v - nf for v in flight[1:-1]), 1]
        home_site, home_xy = _node_site(setup, a)
        land_site, land_xy = _node_site(setup, b)
        moved: LandingMove | None = None
        land_req = land_xy
        if b == 1 and sites.landing_moved is not None:
            land_site, moved = ctx.mission.landing_site, sites.landing_moved
            land_req = sites.landing_moved.requested_xy
        # Each flight's own plan answers for the required targets it alone photographs (every
        # view or image of it on this flight); the campaign check answers for every required
        # target being photographed whole over the campaign, on one flight or several.
        targets = flight_targets(ctx.mission.targets, [_slot_targets(setup, f) for f in
                                                       camp.flights], k)
        mission = replace(ctx.mission, home=home_site, landing=land_site, targets=targets)
        local = replace(ctx.local, home=Point(home_xy), landing=Point(land_req))
        # The mission's warnings (synthetic terrain, a moved landing site) go with the first
        # flight; the airfields' with the campaign.
        plans.append(assemble(selection.route_points(prob, order), mission=mission,
                              local=local, vehicle=ctx.vehicle, dem=ctx.dem, skipped=[],
                              warnings=list(sites.warnings) if k == 0 else [],
                              selection=describe(camp), stopped_by_time=camp.stopped_by_time,
                              landing_moved=moved, wind=ctx.wind))
    return plans


def _slots(setup: _Setup, flight: Sequence[int]) -> set[int]:
    """The slots of ``found`` (a target's view or survey image) the flight's stations take."""
    return {int(setup.base.groups[2 + v - setup.n_fixed]) for v in flight
            if v >= setup.n_fixed}


def _slot_targets(setup: _Setup, flight: Sequence[int]) -> set[int]:
    """The targets (indices in the mission) the flight photographs, whole or in part."""
    return {setup.found[g].target for g in _slots(setup, flight)}


def flight_targets(targets: Sequence[Target], per_flight: Sequence[set[int]],
                   k: int) -> tuple[Target, ...]:
    """The mission's targets as flight ``k`` answers for them (``per_flight``: each flight's).

    A required target stays required on the flight only when that flight alone photographs it:
    its own verification then checks every side or image of it. One whose views or images are
    shared between flights, or left to other flights, is answered for by the campaign check.
    """
    others = set().union(*(f for j, f in enumerate(per_flight) if j != k))
    return tuple(t if i in per_flight[k] and i not in others else replace(t, required=False)
                 for i, t in enumerate(targets))


def _slot_name(setup: _Setup, slot: int) -> str:
    """A slot's target by name, with the view or image when the target has several."""
    ts = setup.found[slot]
    name = repr(setup.ctx.mission.targets[ts.target].name)
    if ts.views <= 1:
        return name
    spec = setup.ctx.mission.targets[ts.target]
    what = "side" if spec.views > 1 else "image"
    return f"{name} ({what} {ts.view + 1} of {ts.views})"


def _why_not(setup: _Setup, slot: int, n: int, budgets: list[float]) -> str:
    """Why a slot (a target, or one view or image of it) is in no flight, in words."""
    ts = setup.found[slot]
    members = [setup.n_fixed + i - 2 for i in np.flatnonzero(setup.base.groups == slot)]
    if not members:
        return str(ts.reason)
    c = setup.cost
    af = [0, *range(2, setup.n_fixed)]
    if setup.ctx.mission.landing is not None:
        af.append(1)
    alone = min(float(c[a, m] + c[m, b]) for a in af for b in af for m in members)
    if not math.isfinite(alone):
        return "unreachable around the keep-out zones and hazards from every airfield"
    if alone > max(budgets):
        return (f"no airfield within reach: the cheapest flight from an airfield to it and on "
                f"to an airfield needs {alone:.0%} of a flight's budget")
    return (f"not in the {n} flight{'s' if n > 1 else ''}: their budgets are spent on targets "
            f"worth more in all; it needs another flight (give --flights {n + 1})")


def _refuse_missing_required(setup: _Setup, camp: Campaign, n: int,
                             budgets: list[float]) -> None:
    done = _slots(setup, camp.visits)
    for g, ts in enumerate(setup.found):
        t = setup.ctx.mission.targets[ts.target]
        if t.required and g not in done:
            why = _why_not(setup, g, n, budgets)
            if why.startswith("not in the"):
                why = (f"it does not fit in {n} flight{'s' if n > 1 else ''} together with the "
                       f"other required targets")
            raise InfeasibleMissionError(f"{setup.ctx.mission.source}: required target "
                                         f"{_slot_name(setup, g)} cannot be in the campaign: "
                                         f"{why}")


def _skipped(setup: _Setup, camp: Campaign, n: int,
             budgets: list[float]) -> tuple[list[Skipped], list[str]]:
    """The targets no flight photographs, with why, and a note per target taken in part."""
    done = _slots(setup, camp.visits)
    first: dict[int, int] = {}
    taken: dict[int, int] = {}
    count: dict[int, int] = {}
    for g, ts in enumerate(setup.found):
        count[ts.target] = count.get(ts.target, 0) + 1
        if g in done:
            taken[ts.target] = taken.get(ts.target, 0) + 1
        else:
            first.setdefault(ts.target, g)
    skipped = [Skipped(target=t.name, reason=_why_not(setup, first[i], n, budgets),
                       required=t.required, priority=t.priority)
               for i, t in enumerate(setup.ctx.mission.targets)
               if i in first and i not in taken]
    partial = []
    for i, g in first.items():
        if i in taken:
            t, ts = setup.ctx.mission.targets[i], setup.found[g]
            what = "sides" if t.views > 1 else "images"
            partial.append(f"target {t.name!r}: {taken[i]} of its {count[i]} {what} "
                           f"photographed over the campaign; {_slot_name(setup, g)} "
                           f"{_why_not(setup, g, n, budgets)}")
    return skipped, partial


def campaign_to_json(plan: CampaignPlan) -> dict[str, Any]:
    """The campaign as one JSON document: its summary, each flight's GeoJSON plan, the skips."""
    from planner.planfile import plan_to_geojson

    return {
        "type": "plan-flight campaign",
        "recharge": plan.recharge,
        "flights_planned": plan.planned,
        "selection": plan.selection,
        "summary": [{"flight": k + 1, "from": a, "to": b, "budget_fraction": plan.budgets[k],
                     "distance_m": round(f.distance_m, 2), "duration_s": round(f.duration_s, 2),
                     "energy_wh": round(f.energy_wh, 3),
                     "targets": list(f.targets_photographed)}
                    for k, (f, (a, b)) in enumerate(zip(plan.flights, plan.legs, strict=True))],
        "flights": [plan_to_geojson(f) for f in plan.flights],
        "skipped": [{"target": s.target, "priority": s.priority, "required": s.required,
                     "reason": s.reason} for s in plan.skipped],
        "ends_at": plan.legs[-1][1] if plan.legs else None,
        "ends_at_why": plan.end_note or None,
        "warnings": list(plan.warnings),
    }


def campaign_geojson(plan: CampaignPlan) -> dict[str, Any]:
    """The campaign as one GeoJSON FeatureCollection that GIS tools draw whole.

    Every flight's features (route, waypoints, photos, footprints) with a ``flight`` property
    (from 1), the keep-out zones once, and a top-level ``campaign`` member: the campaign
    document's summary and skips (:func:`campaign_to_json`) with each flight's plan summary in
    ``plans``, so that ``--check`` reads it back as the campaign document.
    """
    doc = campaign_to_json(plan)
    flights = doc.pop("flights")
    features: list[dict[str, Any]] = []
    for k, f in enumerate(flights, start=1):
        features += [{**feat, "properties": {"flight": k, **feat["properties"]}}
                     for feat in f["features"] if feat["properties"]["role"] != "keep_out"]
    features += [feat for feat in flights[0]["features"]
                 if feat["properties"]["role"] == "keep_out"]
    out: dict[str, Any] = {"type": "FeatureCollection"}
    if "crs" in flights[0]:
        out["crs"] = flights[0]["crs"]
    out["campaign"] = {**doc, "plans": [f["plan"] for f in flights]}
    out["features"] = features
    return out


def campaign_json(plan: CampaignPlan) -> str:
    """The campaign document's text (see :func:`campaign_to_json`)."""
    return json.dumps(campaign_to_json(plan), indent=1) + "\n"


def flights_asked(mission: Mission, options: PlanOptions) -> int:
    """The number of flights a run asks for: ``--flights``, else the mission's, else one."""
    return options.flights or mission.campaign.flights or 1


def photo_side(spec: Target, photo: Photo) -> int:
    """The view a photo takes of a target seen from several sides, by where it looks from.

    The nearest sector centre (:meth:`~planner.mission.Target.view_sectors`) to the compass
    azimuth from the photo's aim to its station, as the verifier's ``view`` rule assigns it
    (which checks it lies within the sector); a survey image's recorded index for a target
    without sectors.
    """
    sectors = spec.view_sectors()
    if not sectors:
        return photo.view
    dx, dy = photo.station[0] - photo.aim[0], photo.station[1] - photo.aim[1]
    azimuth = math.degrees(math.atan2(dx, dy)) % 360.0
    return int(np.argmin([abs((azimuth - c + 180.0) % 360.0 - 180.0) for c, _ in sectors]))


HANDOFF_TOL_M = 0.01
"""Largest gap between where a flight lands and where the next takes off: the same point
carried through the plan, so only floating-point rounding."""


def swap_points(ctx: Context, sites: Sites,
                fields: Sequence[Airfield]) -> list[tuple[str, tuple[float, float]]]:
    """Where a crew can swap a battery: home and the mission's airfields (as flown)."""
    return [(ctx.mission.home.name, sites.start), *((a.name, a.xy) for a in fields)]


def check_campaign(plan: CampaignPlan, ctx: Context,
                   swaps: Sequence[tuple[str, tuple[float, float]]] = ()) -> list[str]:
    """What the campaign breaks beyond its flights' own rules (each checked by the verifier).

    Every hand-off (flight k+1 takes off where flight k landed), each flight within its own
    share of the budget, each target photographed at most once over the campaign and every
    required one on some flight. With ``at_home`` recharge, every flight but one ending at the
    mission's landing site lands at one of ``swaps`` (home and the airfields, by name and
    local position), where a crew can swap its battery.
    """
    p = ctx.vehicle.profile
    out = []
    if plan.recharge == "at_home" and swaps:
        for k, f in enumerate(plan.flights):
            if k == len(plan.flights) - 1 and ctx.mission.landing is not None:
                continue  # the last flight's landing site: the verifier checks it
            la = f.waypoints[-1]
            name, d = min(((n, math.hypot(la.x - x, la.y - y)) for n, (x, y) in swaps),
                          key=lambda nd: nd[1])
            if d > POSITION_TOL_M:
                out.append(f"flight {k + 1} lands {d:.1f} m from the nearest place for a "
                           f"battery swap ({name!r}): with at_home recharge every flight lands "
                           f"at home or an airfield")
    for k, (a, b) in enumerate(itertools.pairwise(plan.flights)):
        la, tb = a.waypoints[-1], b.waypoints[0]
        gap = math.hypot(la.x - tb.x, la.y - tb.y)
        if gap > HANDOFF_TOL_M:
            out.append(f"flight {k + 2} takes off {gap:.2f} m from where flight {k + 1} "
                       f"landed")
    for k, f in enumerate(plan.flights):
        share = plan.budgets[k]
        if f.energy_wh > share * p.budget_energy_wh * (1 + 1e-9) or \
                f.longest_s > share * p.max_flight_time_s * (1 + 1e-9):
            out.append(f"flight {k + 1} uses {f.energy_wh:.2f} Wh and {f.duration_s:.0f} s, "
                       f"beyond its {share:g} of the budget")
    # A target's views (sides) or survey images may be taken on different flights, each once.
    specs = {t.name: t for t in ctx.mission.targets}
    taken: dict[tuple[str, int], int] = {}
    for k, f in enumerate(plan.flights):
        for ph in f.photos:
            side = photo_side(specs[ph.target], ph) if ph.target in specs else ph.view
            if taken.setdefault((ph.target, side), k) != k:
                several = side > 0 or (ph.target in specs and specs[ph.target].views > 1)
                out.append(f"target {ph.target!r}"
                           + (f" (view or image {side + 1})" if several else "")
                           + f" photographed on more than one flight (flights "
                           f"{taken[(ph.target, side)] + 1} and {k + 1})")
                break
    seen = {t for t, _ in taken}
    for t in ctx.mission.targets:
        if not t.required:
            continue
        if t.name not in seen:
            out.append(f"required target {t.name!r} photographed on no flight")
        elif t.views > 1:
            sides = {v for n, v in taken if n == t.name}
            if len(sides) < t.views:
                out.append(f"required target {t.name!r} photographed from {len(sides)} of its "
                           f"{t.views} sides over the campaign")
    # A required area or corridor surveyed over several flights: no flight answers for it alone
    # (flight_targets), so the union of every flight's images of it is laid over it again.
    alone = {t.name for f in plan.flights for t in f.mission.targets if t.required}
    shared = [t if t.required and t.name in seen and t.name not in alone
              else replace(t, required=False) for t in ctx.mission.targets]
    out += [f"required target {name!r}, its images shared between flights: {why}"
            for name, why in coverage_gaps(plan.flights, ctx.hazards, shared)]
    return out


__all__ = ["DEFAULT_RECHARGE", "Airfield", "CampaignPlan", "campaign_json", "campaign_settings",
           "campaign_to_json", "check_airfields", "check_campaign", "flight_targets",
           "flights_asked", "per_recharge", "plan_campaign", "recharge_mode"]
