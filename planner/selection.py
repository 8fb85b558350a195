"""Which targets to photograph and in what order, and why the others were left out.

:func:`build_problem` turns the camera stations and the roadmap's travel table into an immutable
:class:`Problem`: a node per mission point (start, end, then every camera station), the energy and
time of flying from any node to any other (with the photo hover and the yaw turn at the node
reached), a prize per node, the stations of a target as alternatives (a group), and the budgets
left once take-off and landing are paid for. :func:`choose` solves it with the route core
(:mod:`planner.route`) and explains every target left out from the problem and the solution
alone (:func:`explain`). Nothing here flies or checks a plan: :mod:`planner.plan` assembles the
waypoints of a :class:`Choice`, and the pipeline re-solves with a tighter budget if the assembled
plan overshoots.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from planner import route as route_core
from planner.frames import wrap_deg
from planner.mission import Target
from planner.plan import RoutePoint, Skipped
from planner.roadmap import Node, NodeKind, Roadmap, TravelTable
from planner.vehicle import Vehicle
from planner.viewpoints import Station, TargetStations
from planner.wind import Wind

STATIONS_PER_TARGET = 6
"""Camera stations kept per target in small missions: enough to spread them around the target
(one per 60° sector) so the route can approach from any side."""
STATION_BUDGET = 1200
"""Stations kept in all, in large missions: each target keeps ``STATION_BUDGET // targets``
(at least :data:`MIN_STATIONS_PER_TARGET`), which bounds the route search's problem size."""
MIN_STATIONS_PER_TARGET = 2
"""Fewest stations a target keeps: an alternative side when one approach is dear."""
START, END = 0, 1
"""The selection problem's start (take-off) and end (landing) nodes."""
SHORTLIST_TARGETS = STATION_BUDGET // MIN_STATIONS_PER_TARGET
"""Most targets the route search is given (600): the search holds at most
:data:`STATION_BUDGET` stations and a target needs :data:`MIN_STATIONS_PER_TARGET` of them.
A mission of more targets is shortlisted (:func:`shortlist`) before any station is sought."""


def stations_per_target(n_targets: int) -> int:
    """Stations each target keeps in a mission of ``n_targets`` targets.

    Examples
    --------
    >>> stations_per_target(3), stations_per_target(400), stations_per_target(5000)
    (6, 3, 2)
    """
    return min(STATIONS_PER_TARGET, max(MIN_STATIONS_PER_TARGET,
                                        STATION_BUDGET // max(n_targets, 1)))


def shortlist(targets: Sequence[Target], geoms: Sequence[BaseGeometry], *,
              home: BaseGeometry, landing: BaseGeometry, candidates: Sequence[int],
              size: int | None = None) -> tuple[list[int], dict[int, str]]:
    """The targets (by index, among ``candidates``) the route search is given, and why not others.

    Up to ``size`` candidates (default :data:`SHORTLIST_TARGETS`), all of them are kept.
    Beyond, every required target is kept (a required target is never dropped, however many
    there are), then the others by priority,
    highest first, and among equal priorities the nearest to the flight (the shortest straight
    way from home to the target and on to the landing site), so that what one battery can
    reach is searched first; ties by the order in the file. A target left off gets a reason
    that says so.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> from planner.mission import Target
    >>> ts = [Target(index=i, name=f"t{i}", geometry=Point(i, 0), priority=p, required=r)
    ...       for i, (p, r) in enumerate([(1, True), (3, False), (2, False), (3, False)])]
    >>> kept, why = shortlist(ts, [Point(100 * i, 0) for i in range(4)], home=Point(0, 0),
    ...                       landing=Point(0, 0), candidates=range(4), size=2)
    >>> kept, sorted(why)
    ([0, 1], [2, 3])
    """
    cand = list(candidates)
    size = SHORTLIST_TARGETS if size is None else size
    if len(cand) <= size:
        return cand, {}
    g = np.asarray([geoms[i] for i in cand], dtype=object)
    way = dict(zip(cand, (shapely.distance(g, home) + shapely.distance(g, landing)).tolist(),
                   strict=True))
    required = [i for i in cand if targets[i].required]
    optional = sorted((i for i in cand if not targets[i].required),
                      key=lambda i: (-targets[i].priority, way[i], i))
    room = max(size - len(required), 0)
    kept = sorted(required + optional[:room])
    reason = (f"not shortlisted: of its {len(cand):,} targets the route search is given "
              f"{size:,} (every required one, then by priority and nearness to the flight)")
    return kept, dict.fromkeys(optional[room:], reason)


@dataclass(frozen=True, eq=False)
class Problem:
    """A mission's selection problem, as the route core sees it and as the plan needs it.

    Node :data:`START` is the take-off point, node :data:`END` the landing spot, the rest camera
    stations; ``nodes[i]`` is where node ``i`` is and ``stations[i]`` its camera station (``None``
    for start and end). ``groups[i]`` is the index in ``found`` of the station's view of its
    target (-1 for start and end): the target's index when every target has one view.
    ``energy_wh[i, j]`` and ``time_s[i, j]`` are the energy (Wh) and time (s) from
    node ``i`` to node ``j`` along the roadmap's cheapest path, with ``j``'s photo hover and the
    yaw turn into ``j``; ``inf`` where there is no way. ``energy_budget_wh`` and
    ``time_budget_s`` are what is left for them once take-off and landing are paid for.
    """

    targets: tuple[Target, ...]
    found: tuple[TargetStations, ...]
    nodes: tuple[Node, ...]
    stations: tuple[Station | None, ...]
    roadmap: Roadmap
    table: TravelTable
    energy_wh: NDArray[np.float64]
    time_s: NDArray[np.float64]
    prize: NDArray[np.float64]
    groups: NDArray[np.int_]
    energy_budget_wh: float
    time_budget_s: float
    wind: Wind | None = None
    """The wind the costs are in (worst direction leg by leg); ``None``: still air."""
    still: tuple[NDArray[np.float64], NDArray[np.float64], float, float] | None = None
    """With a wind: energy and time between nodes along the same paths in still air, and the
    still-air budgets, to say whether the wind is what leaves a target out."""

    def cost(self, scale: float = 1.0) -> NDArray[np.float64]:
        """Costs for the route core: the larger of each leg's shares of the two budgets.

        A route whose cost is within 1 keeps both budgets; ``scale`` < 1 tightens them.
        """
        with np.errstate(invalid="ignore"):
            c = np.maximum(self.energy_wh / (self.energy_budget_wh * scale),
                           self.time_s / (self.time_budget_s * scale))
        c[~np.isfinite(c)] = np.inf
        return np.asarray(c, dtype=np.float64)


def build_problem(*, start: Node, end: Node, found: Sequence[TargetStations],
                  targets: Sequence[Target], roadmap: Roadmap, table: TravelTable,
                  vehicle: Vehicle, energy_budget_wh: float, time_budget_s: float,
                  wind: Wind | None = None,
                  still_budgets: tuple[float, float] | None = None) -> Problem:
    """The selection problem from the stations found and the travel between them.

    In a ``wind`` the photo hovers and yaw turns hold the place against it (their power does not
    depend on the wind's direction), and the table's travel is directed.

    ``roadmap`` and ``table`` must have been built over :func:`problem_nodes` of the same
    ``start``, ``end`` and ``found``, in that order.
    """
    nodes, stations = problem_nodes(start, end, found)
    p = vehicle.profile
    service_t, service_e, heading, groups, prize = node_service(stations, targets, vehicle,
                                                                wind, found=found)
    turn = np.abs(wrap_deg(heading[None, :] - heading[:, None]))
    turn_t = turn / p.yaw_rate_deg_s
    turn_t[:, :2] = 0.0
    turn_t[:2, :] = 0.0  # the first photo's heading is set on the ground before take-off
    time_s = table.time_s + service_t[None, :] + turn_t
    energy_wh = table.energy_wh + service_e[None, :] + \
        vehicle.hover_power_in_w(wind) * turn_t / 3600.0
    still = None
    if table.still_energy_wh is not None and table.still_time_s is not None and \
            still_budgets is not None:
        still = (table.still_energy_wh + vehicle.hover_power_w * (service_t[None, :] + turn_t) /
                 3600.0, table.still_time_s + service_t[None, :] + turn_t, *still_budgets)
    return Problem(targets=tuple(targets), found=tuple(found), nodes=nodes, stations=stations,
                   roadmap=roadmap, table=table, energy_wh=energy_wh, time_s=time_s,
                   prize=prize, groups=groups, energy_budget_wh=energy_budget_wh,
                   time_budget_s=time_budget_s, wind=wind, still=still)


def node_service(stations: Sequence[Station | None], targets: Sequence[Target], vehicle: Vehicle,
                 wind: Wind | None = None, *, found: Sequence[TargetStations] | None = None,
                 ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
                            NDArray[np.int_], NDArray[np.float64]]:
    """Per node: photo hover time (s) and energy (Wh), camera heading, target (group), prize.

    Nodes without a station (take-off, landing, airfields) hold nothing, earn nothing and have
    group -1. In a ``wind`` the photo hovers hold the place against it. With ``found`` (one
    :class:`TargetStations` per view of each target), a node's group is its view's index in it
    and its prize the view's share of the target's priority; without, its target's index.
    """
    n = len(stations)
    service_t = np.zeros(n)
    service_e = np.zeros(n)
    heading = np.zeros(n)
    groups = np.full(n, -1)
    prize = np.zeros(n)
    # A required target's prize outweighs all optional ones together, so the best route holds
    # every required target whenever any route within the budget can. A target photographed
    # from several sides has a group per view, each worth its share of the target's priority
    # (partial credit: three of four sides are worth three quarters; an area's images share it
    # likewise); a required target's every view carries the bonus.
    bonus = sum(t.priority for t in targets) + 1.0
    slot = {(ts.target, ts.view): (k, max(ts.views, 1)) for k, ts in enumerate(found or ())}
    for i, st in enumerate(stations):
        if st is None:
            continue
        spec = targets[st.target]
        hold = spec.photos * vehicle.camera.photo_hover_s
        service_t[i] = hold
        service_e[i] = vehicle.hover(hold, wind)
        heading[i] = st.pointing.heading_deg
        group, share = slot.get((st.target, st.view), (st.target, 1))
        groups[i] = group
        prize[i] = spec.priority / share + (bonus if spec.required else 0.0)
    return service_t, service_e, heading, groups, prize


def problem_nodes(start: Node, end: Node, found: Sequence[TargetStations],
                  ) -> tuple[tuple[Node, ...], tuple[Station | None, ...]]:
    """The problem's nodes in order (start, end, every station) and each one's station."""
    nodes = [start, end]
    stations: list[Station | None] = [None, None]
    for ts in found:
        for st in ts.stations:
            nodes.append(Node(st.x, st.y, st.agl_m, NodeKind.STATION))
            stations.append(st)
    return tuple(nodes), tuple(stations)


@dataclass(frozen=True)
class Choice:
    """The route core's answer to a :class:`Problem`, and the targets it leaves out, with why."""

    order: tuple[int, ...]
    method: str
    optimal: bool
    stopped_by_time: bool
    skipped: tuple[Skipped, ...]
    partial: tuple[Skipped, ...] = ()
    """Views left out of targets photographed from some of their sides, with why."""

    @property
    def description(self) -> str:
        """How the targets were chosen, in words (the plan's "Route search" line)."""
        text = f"{self.method}{' (optimal)' if self.optimal else ''}"
        if self.stopped_by_time:
            text += " — stopped at its time cap: another run may choose differently"
        return text

    @property
    def missing_required(self) -> tuple[Skipped, ...]:
        """Required targets the choice leaves out, or some of whose views it leaves out."""
        return tuple(s for s in (*self.skipped, *self.partial) if s.required)


def choose(problem: Problem, *, scale: float = 1.0, seed: int = 0,
           time_limit_s: float = 20.0) -> Choice | None:
    """Solve the problem with budgets scaled by ``scale``.

    ``None`` if not even the direct flight from start to end fits.
    """
    cost = problem.cost(scale)
    sol = route_core.solve(cost, problem.prize, start=START, end=END, budget=1.0,
                           groups=problem.groups, seed=seed, time_limit_s=time_limit_s)
    if not sol.order:
        return None
    skipped, partial = explain_views(problem, sol.order, cost=cost, scale=scale)
    return Choice(order=sol.order, method=str(sol.method), optimal=sol.optimal,
                  stopped_by_time=sol.stopped_by_time, skipped=tuple(skipped),
                  partial=tuple(partial))


def explain(problem: Problem, order: Sequence[int], *,
            cost: NDArray[np.float64] | None = None, scale: float = 1.0) -> list[Skipped]:
    """Why each target the route ``order`` does not photograph at all is left out.

    See :func:`explain_views`, which also explains the views left out of targets photographed
    from some of their sides.
    """
    return explain_views(problem, order, cost=cost, scale=scale)[0]


def explain_views(problem: Problem, order: Sequence[int], *,
                  cost: NDArray[np.float64] | None = None, scale: float = 1.0,
                  ) -> tuple[list[Skipped], list[Skipped]]:
    """Why each target, and each view of a target photographed, is left out of ``order``.

    In order of what binds: no camera station at all (the station search's reason); no way
    there around the keep-outs and hazards; over budget even alone (with the figures); left out
    for a photographed target of strictly higher priority that competes for the same budget
    (the route without it has room for this one); or else the budget figure that binds: what
    the cheapest insertion of one of its stations into the chosen route adds, against what the
    route leaves. ``cost`` is :meth:`Problem.cost` at ``scale`` (the budgets the route was
    solved with). The first list holds the targets not photographed at
    all (one entry each, for their first view left out), the second the views left out of
    targets photographed from other sides.
    """
    c = problem.cost(scale) if cost is None else cost
    groups = problem.groups
    done = {int(groups[i]) for i in order[1:-1]}
    seen = {problem.found[k].target for k in done}
    skipped: list[Skipped] = []
    partial: list[Skipped] = []
    visits: _Visits | None = None  # made once, for the first target left out that fits alone
    for k, ts in enumerate(problem.found):
        idx = ts.target
        if k in done:
            continue
        spec = problem.targets[idx]
        members = np.flatnonzero(groups == k)
        if not len(members):
            reason = ts.reason
        else:
            alone = c[START, members] + c[members, END]
            if not np.isfinite(alone).any():
                reason = "unreachable around the keep-out zones and hazards"
            elif alone.min() > 1.0:
                m = members[int(np.argmin(alone))]
                need_e = problem.energy_wh[START, m] + problem.energy_wh[m, END]
                need_t = problem.time_s[START, m] + problem.time_s[m, END]
                reason = (f"over budget: even alone it needs {need_e:.1f} Wh and {need_t:.0f} s "
                          f"of the {problem.energy_budget_wh:.1f} Wh and "
                          f"{problem.time_budget_s:.0f} s left after take-off and landing")
            else:
                visits = visits or _Visits.of(problem, order, c)
                reason = _left_out(problem, order, c, members, priority=spec.priority,
                                   scale=scale, target=idx, visits=visits)
            if problem.wind is not None and not problem.wind.calm:
                reason += f" {problem.wind.phrase()}"
                if alone.min() > 1.0 and problem.still is not None:
                    reason += _still_air(problem, members)
        whole = reason
        if ts.views > 1 and spec.views > 1:
            centre, half = spec.view_sectors()[ts.view]
            reason = (f"view {ts.view + 1} of {ts.views} (from {centre:.0f}° ± {half:g}°): "
                      f"{reason}")
        elif ts.views > 1:  # an image of an area surveyed in strips
            reason = f"image {ts.view + 1} of {ts.views}: {reason}"
        entry = Skipped(target=spec.name, reason=reason, required=spec.required,
                        priority=spec.priority / max(ts.views, 1))
        if idx in seen:
            partial.append(entry)
        elif all(s.target != spec.name for s in skipped):
            skipped.append(replace(entry, reason=whole, priority=spec.priority))
    return skipped, partial


def _still_air(problem: Problem, members: NDArray[np.int_]) -> str:
    """Whether the target would fit alone in still air, and with what, in words."""
    assert problem.still is not None
    energy, time_s, budget_e, budget_t = problem.still
    need_e = energy[START, members] + energy[members, END]
    need_t = time_s[START, members] + time_s[members, END]
    share = np.maximum(need_e / budget_e, need_t / budget_t)
    if not np.isfinite(share).any() or share.min() > 1.0:
        return ""
    k = int(np.argmin(share))
    return (f"; in still air it needs {need_e[k]:.1f} Wh and {need_t[k]:.0f} s and fits: "
            f"the wind is what leaves it out")


FITS = 1e-9
"""Tolerance on a route's cost against its budget of 1 (floating-point sums, nothing more)."""


def _insertions(c: NDArray[np.float64], a: NDArray[np.int_], b: NDArray[np.int_],
                members: NDArray[np.int_]) -> NDArray[np.float64]:
    """What inserting each of ``members`` into each edge ``a[i]`` -> ``b[i]`` adds (inf: no way)."""
    with np.errstate(invalid="ignore"):
        # np.ix_ takes only the rows and columns needed (not whole rows of the table).
        delta = c[np.ix_(a, members)] + c[np.ix_(members, b)].T - c[a, b][:, None]
    delta[~np.isfinite(delta)] = np.inf
    return np.asarray(delta, dtype=np.float64)


def _insertion(c: NDArray[np.float64], order: Sequence[int],
               members: NDArray[np.int_]) -> tuple[float, int, int]:
    """The cheapest insertion of one of ``members`` into ``order``.

    Returns its added cost, the position it goes after and the node inserted.
    """
    delta = _insertions(c, np.asarray(order[:-1]), np.asarray(order[1:]), members)
    flat = int(np.argmin(delta))
    i, m = divmod(flat, len(members))
    return float(delta[i, m]), i, int(members[m])


def _insertion_without_each(c: NDArray[np.float64], order: Sequence[int],
                            members: NDArray[np.int_]) -> NDArray[np.float64]:
    """The cheapest insertion of one of ``members`` into ``order`` without each of its visits.

    Entry ``pos - 1`` is for the visit at ``pos`` (the ends are not visits).
    """
    path = np.asarray(order)
    edge_min = _insertions(c, path[:-1], path[1:], members).min(axis=1)
    before = np.minimum.accumulate(np.concatenate([[np.inf], edge_min]))  # edges < i
    after = np.minimum.accumulate(np.concatenate([edge_min, [np.inf]])[::-1])[::-1]  # >= i
    mid = np.arange(1, len(path) - 1)
    joined = _insertions(c, path[mid - 1], path[mid + 1], members).min(axis=1)
    # without the visit at pos: the edges before pos - 1, those from pos + 1, the joining one
    return np.asarray(np.minimum(np.minimum(before[mid - 1], after[mid + 1]), joined),
                      dtype=np.float64)


@dataclass(frozen=True)
class _Visits:
    """What every explanation of one route shares.

    Its cost, time and energy, and per visit (``[pos - 1]`` for the visit at ``pos``) whose
    it is, that target's priority and what leaving it out saves.
    """

    used: float
    owner: NDArray[np.int_]
    rank: NDArray[np.float64]
    saving: NDArray[np.float64]
    time_s: float
    energy_wh: float

    @classmethod
    def of(cls, problem: Problem, order: Sequence[int], c: NDArray[np.float64]) -> _Visits:
        path = np.asarray(order, dtype=np.intp)
        prev, node, nxt = path[:-2], path[1:-1], path[2:]
        owner = np.array([problem.found[int(problem.groups[v])].target for v in node.tolist()],
                         dtype=np.intp)
        t, e = problem.time_s, problem.energy_wh
        return cls(used=float(sum(c[a, b] for a, b in itertools.pairwise(order))),
                   owner=owner,
                   rank=np.array([float(problem.targets[o].priority) for o in owner.tolist()]),
                   saving=np.asarray(c[prev, node] + c[node, nxt] - c[prev, nxt],
                                     dtype=np.float64),
                   time_s=float(sum(t[x, y] for x, y in itertools.pairwise(order))),
                   energy_wh=float(sum(e[x, y] for x, y in itertools.pairwise(order))))


def _left_out(problem: Problem, order: Sequence[int], c: NDArray[np.float64],
              members: NDArray[np.int_], *, priority: float, scale: float,
              target: int = -1, visits: _Visits | None = None) -> str:
    """Why a target that fits alone is not in the route ``order``, in words that are true.

    ``visits`` is :meth:`_Visits.of` the route (made here if not given).
    """
    v = visits or _Visits.of(problem, order, c)
    # A photographed target of strictly higher priority competes with it when the route
    # without that target has room for this one. The cheapest insertion into the route without
    # the visit at ``pos`` is the cheapest over the route's edges but the two at ``pos`` and
    # over the edge that joins its neighbours: one table of insertions into every edge, its
    # minima per edge, and prefix and suffix minima give it for every ``pos`` at once (the
    # same sums, so the same figures as inserting into each shortened route).
    cheapest = _insertion_without_each(c, order, members)
    # Another view or image of the same target is no rival.
    competes = (v.owner != target) & (v.rank > priority) & \
        (v.used - v.saving + cheapest <= 1.0 + FITS)
    rivals = [problem.targets[int(o)] for o in v.owner[competes]]
    if rivals:
        rivals.sort(key=lambda t: (-t.priority, t.name))
        names = " or ".join(f"'{t.name}'" for t in rivals[:3])
        if len(rivals) > 3:
            names += f" (or {len(rivals) - 3} more)"
        return (f"left out for higher-priority targets: {names} (priority "
                f"{rivals[0].priority:g} against its {priority:g}); the budget holds one of "
                f"them, not both")
    _, i, k = _insertion(c, order, members)
    a, b = order[i], order[i + 1]
    t = problem.time_s
    e = problem.energy_wh
    route_t, route_e = v.time_s, v.energy_wh
    need_t = float(t[a, k] + t[k, b] - t[a, b])
    need_e = float(e[a, k] + e[k, b] - e[a, b])
    left_t = problem.time_budget_s * scale - route_t
    left_e = problem.energy_budget_wh * scale - route_e
    binds = []
    if need_t > left_t:
        binds.append(f"{need_t:.0f} s more flight time; {max(left_t, 0.0):.0f} s left")
    if need_e > left_e:
        binds.append(f"{need_e:.2f} Wh more energy; {max(left_e, 0.0):.2f} Wh left")
    if binds:
        return "no room on this route: adding it needs " + ", and ".join(binds)
    return (f"left out by the route search, which is not exhaustive: adding it needs "
            f"{need_t:.0f} s and {need_e:.2f} Wh more, within the {left_t:.0f} s and "
            f"{left_e:.2f} Wh left")


def route_points(problem: Problem, order: Sequence[int]) -> list[RoutePoint]:
    """The points flown for a route: its nodes and the roadmap's corners between them."""
    nodes = problem.roadmap.nodes  # the corners between mission points
    pts: list[RoutePoint] = []
    first = problem.nodes[order[0]]
    pts.append(RoutePoint(first.x, first.y, first.agl_m, NodeKind.HOME))
    for a, b in itertools.pairwise(order):
        for v in problem.table.path(a, b)[1:-1]:
            nd = nodes[v]
            pts.append(RoutePoint(nd.x, nd.y, nd.agl_m, NodeKind.CORNER))
        nd = problem.nodes[b]
        st = problem.stations[b]
        if st is not None:
            spec = problem.targets[st.target]
            pts.append(RoutePoint(nd.x, nd.y, nd.agl_m, NodeKind.STATION, station=st,
                                  target_name=spec.name, photos=spec.photos))
        else:
            pts.append(RoutePoint(nd.x, nd.y, nd.agl_m, nd.kind))
    return pts
