"""The campaign core against brute force, and the OPHS instance reader."""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from planner.campaign import campaign_prize, refit, solve_campaign
from planner.instances import read_ophs, write_ophs
from planner.route import path_cost


def _instance(seed: int, n_vertices: int, n_hotels: int, flights: int):
    """Random points in a square; hotels first (start, end, extras), then vertices."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 10, (2 + n_hotels + n_vertices, 2))
    cost = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    prize = np.r_[np.zeros(2 + n_hotels), rng.integers(1, 10, n_vertices)].astype(float)
    budgets = [float(rng.uniform(6, 14)) for _ in range(flights)]
    return cost, prize, list(range(2 + n_hotels)), budgets


def _brute(cost, prize, start, end, airfields, budgets, groups=None):
    """Best prize and the fewest flights reaching it, by enumerating every flight."""
    n = len(prize)
    g = list(range(n)) if groups is None else list(groups)
    verts = [i for i in range(n) if i not in airfields]

    def prize_of(seen: frozenset[int]) -> float:
        best: dict[int, float] = {}
        for v in seen:
            best[g[v]] = max(best.get(g[v], 0.0), float(prize[v]))
        return sum(best.values())

    @cache
    def best(k: int, last: int, at: int, seen: frozenset[int]) -> float:
        # Most prize still to collect from flight k on, standing at airfield ``at``.
        out = prize_of(seen) if (end is None or at == end) else -np.inf
        if k == last:
            return out
        taken = {g[v] for v in seen}
        free = [v for v in verts if g[v] not in taken]
        for r in range(len(free) + 1):
            for seq in itertools.permutations(free, r):
                if len({g[v] for v in seq}) < r:
                    continue
                path = (at, *seq)
                used = sum(cost[a, b] for a, b in itertools.pairwise(path))
                if used > budgets[k]:
                    continue
                for b in airfields:
                    if used + cost[path[-1], b] <= budgets[k] + 1e-9:
                        out = max(out, best(k + 1, last, b, seen | frozenset(seq)))
        return out

    totals = [best(0, d, start, frozenset()) for d in range(len(budgets) + 1)]
    top = max(totals)
    return top, next(d for d, t in enumerate(totals) if t >= top - 1e-9)


def _check_feasible(sol, cost, start, end, airfields, budgets, groups=None):
    g = np.arange(len(cost)) if groups is None else np.asarray(groups)
    assert len(sol.flights) <= len(budgets)
    at = start
    seen: set[int] = set()
    for k, f in enumerate(sol.flights):
        assert f[0] == at, "each flight takes off where the last one landed"
        assert f[-1] in set(airfields) | {start} | ({end} if end is not None else set())
        c = sum(cost[a, b] for a, b in itertools.pairwise(f))
        assert c <= budgets[k] + 1e-9
        assert sol.costs[k] == pytest.approx(c)
        for v in f[1:-1]:
            assert g[v] not in seen, "a group is visited once over the campaign"
            seen.add(int(g[v]))
        at = f[-1]
    if end is not None and sol.flights:
        assert sol.flights[-1][-1] == end


@pytest.mark.parametrize("seed", range(6))
def test_exact_equals_brute_force(seed):
    cost, prize, af, budgets = _instance(seed, n_vertices=6, n_hotels=2, flights=2 + seed % 2)
    end = None if seed % 3 == 0 else 1
    sol = solve_campaign(cost, prize, start=0, end=end, airfields=af, budgets=budgets,
                         method="exact")
    top, fewest = _brute(cost, prize, 0, end, tuple(af), tuple(budgets))
    assert sol.optimal and sol.prize == pytest.approx(top)
    assert len(sol.flights) == fewest
    _check_feasible(sol, cost, 0, end, af, budgets)


@pytest.mark.parametrize("seed", range(3))
def test_exact_asymmetric_equals_brute_force(seed):
    cost, prize, af, budgets = _instance(30 + seed, n_vertices=6, n_hotels=2, flights=3)
    cost = cost * np.random.default_rng(seed).uniform(0.8, 1.3, cost.shape)  # a wind, say
    np.fill_diagonal(cost, 0.0)
    sol = solve_campaign(cost, prize, start=0, end=None, airfields=af, budgets=budgets,
                         method="exact")
    top, fewest = _brute(cost, prize, 0, None, tuple(af), tuple(budgets))
    assert sol.prize == pytest.approx(top) and len(sol.flights) == fewest
    _check_feasible(sol, cost, 0, None, af, budgets)
    found = solve_campaign(cost, prize, start=0, end=None, airfields=af, budgets=budgets,
                           method="search")
    _check_feasible(found, cost, 0, None, af, budgets)
    assert found.prize <= top + 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_exact_with_groups_equals_brute_force(seed):
    cost, prize, af, budgets = _instance(10 + seed, n_vertices=6, n_hotels=1, flights=2)
    groups = np.arange(len(prize))
    groups[3:] = [10, 10, 11, 11, 12, 12]  # three targets with two stations each
    prize[3:] = [5, 5, 3, 3, 7, 7]
    sol = solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=budgets,
                         groups=groups, method="exact")
    top, _ = _brute(cost, prize, 0, 1, tuple(af), tuple(budgets), tuple(groups))
    assert sol.prize == pytest.approx(top)
    _check_feasible(sol, cost, 0, 1, af, budgets, groups)


@pytest.mark.parametrize("seed", range(4))
def test_search_feasible_and_close_to_exact(seed):
    cost, prize, af, budgets = _instance(20 + seed, n_vertices=10, n_hotels=3, flights=3)
    exact = solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=budgets,
                           method="exact")
    found = solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=budgets,
                           method="search", seed=seed)
    _check_feasible(found, cost, 0, 1, af, budgets)
    assert found.prize == pytest.approx(campaign_prize(prize, found.flights))
    assert found.prize <= exact.prize + 1e-9
    assert found.prize >= 0.9 * exact.prize


def test_search_is_deterministic_for_a_seed():
    cost, prize, af, budgets = _instance(3, n_vertices=20, n_hotels=4, flights=3)
    runs = [solve_campaign(cost, prize, start=0, end=None, airfields=af, budgets=budgets,
                           method="search", seed=7) for _ in range(2)]
    assert runs[0].flights == runs[1].flights
    _check_feasible(runs[0], cost, 0, None, af, budgets)


@pytest.mark.parametrize("seed", range(3))
def test_refit_fits_tighter_budgets_and_keeps_the_landings(seed):
    cost, prize, af, budgets = _instance(40 + seed, n_vertices=11, n_hotels=3, flights=3)
    found = solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=budgets,
                           method="exact")
    # The flights as built cost 8 % more than estimated: each budget tightened by that much.
    tight = [b / 1.08 for b in budgets[:len(found.flights)]]
    assert any(c > b for c, b in zip(found.costs, tight, strict=True))  # something to refit
    fitted = refit(cost, prize, found.flights, budgets=tight, airfields=af)
    _check_feasible(fitted, cost, 0, 1, af, tight)
    assert [(f[0], f[-1]) for f in fitted.flights] == [(f[0], f[-1]) for f in found.flights]
    assert fitted.prize == pytest.approx(campaign_prize(prize, fitted.flights))
    assert not fitted.optimal
    # Every unvisited node that would fit some flight at its cheapest place has been taken.
    seen = set(fitted.visits)
    for v in set(range(len(prize))) - seen - set(af):
        for k, f in enumerate(fitted.flights):
            extra = min(cost[a, v] + cost[v, b] - cost[a, b] for a, b in itertools.pairwise(f))
            assert path_cost(cost, f) + extra > tight[k] - 1e-9


def test_refit_with_room_to_spare_changes_no_prize():
    cost, prize, af, budgets = _instance(5, n_vertices=12, n_hotels=2, flights=2)
    found = solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=budgets,
                           method="exact")
    fitted = refit(cost, prize, found.flights, budgets=budgets[:len(found.flights)],
                   airfields=af)
    assert fitted.prize >= found.prize - 1e-9
    _check_feasible(fitted, cost, 0, 1, af, budgets)


def test_refit_needs_one_budget_per_flight():
    cost, prize, af, _ = _instance(5, n_vertices=6, n_hotels=2, flights=2)
    with pytest.raises(ValueError, match="one budget per flight"):
        refit(cost, prize, [(0, 2, 1)], budgets=[5.0, 5.0], airfields=af)


def test_the_search_collecting_everything_skips_the_full_polish(monkeypatch):
    # Budgets so large that the exploring fills collect every node: the full-schedule polish
    # (iterations None) can only shorten the flights and is left out.
    import planner.campaign as core

    cost, prize, af, _ = _instance(9, n_vertices=20, n_hotels=2, flights=2)
    asked = []
    real = core._Filler.fill

    def spy(self, hotels, order, fixed, iterations):
        asked.append(iterations)
        return real(self, hotels, order, fixed, iterations)

    monkeypatch.setattr(core._Filler, "fill", spy)
    found = solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=[100.0, 100.0],
                           method="search")
    assert found.prize == pytest.approx(prize.sum())
    assert None not in asked
    # With prize left out, the polish runs.
    asked.clear()
    solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=[6.0, 6.0],
                   method="search")
    assert None in asked


def test_the_campaign_beats_one_flight_and_uses_the_airfield():
    # Targets on a line, two flights of budget 6: only by landing at the airfield in the
    # middle (x = 5) can both halves be photographed.
    xy = np.array([[0, 0], [10, 0], [5, 0], [2, 0.5], [3, 0.5], [7, 0.5], [8, 0.5]], float)
    cost = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    prize = np.array([0, 0, 0, 1, 1, 1, 1], float)
    sol = solve_campaign(cost, prize, start=0, end=1, airfields=[2], budgets=[6, 6])
    assert sol.prize == 4 and sol.flights[0][-1] == 2 and sol.flights[1][0] == 2


def test_fewer_flights_when_they_collect_the_same():
    cost, prize, af, _ = _instance(5, n_vertices=4, n_hotels=1, flights=1)
    big = [1000.0, 1000.0, 1000.0]
    for method in ("exact", "search"):
        sol = solve_campaign(cost, prize, start=0, end=None, airfields=af, budgets=big,
                             method=method)
        assert len(sol.flights) == 1 and sol.prize == prize.sum(), method


def test_nothing_fits_gives_no_flight():
    cost, prize, af, _ = _instance(1, n_vertices=4, n_hotels=1, flights=1)
    sol = solve_campaign(cost, prize, start=0, end=1, airfields=af, budgets=[0.01, 0.01])
    assert sol.flights == () and sol.prize == 0


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"budgets": []}, "at least one flight"),
    ({"budgets": [-1.0]}, "non-negative"),
    ({"budgets": [float("inf")]}, "finite"),
    ({"airfields": [99]}, "node indices"),
    ({"method": "magic"}, "method"),
])
def test_bad_arguments(kwargs, words):
    cost, prize, af, budgets = _instance(0, n_vertices=3, n_hotels=1, flights=2)
    args = {"start": 0, "end": 1, "airfields": af, "budgets": budgets} | kwargs
    with pytest.raises(ValueError, match=words):
        solve_campaign(cost, prize, **args)


def test_ophs_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50, (9, 2))
    prize = np.r_[0, 0, 0, rng.integers(1, 10, 6)].astype(float)
    path = tmp_path / "tiny.ophs"
    write_ophs(str(path), xy, prize, hotels=1, budgets=[30.5, 40.0])
    inst = read_ophs(str(path))
    assert inst.airfields == (0, 1, 2) and inst.budgets == (30.5, 40.0)
    assert inst.total == pytest.approx(70.5)
    assert np.allclose(inst.xy, xy) and np.allclose(inst.prize, prize)
    sol = solve_campaign(inst.cost, inst.prize, start=inst.start, end=inst.end,
                         airfields=inst.airfields, budgets=inst.budgets)
    _check_feasible(sol, inst.cost, 0, 1, inst.airfields, inst.budgets)


def test_ophs_published_layout(tmp_path):
    # The published files: tab-separated, a trailing tab, blank lines, a line of dashes at the end.
    text = ("4\t1\t2\n12\n6.5\t5.5\t\n\n0\t-3\t0\n0\t3\t0\n1\t0\t0\n"
            "-1\t-2\t6\n-1\t2\t12\n" + "-" * 51 + "\n")
    path = tmp_path / "published.ophs"
    path.write_text(text)
    inst = read_ophs(str(path))
    assert inst.airfields == (0, 1, 2) and inst.budgets == (6.5, 5.5) and inst.total == 12
    assert inst.prize.tolist() == [0, 0, 0, 6, 12]
    sol = solve_campaign(inst.cost, inst.prize, start=0, end=1, airfields=inst.airfields,
                         budgets=inst.budgets)
    # Both vertices fit: 0 -> (-1,-2) -> hotel (1,0) is 1.41 + 2.83 = 4.24 <= 6.5, and
    # (1,0) -> (-1,2) -> (0,3) is 2.83 + 1.41 = 4.24 <= 5.5.
    assert sol.prize == 18 and sol.flights == ((0, 3, 2), (2, 4, 1))


@pytest.mark.parametrize(("text", "words"), [
    ("3 1 2\n20\n10\n0 0 0\n", "D lengths"),
    ("3 1 1\n20\n10\n0 0 0\n1 1 0\n", "expected N \\+ H"),
    ("x y z\n", "not an OPHS instance"),
])
def test_ophs_bad_files(tmp_path, text, words):
    path = tmp_path / "bad.ophs"
    path.write_text(text)
    with pytest.raises(ValueError, match=words):
        read_ophs(str(path))
