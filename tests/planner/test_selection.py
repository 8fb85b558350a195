from __future__ import annotations

import numpy as np
import pytest

from planner import selection
from planner.pipeline import selection_problem
from planner.plan import Skipped
from planner.roadmap import NodeKind


@pytest.fixture(scope="module")
def problem(planned):
    _, ctx, _ = planned
    return selection_problem(ctx)


def test_problem_record(problem) -> None:
    n = len(problem.nodes)
    assert problem.energy_wh.shape == problem.time_s.shape == (n, n)
    assert problem.nodes[selection.START].kind == NodeKind.HOME
    assert problem.nodes[selection.END].kind == NodeKind.LANDING
    assert problem.stations[0] is None and problem.stations[1] is None
    for i in range(2, n):
        st = problem.stations[i]
        assert st is not None and problem.groups[i] == st.target
        spec = problem.targets[st.target]
        assert problem.prize[i] == spec.priority
        # Arriving at a station pays for its photos' hover.
        hold = spec.photos * 2.0
        assert problem.time_s[0, i] >= problem.table.time_s[0, i] + hold - 1e-9
    assert (problem.groups[:2] == -1).all()
    # The cost is the larger share of the two budgets.
    c = problem.cost()
    i, j = 0, 2
    want = max(problem.energy_wh[i, j] / problem.energy_budget_wh,
               problem.time_s[i, j] / problem.time_budget_s)
    assert c[i, j] == pytest.approx(want)
    assert problem.cost(0.5)[i, j] == pytest.approx(2 * want)


def test_choose_and_route_points(problem) -> None:
    choice = selection.choose(problem)
    assert choice is not None
    assert choice.order[0] == selection.START and choice.order[-1] == selection.END
    assert selection.route_points(problem, choice.order)[0].kind == NodeKind.HOME
    pts = selection.route_points(problem, choice.order)
    assert pts[-1].kind == NodeKind.LANDING
    assert [p.target_name for p in pts if p.station is not None] == [
        problem.targets[int(problem.groups[i])].name for i in choice.order[1:-1]]
    assert choice.description in ("exact (optimal)", "search")


def test_explain_gives_the_reason_that_binds(problem) -> None:
    names = {t.name for t in problem.targets}
    # The direct flight: every target is left out, each with a reason.
    why = selection.explain(problem, [selection.START, selection.END])
    assert {s.target for s in why} == names
    assert all(s.reason.startswith("left out") for s in why)
    # With a tiny budget, nothing fits even alone, and the figures say so.
    tight = selection.Problem(**{**problem.__dict__, "energy_budget_wh": 0.01})
    why = selection.explain(tight, [selection.START, selection.END])
    assert all(s.reason.startswith("over budget: even alone") for s in why)
    assert all("0.0 Wh" in s.reason for s in why)
    # No way there at all.
    blocked = problem.energy_wh.copy()
    blocked[:, 2:] = np.inf
    cut = selection.Problem(**{**problem.__dict__, "energy_wh": blocked})
    why = selection.explain(cut, [selection.START, selection.END])
    assert all(s.reason.startswith("unreachable") for s in why)


def test_choice_words() -> None:
    c = selection.Choice(order=(0, 1), method="search", optimal=False, stopped_by_time=True,
                         skipped=(Skipped("a", "x", required=True),))
    assert "time cap" in c.description
    assert c.missing_required[0].target == "a"
    assert selection.stations_per_target(1) == selection.STATIONS_PER_TARGET
    assert selection.stations_per_target(10**6) == selection.MIN_STATIONS_PER_TARGET
