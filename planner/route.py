"""The orienteering core: which nodes to visit, and in what order, within a budget.

Given a square matrix of travel costs, a prize per node, a start node, an end node and a budget,
:func:`solve` returns a path from start to end whose total cost stays within the budget and whose
total prize is as large as it can find. Nodes may be grouped (a target's camera stations): a group
is visited at most once and its prize counts once. Nothing here knows of missions or terrain.

Two methods:

- ``exact``: dynamic programming over subsets of groups (Held-Karp style), optimal; used
  automatically when there are at most ``exact_max_groups`` groups.
- ``search``: iterated local search, deterministic for a seed. Construction by greedy insertion
  (prize per unit of extra cost); local search by 2-opt, or-opt (moving runs of one to three
  visits, reversed or not), station swaps within groups, greedy insertion of what fits, and
  drop-add exchanges (one visit out, one unvisited node in at its best place elsewhere); each
  move evaluated for every position at once with numpy. Perturbations are ruin and recreate:
  removing a run of consecutive visits, removing visits near a random one (the string and
  spatial removals of Christiaens and Vanden Berghe's SISR), or forcing unvisited nodes in and
  dropping the least paying visits until the budget holds; the recreate step is the greedy
  insertion with noise. Trials are accepted by record-to-record travel (Dueck 1993).

The tuning numbers are the module-level constants below, each with its reason; the benchmark
README (``benchmarks/README.md``) shows the ablations behind them.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Record-to-record travel (Dueck 1993): a trial becomes the current solution when its prize is
#: within this share of the best one's (of the current run). The margin shrinks linearly to zero
#: over the search, so it explores first and converges last. 4 % is the value the search had
#: when it reached the small benchmark's references; it was not re-tuned at scale.
RRT_MARGIN = 0.04
#: Chance that a rejected trial sends the search back to the best solution found: a gentle
#: restart from the elite solution when the current one has drifted.
RESET_PROBABILITY = 0.02
#: A run that has not improved its best for this share of the iteration count restarts from a
#: new randomised greedy route (the best found is kept): record-to-record travel alone stays in
#: one basin, and on clustered instances a basin is a choice of clusters that small ruins cannot
#: change (one 200-node instance ended 7 % lower on one seed than on three others without it).
RESTART_SHARE = 0.25
#: The fewest iterations without improvement before a restart, for short runs.
RESTART_MIN = 25
#: Share of perturbations that force unvisited nodes in (the rest ruin part of the route).
FORCE_PROBABILITY = 0.5
#: Share of ruins that remove a run of consecutive visits; the rest remove the visits nearest
#: to a random visit. Both are SISR's removals of related visits (Christiaens and Vanden Berghe
#: 2020); removing scattered random visits instead was 2 % lower on average in the ablation.
STRING_PROBABILITY = 0.5
#: Most visits one ruin removes: up to half the route, but no more than this. SISR removes 10
#: customers on average (its c-bar); drawing uniformly from 1..19 gives that mean on large
#: routes, while routes of under 40 visits keep the "up to half" of the small-instance tuning.
RUIN_MAX = 19
#: The recreate step multiplies each node's prize-per-cost ratio by a uniform factor in this
#: range, so that repeated recreations try other orders than the greedy one.
NOISE_RANGE = (0.4, 1.6)
#: The recreate step ranks nodes by prize**a / extra cost with a drawn from these: a = 2 favours
#: high prizes, a = 0.5 cheap nodes (Tsiligirides 1984 used such exponents on score/distance).
PRIZE_EXPONENTS = (0.5, 1.0, 2.0)
#: Default number of perturbations: WORK / candidates, between MIN and MAX iterations. A
#: perturbation's local search costs more on a longer route (about 4.5, 7, 13 and 18 ms of one
#: core at 64, 100, 200 and 400 nodes), so the count falls with the size: 600 up to 200
#: candidates, 300 at 400, and the time stays at a few seconds (benchmarks/README.md).
ITERATION_WORK = 120_000
#: The fewest perturbations the default schedule makes, whatever the size (the floor the
#: search had before; a 5000-node grouped problem costs about 0.4 s of one core per iteration).
ITERATIONS_MIN = 60
#: The most perturbations the default schedule makes: 400 already reach every reference of the
#: 21-66 node benchmark; 600 (about 2.7 s of one core at 64 nodes) buy quality at 100 nodes,
#: where 400 fell up to 1.6 % short of the long-run references.
ITERATIONS_MAX = 600
#: Length of the neighbour lists that 2-opt, or-opt and drop-add are evaluated on: a move is
#: tried only where it makes an edge to one of a node's nearest nodes. 2-opt and 3-opt with
#: neighbour lists of 20 lose little against full evaluation (Johnson and McGeoch 1997, "The
#: traveling salesman problem: a case study in local optimization") and cost O(route x 20)
#: instead of O(route^2); here they halve the time at 400 nodes for a mixed effect on quality
#: (benchmarks/README.md). Problems of at most 21 nodes are evaluated in full.
NEIGHBOURS = 20
#: Rounds of the local search (times its number of moves) before it gives up on reaching a
#: local optimum: a safety bound; every move strictly improves the prize, or the cost at equal
#: prize, so it ends by itself.
IMPROVE_ROUNDS = 100
#: Tolerance on costs and prizes when comparing floats.
EPS = 1e-9


class Method(StrEnum):
    """How a :class:`Solution` was found (the string values are printed in plans)."""

    EXACT = "exact"
    SEARCH = "search"
    NONE = "none"


@dataclass(frozen=True)
class SearchSettings:
    """Switches and numbers of the iterated local search; the defaults are the module constants.

    Exposed so that the benchmarks can measure what each part contributes (ablations); a
    planner has no reason to change them.
    """

    two_opt: bool = True
    or_opt: bool = True
    drop_add: bool = True
    spatial_ruin: bool = True
    neighbours: int = NEIGHBOURS
    rrt_margin: float = RRT_MARGIN
    restart_share: float = RESTART_SHARE
    ruin_max: int = RUIN_MAX
    force_probability: float = FORCE_PROBABILITY
    string_probability: float = STRING_PROBABILITY
    noise_range: tuple[float, float] = NOISE_RANGE
    prize_exponents: tuple[float, ...] = field(default=PRIZE_EXPONENTS)


def default_iterations(candidates: int) -> int:
    """Perturbations the search makes by default for a number of candidate nodes.

    ``ITERATION_WORK / candidates``, clipped to ``ITERATIONS_MIN..ITERATIONS_MAX``: a count, not
    a time, so that a seed always gives the same answer.

    Examples
    --------
    >>> default_iterations(64), default_iterations(400), default_iterations(5000)
    (600, 300, 60)
    """
    return max(ITERATIONS_MIN, min(ITERATIONS_MAX, ITERATION_WORK // max(candidates, 1)))


@dataclass(frozen=True)
class Solution:
    """A path and what it earns and costs.

    ``stopped_by_time`` is True when the search's wall-clock cap ended it before its iteration
    count (the answer then depends on the machine's speed); always False for the exact method.
    """

    order: tuple[int, ...]
    prize: float
    cost: float
    optimal: bool
    method: Method
    stopped_by_time: bool = False


def path_cost(cost: NDArray[np.float64], order: Sequence[int]) -> float:
    """Total cost of a path.

    Examples
    --------
    >>> import numpy as np
    >>> path_cost(np.array([[0, 1, 5], [1, 0, 2], [5, 2, 0]], float), [0, 1, 2])
    3.0
    """
    return float(sum(cost[a, b] for a, b in itertools.pairwise(order)))


def solve(cost: ArrayLike, prize: ArrayLike, *, start: int, end: int, budget: float,
          groups: ArrayLike | None = None, method: str = "auto", seed: int = 0,
          time_limit_s: float = 10.0, iterations: int | None = None,
          exact_max_groups: int = 12, settings: SearchSettings | None = None) -> Solution:
    """Choose and order nodes to maximise the prize collected within a budget.

    Parameters
    ----------
    cost
        ``n x n`` travel costs (``inf`` where there is no way); need not be symmetric.
    prize
        Prize per node; the start and end nodes' prizes are ignored.
    start, end
        Where the path starts and ends (may be the same node).
    budget
        The most the path may cost.
    groups
        Group id per node (nodes of one group are alternatives; default: each its own).
        The start and end nodes belong to no group.
    method
        ``"exact"``, ``"search"`` or ``"auto"``.
    seed
        Seed of the search's random choices: the same inputs and seed give the same answer.
    time_limit_s
        Wall-clock limit of the search: a safety stop, which makes the answer depend on the
        machine's speed when it is reached (:attr:`Solution.stopped_by_time` says so);
        ``iterations`` bounds the work.
    iterations
        Number of perturbations of the search (default: :func:`default_iterations`).
    exact_max_groups
        ``auto`` uses the exact method up to this many groups.
    settings
        The search's switches and numbers (default: the module constants); for benchmarks.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0, 2, 2, 3], [2, 0, 3, 2], [2, 3, 0, 2], [3, 2, 2, 0]], float)
    >>> sol = solve(c, [0, 5, 4, 0], start=0, end=3, budget=4.5)
    >>> sol.order, sol.method, sol.stopped_by_time
    ((0, 1, 3), <Method.EXACT: 'exact'>, False)
    """
    if method not in ("auto", "exact", "search"):
        raise ValueError(f"method must be 'auto', 'exact' or 'search', not {method!r}")
    c = np.ascontiguousarray(cost, dtype=float)
    p = np.asarray(prize, dtype=float)
    n = c.shape[0]
    if c.shape != (n, n) or p.shape != (n,):
        raise ValueError("cost must be n x n and prize of length n")
    if not (0 <= start < n and 0 <= end < n):
        raise ValueError("start and end must be node indices")
    g = np.arange(n) if groups is None else np.asarray(groups, dtype=int).copy()
    if g.shape != (n,):
        raise ValueError("groups must have one entry per node")
    g[[start, end]] = -1
    if c[start, end] > budget + EPS:
        return Solution(order=(), prize=0.0, cost=float(c[start, end]), optimal=True,
                        method=Method.NONE)
    reach = c[start] + c[:, end] <= budget + EPS
    reach &= g >= 0
    reach[[start, end]] = False
    candidates = [int(i) for i in np.flatnonzero(reach)]
    n_groups = len({int(g[i]) for i in candidates})
    if method == "exact" or (method == "auto" and n_groups <= exact_max_groups):
        return _exact(c, p, g, start=start, end=end, budget=budget, candidates=candidates)
    its = iterations if iterations is not None else default_iterations(len(candidates))
    return _search(c, p, g, start=start, end=end, budget=budget, candidates=candidates,
                   seed=seed, iterations=its, time_limit_s=time_limit_s,
                   settings=settings or SearchSettings())


def _exact(c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_], *, start: int,
           end: int, budget: float, candidates: list[int]) -> Solution:
    gids = sorted({int(g[i]) for i in candidates})
    if len(gids) > 20:
        raise ValueError(f"the exact method handles at most 20 groups, not {len(gids)}")
    bit = {gid: k for k, gid in enumerate(gids)}
    nodes = np.array(candidates, dtype=int)
    m = len(nodes)
    node_bit = np.array([bit[int(g[i])] for i in nodes], dtype=int)
    gprize = np.zeros(len(gids))
    for i in nodes:
        gprize[bit[int(g[i])]] = p[i]
    sub = c[np.ix_(nodes, nodes)]
    to_end = c[nodes, end]
    full = 1 << len(gids)
    inf = np.inf
    dp = np.full((full, m), inf)
    parent = np.full((full, m), -1, dtype=np.int32)
    first = c[start, nodes]
    for j in range(m):
        mask = 1 << node_bit[j]
        dp[mask, j] = min(dp[mask, j], first[j])
    best_prize, best_cost, best_state = 0.0, float(c[start, end]), None
    prize_of = np.zeros(full)
    for mask in range(1, full):
        low = mask & -mask
        prize_of[mask] = prize_of[mask ^ low] + gprize[low.bit_length() - 1]
    for mask in range(1, full):
        row = dp[mask]
        alive = np.isfinite(row) & (row + to_end <= budget + 1e-9)
        if not alive.any():
            continue
        total = row + to_end
        j = int(np.argmin(np.where(alive, total, inf)))
        if prize_of[mask] > best_prize + 1e-12 or (
                abs(prize_of[mask] - best_prize) <= 1e-12 and total[j] < best_cost):
            best_prize, best_cost, best_state = float(prize_of[mask]), float(total[j]), (mask, j)
        # Extend to every node of a group not yet in the mask.
        new = row[alive, None] + sub[alive]
        src = np.flatnonzero(alive)
        arg = np.argmin(new, axis=0)
        val = new[arg, np.arange(m)]
        for j2 in np.flatnonzero((val <= budget) & ((mask >> node_bit) & 1 == 0)):
            nm = mask | (1 << node_bit[j2])
            if val[j2] < dp[nm, j2]:
                dp[nm, j2] = val[j2]
                parent[nm, j2] = src[arg[j2]]
    order: list[int] = []
    if best_state is not None:
        mask, j = best_state
        while j >= 0:
            order.append(int(nodes[j]))
            pj = int(parent[mask, j])
            mask ^= 1 << node_bit[j]
            j = pj
        order.reverse()
    path = (start, *order, end)
    return Solution(order=path, prize=best_prize, cost=path_cost(c, path), optimal=True,
                    method=Method.EXACT)




def _neighbour_lists(c: NDArray[np.float64], nodes: NDArray[np.intp],
                     k: int) -> NDArray[np.intp] | None:
    """The k nearest of ``nodes`` to each of them by the round-trip cost (-1 elsewhere).

    None when every node is within k of every other: then moves are evaluated in full.
    """
    m = len(nodes)
    if k <= 0 or m - 1 <= k:
        return None
    nn = np.full((len(c), k), -1, dtype=np.intp)
    for lo in range(0, m, 256):  # in blocks, so that a 5000-node problem needs no n x n copy
        rows = nodes[lo:lo + 256]
        d = c[np.ix_(rows, nodes)] + c[np.ix_(nodes, rows)].T
        d[np.arange(len(rows)), lo + np.arange(len(rows))] = np.inf
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(d, part, axis=1), axis=1, kind="stable")
        nn[rows] = nodes[np.take_along_axis(part, order, axis=1)]
    return nn


def _positions(arr: NDArray[np.intp], n: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Where each node is on the path as an edge's tail and as an edge's head (-1: not)."""
    tail = np.full(n, -1, dtype=np.intp)
    head = np.full(n, -1, dtype=np.intp)
    tail[arr[:-1]] = np.arange(len(arr) - 1)
    head[arr[1:]] = np.arange(1, len(arr))
    return tail, head


class _Arcs:
    """Costs of arcs ``a -> b`` (broadcast), looked up in the flattened matrix.

    ``arcs[a, b]`` equals ``c[a, b]``; numpy's two-dimensional fancy indexing costs about six
    times as much as the one-dimensional look-up of ``a * n + b`` (measured on 289 x 40 index
    arrays into a 400 x 400 matrix: 0.34 against 0.06 ms), and the moves do little else.
    """

    __slots__ = ("flat", "n")

    def __init__(self, c: NDArray[np.float64]) -> None:
        self.n = int(c.shape[0])
        self.flat = c.reshape(-1)  # a view: solve passes a C-contiguous matrix

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, key: tuple[ArrayLike, ArrayLike]) -> NDArray[np.float64]:
        a, b = key
        out: NDArray[np.float64] = self.flat[np.multiply(a, self.n) + b]
        return out


class _Route:
    """A mutable path with its cost, prize and visited groups (a flag per group) up to date."""

    __slots__ = ("cost", "path", "prize", "s", "used")

    def __init__(self, s: _Search, path: list[int]) -> None:
        self.s = s
        self.path = path
        self.used = np.zeros(s.n_groups, dtype=bool)
        self.cost = 0.0
        self.prize = 0.0
        self.refresh()

    def refresh(self) -> None:
        s = self.s
        arr = np.asarray(self.path)
        self.cost = float(s.arc[arr[:-1], arr[1:]].sum()) if len(arr) > 1 else 0.0
        inner = arr[1:-1]
        self.prize = float(s.p[inner].sum()) if len(inner) else 0.0
        self.used[:] = False
        self.used[s.gidx[inner]] = True

    def copy(self) -> _Route:
        r = _Route.__new__(_Route)
        r.s, r.path, r.used = self.s, list(self.path), self.used.copy()
        r.cost, r.prize = self.cost, self.prize
        return r


class _Search:
    """Iterated local search for the (grouped) orienteering problem.

    Every move is evaluated for all positions at once with numpy; see the module docstring.
    """

    def __init__(self, c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_],
                 candidates: list[int], *, ends: tuple[int, int], budget: float,
                 settings: SearchSettings) -> None:
        self.c, self.p = c, p
        self.arc = _Arcs(c)
        self.budget = budget
        self.settings = settings
        self.cand = np.asarray(candidates, dtype=np.intp)
        gids, compact = np.unique(g[self.cand], return_inverse=True)
        self.n_groups = len(gids)
        # Compact group index per node, -1 for nodes that are no candidate.
        self.gidx = np.full(len(g), -1, dtype=np.intp)
        self.gidx[self.cand] = compact
        self.cand_group = self.gidx[self.cand]
        members: list[list[int]] = [[] for _ in range(self.n_groups)]
        for i, k in zip(candidates, compact, strict=True):
            members[int(k)].append(i)
        width = max((len(v) for v in members), default=1)
        self.width = width
        # Alternatives of each candidate: the stations of its group, -1 padded.
        self.members = np.full((len(g), width), -1, dtype=np.intp)
        for i, k in zip(candidates, compact, strict=True):
            row = members[int(k)]
            self.members[i, :len(row)] = row
        self.nn = _neighbour_lists(c, np.unique(np.concatenate([self.cand, ends])),
                                   settings.neighbours)

    def free(self, r: _Route) -> NDArray[np.intp]:
        """Candidates whose group the route does not visit."""
        return self.cand[~r.used[self.cand_group]]

    # -- construction ---------------------------------------------------------------------

    def fill(self, r: _Route, noise: NDArray[np.float64] | None = None,
             alpha: float = 1.0) -> bool:
        """Insert free nodes by best prize per extra cost until none fits.

        The insertion costs of every free node into every edge are kept in a matrix; an
        insertion replaces one edge by two, so only two rows are computed anew.
        """
        free = self.free(r)
        if not len(free):
            return False
        c, p = self.arc, self.p
        arr = np.asarray(r.path)
        m = len(arr) - 1
        nf = len(free)
        cap = m + 16
        ea = np.empty(cap, dtype=np.intp)
        eb = np.empty(cap, dtype=np.intp)
        ea[:m], eb[:m] = arr[:-1], arr[1:]
        delta = np.empty((cap, nf))
        delta[:m] = c[ea[:m, None], free[None, :]] + c[free[None, :], eb[:m, None]] - \
            c[ea[:m], eb[:m]][:, None]
        weight = p[free] ** alpha
        if noise is not None:
            weight = weight * noise[free]
        alive = np.ones(nf, dtype=bool)
        fgroup = self.gidx[free]
        cols = np.arange(nf)
        cost = r.cost
        inserted = False
        # Each free node's cheapest edge, kept up to date: an insertion replaces one edge by
        # two, so only the nodes whose cheapest edge was the replaced one look again.
        pos = delta[:m].argmin(axis=0)
        d = delta[pos, cols]
        while True:
            ok = alive & (cost + d <= self.budget + EPS)
            if not ok.any():
                break
            ratio = np.where(ok, weight / np.maximum(d, EPS), -np.inf)
            k = int(np.argmax(ratio))
            f, e = int(free[k]), int(pos[k])
            a, b = int(ea[e]), int(eb[e])
            r.path.insert(r.path.index(a) + 1, f)
            cost += float(d[k])
            alive &= fgroup != fgroup[k]
            inserted = True
            if m == cap:
                cap *= 2
                delta = np.concatenate([delta, np.empty_like(delta)])
                ea = np.concatenate([ea, np.empty_like(ea)])
                eb = np.concatenate([eb, np.empty_like(eb)])
            delta[e] = c[a, free] + c[free, f] - c[a, f]
            delta[m] = c[f, free] + c[free, b] - c[f, b]
            eb[e], ea[m], eb[m] = f, f, b
            m += 1
            lost = np.flatnonzero(alive & (pos == e))
            for row in (e, m - 1):
                closer = delta[row] < d
                pos[closer], d[closer] = row, delta[row, closer]
            if len(lost):
                sub = delta[:m, lost]
                at = sub.argmin(axis=0)
                pos[lost], d[lost] = at, sub[at, np.arange(len(lost))]
        if inserted:
            r.refresh()
        return inserted

    # -- local search ---------------------------------------------------------------------

    def two_opt(self, r: _Route) -> bool:
        """Reverse the stretch of the path that shortens it most, while one does.

        With neighbour lists, only reversals that make an edge from a node to one of its
        nearest are tried (either of the two new edges).
        """
        if self.nn is None:
            return self.two_opt_full(r)
        c, nn = self.arc, self.nn
        changed = False
        while len(r.path) >= 4:
            arr = np.asarray(r.path)
            n = len(arr)
            _, head = _positions(arr, len(c))
            fwd = np.concatenate([[0.0], np.cumsum(c[arr[:-1], arr[1:]])])
            rev = np.concatenate([[0.0], np.cumsum(c[arr[1:], arr[:-1]])])
            i = np.arange(1, n - 1)
            # New edge arr[i-1] -> arr[j], or arr[i] -> arr[j+1], to a near node.
            ja = head[nn[arr[i - 1]]]
            jb = head[nn[arr[i]]] - 1
            ii = np.concatenate([np.broadcast_to(i[:, None], ja.shape).ravel(),
                                 np.broadcast_to(i[:, None], jb.shape).ravel()])
            jj = np.concatenate([ja.ravel(), jb.ravel()])
            ok = (jj > ii) & (jj <= n - 2)
            ii, jj = ii[ok], jj[ok]
            if not len(ii):
                return changed
            old = c[arr[ii - 1], arr[ii]] + c[arr[jj], arr[jj + 1]] + (fwd[jj] - fwd[ii])
            new = c[arr[ii - 1], arr[jj]] + c[arr[ii], arr[jj + 1]] + (rev[jj] - rev[ii])
            gain = old - new
            k = int(np.argmax(gain))
            if gain[k] <= EPS:
                return changed
            lo, hi = int(ii[k]), int(jj[k])
            r.path[lo:hi + 1] = r.path[lo:hi + 1][::-1]
            r.refresh()
            changed = True
        return changed

    def two_opt_full(self, r: _Route) -> bool:
        """2-opt evaluated over every pair of positions."""
        c = self.arc
        changed = False
        while len(r.path) >= 4:
            arr = np.asarray(r.path)
            n = len(arr)
            fwd = np.concatenate([[0.0], np.cumsum(c[arr[:-1], arr[1:]])])
            rev = np.concatenate([[0.0], np.cumsum(c[arr[1:], arr[:-1]])])
            i = np.arange(1, n - 1)[:, None]
            j = np.arange(1, n - 1)[None, :]
            old = c[arr[i - 1], arr[i]] + c[arr[j], arr[np.minimum(j + 1, n - 1)]] + \
                (fwd[j] - fwd[i])
            new = c[arr[i - 1], arr[j]] + c[arr[i], arr[np.minimum(j + 1, n - 1)]] + \
                (rev[j] - rev[i])
            gain = np.where(j > i, old - new, 0.0)
            k = int(np.argmax(gain))
            if gain.flat[k] <= EPS:
                return changed
            si, sj = np.unravel_index(k, gain.shape)
            lo, hi = int(si) + 1, int(sj) + 1
            r.path[lo:hi + 1] = r.path[lo:hi + 1][::-1]
            r.refresh()
            changed = True
        return changed

    def relocate(self, r: _Route) -> bool:
        """Move one visit (or another station of its group) to its best place elsewhere.

        With neighbour lists, the places tried are the edges at the nodes near each station;
        without groups, :meth:`or_opt` moves single visits instead.
        """
        if self.nn is None:
            return self.relocate_full(r)
        if self.width == 1 and self.settings.or_opt:
            return False
        c, nn = self.arc, self.nn
        changed = False
        while len(r.path) >= 4:
            arr = np.asarray(r.path)
            n = len(arr)
            tail, head = _positions(arr, len(c))
            k = np.arange(1, n - 1)
            prev, node, nxt = arr[k - 1], arr[k], arr[k + 1]
            removal = c[prev, node] + c[node, nxt] - c[prev, nxt]
            alts = self.members[node]  # visits x width, -1 padded
            kk, mm = np.nonzero(alts >= 0)
            st = alts[kk, mm]
            near = nn[st]
            ee = np.concatenate([tail[near], head[near] - 1], axis=1)
            rows = np.broadcast_to(np.arange(len(st))[:, None], ee.shape)
            pk = k[kk][:, None]
            ok = (ee >= 0) & (ee != pk - 1) & (ee != pk)
            rr, ev = rows[ok], ee[ok]
            if not len(rr):
                return changed
            sv = st[rr]
            gain = removal[kk[rr]] - (c[arr[ev], sv] + c[sv, arr[ev + 1]]
                                      - c[arr[ev], arr[ev + 1]])
            best = int(np.argmax(gain))
            if gain[best] <= EPS:
                return changed
            pos, moved, edge = int(k[kk[rr[best]]]), int(sv[best]), int(ev[best])
            del r.path[pos]
            r.path.insert(edge + 1 if edge < pos else edge, moved)
            r.refresh()
            changed = True
        return changed

    def relocate_full(self, r: _Route) -> bool:
        """Relocate evaluated at every edge."""
        c = self.arc
        changed = False
        while len(r.path) >= 4:
            arr = np.asarray(r.path)
            n = len(arr)
            k = np.arange(1, n - 1)
            prev, node, nxt = arr[k - 1], arr[k], arr[k + 1]
            removal = c[prev, node] + c[node, nxt] - c[prev, nxt]
            alts = self.members[node]  # visits x width, -1 padded
            valid = alts >= 0
            alts_safe = np.where(valid, alts, 0)
            a, b = arr[:-1], arr[1:]
            base = c[a, b]
            # insert alternative m of visit k into edge e: (k, m, e)
            ins = c[a[None, None, :], alts_safe[:, :, None]] + \
                c[alts_safe[:, :, None], b[None, None, :]] - base[None, None, :]
            e = np.arange(n - 1)[None, None, :]
            kk = k[:, None, None]
            ins = np.where(valid[:, :, None] & (e != kk - 1) & (e != kk), ins, np.inf)
            gain = removal[:, None, None] - ins
            best = int(np.argmax(gain))
            if gain.flat[best] <= EPS:
                return changed
            ki, mi, ei = np.unravel_index(best, gain.shape)
            pos = int(k[ki])
            moved = int(alts[ki, mi])
            edge = int(ei)
            del r.path[pos]
            r.path.insert(edge + 1 if edge < pos else edge, moved)
            r.refresh()
            changed = True
        return changed

    def or_opt(self, r: _Route) -> bool:
        """Move a run of one to three visits, reversed or not, to its best place (Or 1976).

        With neighbour lists, only places next to a node near the run's ends are tried; runs
        of one are left to :meth:`relocate` when nodes have alternatives (groups).
        """
        if self.nn is None:
            return self.or_opt_full(r)
        c, nn = self.arc, self.nn
        lengths = np.array((1, 2, 3) if self.width == 1 else (2, 3))
        changed = False
        while len(r.path) >= 4:
            arr = np.asarray(r.path)
            n = len(arr)
            tail, head = _positions(arr, len(c))
            fwd = np.concatenate([[0.0], np.cumsum(c[arr[:-1], arr[1:]])])
            rev = np.concatenate([[0.0], np.cumsum(c[arr[1:], arr[:-1]])])
            base = c[arr[:-1], arr[1:]]
            # Every run arr[i:i+s] of inner nodes, all lengths at once.
            sl = lengths[lengths <= n - 2]
            if not len(sl):
                return changed
            ln = np.repeat(sl, n - 1 - sl)
            i = np.concatenate([np.arange(1, n - s) for s in sl])
            first, last = arr[i], arr[i + ln - 1]
            prev, nxt = arr[i - 1], arr[i + ln]
            removal = c[prev, first] + c[last, nxt] - c[prev, nxt]
            flip = (rev[i + ln - 1] - rev[i]) - (fwd[i + ln - 1] - fwd[i])
            nf, nl = nn[first], nn[last]
            # Forward: new edges arr[j] -> first and last -> arr[j+1]; reversed (runs of two or
            # more): arr[j] -> last and first -> arr[j+1]. Either new edge may be the near one.
            jf = np.concatenate([tail[nf], head[nl] - 1], axis=1)
            jr = np.concatenate([tail[nl], head[nf] - 1], axis=1)
            jj = np.concatenate([jf, jr], axis=1)
            width = jf.shape[1]
            rows = np.broadcast_to(np.arange(len(i))[:, None], jj.shape)
            back = np.broadcast_to(np.arange(2 * width) >= width, jj.shape)
            lo, hi = (i - 1)[:, None], (i + ln - 1)[:, None]
            ok = (jj >= 0) & ((jj < lo) | (jj > hi)) & ~(back & (ln[:, None] == 1))
            rr, jv, bk = rows[ok], jj[ok], back[ok]
            if not len(rr):
                return changed
            a_end = np.where(bk, last[rr], first[rr])
            b_end = np.where(bk, first[rr], last[rr])
            gain = removal[rr] - (c[arr[jv], a_end] + c[b_end, arr[jv + 1]] - base[jv]
                                  + np.where(bk, flip[rr], 0.0))
            k = int(np.argmax(gain))
            if gain[k] <= EPS:
                return changed
            at, s, edge, reverse = int(i[rr[k]]), int(ln[rr[k]]), int(jv[k]), bool(bk[k])
            run = r.path[at:at + s]
            if reverse:
                run.reverse()
            del r.path[at:at + s]
            where = edge + 1 if edge < at else edge + 1 - s
            r.path[where:where] = run
            r.refresh()
            changed = True
        return changed

    def or_opt_full(self, r: _Route) -> bool:
        """Or-opt of runs of two or three evaluated at every edge."""
        c = self.arc
        changed = False
        while len(r.path) >= 5:
            arr = np.asarray(r.path)
            n = len(arr)
            fwd = np.concatenate([[0.0], np.cumsum(c[arr[:-1], arr[1:]])])
            rev = np.concatenate([[0.0], np.cumsum(c[arr[1:], arr[:-1]])])
            a, b = arr[:-1], arr[1:]
            base = c[a, b]
            j = np.arange(n - 1)[None, :]
            best_gain, best_move = EPS, (0, 0, 0, False)
            for s in (2, 3):
                if n - 2 < s:
                    break
                i = np.arange(1, n - s)  # runs arr[i:i+s] of inner nodes
                first, last = arr[i], arr[i + s - 1]
                prev, nxt = arr[i - 1], arr[i + s]
                removal = c[prev, first] + c[last, nxt] - c[prev, nxt]
                flip = (rev[i + s - 1] - rev[i]) - (fwd[i + s - 1] - fwd[i])
                bad = (j >= i[:, None] - 1) & (j <= i[:, None] + s - 1)
                ins_f = c[a[None, :], first[:, None]] + c[last[:, None], b[None, :]] - base
                ins_r = c[a[None, :], last[:, None]] + c[first[:, None], b[None, :]] - base + \
                    flip[:, None]
                for reverse, ins in ((False, ins_f), (True, ins_r)):
                    gain = np.where(bad, -np.inf, removal[:, None] - ins)
                    k = int(np.argmax(gain))
                    if gain.flat[k] > best_gain + EPS:
                        ri, ej = np.unravel_index(k, gain.shape)
                        best_gain, best_move = float(gain.flat[k]), (int(i[ri]), s, int(ej),
                                                                     reverse)
            if best_gain <= EPS:
                return changed
            at, s, edge, reverse = best_move
            run = r.path[at:at + s]
            if reverse:
                run.reverse()
            del r.path[at:at + s]
            where = edge + 1 if edge < at else edge + 1 - s
            r.path[where:where] = run
            r.refresh()
            changed = True
        return changed

    def swap_member(self, r: _Route) -> bool:
        """Replace a visit by the cheapest station of its group in the same place.

        One swap at a time: two swaps side by side would each be judged against a neighbour
        the other replaces.
        """
        if self.width == 1:
            return False
        c = self.arc
        changed = False
        while len(r.path) >= 3:
            arr = np.asarray(r.path)
            k = np.arange(1, len(arr) - 1)
            prev, node, nxt = arr[k - 1], arr[k], arr[k + 1]
            alts = self.members[node]
            valid = alts >= 0
            alts_safe = np.where(valid, alts, 0)
            cost = np.where(valid, c[prev[:, None], alts_safe] + c[alts_safe, nxt[:, None]],
                            np.inf)
            gain = (c[prev, node] + c[node, nxt])[:, None] - cost
            best = int(np.argmax(gain))
            if gain.flat[best] <= EPS:
                return changed
            t, j = np.unravel_index(best, gain.shape)
            r.path[int(k[t])] = int(alts[t, j])
            r.refresh()
            changed = True
        return changed

    def drop_add(self, r: _Route) -> bool:
        """Exchange one visit for an unvisited node placed at its best place on the route.

        For every visit v and free node f, the cost of the route without v and with f at its
        cheapest edge: one of f's three cheapest edges on the current route (at most two of
        them touch v), or the gap v leaves. Taken when it raises the prize within the budget,
        or keeps the prize at a lower cost. With neighbour lists, f's edges are those at its
        near nodes and the gap is tried for the nodes near v; the rest of the v x f table is
        made of sums, not look-ups. A node of v's own group is not free (:meth:`swap_member`).
        """
        if self.nn is None:
            return self.drop_add_full(r)
        c, p, nn = self.arc, self.p, self.nn
        changed = False
        while len(r.path) >= 3:
            free = self.free(r)
            if not len(free):
                return changed
            arr = np.asarray(r.path)
            n = len(arr)
            tail, head = _positions(arr, len(c))
            base = c[arr[:-1], arr[1:]]
            # Candidate edges of each free node: those leaving or entering a near node.
            near = nn[free]
            e = np.sort(np.concatenate([tail[near], head[near] - 1], axis=1), axis=1)
            e[:, 1:][e[:, 1:] == e[:, :-1]] = -1  # an edge reached twice counts once
            valid = e >= 0
            es = np.where(valid, e, 0)
            ins = np.where(valid, c[arr[es], free[:, None]] + c[free[:, None], arr[es + 1]]
                           - base[es], np.inf)
            rows = np.arange(len(free))
            idx = np.empty((3, len(free)), dtype=np.intp)
            val = np.empty((3, len(free)))
            for t in range(3):
                col = ins.argmin(axis=1)
                idx[t], val[t] = es[rows, col], ins[rows, col]
                ins[rows, col] = np.inf
            k = np.arange(1, n - 1)
            prev, node, nxt = arr[k - 1], arr[k], arr[k + 1]
            save = c[prev, node] + c[node, nxt] - c[prev, nxt]
            slack = self.budget - r.cost
            # Only nodes whose cheapest edge fits once the dearest visit is gone can enter at
            # an edge (the gap is tried below for all): an exact cut, large on long routes.
            fits = val[0] <= slack + float(save.max()) + EPS
            free_all = free
            free, idx, val = free[fits], idx[:, fits], val[:, fits]
            rows = np.arange(len(free))
            # Dense part: f at its cheapest edge; then the entries where that edge touches v.
            delta = val[0][None, :] - save[:, None]
            for shift in (0, 1):  # edge e touches the visits at positions e and e + 1
                q = idx[0] + shift
                hit = np.isfinite(val[0]) & (q >= 1) & (q <= n - 2)
                fq, qq = rows[hit], q[hit]
                touch1 = (idx[1, fq] == qq - 1) | (idx[1, fq] == qq)
                alt = np.where(touch1, val[2, fq], val[1, fq])
                delta[qq - 1, fq] = alt - save[qq - 1]
            dp = p[free][None, :] - p[node][:, None]
            ok = (delta <= slack + EPS) & ((dp > EPS) | ((dp > -EPS) & (delta < -EPS)))
            score = np.where(ok, dp - 1e-6 * delta / max(self.budget, EPS), -np.inf)
            best_score, pick = -np.inf, (0, 0)
            if score.size:
                best = int(np.argmax(score))
                best_score = float(score.flat[best])
                ki, fi = (int(x) for x in np.unravel_index(best, score.shape))
                pick = (int(k[ki]), int(free[fi]))
            # Sparse part: f in the gap v leaves, for the free nodes near v.
            gf = nn[node]
            is_free = np.zeros(len(c), dtype=bool)
            is_free[free_all] = True
            gok = is_free[gf]
            if gok.any():
                gr = np.broadcast_to(np.arange(len(k))[:, None], gf.shape)[gok]
                gv = gf[gok]
                gd = c[prev[gr], gv] + c[gv, nxt[gr]] - c[prev[gr], nxt[gr]] - save[gr]
                gdp = p[gv] - p[node[gr]]
                gok2 = (gd <= slack + EPS) & ((gdp > EPS) | ((gdp > -EPS) & (gd < -EPS)))
                gscore = np.where(gok2, gdp - 1e-6 * gd / max(self.budget, EPS), -np.inf)
                gb = int(np.argmax(gscore))
                if gscore[gb] > best_score:
                    best_score = float(gscore[gb])
                    pick = (int(k[gr[gb]]), int(gv[gb]))
            if best_score == -np.inf:
                return changed
            pos, f = pick
            del r.path[pos]
            arr2 = np.asarray(r.path)
            d = c[arr2[:-1], f] + c[f, arr2[1:]] - c[arr2[:-1], arr2[1:]]
            r.path.insert(int(np.argmin(d)) + 1, f)
            r.refresh()
            changed = True
        return changed

    def drop_add_full(self, r: _Route) -> bool:
        """Drop-add evaluated for every visit, every free node and every edge.

        For every visit v and free node f, the cost of the route without v and with f at its
        cheapest edge: one of f's three cheapest edges on the current route (at most two of
        them touch v), or the edge that closes the gap v leaves. Taken when it raises the
        prize within the budget, or keeps the prize at a lower cost. A node of v's own group is
        not free; :meth:`swap_member` covers it.
        """
        c, p = self.arc, self.p
        changed = False
        while len(r.path) >= 3:
            free = self.free(r)
            arr = np.asarray(r.path)
            if not len(free):
                return changed
            n = len(arr)
            a, b = arr[:-1], arr[1:]
            # free x edges, so that the three cheapest edges are found along rows.
            ins = c[free[:, None], b[None, :]] + c[a[None, :], free[:, None]] - c[a, b]
            top = min(3, n - 1)
            rows = np.arange(len(free))
            idx = np.empty((top, len(free)), dtype=np.intp)
            val = np.empty((top, len(free)))
            for t in range(top):
                idx[t] = ins.argmin(axis=1)
                val[t] = ins[rows, idx[t]]
                ins[rows, idx[t]] = np.inf
            k = np.arange(1, n - 1)
            prev, node, nxt = arr[k - 1], arr[k], arr[k + 1]
            save = c[prev, node] + c[node, nxt] - c[prev, nxt]
            # Best insertion avoiding the two edges at v (edges k-1 and k).
            touch = (idx[None, :, :] == (k - 1)[:, None, None]) | \
                (idx[None, :, :] == k[:, None, None])
            far = np.where(touch, np.inf, val[None, :, :]).min(axis=1)
            gap = c[prev[:, None], free[None, :]] + c[free[None, :], nxt[:, None]] - \
                c[prev, nxt][:, None]
            best_ins = np.minimum(far, gap)
            new_cost = r.cost - save[:, None] + best_ins
            dp = p[free][None, :] - p[node][:, None]
            ok = (new_cost <= self.budget + EPS) & (
                (dp > EPS) | ((dp > -EPS) & (new_cost < r.cost - EPS)))
            if not ok.any():
                return changed
            score = np.where(ok, dp - 1e-6 * (new_cost - r.cost) / max(self.budget, EPS),
                             -np.inf)
            best = int(np.argmax(score))
            ki, fi = np.unravel_index(best, score.shape)
            pos, f = int(k[ki]), int(free[fi])
            del r.path[pos]
            arr2 = np.asarray(r.path)
            d = c[arr2[:-1], f] + c[f, arr2[1:]] - c[arr2[:-1], arr2[1:]]
            r.path.insert(int(np.argmin(d)) + 1, f)
            r.refresh()
            changed = True
        return changed

    def exchange(self, r: _Route) -> bool:
        """Replace one visit by an unvisited node of higher prize in the same place."""
        c, p = self.arc, self.p
        arr = np.asarray(r.path)
        free = self.free(r)
        if len(arr) < 3 or not len(free):
            return False
        k = np.arange(1, len(arr) - 1)
        prev, node, nxt = arr[k - 1], arr[k], arr[k + 1]
        delta = c[prev[:, None], free[None, :]] + c[free[None, :], nxt[:, None]] - \
            (c[prev, node] + c[node, nxt])[:, None]
        gain = p[free][None, :] - p[node][:, None]
        ok = (gain > EPS) & (r.cost + delta <= self.budget + EPS)
        if not ok.any():
            return False
        score = np.where(ok, gain - 1e-6 * delta, -np.inf)
        best = int(np.argmax(score))
        ki, fi = np.unravel_index(best, score.shape)
        r.path[int(k[ki])] = int(free[fi])
        r.refresh()
        return True

    def improve(self, r: _Route) -> None:
        """Local search to a local optimum: shorten, then spend what was saved on prize.

        The moves run in a cycle (variable neighbourhood descent); it ends when every move in
        turn has found nothing since the last change. Each move repeats itself until it finds
        nothing, so a move that changed the route needs no second look before the others.
        """
        st = self.settings
        moves: list[Callable[[_Route], bool]] = []
        if st.two_opt:
            moves.append(self.two_opt)
        if self.nn is None or self.width > 1 or not st.or_opt:
            moves.append(self.relocate)
        if st.or_opt:
            moves.append(self.or_opt)
        if self.width > 1:
            moves.append(self.swap_member)
        moves.append(self.fill)
        moves.append(self.drop_add if st.drop_add else self.exchange)
        clean, at = 0, 0
        for _ in range(IMPROVE_ROUNDS * len(moves)):
            prize, cost = r.prize, r.cost
            moves[at](r)
            better = r.prize > prize + EPS or (r.prize > prize - EPS and r.cost < cost - EPS)
            clean = 1 if better else clean + 1
            if clean >= len(moves):
                return
            at = (at + 1) % len(moves)

    # -- perturbation ---------------------------------------------------------------------

    def ruin(self, r: _Route, rng: np.random.Generator) -> None:
        """Remove up to half the visits (at most ``ruin_max``): a run, or those near one."""
        inner = len(r.path) - 2
        if inner <= 0:
            return
        top = max(min(inner // 2, self.settings.ruin_max), 2)
        k = min(int(rng.integers(1, top + 1)), inner)
        if rng.random() < self.settings.string_probability:
            at = int(rng.integers(1, inner - k + 2))
            del r.path[at:at + k]
        elif self.settings.spatial_ruin:
            arr = np.asarray(r.path[1:-1])
            seed = int(arr[int(rng.integers(inner))])
            near = np.argsort(self.arc[seed, arr] + self.arc[arr, seed], kind="stable")[:k]
            drop = set(arr[near].tolist())
            r.path[1:-1] = [v for v in r.path[1:-1] if v not in drop]
        else:
            for idx in sorted(rng.choice(np.arange(1, inner + 1), size=k, replace=False),
                              reverse=True):
                del r.path[int(idx)]
        r.refresh()

    def force(self, r: _Route, rng: np.random.Generator, before: set[int]) -> None:
        """Force unvisited nodes in, then drop the cheapest visits until the route fits.

        One or two unvisited nodes (chosen by prize) go in at their cheapest places; then the
        visits with the least prize per cost saved are dropped until the budget holds. This
        reaches clusters of nodes that are dear to insert one at a time but cheap
        together, which ratio-greedy insertion never tries.
        """
        c, p = self.arc, self.p
        for _ in range(int(rng.integers(1, 3))):
            free = self.free(r)
            if not len(free):
                break
            weights = p[free] / p[free].sum() if p[free].sum() > 0 else None
            f = int(rng.choice(free, p=weights))
            arr = np.asarray(r.path)
            d = c[arr[:-1], f] + c[f, arr[1:]] - c[arr[:-1], arr[1:]]
            r.path.insert(int(np.argmin(d)) + 1, f)
            r.refresh()
        forced = np.fromiter(set(r.path) - before, dtype=np.intp)
        while r.cost > self.budget + EPS and len(r.path) > 2:
            arr = np.asarray(r.path)
            k = np.arange(1, len(arr) - 1)
            save = c[arr[k - 1], arr[k]] + c[arr[k], arr[k + 1]] - c[arr[k - 1], arr[k + 1]]
            ratio = p[arr[k]] / np.maximum(save, EPS)
            keep = np.isin(arr[k], forced)
            if not keep.all():
                ratio = np.where(keep, np.inf, ratio)
            del r.path[int(k[np.argmin(ratio)])]
            r.refresh()


def _better(a: _Route, b: _Route) -> bool:
    return a.prize > b.prize + EPS or (a.prize >= b.prize - EPS and a.cost < b.cost - EPS)


def _search(c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_], *, start: int,
            end: int, budget: float, candidates: list[int], seed: int, iterations: int,
            time_limit_s: float, settings: SearchSettings) -> Solution:
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + time_limit_s
    s = _Search(c, p, g, candidates, ends=(start, end), budget=budget, settings=settings)
    lo, hi = settings.noise_range
    exponents = np.asarray(settings.prize_exponents)
    cur = _Route(s, [start, end])
    s.fill(cur)
    s.improve(cur)
    best = run_best = cur.copy()
    stall = max(RESTART_MIN, int(settings.restart_share * iterations)) \
        if settings.restart_share > 0 else iterations + 1
    since = 0
    stopped = False
    for it in range(iterations):
        if time.monotonic() > deadline:
            stopped = True
            break
        if since >= stall and iterations - it > stall:
            # A restart: a new randomised greedy route, and a new run around it.
            cur = _Route(s, [start, end])
            s.fill(cur, rng.uniform(lo, hi, size=len(p)), float(rng.choice(exponents)))
            s.improve(cur)
            run_best, since = cur.copy(), 0
            if _better(cur, best):
                best = cur.copy()
        trial = cur.copy()
        if rng.random() < settings.force_probability:
            s.force(trial, rng, set(cur.path))
        else:
            s.ruin(trial, rng)
        # Recreate with a randomised greedy: noise on the ratios tries other choices.
        s.fill(trial, rng.uniform(lo, hi, size=len(p)), float(rng.choice(exponents)))
        s.improve(trial)
        if _better(trial, best):
            best = trial.copy()
        if _better(trial, run_best):
            run_best, since = trial.copy(), 0
        else:
            since += 1
        # Record-to-record acceptance: take a trial within a shrinking margin of the run's best.
        margin = settings.rrt_margin * (1.0 - it / max(iterations, 1))
        if trial.prize >= run_best.prize * (1.0 - margin) - EPS:
            cur = trial
        elif rng.random() < RESET_PROBABILITY:
            cur = run_best.copy()
    return Solution(order=tuple(best.path), prize=best.prize, cost=path_cost(c, best.path),
                    optimal=False, method=Method.SEARCH, stopped_by_time=stopped)
