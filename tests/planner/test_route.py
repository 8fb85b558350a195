from __future__ import annotations

import itertools

import numpy as np
import pytest

from planner.route import path_cost, solve


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


def test_read_instance_in_both_header_styles(tmp_path) -> None:
    from planner.route import read_instance

    op = tmp_path / "op.txt"
    op.write_text("40 1\n0 0 0\n10 0 5\n10 10 7\n0 10 0\n")
    cost, prize, budget = read_instance(str(op))
    assert budget == 40.0
    assert prize.tolist() == [0.0, 5.0, 7.0, 0.0]
    sol = solve(cost, prize, start=0, end=3, budget=budget)
    assert sol.prize == 12.0 and sol.cost == pytest.approx(30.0)
    top = tmp_path / "top.txt"
    top.write_text("n 4\nm 1\ntmax 25\n0 0 0\n10 0 5\n10 10 7\n0 10 0\n")
    cost, prize, budget = read_instance(str(top), start=0, end=3)
    assert budget == 25.0
    assert solve(cost, prize, start=0, end=3, budget=budget).prize == 7.0  # 0-2-3 is 24.1
    (tmp_path / "bad.txt").write_text("1 2 3\n")
    with pytest.raises(ValueError, match="budget"):
        read_instance(str(tmp_path / "bad.txt"))
