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
    # The direct flight: every target is left out, each with a reason; the budget has room for
    # each, so the words say the route search left it out, not a higher-priority target.
    why = selection.explain(problem, [selection.START, selection.END])
    assert {s.target for s in why} == names
    assert all(s.reason.startswith("left out by the route search") for s in why)
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


def line_problem(priorities: tuple[float, float], *, time_budget_s: float = 25.0,
                 energy_budget_wh: float = 100.0) -> selection.Problem:
    """Targets 'east' and 'west' 10 m either side of home (start and end), flown at 1 m/s and
    0.1 Wh/s: either one fits a 25 s budget (20 s there and back), both do not (40 s)."""
    from shapely.geometry import Point

    from planner.mission import Target
    from planner.viewpoints import TargetStations

    x = np.array([0.0, 0.0, 10.0, -10.0])
    time_s = np.abs(x[:, None] - x[None, :])
    targets = tuple(Target(index=i, name=n, geometry=Point(x[2 + i], 0.0), priority=p)
                    for i, (n, p) in enumerate(zip(("east", "west"), priorities, strict=True)))
    return selection.Problem(
        targets=targets, found=(TargetStations(0, ()), TargetStations(1, ())),
        nodes=(), stations=(None, None, None, None), roadmap=None, table=None,  # type: ignore[arg-type]
        energy_wh=0.1 * time_s, time_s=time_s, prize=np.array([0.0, 0.0, *priorities]),
        groups=np.array([-1, -1, 0, 1]), energy_budget_wh=energy_budget_wh,
        time_budget_s=time_budget_s)


def test_equal_priorities_give_the_budget_figure_not_a_priority() -> None:
    problem = line_problem((1.0, 1.0))
    (why,) = selection.explain(problem, [0, 2, 1])
    assert why.target == "west"
    assert "higher-priority" not in why.reason
    # Cheapest insertion: after 'east', 10 m back to home then 10 m more each way: 20 s more;
    # the route's 20 s leave 5 s of the 25.
    assert why.reason == "no room on this route: adding it needs 20 s more flight time; 5 s left"


def test_a_skipped_target_that_outranks_a_photographed_one_is_not_called_lower() -> None:
    problem = line_problem((1.0, 3.0))
    # A route that photographs the lower-priority 'east' (as a non-exhaustive search may return):
    # 'west' is not left out for a higher-priority target, there is none.
    (why,) = selection.explain(problem, [0, 2, 1])
    assert why.target == "west" and "higher-priority" not in why.reason
    assert "20 s more flight time; 5 s left" in why.reason
    # Solved, the route takes 'west', and 'east' is left out for it, by name.
    choice = selection.choose(problem)
    assert choice is not None and choice.order == (0, 3, 1)
    (why,) = choice.skipped
    assert why.target == "east"
    assert why.reason.startswith("left out for higher-priority targets: 'west' (priority 3 "
                                 "against its 1)")


def test_genuinely_lower_priority_names_the_target_it_gives_way_to() -> None:
    choice = selection.choose(line_problem((2.0, 1.0)))
    assert choice is not None and choice.order == (0, 2, 1)
    (why,) = choice.skipped
    assert why.target == "west" and "higher-priority targets: 'east'" in why.reason
    # With room for both there is no competition: both are photographed.
    roomy = selection.choose(line_problem((2.0, 1.0), time_budget_s=45.0))
    assert roomy is not None and not roomy.skipped


def test_the_binding_budget_is_named_with_its_figures() -> None:
    # Time is ample, energy holds one target: 2 Wh each, 2.5 Wh in all.
    problem = line_problem((1.0, 1.0), time_budget_s=1000.0, energy_budget_wh=2.5)
    (why,) = selection.explain(problem, [0, 2, 1])
    assert why.reason == "no room on this route: adding it needs 2.00 Wh more energy; 0.50 Wh left"
    # Both bind: both are said.
    both = line_problem((1.0, 1.0), energy_budget_wh=2.5)
    (why,) = selection.explain(both, [0, 2, 1])
    assert "s more flight time" in why.reason and "Wh more energy" in why.reason
    # A route with room left: the search missed it, and the words say so.
    (a, _) = selection.explain(line_problem((1.0, 1.0), time_budget_s=100.0), [0, 1])
    assert a.reason.startswith("left out by the route search")
    assert "20 s and 2.00 Wh more, within the 100 s" in a.reason


def test_insertion_without_each_visit_equals_inserting_into_each_shortened_route() -> None:
    """The prefix/suffix-minimum shortcut gives exactly the per-route cheapest insertion."""
    from planner.selection import _insertion, _insertion_without_each

    rng = np.random.default_rng(7)
    for trial in range(30):
        n = int(rng.integers(4, 25))
        c = rng.uniform(1, 10, (n, n))
        c[rng.random((n, n)) < 0.1] = np.inf  # some legs with no way
        inner = list(rng.permutation(np.arange(2, n))[: int(rng.integers(0, n - 3))])
        order = [0, *inner, 1]
        rest = np.setdiff1d(np.arange(2, n), inner)
        members = rng.choice(rest, size=min(len(rest), int(rng.integers(1, 4))), replace=False)
        got = _insertion_without_each(c, order, members)
        assert got.shape == (len(order) - 2,)
        for pos in range(1, len(order) - 1):
            want = _insertion(c, [*order[:pos], *order[pos + 1:]], members)[0]
            assert got[pos - 1] == want, (trial, pos)
