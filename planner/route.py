"""The orienteering core: which nodes to visit, and in what order, within a budget.

Given a square matrix of travel costs, a prize per node, a start node, an end node and a budget,
:func:`solve` returns a path from start to end whose total cost stays within the budget and whose
total prize is as large as it can find. Nodes may be grouped (a target's camera stations): a group
is visited at most once and its prize counts once. Nothing here knows of missions or terrain.

Two methods:

- ``exact``: dynamic programming over subsets of groups (Held-Karp style), optimal; used
  automatically when there are at most ``exact_max_groups`` groups.
- ``search``: iterated local search, deterministic for a seed: greedy insertion by prize per unit
  of extra cost, 2-opt and or-opt to shorten, station swaps within groups, and ruin-and-recreate
  perturbations accepted when the prize improves or holds at a lower cost.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


def default_iterations(candidates: int) -> int:
    """Perturbations the search makes by default for a number of candidate nodes.

    1000 up to 60 candidates, fewer for larger problems (each costs more), never under 60. A
    count, not a time, so that a seed always gives the same answer; about 2 s at 64 nodes on
    one core.

    Examples
    --------
    >>> default_iterations(64), default_iterations(600), default_iterations(5000)
    (937, 100, 60)
    """
    return max(60, min(1000, 60_000 // max(candidates, 1)))


@dataclass(frozen=True)
class Solution:
    """A path and what it earns and costs."""

    order: tuple[int, ...]
    prize: float
    cost: float
    optimal: bool
    method: str


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
          exact_max_groups: int = 12) -> Solution:
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
        machine's speed when it is reached; ``iterations`` bounds the work.
    iterations
        Number of perturbations of the search (default: :func:`default_iterations`).
    exact_max_groups
        ``auto`` uses the exact method up to this many groups.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0, 2, 2, 3], [2, 0, 3, 2], [2, 3, 0, 2], [3, 2, 2, 0]], float)
    >>> solve(c, [0, 5, 4, 0], start=0, end=3, budget=4.5).order
    (0, 1, 3)
    """
    c = np.asarray(cost, dtype=float)
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
    candidates = [i for i in range(n) if g[i] >= 0 and i not in (start, end)
                  and c[start, i] + c[i, end] <= budget + 1e-12]
    if c[start, end] > budget + 1e-12:
        return Solution(order=(), prize=0.0, cost=float(c[start, end]), optimal=True,
                        method="none")
    n_groups = len({int(g[i]) for i in candidates})
    if method == "exact" or (method == "auto" and n_groups <= exact_max_groups):
        return _exact(c, p, g, start=start, end=end, budget=budget, candidates=candidates)
    its = iterations if iterations is not None else default_iterations(len(candidates))
    return _search(c, p, g, start=start, end=end, budget=budget, candidates=candidates,
                   seed=seed, iterations=its,
                   time_limit_s=time_limit_s)


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
                    method="exact")


class _Route:
    """A mutable path with its cost, prize and visited groups kept up to date."""

    def __init__(self, c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_],
                 path: list[int]) -> None:
        self.c, self.p, self.g = c, p, g
        self.path = path
        self.refresh()

    def refresh(self) -> None:
        arr = np.asarray(self.path)
        self.cost = float(self.c[arr[:-1], arr[1:]].sum()) if len(arr) > 1 else 0.0
        self.prize = float(self.p[arr[1:-1]].sum()) if len(arr) > 2 else 0.0
        self.used = {int(x) for x in self.g[arr[1:-1]]} if len(arr) > 2 else set()

    def copy(self) -> _Route:
        return _Route(self.c, self.p, self.g, list(self.path))


class _Search:
    """Iterated local search for the (grouped) orienteering problem.

    Every move is evaluated for all positions at once with numpy: best-ratio insertion, 2-opt,
    relocation, swapping a visit for another station of its group, and exchanging a visit for
    an unvisited node of higher prize.
    """

    def __init__(self, c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_],
                 candidates: list[int], budget: float) -> None:
        self.c, self.p, self.g = c, p, g
        self.budget = budget
        self.cand = np.asarray(candidates, dtype=np.intp)
        self.cand_group = g[self.cand] if len(self.cand) else np.zeros(0, dtype=int)
        members: dict[int, list[int]] = {}
        for i in candidates:
            members.setdefault(int(g[i]), []).append(i)
        width = max((len(v) for v in members.values()), default=1)
        self.members = np.full((len(g), width), -1, dtype=np.intp)
        for i in candidates:
            row = members[int(g[i])]
            self.members[i, :len(row)] = row

    def free(self, r: _Route) -> NDArray[np.intp]:
        if not r.used:
            return self.cand
        mask = ~np.isin(self.cand_group, np.fromiter(r.used, dtype=int))
        return self.cand[mask]

    def fill(self, r: _Route, noise: NDArray[np.float64] | None = None,
             alpha: float = 1.0) -> None:
        """Insert free nodes by best prize per extra cost until none fits."""
        c = self.c
        while True:
            free = self.free(r)
            if not len(free):
                return
            arr = np.asarray(r.path)
            a, b = arr[:-1], arr[1:]
            delta = c[a[:, None], free[None, :]] + c[free[None, :], b[:, None]] - \
                c[a, b][:, None]
            pos = np.argmin(delta, axis=0)
            d = delta[pos, np.arange(len(free))]
            fits = r.cost + d <= self.budget + 1e-9
            if not fits.any():
                return
            ratio = self.p[free] ** alpha / np.maximum(d, 1e-9)
            if noise is not None:
                ratio = ratio * noise[free]
            ratio = np.where(fits, ratio, -np.inf)
            k = int(np.argmax(ratio))
            r.path.insert(int(pos[k]) + 1, int(free[k]))
            r.refresh()

    def two_opt(self, r: _Route) -> bool:
        c = self.c
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
            if gain.flat[k] <= 1e-9:
                return changed
            si, sj = np.unravel_index(k, gain.shape)
            lo, hi = int(si) + 1, int(sj) + 1
            r.path[lo:hi + 1] = r.path[lo:hi + 1][::-1]
            r.refresh()
            changed = True
        return changed

    def relocate(self, r: _Route) -> bool:
        """Move one visit (or another station of its group) to its best place elsewhere."""
        c = self.c
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
            if gain.flat[best] <= 1e-9:
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

    def swap_member(self, r: _Route) -> bool:
        """Replace a visit by the cheapest station of its group in the same place.

        One swap at a time: two swaps side by side would each be judged against a neighbour
        the other replaces.
        """
        c = self.c
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
            if gain.flat[best] <= 1e-9:
                return changed
            t, j = np.unravel_index(best, gain.shape)
            r.path[int(k[t])] = int(alts[t, j])
            r.refresh()
            changed = True
        return changed

    def exchange(self, r: _Route) -> bool:
        """Replace one visit by an unvisited node of higher prize when the budget allows."""
        c, p = self.c, self.p
        arr = np.asarray(r.path)
        free = self.free(r)
        if len(arr) < 3 or not len(free):
            return False
        k = np.arange(1, len(arr) - 1)
        prev, node, nxt = arr[k - 1], arr[k], arr[k + 1]
        delta = c[prev[:, None], free[None, :]] + c[free[None, :], nxt[:, None]] - \
            (c[prev, node] + c[node, nxt])[:, None]
        gain = p[free][None, :] - p[node][:, None]
        ok = (gain > 1e-9) & (r.cost + delta <= self.budget + 1e-9)
        if not ok.any():
            return False
        score = np.where(ok, gain - 1e-6 * delta, -np.inf)
        best = int(np.argmax(score))
        ki, fi = np.unravel_index(best, score.shape)
        r.path[int(k[ki])] = int(free[fi])
        r.refresh()
        return True

    def ruin(self, r: _Route, rng: np.random.Generator) -> None:
        """Remove up to half the visits: a run of consecutive ones, or scattered ones."""
        inner = len(r.path) - 2
        if inner <= 0:
            return
        k = min(int(rng.integers(1, max(inner // 2, 2) + 1)), inner)
        if rng.random() < 0.5:
            at = int(rng.integers(1, inner - k + 2))
            del r.path[at:at + k]
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
        c, p = self.c, self.p
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
        while r.cost > self.budget + 1e-9 and len(r.path) > 2:
            arr = np.asarray(r.path)
            k = np.arange(1, len(arr) - 1)
            save = c[arr[k - 1], arr[k]] + c[arr[k], arr[k + 1]] - c[arr[k - 1], arr[k + 1]]
            ratio = p[arr[k]] / np.maximum(save, 1e-9)
            keep = np.isin(arr[k], forced)
            if not keep.all():
                ratio = np.where(keep, np.inf, ratio)
            del r.path[int(k[np.argmin(ratio)])]
            r.refresh()

    def improve(self, r: _Route) -> None:
        """Local search to a local optimum: shorten, then spend what was saved on prize."""
        for _ in range(100):
            prize, cost = r.prize, r.cost
            self.two_opt(r)
            self.relocate(r)
            self.swap_member(r)
            self.fill(r)
            self.exchange(r)
            if not (r.prize > prize + 1e-9 or r.cost < cost - 1e-9):
                return


def _better(a: _Route, b: _Route) -> bool:
    return a.prize > b.prize + 1e-9 or (a.prize >= b.prize - 1e-9 and a.cost < b.cost - 1e-9)


def _search(c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_], *, start: int,
            end: int, budget: float, candidates: list[int], seed: int, iterations: int,
            time_limit_s: float) -> Solution:
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + time_limit_s
    s = _Search(c, p, g, candidates, budget)
    cur = _Route(c, p, g, [start, end])
    s.fill(cur)
    s.improve(cur)
    best = cur.copy()
    for it in range(iterations):
        if time.monotonic() > deadline:
            break
        trial = cur.copy()
        if rng.random() < 0.5:
            s.force(trial, rng, set(cur.path))
        else:
            s.ruin(trial, rng)
        # Recreate with a randomised greedy: noise on the ratios tries other choices.
        s.fill(trial, rng.uniform(0.4, 1.6, size=len(p)), float(rng.choice([0.5, 1.0, 2.0])))
        s.improve(trial)
        if _better(trial, best):
            best = trial.copy()
        # Record-to-record acceptance: take a trial within a shrinking margin of the best.
        margin = 0.04 * (1.0 - it / max(iterations, 1))
        if trial.prize >= best.prize * (1.0 - margin) - 1e-9:
            cur = trial
        elif rng.random() < 0.02:
            cur = best.copy()
    return Solution(order=tuple(best.path), prize=best.prize, cost=best.cost, optimal=False,
                    method="search")


def read_instance(path: str, *, start: int = 0, end: int | None = None,
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    r"""Read an orienteering instance in the common plain-text forms: Euclidean points.

    Two header styles are understood: a first line ``Tmax P`` (the Tsiligirides and Chao et
    al. orienteering files) or lines ``n N``, ``m M``, ``tmax T`` (their team-orienteering
    files); then one ``x y score`` line per point. Returns ``(cost, prize, budget)`` with the
    start and end points' prizes set to zero. Which points are the start and the end differs
    between collections; say so with ``start`` and ``end`` (default: the first and the last).

    Examples
    --------
    >>> import tempfile, os
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    >>> _ = f.write("15 1\n0 0 0\n3 4 10\n6 0 0\n")
    >>> f.close()
    >>> cost, prize, budget = read_instance(f.name)
    >>> budget, prize.tolist(), float(cost[0, 1])
    (15.0, [0.0, 10.0, 0.0], 5.0)
    >>> os.unlink(f.name)
    """
    budget: float | None = None
    pts: list[tuple[float, float, float]] = []
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            parts = raw.split()
            if not parts:
                continue
            key = parts[0].lower()
            if key in ("n", "m"):
                continue
            if key == "tmax":
                budget = float(parts[1])
                continue
            if budget is None and len(parts) == 2:
                budget = float(parts[0])
                continue
            if len(parts) < 3:
                raise ValueError(f"{path}: cannot read the line {raw.strip()!r}")
            pts.append((float(parts[0]), float(parts[1]), float(parts[2])))
    if budget is None or len(pts) < 2:
        raise ValueError(f"{path}: no budget line or fewer than two points")
    xy = np.array([p[:2] for p in pts])
    prize = np.array([p[2] for p in pts])
    end_i = len(pts) - 1 if end is None else end
    prize[[start, end_i]] = 0.0
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return cost, prize, budget
