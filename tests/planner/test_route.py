from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

from planner.route import Method, SearchSettings, _Arcs, path_cost, solve


def brute_force(c, p, start, end, budget, groups=None):
    """Best prize over every subset and order (each group at most once)."""
    n = len(p)
    g = np.arange(n) if groups is None else np.asarray(groups)
    inner = [i for i in range(n) if i not in (start, end)]
    best = 0.0
    for k in range(len(inner) + 1):
        for comb in itertools.combinations(inner, k):
            if len({g[i] for i in comb}) < k:
                continue
            prize = sum(p[i] for i in comb)
            if prize <= best:
                continue
            for perm in itertools.permutations(comb):
                if path_cost(c, (start, *perm, end)) <= budget + 1e-9:
                    best = prize
                    break
    return best


def instance(seed: int, n: int):
    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 100, (n, 2))
    c = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1))
    p = rng.integers(1, 10, n).astype(float)
    return c, p


@pytest.mark.parametrize("seed", range(12))
def test_exact_and_search_match_brute_force(seed: int) -> None:
    c, p = instance(seed, 9)
    budget = float(np.random.default_rng(seed + 100).uniform(100, 250))
    best = brute_force(c, p, 0, 8, budget)
    ex = solve(c, p, start=0, end=8, budget=budget, method="exact")
    se = solve(c, p, start=0, end=8, budget=budget, method="search", seed=seed)
    for sol in (ex, se):
        assert sol.order[0] == 0 and sol.order[-1] == 8
        assert path_cost(c, sol.order) <= budget + 1e-9
        assert sol.prize == pytest.approx(sum(p[i] for i in sol.order[1:-1]))
    assert ex.prize == best
    assert ex.optimal
    assert se.prize == best


@pytest.mark.parametrize("seed", range(6))
def test_groups_count_once_and_match_brute_force(seed: int) -> None:
    c, p = instance(seed + 50, 10)
    groups = np.array([-1, 0, 0, 1, 1, 2, 2, 3, 4, -1])
    p = p.copy()
    for gid in range(5):
        p[groups == gid] = p[groups == gid].max()
    budget = 180.0
    best = brute_force(c, p, 0, 9, budget, groups)
    for method in ("exact", "search"):
        sol = solve(c, p, start=0, end=9, budget=budget, groups=groups, method=method)
        visited = [groups[i] for i in sol.order[1:-1]]
        assert len(visited) == len(set(visited))
        assert sol.prize == best


def test_round_trip_start_equals_end() -> None:
    c, p = instance(3, 8)
    sol = solve(c, p, start=0, end=0, budget=200.0)
    assert sol.order[0] == 0 and sol.order[-1] == 0
    assert sol.prize == brute_force(c, p, 0, 0, 200.0)


def test_budget_too_small_for_direct_path() -> None:
    c, p = instance(1, 5)
    sol = solve(c, p, start=0, end=4, budget=c[0, 4] * 0.5)
    assert sol.order == ()


def test_unreachable_nodes_are_never_visited() -> None:
    c, p = instance(2, 6)
    c[:, 3] = np.inf
    c[3, :] = np.inf
    p[3] = 1000
    sol = solve(c, p, start=0, end=5, budget=1e9)
    assert 3 not in sol.order


def test_search_is_deterministic_for_a_seed() -> None:
    c, p = instance(7, 40)
    a = solve(c, p, start=0, end=39, budget=250, method="search", seed=3, iterations=100)
    b = solve(c, p, start=0, end=39, budget=250, method="search", seed=3, iterations=100)
    assert a == b


def test_bad_shapes() -> None:
    with pytest.raises(ValueError, match="n x n"):
        solve(np.zeros((3, 2)), [1, 2, 3], start=0, end=1, budget=1)


def test_method_is_a_typed_kind_printing_as_before() -> None:
    c, p = instance(4, 30)
    ex = solve(c[:9, :9], p[:9], start=0, end=8, budget=150)
    se = solve(c, p, start=0, end=29, budget=150, method="search", iterations=5)
    none = solve(c, p, start=0, end=29, budget=1.0)
    assert (ex.method, se.method, none.method) == (Method.EXACT, Method.SEARCH, Method.NONE)
    assert [f"{s.method}" for s in (ex, se, none)] == ["exact", "search", "none"]
    assert se.method == "search"
    with pytest.raises(ValueError, match="method"):
        solve(c, p, start=0, end=29, budget=150, method="greedy")


def test_stopped_by_time_says_when_the_cap_ended_the_search() -> None:
    c, p = instance(5, 60)
    capped = solve(c, p, start=0, end=59, budget=300, method="search", time_limit_s=0.0)
    assert capped.stopped_by_time
    assert path_cost(c, capped.order) <= 300 + 1e-9  # still a feasible route
    full = solve(c, p, start=0, end=59, budget=300, method="search", iterations=3)
    assert not full.stopped_by_time
    assert not solve(c[:8, :8], p[:8], start=0, end=7, budget=200).stopped_by_time


def test_search_is_deterministic_across_processes() -> None:
    code = (
        "import numpy as np; from planner.route import solve; "
        "rng = np.random.default_rng(11); pts = rng.uniform(0, 100, (120, 2)); "
        "c = np.hypot(*(pts[:, None] - pts[None]).transpose(2, 0, 1)); "
        "p = rng.integers(1, 10, 120).astype(float); "
        "s = solve(c, p, start=0, end=0, budget=400, seed=2, iterations=15); "
        "print(s.order, repr(s.prize), repr(s.cost))"
    )
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout
            for h in (1, 2)}
    assert len(outs) == 1


def test_every_move_keeps_the_route_feasible_and_counts_prizes_right() -> None:
    """Ablated variants still return feasible routes whose prize is what they visit."""
    c, p = instance(8, 80)
    for st in (SearchSettings(), SearchSettings(drop_add=False, or_opt=False),
               SearchSettings(spatial_ruin=False, two_opt=False)):
        sol = solve(c, p, start=3, end=3, budget=260, method="search", iterations=15,
                    settings=st)
        assert sol.order[0] == sol.order[-1] == 3
        assert len(set(sol.order[1:-1])) == len(sol.order) - 2
        assert path_cost(c, sol.order) <= 260 + 1e-9
        assert sol.prize == pytest.approx(sum(p[i] for i in sol.order[1:-1]))


def test_groups_at_scale_visit_each_group_once_asymmetric_costs() -> None:
    rng = np.random.default_rng(3)
    n_targets, width = 150, 4
    pts = rng.uniform(0, 1000, (n_targets, 2))
    st = (pts[:, None] + rng.normal(0, 10, (n_targets, width, 2))).reshape(-1, 2)
    xy = np.vstack([[[0, 0], [1000, 1000]], st])
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    c = d + 0.3 * np.maximum(xy[None, :, 1] - xy[:, None, 1], 0)  # uphill costs more
    groups = np.concatenate([[-1, -1], np.repeat(np.arange(n_targets), width)])
    prize = np.concatenate([[0, 0], np.repeat(rng.integers(1, 10, n_targets), width)]) * 1.0
    sol = solve(c, prize, start=0, end=1, budget=6000, groups=groups, iterations=10)
    visited = [int(groups[i]) for i in sol.order[1:-1]]
    assert sol.order[0] == 0 and sol.order[-1] == 1
    assert len(visited) == len(set(visited)) > 10
    assert path_cost(c, sol.order) <= 6000 + 1e-9
    assert sol.prize == pytest.approx(sum(prize[i] for i in sol.order[1:-1]))
    # Each visit is its group's cheapest station in its place (the station swap converged).
    o = sol.order
    for k in range(1, len(o) - 1):
        here = c[o[k - 1], o[k]] + c[o[k], o[k + 1]]
        alts = np.flatnonzero(groups == groups[o[k]])
        assert here <= min(c[o[k - 1], a] + c[a, o[k + 1]] for a in alts) + 1e-9


def test_arc_costs_match_the_matrix_for_every_index_shape() -> None:
    rng = np.random.default_rng(2)
    c = rng.uniform(0, 10, (7, 7))
    arcs = _Arcs(c)
    a, b = rng.integers(0, 7, (4, 1)), rng.integers(0, 7, (1, 5))
    assert np.array_equal(arcs[a, b], c[a, b])  # broadcast, as the moves use it
    assert np.array_equal(arcs[b, a], c[b, a])
    assert arcs[3, 5] == c[3, 5]
    assert np.array_equal(arcs[2, np.arange(7)], c[2])
    assert len(arcs) == 7


def test_memory_order_of_the_cost_matrix_does_not_change_the_answer() -> None:
    c, p = instance(9, 60)
    c = c + 5 * np.triu(np.ones_like(c))  # asymmetric: a transposed read would show
    a = solve(c, p, start=0, end=0, budget=300, method="search", seed=1, iterations=20)
    b = solve(np.asfortranarray(c), p, start=0, end=0, budget=300, method="search", seed=1,
              iterations=20)
    assert a == b
    assert path_cost(c, a.order) == pytest.approx(a.cost)
