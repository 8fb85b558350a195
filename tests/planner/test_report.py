from __future__ import annotations

import dataclasses
import io
import re

import pytest
from rich.console import Console

from planner.report import print_plan

WIDTHS = [60, 80, 100, 120]


def render(plan, *, width: int = 100, terminal: bool = False, **kw) -> str:
    out = io.StringIO()
    console = Console(width=width, file=out, color_system=None, force_terminal=terminal)
    print_plan(plan, console, **kw)
    return out.getvalue()


def sections(text: str, title: str) -> list[dict[str, str]]:
    """The rows of every table whose title starts with ``title``, as ``{header: cell}``.

    Columns are found as the spans between runs of three or more positions that are blank on
    every line of the table (a column's widest header or cell spans its whole width).
    """
    lines = text.splitlines()
    rows: list[dict[str, str]] = []
    for i, line in enumerate(lines):
        if not line.startswith(title):
            continue
        j = i + 1
        while not lines[j].strip():
            j += 1
        k = j + 2  # under the header's rule
        while k < len(lines) and lines[k].strip():
            k += 1
        block = [lines[j], *lines[j + 2:k]]
        size = max(len(b) for b in block)
        blank = [all(x >= len(b) or b[x] == " " for b in block) for x in range(size)]
        sep = [False] * size
        x = 0
        while x < size:  # mark runs of three or more blank positions
            y = x
            while y < size and blank[y]:
                y += 1
            if y - x >= 3:
                sep[x:y] = [True] * (y - x)
            x = y + 1 if y == x else y
        spans, x = [], 0
        while x < size:
            if sep[x]:
                x += 1
                continue
            y = x
            while y < size and not sep[y]:
                y += 1
            spans.append((x, y))
            x = y
        names = [block[0][a:b].strip() for a, b in spans]
        rows += [{n: r[a:b].strip() for n, (a, b) in zip(names, spans, strict=True)}
                 for r in block[1:]]
    return rows


def merged(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        out.setdefault(r[key], {}).update(r)
    return out


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


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_cut_at_any_width(planned, width, terminal) -> None:
    plan, _, _ = planned
    text = render(plan, width=width, terminal=terminal)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= width
    assert ("─" in text) is terminal  # a log gets plain ASCII rules
    for w in plan.waypoints:
        assert re.search(rf"(?<![\d.]){w.lat:.7f}(?!\d)", text), w.lat
        assert re.search(rf"(?<![\d.]){w.lon:.7f}(?!\d)", text), w.lon
    wps = merged(sections(text, "Waypoints"), "#")
    assert sorted(wps, key=int) == [str(w.seq) for w in plan.waypoints]
    for w in plan.waypoints:
        row = wps[str(w.seq)]
        assert len(row) >= 16, row  # every column, whichever table it sat in
        assert row["lat"] == f"{w.lat:.7f}" and row["lon"] == f"{w.lon:.7f}"
        assert float(row["t s"]) == pytest.approx(w.time_s, abs=0.5)
        assert float(row["Wh"]) == pytest.approx(w.energy_wh, abs=0.005)
    photos = merged(sections(text, "Camera commands"), "photo")
    assert sorted(photos, key=int) == [str(p.number) for p in plan.photos]
    for p in plan.photos:
        assert photos[str(p.number)]["GSD cm"] == f"{p.gsd_cm:.2f}"


def test_waypoints_speak_plainly(planned) -> None:
    plan, _, _ = planned
    text = render(plan, width=160)
    wps = merged(sections(text, "Waypoints"), "#")
    home = plan.waypoints[0]
    assert (wps["1"]["east m"], wps["1"]["north m"]) == ("0.0", "0.0")  # from home
    assert wps["1"]["action"] == "take off" and wps[str(len(wps))]["action"] == "land"
    assert {r["action"] for r in wps.values()} <= {"take off", "stop", "pass-through", "photo",
                                                   "land"}
    for w in plan.waypoints:
        row = wps[str(w.seq)]
        assert float(row["east m"]) == pytest.approx(w.x - home.x, abs=0.06)
        if w.camera_pitch_deg is not None:  # heading and pitch at every photo waypoint
            assert row["pitch°"] == f"{w.camera_pitch_deg:.1f}"
        if w.heading_deg is not None:
            assert float(row["heading°"]) == pytest.approx(w.heading_deg % 360, abs=0.051)
        if w.leg_m:
            assert row["speed m/s"] == f"{w.leg_speed_m_s:.1f}"
    flat = " ".join(text.split())
    assert "take off (takeoff)" in flat and "photo: stop, aim the camera" in flat
    assert "east/north: metres from home" in flat
    assert "colour camera (RTE, Ingenuity's return-to-Earth camera)" in flat


@pytest.mark.parametrize(("selection", "stopped", "words"), [
    ("exact (optimal)", False, "optimal: an exact search over every choice and order"),
    ("search", False, "best found by an iterated local search (a fixed amount of work per "
                      "seed); not proven optimal"),
    ("search — stopped at its time cap: another run may choose differently", True,
     "not proven optimal; stopped at its time cap (--time-limit) before its fixed work was "
     "done: another run may choose differently"),
    ("none (optimal)", False, "nothing to choose"),
])
def test_the_route_search_is_said_in_words(planned, selection, stopped, words) -> None:
    plan, _, _ = planned
    text = render(dataclasses.replace(plan, selection=selection, stopped_by_time=stopped),
                  width=200)
    assert words in " ".join(text.split())


def test_the_mission_name_heads_the_summary(planned) -> None:
    plan, _, _ = planned
    named = dataclasses.replace(plan, mission=dataclasses.replace(plan.mission, name="Sol 414"))
    assert f"Sol 414 ({plan.mission.source})" in " ".join(render(named).split())


def test_quiet_prints_the_summary_only(planned) -> None:
    plan, _, _ = planned
    text = render(plan, quiet=True)
    assert "Flight plan" in text and "Waypoints" not in text and "Camera commands" not in text


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [False, True])
def test_trailing_spaces_are_cut_only_when_not_a_terminal(planned, terminal, monkeypatch) -> None:
    from planner.report import make_console

    out = _Tty() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    console = make_console(width=100, color_system=None)
    assert console.is_terminal is terminal
    print_plan(planned[0], console)
    console.file.flush()
    lines = out.getvalue().splitlines()
    assert "Waypoints" in out.getvalue()
    padded = [line for line in lines if line != line.rstrip(" ")]
    assert bool(padded) is terminal
