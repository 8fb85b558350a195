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
        Wall-clock limit of the search (a safety stop; ``iterations`` bounds the work).
    iterations
        Number of perturbations of the search (default scales with the problem size).
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
    base = (start,) if start == end and n == 1 else (start, end)
    if c[start, end] > budget + 1e-12:
        return Solution(order=(), prize=0.0, cost=float(c[start, end]), optimal=True,
                        method="none")
    n_groups = len({int(g[i]) for i in candidates})
    if method == "exact" or (method == "auto" and n_groups <= exact_max_groups):
        return _exact(c, p, g, start=start, end=end, budget=budget, candidates=candidates)
    its = iterations if iterations is not None else 200 + 40 * len(candidates)
    return _search(c, p, g, start=start, end=end, budget=budget, candidates=candidates,
                   seed=seed, iterations=its,
                   time_limit_s=time_limit_s, base=base)


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
    """A mutable path with its cost and prize kept up to date."""

    def __init__(self, c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_],
                 path: list[int]) -> None:
        self.c, self.p, self.g = c, p, g
        self.path = path
        self.refresh()

    def refresh(self) -> None:
        self.cost = path_cost(self.c, self.path)
        self.prize = float(sum(self.p[i] for i in self.path[1:-1]))
        self.used = {int(self.g[i]) for i in self.path[1:-1]}


def _best_insertions(r: _Route, nodes: list[int], budget: float,
                     noise: NDArray[np.float64] | None = None, alpha: float = 1.0,
                     ) -> tuple[float, int, int, float] | None:
    """The insertion with the best prize per extra cost that fits: (ratio, node, pos, delta)."""
    c, path = r.c, r.path
    if not nodes:
        return None
    arr = np.array(path)
    a, b = arr[:-1], arr[1:]
    nd = np.array(nodes)
    delta = c[a[:, None], nd[None, :]] + c[nd[None, :], b[:, None]] - c[a, b][:, None]
    pos = np.argmin(delta, axis=0)
    d = delta[pos, np.arange(len(nd))]
    fits = r.cost + d <= budget + 1e-9
    if not fits.any():
        return None
    ratio = np.where(fits, r.p[nd] ** alpha / np.maximum(d, 1e-9), -np.inf)
    if noise is not None:
        ratio = ratio * noise[nd]
    k = int(np.argmax(ratio))
    return float(ratio[k]), int(nd[k]), int(pos[k]) + 1, float(d[k])


def _fill(r: _Route, candidates: list[int], budget: float,
          noise: NDArray[np.float64] | None = None, alpha: float = 1.0) -> None:
    while True:
        free = [i for i in candidates if int(r.g[i]) not in r.used]
        best = _best_insertions(r, free, budget, noise, alpha)
        if best is None:
            return
        _, node, pos, _ = best
        r.path.insert(pos, node)
        r.refresh()


def _two_opt(r: _Route) -> None:
    """Reverse segments while that shortens the path (works for asymmetric costs too)."""
    c = r.c
    while True:
        arr = np.array(r.path)
        n = len(arr)
        if n < 4:
            return
        fwd = np.concatenate([[0.0], np.cumsum(c[arr[:-1], arr[1:]])])
        rev = np.concatenate([[0.0], np.cumsum(c[arr[1:], arr[:-1]])])
        i = np.arange(1, n - 1)[:, None]  # segment start
        j = np.arange(1, n - 1)[None, :]  # segment end
        a, b, d, e = arr[i - 1], arr[i], arr[j], arr[np.minimum(j + 1, n - 1)]
        old = c[a, b] + c[d, e] + (fwd[j] - fwd[i])
        new = c[a, d] + c[b, e] + (rev[j] - rev[i])
        gain = np.where(j > i, old - new, 0.0)
        k = int(np.argmax(gain))
        if gain.flat[k] <= 1e-9:
            return
        si, sj = np.unravel_index(k, gain.shape)
        lo, hi = int(si) + 1, int(sj) + 1
        r.path[lo:hi + 1] = r.path[lo:hi + 1][::-1]
        r.refresh()


def _exchange(r: _Route, candidates: list[int], budget: float) -> bool:
    """Replace one visit by an unvisited node of higher prize when the budget allows."""
    c, p, g = r.c, r.p, r.g
    free = np.array([i for i in candidates if int(g[i]) not in r.used])
    if free.size == 0 or len(r.path) < 3:
        return False
    arr = np.array(r.path)
    best = (1e-9, -1, -1)
    for k in range(1, len(arr) - 1):
        node = arr[k]
        gain_p = p[free] - p[node]
        ok = gain_p > 1e-9
        if not ok.any():
            continue
        cand = free[ok]
        delta = c[arr[k - 1], cand] + c[cand, arr[k + 1]] - c[arr[k - 1], node] - \
            c[node, arr[k + 1]]
        fits = r.cost + delta <= budget + 1e-9
        if not fits.any():
            continue
        score = np.where(fits, gain_p[ok], -np.inf)
        m = int(np.argmax(score))
        if score[m] > best[0]:
            best = (float(score[m]), k, int(cand[m]))
    if best[1] < 0:
        return False
    r.path[best[1]] = best[2]
    r.refresh()
    return True


def _improve(r: _Route, candidates: list[int], budget: float) -> None:
    """Local search to a local optimum: shorten, then spend what was saved on more prize."""
    while True:
        _two_opt(r)
        _or_opt(r)
        before = (r.prize, r.cost)
        _fill(r, candidates, budget)
        changed = _exchange(r, candidates, budget)
        if not changed and (r.prize, r.cost) == before:
            return


def _or_opt(r: _Route) -> None:
    """Move single nodes to their cheapest position, and swap in cheaper group members."""
    c, g = r.c, r.g
    members: dict[int, list[int]] = {}
    for i in range(len(g)):
        if g[i] >= 0:
            members.setdefault(int(g[i]), []).append(i)
    improved = True
    while improved:
        improved = False
        for k in range(1, len(r.path) - 1):
            path = r.path
            node = path[k]
            prev, nxt = path[k - 1], path[k + 1]
            removed_gain = c[prev, node] + c[node, nxt] - c[prev, nxt]
            rest = path[:k] + path[k + 1:]
            arr = np.array(rest)
            alts = np.array(members.get(int(g[node]), [node]))
            delta = c[arr[:-1, None], alts[None, :]] + c[alts[None, :], arr[1:, None]] - \
                c[arr[:-1], arr[1:]][:, None]
            pos, alt = np.unravel_index(int(np.argmin(delta)), delta.shape)
            if delta[pos, alt] < removed_gain - 1e-9:
                rest.insert(int(pos) + 1, int(alts[alt]))
                r.path = rest
                r.refresh()
                improved = True
                break


def _search(c: NDArray[np.float64], p: NDArray[np.float64], g: NDArray[np.int_], *, start: int,
            end: int, budget: float, candidates: list[int], seed: int, iterations: int,
            time_limit_s: float, base: tuple[int, ...]) -> Solution:
    rng = np.random.default_rng(seed)
    deadline = time.monotonic() + time_limit_s
    cur = _Route(c, p, g, [start, end])
    _fill(cur, candidates, budget)
    _improve(cur, candidates, budget)
    best_path, best_prize, best_cost = list(cur.path), cur.prize, cur.cost
    for it in range(iterations):
        if time.monotonic() > deadline:
            break
        trial = _Route(c, p, g, list(cur.path))
        inner = len(trial.path) - 2
        if inner > 0:
            k = min(int(rng.integers(1, max((inner * 2) // 3, 2) + 1)), inner)
            if rng.random() < 0.5:  # remove a run of consecutive visits
                s = int(rng.integers(1, inner - k + 2))
                del trial.path[s:s + k]
            else:  # remove random visits
                for idx in sorted(rng.choice(np.arange(1, inner + 1), size=k, replace=False),
                                  reverse=True):
                    del trial.path[int(idx)]
            trial.refresh()
        # Recreate with a randomised greedy: noise on the ratios tries other choices.
        _fill(trial, candidates, budget, rng.uniform(0.3, 1.7, size=len(p)),
              float(rng.choice([0.5, 1.0, 1.5, 2.0])))
        _improve(trial, candidates, budget)
        if trial.prize > best_prize + 1e-9 or (trial.prize >= best_prize - 1e-9 and
                                               trial.cost < best_cost - 1e-9):
            best_path, best_prize, best_cost = list(trial.path), trial.prize, trial.cost
        # Record-to-record acceptance: take a trial within a shrinking margin of the best.
        margin = 0.05 * (1.0 - it / max(iterations, 1))
        if trial.prize >= best_prize * (1.0 - margin) - 1e-9:
            cur = trial
    if start == end and len(best_path) == 2 and best_path[0] == best_path[1] and base == (start,):
        best_path = [start]
    return Solution(order=tuple(best_path), prize=best_prize, cost=best_cost, optimal=False,
                    method="search")
