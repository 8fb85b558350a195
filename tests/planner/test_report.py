from __future__ import annotations

import dataclasses

from rich.console import Console

from planner.report import print_plan


def render(plan, **kw) -> str:
    console = Console(width=100, record=True, color_system=None, force_terminal=False)
    print_plan(plan, console, **kw)
    return console.export_text()


def test_tables_say_what_the_plan_is(planned) -> None:
    plan, _, _ = planned
    text = render(plan)
    for needle in ("Flight plan", "Waypoints", plan.mission.source, "ingenuity",
                   f"{len(plan.targets_photographed)} of 3 photographed",
                   f"{plan.duration_s:.0f} s of 180 s max", "Route search"):
        assert needle in text, needle
    if plan.photos:
        assert "Camera commands" in text
    for s in plan.skipped:
        assert s.target in text
    for w in plan.warnings:
        assert w[:30] in text
    rows = [line for line in text.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert rows, "waypoint rows are printed"


def test_quiet_prints_the_summary_only(planned) -> None:
    plan, _, _ = planned
    text = render(plan, quiet=True)
    assert "Flight plan" in text and "Waypoints" not in text and "Camera commands" not in text


def test_a_search_stopped_by_its_cap_is_said(planned) -> None:
    plan, _, _ = planned
    stopped = dataclasses.replace(plan, selection="search — stopped at its time cap: another "
                                                  "run may choose differently",
                                  stopped_by_time=True)
    assert "time cap" in render(stopped)
