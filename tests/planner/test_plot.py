"""The map: nothing over the data but the data, only what is shown in the legend, the mission's
name as title, a lon/lat graticule, the moved landing site with its reason, no white bands."""

from __future__ import annotations

import dataclasses
import itertools
import re

import pytest

from planner.export.plot import FLIGHT_COLOURS, draw_map, plot_png
from planner.plan import LandingMove

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402


def drawn(plan, hazards):
    fig = draw_map(plan, hazards)
    fig.canvas.draw()
    return fig, fig.axes[0], fig.canvas.get_renderer()


@pytest.fixture(scope="module")
def figure(planned):
    plan, ctx, _ = planned
    fig, ax, renderer = drawn(plan, ctx.hazards)
    yield plan, fig, ax, renderer
    plt.close(fig)


def labels_of(ax):
    return [t for t in ax.texts if t.get_zorder() == 11]


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_legend_scale_and_notes_lie_outside_the_map(figure) -> None:
    _, _fig, ax, renderer = figure
    box = ax.get_window_extent(renderer)
    leg = ax.get_legend().get_window_extent(renderer)
    assert leg.x0 > box.x1  # right of the map
    for artist in ax.artists:  # the scale bar
        assert artist.get_window_extent(renderer).x0 > box.x1
    for t in ax.texts:
        if t.get_zorder() == 11:
            continue
        tb = t.get_window_extent(renderer)
        assert not tb.overlaps(box) or t.get_text() == "", t.get_text()  # notes, graticule


def test_labels_stay_on_the_map_and_off_each_other_and_the_markers(figure) -> None:
    plan, _, ax, renderer = figure
    box = ax.get_window_extent(renderer)
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels_of(ax)]
    assert {t.name for t in plan.mission.targets} <= {name for name, _ in boxes}
    for name, b in boxes:
        assert box.x0 <= b.x0 and b.x1 <= box.x1 and box.y0 <= b.y0 and b.y1 <= box.y1, name
    for (n1, b1), (n2, b2) in itertools.combinations(boxes, 2):
        w = min(b1.x1, b2.x1) - max(b1.x0, b2.x0)
        h = min(b1.y1, b2.y1) - max(b1.y0, b2.y0)
        assert w <= 1 or h <= 1, (n1, n2)
    points = [(w.x, w.y) for w in plan.waypoints] + [ph.station[:2] for ph in plan.photos]
    points += [(g.centroid.x, g.centroid.y) for g in plan.local.targets]
    for x, y in ax.transData.transform(points):
        for name, b in boxes:
            assert not b.contains(x, y), (name, x, y)


def test_the_legend_lists_only_what_is_drawn(figure) -> None:
    plan, _, ax, _ = figure
    legend = legend_texts(ax)
    skipped = len(plan.targets_photographed) < len(plan.mission.targets)
    assert ("target skipped (see the table)" in legend) is skipped
    assert ("target photographed" in legend) is bool(plan.photos)
    assert ("keep-out buffer" in legend) is any(k.buffer_m > 0 for k in plan.mission.keep_outs)
    assert ("pass-through point (terrain)" in legend) is any(not w.stop for w in plan.waypoints)
    assert ("ground marked featureless" in legend) is bool(plan.mission.featureless)
    assert "requested landing site (unsafe)" not in legend
    assert "no terrain data" not in legend  # the built-in terrain has no holes
    assert any(t.startswith("lon/lat every") for t in legend)


def test_the_title_is_the_missions_name(planned) -> None:
    plan, ctx, path = planned
    for name, want in ((None, path.name), ("Sol 414: backshell", "Sol 414: backshell")):
        p = dataclasses.replace(plan, mission=dataclasses.replace(plan.mission, name=name))
        fig = draw_map(p, ctx.hazards)
        assert fig.axes[0].get_title(loc="left") == want
        plt.close(fig)


def test_a_long_name_is_wrapped_and_does_not_widen_the_map(planned) -> None:
    import io

    from matplotlib import image

    plan, ctx, _ = planned
    long_name = " ".join(f"word{i}" for i in range(40))  # about 300 characters
    p = dataclasses.replace(plan, mission=dataclasses.replace(plan.mission, name=long_name))
    fig = draw_map(p, ctx.hazards)
    title = fig.axes[0].get_title(loc="left")
    plt.close(fig)
    assert "\n" in title
    assert " ".join(title.split()) == long_name  # every word kept, in order
    width = {name: image.imread(io.BytesIO(plot_png(q, ctx.hazards))).shape[1]
             for name, q in (("short", plan), ("long", p))}
    assert width["long"] <= width["short"], width


def test_no_two_flights_of_a_campaign_look_alike(planned) -> None:
    plan, ctx, _ = planned
    n = len(FLIGHT_COLOURS) + 2  # past one round of colours (the channels example flies 7)
    fig = draw_map(plan, ctx.hazards, flights=[plan] * n, legs=[("A", "B")] * n)
    try:
        leg = fig.axes[0].get_legend()
        looks = [(h.get_color(), h.get_linestyle())
                 for h, t in zip(leg.legend_handles, leg.get_texts(), strict=True)
                 if t.get_text().startswith("flight ")]
        routes = [(line.get_color(), line.get_linestyle()) for line in fig.axes[0].get_lines()
                  if line.get_zorder() == 4]
    finally:
        plt.close(fig)
    assert len(looks) == n and len(set(looks)) == n, looks
    assert routes == looks  # the legend shows each route as it is drawn


def test_flights_sharing_a_spot_share_one_label_a_line_each(planned) -> None:
    plan, ctx, _ = planned
    n = 3  # three flights over the same waypoints: every spot is shared
    fig = draw_map(plan, ctx.hazards, flights=[plan] * n, legs=[("A", "B")] * n)
    try:
        numbers = [t.get_text() for t in labels_of(fig.axes[0])
                   if re.match(r"\d+\.\d+", t.get_text())]
    finally:
        plt.close(fig)
    take_off = [t for t in numbers if t.startswith("1.1,") or t.split("\n")[0] == "1.1"]
    assert len(take_off) == 1
    assert [line.split(", ")[0] for line in take_off[0].split("\n")] == ["1.1", "2.1", "3.1"]
    shown = [w for t in numbers for line in t.split("\n") for w in line.split(", ")]
    stops = [f"{k}.{w.seq}" for k in range(1, n + 1) for w in plan.waypoints if w.stop]
    assert sorted(shown) == sorted(stops)  # each waypoint numbered once


def test_the_graticule_is_lon_lat_on_the_body(figure) -> None:
    plan, _, ax, _ = figure
    found = 0
    for t in ax.texts:
        m = re.fullmatch(r"(\d+\.\d+)°([NE])", t.get_text())
        if not m:
            continue
        x, y = t.xy
        lon, lat = plan.frame.to_lonlat(x, y)
        value = float(m.group(1))
        got = float(lat) if m.group(2) == "N" else float(lon)
        assert got == pytest.approx(value, abs=1e-9), t.get_text()
        found += 1
    assert found >= 4


def test_no_white_bands(figure) -> None:
    plan, _, ax, _ = figure
    x0, y0, x1, y1 = plan.dem.bounds
    (vx0, vx1), (vy0, vy1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= vx0 < vx1 <= x1 and y0 <= vy0 < vy1 <= y1
    extent = ax.images[0].get_extent()
    assert (extent[0], extent[1], extent[2], extent[3]) == (x0, x1, y0, y1)


def test_a_moved_landing_shows_where_and_why(planned) -> None:
    plan, ctx, _ = planned
    land = plan.waypoints[-1]
    moved = dataclasses.replace(plan, landing_moved=LandingMove(
        requested_xy=(land.x - 6.0, land.y + 3.0),
        reason="rocks or rough ground (relief 0.20 m RMS above the 0.1 m limit)"))
    fig, ax, _ = drawn(moved, ctx.hazards)
    assert "requested landing site (unsafe)" in legend_texts(ax)
    texts = [t.get_text() for t in ax.texts]
    assert f"{plan.mission.landing_site.name} (requested)" in texts
    note = " ".join(t for t in texts if t.startswith("Landing moved"))
    assert "Landing moved 6.7 m from 'pad', which is unsafe: rocks or rough ground" in \
        " ".join(note.split())
    plt.close(fig)


def test_png_is_cropped_to_what_is_drawn(planned) -> None:
    import io

    from matplotlib import image

    plan, ctx, _ = planned
    png = plot_png(plan, ctx.hazards)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(io.BytesIO(png))
    white = (pixels[..., :3] > 0.99).all(axis=2)
    rows, cols = white.all(axis=1), white.all(axis=0)
    # Cropped to the drawing: no more than the 0.15 inch pad of white rows or columns at an edge.
    for edge in (rows, rows[::-1], cols, cols[::-1]):
        assert edge.argmin() <= 0.15 * 110 + 2
