"""An exact orienteering solver for checking the route core: a MIP solved by HiGHS.

Cost-based Miller-Tucker-Zemlin formulation (start s, end e, budget B):
maximise sum p_i y_i subject to out-degree = in-degree = y_i, y_s = y_e = 1, sum c_ij x_ij <= B,
and u_j >= u_i + c_ij - M_ij (1 - x_ij) with u_i the cost spent on arrival at i, bounded by
c_si <= u_i <= B - c_ie, and M_ij = ub_i - lb_j + c_ij, the least big-M that leaves an unused
arc unconstrained (no subtours: costs grow along the path). Used only in benchmarks and tests,
never by the planner.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


@dataclass(frozen=True)
class ExactResult:
    prize: float
    bound: float
    optimal: bool
    seconds: float
    order: tuple[int, ...]


def solve_exact(cost: np.ndarray, prize: np.ndarray, *, start: int, end: int, budget: float,
                time_limit_s: float = 120.0) -> ExactResult:
    n = len(prize)
    lbu = np.array([0.0 if i == start else cost[start, i] for i in range(n)])
    ubu = np.array([budget - (0.0 if i == end else cost[i, end]) for i in range(n)])
    ubu[start] = 0.0
    reach = lbu <= ubu + 1e-9
    arcs = [(i, j) for i in range(n) for j in range(n)
            if j not in (i, start) and i != end and reach[i] and reach[j]
            and lbu[i] + cost[i, j] <= ubu[j] + 1e-09]
    na = len(arcs)
    nx_, ny, nu = na, n, n
    nv = nx_ + ny + nu
    iy, iu = nx_, nx_ + ny
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    def add(entries, lower, upper):
        nonlocal r
        for col, val in entries:
            rows.append(r)
            cols.append(col)
            vals.append(val)
        lo.append(lower)
        hi.append(upper)
        r += 1

    out_arcs = [[] for _ in range(n)]
    in_arcs = [[] for _ in range(n)]
    for k, (i, j) in enumerate(arcs):
        out_arcs[i].append(k)
        in_arcs[j].append(k)
    for i in range(n):
        if i != end:
            add([(k, 1.0) for k in out_arcs[i]] + [(iy + i, -1.0)], 0.0, 0.0)
        if i != start:
            add([(k, 1.0) for k in in_arcs[i]] + [(iy + i, -1.0)], 0.0, 0.0)
    add([(k, float(cost[i, j])) for k, (i, j) in enumerate(arcs)], -np.inf, budget)
    for k, (i, j) in enumerate(arcs):
        # u_i - u_j + M x_ij <= M - c_ij
        big = float(ubu[i] - lbu[j] + cost[i, j])
        add([(iu + i, 1.0), (iu + j, -1.0), (k, big)], -np.inf, big - float(cost[i, j]))
    a = coo_matrix((vals, (rows, cols)), shape=(r, nv)).tocsr()
    c = np.zeros(nv)
    inner = [i for i in range(n) if i not in (start, end)]
    c[[iy + i for i in inner]] = -prize[inner]
    lb = np.zeros(nv)
    ub = np.ones(nv)
    lb[iy + start] = lb[iy + end] = 1.0
    ub[[iy + i for i in range(n) if not reach[i]]] = 0.0
    lb[iu:] = np.where(reach, lbu, 0.0)
    ub[iu:] = np.where(reach, np.maximum(ubu, lbu), 0.0)
    integrality = np.zeros(nv)
    integrality[:iu] = 1
    t0 = time.perf_counter()
    res = milp(c, constraints=LinearConstraint(a, lo, hi), integrality=integrality,
               bounds=Bounds(lb, ub), options={"time_limit": time_limit_s, "disp": False})
    secs = time.perf_counter() - t0
    if res.x is None:
        return ExactResult(0.0, float("inf"), False, secs, ())
    x = res.x
    nxt = {arcs[k][0]: arcs[k][1] for k in range(na) if x[k] > 0.5}
    order = [start]
    while order[-1] != end and len(order) <= n:
        order.append(nxt[order[-1]])
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else float("inf")
    return ExactResult(prize=-float(res.fun), bound=bound, optimal=res.status == 0,
                       seconds=secs, order=tuple(order))
