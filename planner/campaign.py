"""The campaign core: several flights, each from the airfield where the previous one landed.

Given a square matrix of travel costs, a prize per node, a start node, an end node (or none),
the airfield nodes and a budget per flight, :func:`solve_campaign` returns one node sequence per
flight, each from an airfield to an airfield, the first from the start and the last at the end
(or at any airfield when there is none). Each group of nodes (a target's alternative stations)
is visited at most once over the whole campaign and its prize counts once. The total prize is
maximised; among campaigns of equal prize, one with fewer flights is preferred (by the exact
method; the search leaves out flights that visit nothing where it can). This is the
orienteering problem with hotel selection (Divsalar, Vansteenwegen and Cattrysse 2013), the
hotels being the airfields; a flight may end where it began (a battery swap at home, or a sol
spent where the helicopter stands). Nothing here knows of missions, terrain or vehicles: how a
flight is recharged (in place on Mars, at home on Earth) is decided by which airfields the
caller gives.

Two methods:

- ``exact``: dynamic programming over subsets of groups, flight by flight (the state is the
  set of groups visited so far, the node the flight stands at, and the cost spent in the
  current flight); optimal, for at most ``exact_max_groups`` groups.
- ``search``: for larger problems. Sequences of landing airfields are ranked by the prize
  within reach of their flights (an upper bound, over a beam), the best of them estimated by a
  quick fill and the best few filled flight by flight with :func:`planner.route.solve`; the
  best filled campaign is improved: each flight re-solved with what the others leave, pairs of
  consecutive flights re-solved in both orders, and each intermediate airfield replaced by a
  near one where that pays; after every fill, visits move between flights where that makes room
  for more. Deterministic for a seed.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planner.route import EPS, Method, path_cost, solve

#: Landing-airfield sequences ranked by the bound (prize within reach of their flights) that are
#: then estimated by a quick fill (each flight by the route core's construction and one local
#: search, no perturbation: about 4 ms of one core at 64 nodes). The bound alone favours a
#: first flight that reaches everything and cannot see that it then collects only part of it.
SEQUENCES_ESTIMATED = 32
#: Sequences, best estimate first, that the search fills with real route searches (forwards
#: and backwards); each fill costs one route solve per flight.
SEQUENCES_FILLED = 4
#: Partial landing-airfield sequences kept while they are built flight by flight: with the
#: airfields of a mission (tens) and a few flights, all sequences are too many to rank.
SEQUENCE_BEAM = 256
#: Perturbations of each single-flight route solve while the search explores (fills and
#: re-solves): ``EXPLORE_WORK / candidates`` clipped to ``EXPLORE_MIN..EXPLORE_MAX``, the rule
#: of :func:`planner.route.default_iterations` (a perturbation costs more on more candidates)
#: at a fifteenth of its work, since a campaign makes tens of these solves and only the kept
#: flights are polished with the route core's full schedule. The route core's own floor is 60.
EXPLORE_WORK = 8_000
EXPLORE_MIN = 10
EXPLORE_MAX = 40
#: Other airfields tried at each hand-off while improving: the nearest ones to the current
#: hand-off (moving a landing a little shifts targets between two flights; a far airfield is
#: the ranking's business). Each costs two fills of two flights.
HANDOFF_ALTERNATIVES = 3
#: Rounds of the improvement loop (each round re-solves every flight, every consecutive pair in
#: both orders, and tries every other airfield at every hand-off); it also stops at the first
#: round that improves nothing.
IMPROVE_ROUNDS = 3
#: Groups up to which ``auto`` uses the exact method: the route core's own threshold; at 12
#: groups of 6 stations, 10 airfields and 3 flights the exact tables take about 0.4 s of one
#: core, less than the search.
EXACT_MAX_GROUPS = 12
#: Most groups the exact method accepts: its tables hold 2**groups x nodes costs per flight.
EXACT_HARD_MAX_GROUPS = 16


@dataclass(frozen=True)
class Campaign:
    """Flights and what they earn and cost.

    ``flights`` holds one node sequence per flight flown (from an airfield to an airfield; a
    flight that ends where it began is ``(a, a)``); ``costs`` the cost of each. ``optimal`` is
    True when the exact method proved it; ``stopped_by_time`` when the search's wall-clock cap
    cut it short (the answer then depends on the machine's speed).
    """

    flights: tuple[tuple[int, ...], ...]
    prize: float
    costs: tuple[float, ...]
    optimal: bool
    method: Method
    stopped_by_time: bool = False

    @property
    def visits(self) -> tuple[int, ...]:
        """Every node visited between take-off and landing, flight after flight."""
        return tuple(v for f in self.flights for v in f[1:-1])


@dataclass(frozen=True)
class _Problem:
    c: NDArray[np.float64]
    p: NDArray[np.float64]
    g: NDArray[np.int_]
    start: int
    end: int | None
    airfields: tuple[int, ...]
    budgets: tuple[float, ...]


def solve_campaign(cost: ArrayLike, prize: ArrayLike, *, start: int, end: int | None,
                   airfields: Sequence[int], budgets: Sequence[float],
                   groups: ArrayLike | None = None, method: str = "auto", seed: int = 0,
                   time_limit_s: float = 60.0,
                   exact_max_groups: int = EXACT_MAX_GROUPS) -> Campaign:
    """Choose the flights of a campaign: which nodes each visits and where each lands.

    Parameters
    ----------
    cost
        ``n x n`` travel costs (``inf`` where there is no way); need not be symmetric.
    prize
        Prize per node; airfields' prizes are ignored. Nodes of one group should share a prize
        (the group's prize is the largest of its nodes').
    start
        Where the first flight takes off.
    end
        Where the last flight must land, or None for any airfield.
    airfields
        Nodes a flight may land on (the start and the end are airfields whether listed or not).
    budgets
        The most each flight may cost, in order; their number is the most flights flown.
    groups
        Group id per node (nodes of one group are alternatives; default: each its own).
    method
        ``"exact"``, ``"search"`` or ``"auto"`` (exact up to ``exact_max_groups`` groups).
    seed
        Seed of the search: the same inputs and seed give the same answer.
    time_limit_s
        Wall-clock safety cap of the search (:attr:`Campaign.stopped_by_time` says if reached).

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0, 0], [4, 0], [2, 1], [6, 1], [9, 0]], float)
    >>> c = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    >>> sol = solve_campaign(c, [0, 0, 3, 5, 0], start=0, end=4, airfields=[1],
    ...                      budgets=[5, 6])
    >>> sol.flights, sol.prize, sol.method.value
    (((0, 2, 1), (1, 3, 4)), 8.0, 'exact')
    """
    if method not in ("auto", "exact", "search"):
        raise ValueError(f"method must be 'auto', 'exact' or 'search', not {method!r}")
    c = np.asarray(cost, dtype=float)
    p = np.asarray(prize, dtype=float)
    n = c.shape[0]
    if c.ndim != 2 or c.shape != (n, n) or p.shape != (n,):
        raise ValueError("cost must be n x n and prize of length n")
    if np.isnan(c).any() or (c < 0).any() or np.isnan(p).any():
        raise ValueError("costs must be non-negative and costs and prizes not NaN")
    b = tuple(float(x) for x in budgets)
    if not b:
        raise ValueError("at least one flight budget is needed")
    if any(not np.isfinite(x) or x < 0 for x in b):
        raise ValueError("flight budgets must be finite and non-negative")
    nodes = [start, *airfields] + ([] if end is None else [end])
    if any(not 0 <= int(a) < n for a in nodes):
        raise ValueError("start, end and airfields must be node indices")
    af = tuple(sorted({int(a) for a in nodes}))
    g = np.arange(n) if groups is None else np.asarray(groups, dtype=int).copy()
    if g.shape != (n,):
        raise ValueError("groups must have one entry per node")
    g[list(af)] = -1
    prob = _Problem(c=c, p=p, g=g, start=int(start), end=None if end is None else int(end),
                    airfields=af, budgets=b)
    cand = _candidates(prob)
    n_groups = len({int(g[i]) for i in cand})
    if method == "exact" or (method == "auto" and n_groups <= exact_max_groups):
        return _exact(prob, cand)
    return _search(prob, cand, seed=seed, deadline=time.monotonic() + time_limit_s)


def campaign_prize(prize: ArrayLike, flights: Sequence[Sequence[int]],
                   groups: ArrayLike | None = None, airfields: Sequence[int] = ()) -> float:
    """Prize a campaign collects: each group's prize once, airfields none.

    Examples
    --------
    >>> campaign_prize([0, 2, 3, 4], [(0, 1, 2), (2, 1, 3, 2)], airfields=[0, 2])
    6.0
    """
    p = np.asarray(prize, dtype=float)
    g = np.arange(len(p)) if groups is None else np.asarray(groups, dtype=int)
    seen: dict[int, float] = {}
    skip = set(airfields)
    for f in flights:
        for v in f[1:-1]:
            if v not in skip:
                seen[int(g[v])] = max(seen.get(int(g[v]), 0.0), float(p[v]))
    return float(sum(seen.values()))


def refit(cost: ArrayLike, prize: ArrayLike, flights: Sequence[Sequence[int]], *,
          budgets: Sequence[float], airfields: Sequence[int],
          groups: ArrayLike | None = None) -> Campaign:
    """The same campaign made to fit tighter ``budgets``, without a new search.

    Each flight over its budget gives up visits, the one that saves the most cost per prize
    lost first, until it fits; then visits move between flights and every flight takes in
    unvisited nodes where they fit (the search's relocate-and-fill step), so a visit dropped
    from a full flight is picked up by one with room. The landings stay where they are. For
    a caller whose exact costs, known only once the flights are built, overshoot the
    estimates the campaign was chosen on: when the result collects as much as before, the
    whole search need not be run again.

    Examples
    --------
    >>> import numpy as np
    >>> xy = np.array([[0, 0], [1, 0], [2, 0], [3, 0]], float)
    >>> c = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    >>> camp = refit(c, [0, 1, 1, 0], [(0, 1, 2, 0), (0, 0)], budgets=[3, 4], airfields=[0])
    >>> camp.flights, camp.prize
    (((0, 0), (0, 1, 2, 0)), 2.0)
    """
    c = np.asarray(cost, dtype=float)
    p = np.asarray(prize, dtype=float)
    n = c.shape[0]
    b = tuple(float(x) for x in budgets)
    if len(b) != len(flights):
        raise ValueError("one budget per flight is needed")
    af = tuple(sorted({int(a) for a in airfields} | {int(f[0]) for f in flights}
                      | {int(f[-1]) for f in flights}))
    g = np.arange(n) if groups is None else np.asarray(groups, dtype=int).copy()
    g[list(af)] = -1
    prob = _Problem(c=c, p=p, g=g, start=int(flights[0][0]), end=int(flights[-1][-1]),
                    airfields=af, budgets=b)
    fl = [list(f) for f in flights]
    for k, f in enumerate(fl):
        while len(f) > 2 and path_cost(c, f) > b[k] + EPS:
            a = np.asarray(f)
            save = c[a[:-2], a[1:-1]] + c[a[1:-1], a[2:]] - c[a[:-2], a[2:]]
            worth = np.maximum(p[a[1:-1]], EPS)
            del f[int(np.argmax(save / worth)) + 1]
    got = _exchange(prob, _candidates(prob), [tuple(f) for f in fl])
    return _finish(prob, got, optimal=False, method=Method.SEARCH)


def _candidates(prob: _Problem) -> list[int]:
    """Nodes some flight can visit: reachable from an airfield and back within a budget."""
    c, af = prob.c, list(prob.airfields)
    reach = c[af].min(axis=0) + c[:, af].min(axis=1) <= max(prob.budgets) + EPS
    reach &= prob.g >= 0
    return [int(i) for i in np.flatnonzero(reach)]


def _group_prize(prob: _Problem, cand: Sequence[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for i in cand:
        out[int(prob.g[i])] = max(out.get(int(prob.g[i]), 0.0), float(prob.p[i]))
    return out


def _finish(prob: _Problem, flights: list[tuple[int, ...]], *, optimal: bool, method: Method,
            stopped: bool = False) -> Campaign:
    costs = tuple(path_cost(prob.c, f) for f in flights)
    prize = campaign_prize(prob.p, flights, prob.g, prob.airfields)
    return Campaign(flights=tuple(flights), prize=prize, costs=costs, optimal=optimal,
                    method=method, stopped_by_time=stopped)


def _exact(prob: _Problem, cand: list[int]) -> Campaign:
    c, g = prob.c, prob.g
    gp = _group_prize(prob, cand)
    gids = sorted(gp)
    if len(gids) > EXACT_HARD_MAX_GROUPS:
        raise ValueError(f"the exact method handles at most {EXACT_HARD_MAX_GROUPS} groups, "
                         f"not {len(gids)}")
    bit = {gid: k for k, gid in enumerate(gids)}
    af = list(prob.airfields)
    m, na = len(cand), len(af)
    nodes = np.array(cand + af, dtype=int)
    mn = m + na
    node_bit = np.array([bit[int(g[i])] for i in cand], dtype=np.int64)
    sub = c[np.ix_(nodes, nodes)]
    to_af = c[np.ix_(nodes, np.array(af, dtype=int))]
    min_to_af = to_af.min(axis=1)
    full = 1 << len(gids)
    prize_of = np.zeros(full)
    for mask in range(1, full):
        low = mask & -mask
        prize_of[mask] = prize_of[mask ^ low] + gp[gids[low.bit_length() - 1]]
    start_ok = np.zeros((full, na), dtype=bool)
    start_ok[0, af.index(prob.start)] = True
    end_cols = [af.index(prob.end)] if prob.end is not None else list(range(na))
    pars: list[NDArray[np.int32]] = []
    lands: list[NDArray[np.int32]] = []
    best: tuple[float, int, int, int] | None = None  # prize, flights, mask, airfield
    for k, budget in enumerate(prob.budgets):
        dp = np.full((full, mn), np.inf)
        dp[:, m:] = np.where(start_ok, 0.0, np.inf)
        par = np.full((full, mn), -1, dtype=np.int32)
        for mask in range(full):
            row = dp[mask]
            alive = row + min_to_af <= budget + EPS
            if not alive.any():
                continue
            src = np.flatnonzero(alive)
            new = row[src, None] + sub[src, :m]
            arg = np.argmin(new, axis=0)
            val = new[arg, np.arange(m)]
            ok = (val + min_to_af[:m] <= budget + EPS) & ((mask >> node_bit) & 1 == 0)
            js = np.flatnonzero(ok)
            if not len(js):
                continue
            nms = mask | (1 << node_bit[js])
            better = val[js] < dp[nms, js]
            js, nms = js[better], nms[better]
            dp[nms, js] = val[js]
            par[nms, js] = src[arg[js]]
        # Landing: the cheapest last node for each (groups visited, airfield), one airfield
        # at a time so that no 2**groups x nodes x airfields table is made.
        land = np.empty((full, na), dtype=np.int32)
        start_ok = np.empty((full, na), dtype=bool)
        for col in range(na):
            total = dp + to_af[:, col]
            land[:, col] = np.argmin(total, axis=1)
            start_ok[:, col] = total[np.arange(full), land[:, col]] <= budget + EPS
        pars.append(par)
        lands.append(land)
        ends = start_ok[:, end_cols]
        if ends.any():
            pr = np.where(ends.any(axis=1), prize_of, -np.inf)
            mask = int(np.argmax(pr))
            if best is None or pr[mask] > best[0] + EPS:
                col = end_cols[int(np.argmax(ends[mask]))]
                best = (float(pr[mask]), k + 1, mask, col)
    if best is None:
        return Campaign(flights=(), prize=0.0, costs=(), optimal=True, method=Method.NONE)
    _, used, mask, a = best
    flights: list[tuple[int, ...]] = []
    for k in range(used - 1, -1, -1):
        path = [af[a]]
        node = int(lands[k][mask, a])
        while node < m:
            path.append(int(nodes[node]))
            prev = int(pars[k][mask, node])
            mask ^= 1 << int(node_bit[node])
            node = prev
        path.append(int(nodes[node]))
        path.reverse()
        flights.append(tuple(path))
        a = node - m
    flights.reverse()
    return _finish(prob, flights, optimal=True, method=Method.EXACT)


class _Filler:
    """Fills flights with the route core, each on the nodes the other flights leave."""

    def __init__(self, prob: _Problem, cand: list[int], seed: int, deadline: float) -> None:
        self.prob = prob
        self.cand = np.array(cand, dtype=int)
        self.rng = np.random.default_rng(seed)
        self.deadline = deadline
        self.stopped = False
        self.memo: dict[tuple[int, int, int, frozenset[int], int], tuple[int, ...] | None] = {}

    def flight(self, a: int, b: int, k: int, taken: set[int],
               iterations: int | None) -> tuple[int, ...] | None:
        """Best flight k from a to b within its budget among groups not in ``taken``.

        The same question is answered once (remembered), so that the improvement loop's
        trials that share a flight do not solve it again.
        """
        key = (a, b, k, frozenset(taken), -1 if iterations is None else iterations)
        if key not in self.memo:
            self.memo[key] = self._flight(a, b, self.prob.budgets[k], taken, iterations)
        return self.memo[key]

    def _flight(self, a: int, b: int, budget: float, taken: set[int],
                iterations: int | None) -> tuple[int, ...] | None:
        prob = self.prob
        if prob.c[a, b] > budget + EPS:
            return None
        free = self.cand[~np.isin(prob.g[self.cand], list(taken))] if taken else self.cand
        nodes = np.array([a, b, *free.tolist()], dtype=int) if a != b else \
            np.array([a, *free.tolist()], dtype=int)
        sub = prob.c[np.ix_(nodes, nodes)]
        left = max(self.deadline - time.monotonic(), 0.0)
        if left <= 0.0:
            self.stopped = True
        sol = solve(sub, prob.p[nodes], start=0, end=0 if a == b else 1, budget=budget,
                    groups=prob.g[nodes], seed=int(self.rng.integers(2**31)),
                    iterations=iterations, time_limit_s=max(left, 1e-3),
                    exact_max_groups=12)
        self.stopped |= sol.stopped_by_time
        if not sol.order:
            return None
        return tuple(int(nodes[i]) for i in sol.order)

    def fill(self, hotels: Sequence[int], order: Sequence[int], fixed: dict[int, tuple[int, ...]],
             iterations: int | None) -> list[tuple[int, ...]] | None:
        """Flights between consecutive ``hotels``, solved in ``order``; ``fixed`` ones kept."""
        prob = self.prob
        taken = {int(prob.g[v]) for f in fixed.values() for v in f[1:-1]}
        out: dict[int, tuple[int, ...]] = dict(fixed)
        for k in order:
            if k in out:
                continue
            f = self.flight(hotels[k], hotels[k + 1], k, taken, iterations)
            if f is None:
                return None
            out[k] = f
            taken |= {int(prob.g[v]) for v in f[1:-1]}
        return [out[k] for k in range(len(hotels) - 1)]


def _value(prob: _Problem, flights: Sequence[tuple[int, ...]]) -> tuple[float, float]:
    """Prize, and minus the cost, so that a larger tuple is a better campaign."""
    return (campaign_prize(prob.p, flights, prob.g, prob.airfields),
            -sum(path_cost(prob.c, f) for f in flights))


def _better(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] > b[0] + EPS or (a[0] > b[0] - EPS and a[1] > b[1] + EPS)


def _sequences(prob: _Problem, cand: list[int], flights: int) -> list[tuple[int, ...]]:
    """Feasible landing-airfield sequences, best bound first (at most SEQUENCES_ESTIMATED).

    The bound of a sequence is the prize of the groups some flight of it can reach (from its
    take-off airfield to its landing one within its budget). Ties go to the sequence whose
    flights reach the most prize in total, counting a group once per flight that reaches it
    (more room to share targets out), then to the fewer distinct airfields. Sequences are built
    flight by flight keeping the best ``SEQUENCE_BEAM`` partial ones, so that many airfields
    and flights stay tractable.
    """
    c, af = prob.c, list(prob.airfields)
    ci = np.array(cand, dtype=int)
    afa = np.array(af, dtype=int)
    gids, ginv = np.unique(prob.g[ci], return_inverse=True)
    gpz = np.zeros(len(gids))
    np.maximum.at(gpz, ginv, prob.p[ci])
    onehot = np.zeros((len(ci), len(gids)), dtype=bool)
    onehot[np.arange(len(ci)), ginv] = True
    s = af.index(prob.start)
    # A partial sequence: (key, airfield indices, groups reached).
    beam: list[tuple[tuple[float, float, int], tuple[int, ...], NDArray[np.bool_]]] = [
        ((0.0, 0.0, 1), (s,), np.zeros(len(gids), dtype=bool))]
    for k in range(flights):
        budget = prob.budgets[k]
        # reach[a, b]: groups that flight k reaches from airfield a to airfield b.
        tot = c[np.ix_(afa, ci)][:, None, :] + c[np.ix_(ci, afa)].T[None, :, :]
        ok = (tot <= budget + EPS).reshape(-1, len(ci)) @ onehot.astype(np.int64) > 0
        reach = ok.reshape(len(af), len(af), len(gids))
        leg_ok = c[np.ix_(afa, afa)] <= budget + EPS
        if k == flights - 1 and prob.end is not None:
            ends = [af.index(prob.end)]
        else:
            ends = list(range(len(af)))
        nxt = []
        for key, seq, got in beam:
            for e in ends:
                if not leg_ok[seq[-1], e]:
                    continue
                r = reach[seq[-1], e]
                union = got | r
                seq2 = (*seq, e)
                nxt.append(((-float(gpz[union].sum()), key[1] - float(gpz[r].sum()),
                             len(set(seq2))), seq2, union))
        nxt.sort(key=lambda x: (x[0], x[1]))
        beam = nxt[:SEQUENCE_BEAM]
    return [tuple(af[i] for i in seq) for _, seq, _ in beam[:SEQUENCES_ESTIMATED]]


def explore_iterations(candidates: int) -> int:
    """Perturbations of each route solve while the campaign search explores.

    Examples
    --------
    >>> explore_iterations(64), explore_iterations(400), explore_iterations(2000)
    (40, 20, 10)
    """
    return max(EXPLORE_MIN, min(EXPLORE_MAX, EXPLORE_WORK // max(candidates, 1)))


def _exchange(prob: _Problem, cand: Sequence[int],
              flights: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Move visits between flights where that makes room, and fill the room.

    The route core optimises one flight at a time; this shares targets out between flights
    (the relocate move of team-orienteering local searches, e.g. Vansteenwegen et al. 2009):
    a visit moves to its cheapest place in another flight that has the budget for it, and the
    flight it left takes in unvisited nodes at their cheapest places (best prize per extra cost
    first) while they fit. A move is kept when the campaign's prize grows, or stays equal at a
    lower total cost, so the loop ends.
    """
    c, p, g, budgets = prob.c, prob.p, prob.g, prob.budgets
    fl = [list(f) for f in flights]

    def insert_cost(f: list[int], v: int) -> tuple[float, int]:
        a = np.asarray(f)
        d = c[a[:-1], v] + c[v, a[1:]] - c[a[:-1], a[1:]]
        i = int(np.argmin(d))
        return float(d[i]), i + 1

    cand_a = np.asarray(cand, dtype=int)
    cand_g = g[cand_a]
    # Groups visited, by group id (airfields' -1 takes the last slot, which no candidate has).
    n_slots = int(g.max(initial=0)) + 2

    def fill(k: int, spent: list[float]) -> float:
        got = 0.0
        used = np.zeros(n_slots, dtype=bool)
        for f in fl:
            used[g[np.asarray(f[1:-1], dtype=int)]] = True
        while True:
            free = cand_a[~used[cand_g]]
            if not len(free):
                return got
            a = np.asarray(fl[k])
            d = c[a[:-1, None], free[None, :]] + c[free[None, :], a[1:, None]] - \
                c[a[:-1], a[1:]][:, None]
            pos = np.argmin(d, axis=0)
            dmin = d[pos, np.arange(len(free))]
            ok = spent[k] + dmin <= budgets[k] + EPS
            if not ok.any():
                return got
            ratio = np.where(ok, p[free] / np.maximum(dmin, EPS), -np.inf)
            b = int(np.argmax(ratio))
            fl[k].insert(int(pos[b]) + 1, int(free[b]))
            used[g[free[b]]] = True
            spent[k] += float(dmin[b])
            got += float(p[free[b]])

    spent = [path_cost(c, f) for f in fl]
    for k in range(len(fl)):
        fill(k, spent)
    # Each kept move raises the prize or lowers the cost at equal prize, so the loop ends by
    # itself; the count is a safety bound.
    for _ in range(10 * len(cand) + 10):
        moved = False
        for k, j in itertools.permutations(range(len(fl)), 2):
            for i in range(1, len(fl[k]) - 1):
                v = fl[k][i]
                d, pos = insert_cost(fl[j], v)
                if spent[j] + d > budgets[j] + EPS:
                    continue
                save = c[fl[k][i - 1], v] + c[v, fl[k][i + 1]] - c[fl[k][i - 1], fl[k][i + 1]]
                keep = ([f.copy() for f in fl], spent.copy())
                del fl[k][i]
                fl[j].insert(pos, v)
                spent[k] -= float(save)
                spent[j] += d
                gain = fill(k, spent)
                if gain > EPS or d - save < -EPS:
                    moved = True
                    break
                fl, spent = keep
            if moved:
                break
        if not moved:
            break
    return [tuple(f) for f in fl]


def _search(prob: _Problem, cand: list[int], *, seed: int, deadline: float) -> Campaign:
    filler = _Filler(prob, cand, seed, deadline)
    best = _search_flights(prob, cand, filler, len(prob.budgets))
    if best is None:
        return Campaign(flights=(), prize=0.0, costs=(), optimal=True, method=Method.NONE)
    return _finish(prob, _fewer(prob, best), optimal=False, method=Method.SEARCH,
                   stopped=filler.stopped)


def _fewer(prob: _Problem, flights: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """The same flights without those that visit nothing and can be left out.

    A flight that stays where it is (``(a, a)``) is dropped and the later flights move one
    budget earlier, if each still fits its new budget; a last flight that visits nothing is
    dropped if the one before it already ends where the campaign must.
    """
    out = list(flights)
    changed = True
    while changed and len(out) > 1:
        changed = False
        for k in range(len(out)):
            f = out[k]
            if len(f) != 2:
                continue
            rest = out[:k] + out[k + 1:]
            chained = all(rest[j][-1] == rest[j + 1][0] for j in range(len(rest) - 1))
            ends = prob.end is None or rest[-1][-1] == prob.end
            fits = all(path_cost(prob.c, r) <= prob.budgets[j] + EPS
                       for j, r in enumerate(rest))
            if rest[0][0] == prob.start and chained and ends and fits:
                out, changed = rest, True
                break
    return out


def _search_flights(prob: _Problem, cand: list[int], filler: _Filler,
                    count: int) -> list[tuple[int, ...]] | None:
    """The best campaign of exactly ``count`` flights the search finds (None: none fits)."""
    best: list[tuple[int, ...]] | None = None
    best_v = (-np.inf, -np.inf)
    forward = list(range(count))
    its = explore_iterations(len(cand))
    estimated = []
    for rank, seq in enumerate(_sequences(prob, cand, count)):
        quick = [filler.fill(seq, order, {}, 0) for order in (forward, forward[::-1])]
        values = [_value(prob, q) for q in quick if q is not None]
        if values:
            estimated.append((max(values), -rank, seq))
    estimated.sort(reverse=True)
    for _, _, seq in estimated[:SEQUENCES_FILLED]:
        for order in (forward, forward[::-1]):
            got = filler.fill(seq, order, {}, its)
            got = None if got is None else _exchange(prob, cand, got)
            if got is not None and _better(_value(prob, got), best_v):
                best, best_v = got, _value(prob, got)
    if best is None:
        return None
    af, c = list(prob.airfields), prob.c
    for _ in range(IMPROVE_ROUNDS):
        improved = False
        hotels = [best[0][0]] + [f[-1] for f in best]
        # One flight re-solved, or two consecutive ones in either order; others kept.
        trials: list[tuple[list[int], list[int]]] = [(hotels, [k]) for k in range(count)]
        trials += [(hotels, o) for k in range(count - 1) for o in ([k, k + 1], [k + 1, k])]
        # Another airfield at a hand-off: the two flights around it re-solved.
        for k in range(1, count + (0 if prob.end is not None else 1)):
            hk = hotels[k]
            near = sorted((a for a in af if a != hk), key=lambda a: (c[hk, a] + c[a, hk], a))
            for a in near[:HANDOFF_ALTERNATIVES]:
                h2 = [*hotels[:k], a, *hotels[k + 1:]]
                around = [j for j in (k - 1, k) if j < count]
                trials += [(h2, around), (h2, around[::-1])]
        for h, order in trials:
            if time.monotonic() > filler.deadline:
                filler.stopped = True
                break
            fixed = {j: best[j] for j in range(count) if j not in order}
            got = filler.fill(h, order, fixed, its)
            got = None if got is None else _exchange(prob, cand, got)
            if got is not None and _better(_value(prob, got), best_v):
                best, best_v, improved = got, _value(prob, got), True
        if not improved:
            break
    # Polish: each flight once more with the route core's full schedule, whose aim is more
    # prize. A campaign that already collects every group within reach (the prize's upper
    # bound) can gain nothing there, only a shorter route, and is kept as the exploring solves
    # and the exchange left it: on the 100-target mission benchmark the polish shortened such
    # flights by 0.1-0.2 % for half of the core's time (benchmarks/campaign_mission_bench.py).
    if best_v[0] >= sum(_group_prize(prob, cand).values()) - EPS:
        return best
    hotels = [best[0][0]] + [f[-1] for f in best]
    for k in range(count):
        fixed = {j: best[j] for j in range(count) if j != k}
        got = filler.fill(hotels, [k], fixed, None)
        if got is not None and _better(_value(prob, got), best_v):
            best, best_v = got, _value(prob, got)
    return best
