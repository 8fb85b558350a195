"""A map of the plan over a hillshade of the terrain, as PNG bytes.

Shows the flight hazards, keep-out zones and ground the mission marks featureless, the route
with numbered waypoints, camera stations with arrows along their headings, targets (photographed
and skipped told apart), photo footprints, home and landing (and, when the landing site was
moved, the requested spot, an arrow to the new one and why), a lon/lat graticule on the body, a
scale bar and a north arrow.

Nothing is drawn over the data but the data: the legend, the scale bar, the north arrow and the
notes sit outside the map, and every label is placed by a small search among positions around
its point, the one that covers least of the other labels, the markers, the route and the
footprints winning. The legend lists only what the map shows. The axes are metres east and north
of home in the mission's local frame; the view is cut to the terrain, so the hillshade fills it.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from planner.plan import FlightPlan
from terrain.hazards import HazardMaps

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Annotation

AXES_WIDTH_IN = 7.5
"""Width of the map itself; its height follows the view's shape (within the limits below)."""
AXES_HEIGHT_IN = (4.0, 9.5)
PANEL_IN = 3.6
"""Room right of the map for the latitude labels, the legend, the scale bar and north arrow."""
LABEL_DISTANCES_PT = (5.0, 12.0, 24.0)
"""How far from its point a label may sit (points); the farthest gets a leader line."""
LABEL_DIRECTIONS = ((1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1))
"""Where a label may sit around its point, in order of preference."""
COST_LABEL, COST_MARKER, COST_ROUTE, COST_AREA = 1000.0, 60.0, 25.0, 2.0
"""Cost per square pixel of a label covering another label, a marker, the route, or a
footprint or keep-out; a label outside the map costs more than any overlap."""
COINCIDENT_M = 0.5
"""Waypoints closer than this share one label ("1, 7": take-off and landing at home)."""
GRATICULE_LINES = 4
"""About how many lines of latitude (and of longitude) the graticule draws across the view."""

ROUTE, STATION, TARGET_OK, TARGET_SKIPPED = "#1f77b4", "#17becf", "#2ca02c", "#d62728"
HOME, LANDING, KEEP_OUT, FOOTPRINT = "#e377c2", "#9467bd", "#ff7f0e", "#ffd92f"
GRATICULE = "#1a3a5a"
AIRFIELD = "#ffd700"
FLIGHT_COLOURS = ("#1f77b4", "#8c564b", "#006d6d", "#bcbd22", "#393b79", "#7f7f7f")
"""A campaign's flights in turn: dark, saturated colours none of the map's other marks use
(targets green and red, keep-outs orange, footprints yellow, home pink, landing purple, camera
stations cyan); a seventh flight reuses the first colour, dashed (a thirteenth, dotted), its
waypoints still numbered by flight."""

SHARED_NUMBERS = "#333333"
"""The waypoint numbers of several flights at one spot: no one flight's colour."""

FLIGHT_LINE_STYLES = ("-", "--", ":")
"""The line style of each round of :data:`FLIGHT_COLOURS`, so that no two flights look alike."""


def _nice_length(span: float) -> float:
    """A round length of about a fifth of ``span``, for the scale bar.

    Examples
    --------
    >>> _nice_length(230.0), _nice_length(1800.0)
    (50.0, 500.0)
    """
    target = span / 5
    for base in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if base >= target:
            return float(base)
    return float(10 ** math.ceil(math.log10(target)))


def _nice_step(span_deg: float, lines: int = GRATICULE_LINES) -> float:
    """A step of 1, 2 or 5 times a power of ten that draws about ``lines`` lines in the span.

    Examples
    --------
    >>> _nice_step(0.004), _nice_step(0.03)
    (0.001, 0.01)
    """
    raw = span_deg / lines
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10.0 ** exp >= raw * 0.75:
            return float(round(m * 10.0 ** exp, 12))
    return float(10.0 ** (exp + 1))


def _degrees(value: float, step: float, positive: str, negative: str, *,
             east_positive: bool = False) -> str:
    """A graticule label with just enough decimals for the step.

    Examples
    --------
    >>> _degrees(18.4525, 0.0005, "N", "S"), _degrees(-8.54, 0.01, "E", "W")
    ('18.4525°N', '8.54°W')
    >>> _degrees(-0.5, 0.5, "E", "W", east_positive=True)
    '-0.5°E'
    """
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if step * 10 ** decimals % 1 > 1e-6:
        decimals += 1
    if east_positive:
        return f"{value:.{decimals}f}°{positive}"
    return f"{abs(value):.{decimals}f}°{positive if value >= 0 else negative}"


@dataclass
class _Label:
    """A label to place: its text, its point (data coordinates), and how it is drawn."""

    text: str
    x: float
    y: float
    color: str = "black"
    size: float = 8.0
    weight: str = "normal"


def _view(plan: FlightPlan) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)``: the plan and mission with a margin, cut to the terrain.

    Footprints do not widen it: an oblique one reaches far, and the map shows its near part.
    """
    geoms: list[BaseGeometry] = [Point(w.x, w.y) for w in plan.waypoints]
    geoms += [*plan.local.targets, *plan.local.keep_outs_buffered, plan.local.home,
              plan.local.landing]
    if plan.landing_moved is not None:
        geoms.append(Point(*plan.landing_moved.requested_xy))
    x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(geoms))
    span = max(x1 - x0, y1 - y0, 40.0)
    pad = max(0.08 * span, 10.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max(x1 - x0, 0.35 * span) / 2 + pad
    half_h = max(y1 - y0, 0.35 * span) / 2 + pad
    dx0, dy0, dx1, dy1 = plan.dem.bounds
    return (max(cx - half_w, dx0), min(cx + half_w, dx1), max(cy - half_h, dy0),
            min(cy + half_h, dy1))


def _window_any(mask: np.ndarray, plan: FlightPlan, view: tuple[float, float, float, float],
                ) -> bool:
    """Whether a hazard raster has any cell inside the view."""
    x0, _, _, y0 = plan.dem.bounds
    res = plan.dem.resolution
    c0 = max(int((view[0] - x0) / res), 0)
    c1 = math.ceil((view[1] - x0) / res)
    r0 = max(int((y0 - view[3]) / res), 0)
    r1 = math.ceil((y0 - view[2]) / res)
    return bool(mask[r0:r1, c0:c1].any())


def draw_map(plan: FlightPlan, hazards: HazardMaps, *, dpi: int = 110,
             flights: Sequence[FlightPlan] = (),
             legs: Sequence[tuple[str, str]] = ()) -> Figure:
    """Draw the plan's map on a new matplotlib figure (the caller closes it).

    With ``flights`` (a campaign's, ``legs`` their airfields by name), every flight is drawn on
    the one map, each route in its own colour (:data:`FLIGHT_COLOURS`) with its waypoints
    numbered ``K.N`` (flight, waypoint), and the mission's airfields are marked.
    """
    campaign = list(flights)
    if campaign:  # one plan holding every flight's waypoints and photos, for what is shared
        first = campaign[0]
        plan = replace(first, waypoints=tuple(w for f in campaign for w in f.waypoints),
                       photos=tuple(ph for f in campaign for ph in f.photos),
                       landing_xy=campaign[-1].landing_xy,
                       landing_moved=campaign[-1].landing_moved,
                       mission=replace(first.mission,
                                       landing=campaign[-1].mission.landing_site),
                       local=replace(first.local, landing=campaign[-1].local.landing))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.colors import LightSource, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrow, FancyArrowPatch, Patch
    from matplotlib.patches import Polygon as MplPolygon

    dem = plan.dem
    view = _view(plan)
    vw, vh = view[1] - view[0], view[3] - view[2]
    ah = min(max(AXES_WIDTH_IN * vh / vw, AXES_HEIGHT_IN[0]), AXES_HEIGHT_IN[1])
    aw = min(AXES_WIDTH_IN, ah * vw / vh)
    fig = plt.figure(figsize=(aw + PANEL_IN + 1.2, ah + 1.9), dpi=dpi)
    ax = fig.add_axes((0.9 / (aw + PANEL_IN + 1.2), 1.0 / (ah + 1.9),
                       aw / (aw + PANEL_IN + 1.2), ah / (ah + 1.9)))
    legend: list[Any] = []

    # Terrain and hazards: the image spans the DEM; the view lies inside it (no white bands).
    x0, ymin, x1, y0 = dem.bounds
    extent = (x0, x1, ymin, y0)
    finite = np.isfinite(dem.elevation)
    elev = np.where(finite, dem.elevation, np.nanmin(dem.elevation) if finite.any() else 0.0)
    shade = LightSource(azdeg=315, altdeg=45).hillshade(elev, vert_exag=2.0, dx=dem.resolution,
                                                        dy=dem.resolution)
    ax.imshow(shade, extent=extent, cmap="gray", vmin=0, vmax=1, origin="upper",
              interpolation="bilinear", zorder=0)
    if _window_any(hazards.flight, plan, view):
        haz = np.ma.masked_where(~hazards.flight, np.ones(dem.shape))
        ax.imshow(haz, extent=extent, cmap=ListedColormap([TARGET_SKIPPED]), alpha=0.35,
                  origin="upper", interpolation="nearest", zorder=1)
        legend.append(Patch(color=TARGET_SKIPPED, alpha=0.35,
                            label="flight hazard (steep, featureless or unknown ground)"))
    if _window_any(hazards.nodata, plan, view):
        nod = np.ma.masked_where(~hazards.nodata, np.ones(dem.shape))
        ax.imshow(nod, extent=extent, cmap=ListedColormap(["#000000"]), alpha=0.6,
                  origin="upper", zorder=1)
        legend.append(Patch(color="black", alpha=0.6, label="no terrain data"))
    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    ax.set_aspect("equal", adjustable="box")

    graticule, lat_labels = _graticule(ax, plan, view)
    legend.append(Line2D([], [], color=GRATICULE, lw=0.8, ls=(0, (4, 3)), alpha=0.7,
                         label=f"lon/lat every {graticule}"))

    # Keep-outs: the zone as given, and its buffer (never flown over).
    zone_labels: list[_Label] = []
    buffered = False
    for k, given, grown in zip(plan.mission.keep_outs, plan.local.keep_outs,
                               plan.local.keep_outs_buffered, strict=True):
        for poly in getattr(grown, "geoms", [grown]):
            ax.add_patch(MplPolygon(np.asarray(poly.exterior.coords), closed=True,
                                    facecolor=KEEP_OUT, alpha=0.25, edgecolor=KEEP_OUT, lw=1.0,
                                    zorder=2))
        for poly in getattr(given, "geoms", [given]):
            ax.add_patch(MplPolygon(np.asarray(poly.exterior.coords), closed=True,
                                    facecolor="none", edgecolor="#a84b00", hatch="//", lw=1.2,
                                    zorder=2))
        buffered = buffered or k.buffer_m > 0
        gx0, _, gx1, gy1 = grown.bounds
        zone_labels.append(_Label(f"{k.name} ({k.heights_text})" if k.heights_text else k.name,
                                  (gx0 + gx1) / 2, gy1, color="#7f3f00",
                                  weight="bold"))
    if plan.mission.keep_outs:
        legend.append(Patch(facecolor="none", edgecolor="#a84b00", hatch="//",
                            label="keep-out zone"))
        if buffered:
            legend.append(Patch(facecolor=KEEP_OUT, alpha=0.35, label="keep-out buffer"))

    for f, g in zip(plan.mission.featureless, plan.local.featureless, strict=True):
        for poly in getattr(g, "geoms", [g]):
            ax.add_patch(MplPolygon(np.asarray(poly.exterior.coords), closed=True,
                                    facecolor="none", edgecolor="#6b4e16", ls=(0, (2, 2)),
                                    lw=1.2, zorder=2))
        fx0, _, fx1, fy1 = g.bounds
        zone_labels.append(_Label(f.name, (fx0 + fx1) / 2, fy1, color="#6b4e16"))
    if plan.mission.featureless:
        legend.append(Patch(facecolor="none", edgecolor="#6b4e16", ls=(0, (2, 2)),
                            label="ground marked featureless"))

    from planner.coverage import plan_covered

    surveys = plan_covered(plan)
    surveyed = {c.target.name for c in surveys}
    for ph in plan.photos:
        if ph.target in surveyed:
            continue  # drawn below by the part of it that counts
        ax.add_patch(MplPolygon(np.asarray(ph.footprint.exterior.coords), closed=True,
                                facecolor=FOOTPRINT, alpha=0.22, edgecolor="#b8860b", lw=0.6,
                                zorder=3))
    if any(ph.target not in surveyed for ph in plan.photos):
        legend.append(Patch(facecolor=FOOTPRINT, alpha=0.45, edgecolor="#b8860b",
                            label="photo footprint"))
    # A survey: each image's counted part (an oblique image's near half), and the area's
    # ground that no image covers.
    unseen_drawn = False
    for sv in surveys:
        for part in sv.parts:
            if part.is_empty:
                continue
            ax.add_patch(MplPolygon(np.asarray(part.exterior.coords), closed=True,
                                    facecolor=FOOTPRINT, alpha=0.12, edgecolor="#b8860b",
                                    lw=0.4, zorder=3))
        gap = sv.area.difference(sv.covered)
        for poly in getattr(gap, "geoms", [gap]):
            if isinstance(poly, Polygon) and not poly.is_empty and poly.area > 1.0:
                ax.add_patch(MplPolygon(np.asarray(poly.exterior.coords), closed=True,
                                        facecolor="none", edgecolor="#c00000", hatch="xx",
                                        lw=0.8, zorder=3))
                unseen_drawn = True
    if any(sv.parts for sv in surveys):
        legend.append(Patch(facecolor=FOOTPRINT, alpha=0.3, edgecolor="#b8860b",
                            label="survey image (the part counted)"))
    if unseen_drawn:
        legend.append(Patch(facecolor="none", edgecolor="#c00000", hatch="xx",
                            label="area no image covers"))

    # The route and its waypoints (a campaign's: each flight in its own colour).
    number_labels = []
    any_through = False
    for n, fl in enumerate(campaign or [plan], start=1):
        colour = FLIGHT_COLOURS[(n - 1) % len(FLIGHT_COLOURS)] if campaign else ROUTE
        style = FLIGHT_LINE_STYLES[(n - 1) // len(FLIGHT_COLOURS) % len(FLIGHT_LINE_STYLES)]
        xs = np.array([w.x for w in fl.waypoints])
        ys = np.array([w.y for w in fl.waypoints])
        ax.plot(xs, ys, style, color=colour, lw=2.2, zorder=4)
        legend.append(Line2D([], [], color=colour, ls=style, lw=2.2, label=(
            f"flight {n}: {legs[n - 1][0]} to {legs[n - 1][1]}" if campaign and legs
            else f"flight {n}" if campaign else "route")))
        through = [w for w in fl.waypoints if not w.stop]
        stops = [w for w in fl.waypoints if w.stop]
        any_through = any_through or bool(through)
        if through:
            ax.plot([w.x for w in through], [w.y for w in through], ".", color=colour, ms=4,
                    zorder=5)
        ax.plot([w.x for w in stops], [w.y for w in stops], "o", color="white", mec=colour,
                ms=5, zorder=5)
        prefix = f"{n}." if campaign else ""
        for group in _coincident(stops):
            number_labels.append(_Label(", ".join(f"{prefix}{w.seq}" for w in group),
                                        group[0].x, group[0].y,
                                        color=colour if campaign else "#0b3d91", size=7.5))
    if campaign:
        number_labels = _stacked(number_labels)
    if any_through:
        legend.append(Line2D([], [], marker=".", color="grey" if campaign else ROUTE, ls="",
                             ms=6, label="pass-through point (terrain)"))
    legend.append(Line2D([], [], marker="o", color="white", mec="grey" if campaign else ROUTE,
                         ls="", ms=5, label="waypoint, numbered as in the tables"
                         + (" (flight.waypoint)" if campaign else "")))

    arrow = 0.06 * max(vw, vh)
    for ph in plan.photos:
        sx, sy = ph.station[0], ph.station[1]
        h = math.radians(ph.heading_deg)
        ax.add_patch(FancyArrow(sx, sy, arrow * math.sin(h), arrow * math.cos(h),
                                width=arrow * 0.05, color=STATION, zorder=7,
                                length_includes_head=True))
        ax.plot(sx, sy, "o", color=STATION, ms=7, mec="black", zorder=8)
    if plan.photos:
        legend.append(Line2D([], [], marker="o", color=STATION, mec="black", ls="",
                             label="camera station → heading"))

    done = {t for f in campaign or [plan] for t in f.targets_photographed}
    target_labels = []
    for t, g in zip(plan.mission.targets, plan.local.targets, strict=True):
        c = g if isinstance(g, Point) else g.centroid
        ok = t.name in done
        if not isinstance(g, Point):
            for part in getattr(g, "geoms", [g]):  # each part of a MultiPolygon
                bound = part.exterior if isinstance(part, Polygon) else part
                bxy = np.asarray(bound.coords)
                ax.plot(bxy[:, 0], bxy[:, 1], "-", color=TARGET_OK if ok else TARGET_SKIPPED,
                        lw=1.5, zorder=6)
        ax.plot(c.x, c.y, "*" if ok else "X", color=TARGET_OK if ok else TARGET_SKIPPED,
                ms=15 if ok else 12, mec="black", zorder=9)
        target_labels.append(_Label(t.name, c.x, c.y, color="#145214" if ok else "#8b0000",
                                    size=9, weight="bold"))
    if done:
        legend.append(Line2D([], [], marker="*", color=TARGET_OK, mec="black", ls="", ms=12,
                             label="target photographed"))
    if len(done) < len(plan.mission.targets):
        legend.append(Line2D([], [], marker="X", color=TARGET_SKIPPED, mec="black", ls="",
                             label="target skipped (see the table)"))

    home, land = plan.waypoints[0], plan.waypoints[-1]
    airfield_labels = []
    if campaign:
        ends = [(home.x, home.y), (land.x, land.y)]
        # The mission's airfields, and where flights hand over (found spots included).
        offered = [*((a.name, pt) for a, pt in zip(plan.mission.airfields,
                                                   plan.local.airfields, strict=True)),
                   *((legs[n][1] if legs else f"after flight {n + 1}",
                      Point(fl.waypoints[-1].x, fl.waypoints[-1].y))
                     for n, fl in enumerate(campaign[:-1]))]
        shown: list[tuple[str, Point]] = []
        for name, pt in offered:
            if min(math.hypot(pt.x - x, pt.y - y)
                   for x, y in [*ends, *((q.x, q.y) for _, q in shown)]) >= COINCIDENT_M:
                shown.append((name, pt))
        if shown:
            ax.plot([pt.x for _, pt in shown], [pt.y for _, pt in shown], "D", color=AIRFIELD,
                    mec="black", ms=9, ls="", zorder=9)
            legend.append(Line2D([], [], marker="D", color=AIRFIELD, mec="black", ls="", ms=7,
                                 label="airfield (given, or where flights hand over)"))
            airfield_labels = [_Label(name, pt.x, pt.y, color="#5a4500", weight="bold")
                               for name, pt in shown]
    same_spot = math.hypot(home.x - land.x, home.y - land.y) < COINCIDENT_M
    if not same_spot:
        ax.plot(land.x, land.y, "s", color=LANDING, ms=15, mec="black", zorder=9)
    ax.plot(home.x, home.y, "^", color=HOME, ms=10, mec="black", zorder=10)
    site_labels = [_Label(plan.mission.home.name, home.x, home.y, weight="bold")]
    if same_spot:
        legend.insert(0, Line2D([], [], marker="^", color=HOME, mec="black", ls="",
                                label="home: take-off and landing"))
    else:
        legend[:0] = [Line2D([], [], marker="^", color=HOME, mec="black", ls="",
                             label="home (take-off)"),
                      Line2D([], [], marker="s", color=LANDING, mec="black", ls="", ms=9,
                             label="landing")]
        site_labels.append(_Label(plan.mission.landing_site.name
                                  if plan.landing_moved is None else "landing", land.x, land.y,
                                  weight="bold"))
    notes = []
    moved = plan.landing_moved
    if moved is not None:
        rx, ry = moved.requested_xy
        ax.plot(rx, ry, "s", mfc="none", mec=LANDING, mew=2.0, ms=13, ls="", zorder=9)
        ax.add_patch(FancyArrowPatch((rx, ry), (land.x, land.y), arrowstyle="-|>",
                                     mutation_scale=14, color=LANDING, lw=1.8, zorder=9,
                                     shrinkA=7, shrinkB=9))
        legend.append(Line2D([], [], marker="s", mfc="none", mec=LANDING, mew=2.0, ls="",
                             ms=9, label="requested landing site (unsafe)"))
        site_labels.append(_Label(f"{plan.mission.landing_site.name} (requested)", rx, ry,
                                  color="#4b2a6b", weight="bold"))
        dist = math.hypot(land.x - rx, land.y - ry)
        notes.append(f"Landing moved {dist:.1f} m from {plan.mission.landing_site.name!r}, "
                     f"which is unsafe: {moved.reason}.")
    _place_labels(fig, ax, [*target_labels, *site_labels, *airfield_labels, *zone_labels,
                            *number_labels], plan)
    _title(ax, plan, campaign, width_in=aw + PANEL_IN)
    ax.set_xlabel("metres east of home (local frame)")
    ax.set_ylabel("metres north of home (local frame)")
    _ticks_from_home(ax, home.x, home.y, view)

    leg = ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                    fontsize=8, frameon=False, borderaxespad=0.0)
    _outside_right(fig, ax, leg, graticule_labels=lat_labels)
    _scale_and_north(fig, ax, leg, plan, view)

    body = plan.mission.body
    frame_note = ("Axes: metres from home in the mission's local azimuthal-equidistant frame, "
                  "grid north = true north at its centre. Lon/lat: "
                  + ("planetocentric degrees, east-positive, on the Mars 2000 sphere "
                     f"({body.geographic_crs})." if body.name == "mars"
                     else f"WGS 84 ({body.geographic_crs})."))
    notes.append(frame_note)
    if dem.synthetic:
        notes.append(f"Terrain: {dem.source}, not real ground.")
    text = "\n".join(textwrap.fill(n, width=int((aw + PANEL_IN) * 15)) for n in notes)
    ax.annotate(text, xy=(0.0, 0.0), xycoords="axes fraction", xytext=(-40, -42),
                textcoords="offset points", va="top", ha="left", fontsize=8,
                annotation_clip=False)
    return fig


def _renderer(fig: Figure, ax: Axes) -> Any:
    """The figure's renderer, with the map's aspect applied.

    Enough to measure texts and place them in display coordinates without drawing the whole
    figure, which costs most of the map's time.
    """
    ax.apply_aspect()
    return fig.canvas.get_renderer()  # type: ignore[attr-defined]


def _stacked(labels: Sequence[_Label]) -> list[_Label]:
    """A campaign's waypoint numbers, one label per spot.

    Flights that share a spot (an airfield each takes off from or lands on) get one line each in
    one label, in a neutral colour: a label per flight around one point finds no room (the
    channels example's 7 flights from one airfield).
    """
    return [g[0] if len(g) == 1 else replace(g[0], text="\n".join(lab.text for lab in g),
                                              color=SHARED_NUMBERS)
            for g in _coincident(labels)]


def _coincident(stops: Sequence[Any]) -> list[list[Any]]:
    """Waypoints grouped where they fall on one spot, in order."""
    groups: list[list[Any]] = []
    for w in stops:
        for g in groups:
            if math.hypot(g[0].x - w.x, g[0].y - w.y) < COINCIDENT_M:
                g.append(w)
                break
        else:
            groups.append([w])
    return groups


def _graticule(ax: Axes, plan: FlightPlan, view: tuple[float, float, float, float],
               ) -> tuple[str, list[Annotation]]:
    """Draw lines of longitude and latitude across the view, labelled outside its edges.

    Returns the step in words and the latitude labels (right of the map).
    """
    frame = plan.frame
    gx = np.linspace(view[0], view[1], 25)
    gy = np.linspace(view[2], view[3], 25)
    ex = np.concatenate([gx, gx, np.full(25, view[0]), np.full(25, view[1])])
    ey = np.concatenate([np.full(25, view[2]), np.full(25, view[3]), gy, gy])
    lon, lat = frame.to_lonlat(ex, ey)
    step_lat = _nice_step(float(lat.max() - lat.min()))
    step_lon = _nice_step(float(lon.max() - lon.min()))
    mars = plan.mission.body.name == "mars"
    style = {"color": GRATICULE, "lw": 0.7, "ls": (0, (4, 3)), "alpha": 0.7, "zorder": 1.5}
    label_style = {"fontsize": 7, "color": "#333333", "annotation_clip": False}
    lat_labels = []
    for v in np.arange(math.ceil(lat.min() / step_lat) * step_lat, lat.max(), step_lat):
        lo = np.linspace(lon.min() - step_lon, lon.max() + step_lon, 60)
        x, y = frame.to_local(lo, np.full_like(lo, v))
        ax.plot(x, y, **style)  # type: ignore[arg-type]
        yr = float(np.interp(view[1], x, y))
        if view[2] + 0.03 * (view[3] - view[2]) < yr < view[3] - 0.03 * (view[3] - view[2]):
            lat_labels.append(ax.annotate(_degrees(float(v), step_lat, "N", "S"),
                                          (view[1], yr), xytext=(3, 0),
                                          textcoords="offset points", va="center", ha="left",
                                          **label_style))  # type: ignore[arg-type]
    for v in np.arange(math.ceil(lon.min() / step_lon) * step_lon, lon.max(), step_lon):
        la = np.linspace(lat.min() - step_lat, lat.max() + step_lat, 60)
        x, y = frame.to_local(np.full_like(la, v), la)
        ax.plot(x, y, **style)  # type: ignore[arg-type]
        xt = float(np.interp(view[3], y, x))
        if view[0] + 0.03 * (view[1] - view[0]) < xt < view[1] - 0.03 * (view[1] - view[0]):
            ax.annotate(_degrees(float(v), step_lon, "E", "W", east_positive=mars),
                        (xt, view[3]), xytext=(0, 3), textcoords="offset points",
                        va="bottom", ha="center", **label_style)  # type: ignore[arg-type]
    if step_lat == step_lon:
        return f"{step_lat:g}°", lat_labels
    return f"{step_lat:g}° lat, {step_lon:g}° lon", lat_labels


def _ticks_from_home(ax: Axes, hx: float, hy: float,
                     view: tuple[float, float, float, float]) -> None:
    """Round tick values in metres from home (the frame's origin is the mission's centre)."""
    step = _nice_length(max(view[1] - view[0], view[3] - view[2]) * 0.6)
    for axis, origin, lo, hi in ((ax.xaxis, hx, view[0], view[1]),
                                 (ax.yaxis, hy, view[2], view[3])):
        k0, k1 = math.ceil((lo - origin) / step), math.floor((hi - origin) / step)
        ticks = [origin + k * step for k in range(k0, k1 + 1)]
        axis.set_ticks(ticks, [f"{k * step:g}" for k in range(k0, k1 + 1)])


def _title(ax: Axes, plan: FlightPlan, campaign: Sequence[FlightPlan] = (), *,
           width_in: float) -> None:
    p = plan.vehicle.profile
    m = plan.mission
    # Wrapped to the map and legend's width, so that a long name does not widen the figure
    # (and shrink the map in a page): 12 pt is 6 em to the inch, and DejaVu Sans Bold averages
    # about 0.65 em a character, so about 9 characters to the inch.
    ax.set_title(textwrap.fill(m.name or Path(m.source).name, width=int(width_in * 9)),
                 loc="left", fontsize=12, fontweight="bold", pad=30)
    if campaign:
        done = len({t for f in campaign for t in f.targets_photographed})
        what = (f"{len(campaign)} flights · {sum(f.distance_m for f in campaign):.0f} m · "
                f"{sum(f.duration_s for f in campaign):.0f} s · "
                f"{sum(f.energy_wh for f in campaign):.1f} Wh in all")
    else:
        done = len(plan.targets_photographed)
        what = (f"{plan.distance_m:.0f} m · {plan.duration_s:.0f} s of "
                f"{p.max_flight_time_s:g} s · {plan.energy_wh:.1f} Wh of "
                f"{p.usable_energy_wh:g} Wh")
    ax.annotate(f"{m.body.name.capitalize()} · {p.name} · {what} · "
                f"{done}/{len(m.targets)} targets", xy=(0.0, 1.0), xycoords="axes fraction",
                xytext=(0, 14), textcoords="offset points", fontsize=9, va="bottom",
                annotation_clip=False)


def _outside_right(fig: Figure, ax: Axes, leg: Any, *, graticule_labels: Sequence[Any]) -> None:
    """Move the legend right of the latitude labels."""
    renderer = _renderer(fig, ax)
    ax_box = ax.get_window_extent(renderer)
    right = ax_box.x1
    for t in graticule_labels:
        right = max(right, t.get_window_extent(renderer).x1)
    gap = 8.0 * fig.dpi / 72.0
    x = (right + gap - ax_box.x0) / ax_box.width
    leg.set_bbox_to_anchor((x, 1.0), transform=ax.transAxes)


def _scale_and_north(fig: Figure, ax: Axes, leg: Any, plan: FlightPlan,
                     view: tuple[float, float, float, float]) -> None:
    """A scale bar and a north arrow under the legend, outside the map."""
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    renderer = _renderer(fig, ax)
    lb = leg.get_window_extent(renderer)
    inv = ax.transAxes.inverted()
    x, y = inv.transform((lb.x0, lb.y0))
    length = _nice_length(view[1] - view[0])
    bar = AnchoredSizeBar(ax.transData, length, f"{length:g} m", loc="upper left",
                          bbox_to_anchor=(x, y - 0.04), bbox_transform=ax.transAxes,
                          frameon=False, size_vertical=0, pad=0.0, borderpad=0.0,
                          sep=3, fontproperties={"size": 8})
    bar.size_bar.get_children()[0].set_linewidth(3)
    ax.add_artist(bar)
    ax.annotate("N", xy=(x + 0.06, y - 0.12), xycoords="axes fraction",
                xytext=(x + 0.06, y - 0.24), textcoords="axes fraction", ha="center",
                va="top", fontsize=11, weight="bold", annotation_clip=False,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.8})


def _place_labels(fig: Figure, ax: Axes, labels: Sequence[_Label], plan: FlightPlan) -> None:
    """Place each label where it covers least (see the module docstring), in order."""
    import matplotlib.patheffects as pe

    renderer = _renderer(fig, ax)
    to_px = ax.transData.transform
    ax_box = ax.get_window_extent(renderer)
    frame = box(ax_box.x0, ax_box.y0, ax_box.x1, ax_box.y1)
    px_pt = fig.dpi / 72.0

    def disp(geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, to_px)

    markers = [Point(*to_px((w.x, w.y))).buffer(4 * px_pt) for w in plan.waypoints]
    markers += [Point(*to_px(ph.station[:2])).buffer(5 * px_pt) for ph in plan.photos]
    markers += [disp(g if isinstance(g, Point) else g.centroid).buffer(7 * px_pt)
                for g in plan.local.targets]
    if plan.landing_moved is not None:
        markers.append(Point(*to_px(plan.landing_moved.requested_xy)).buffer(7 * px_pt))
    marker_area = shapely.union_all(markers)
    route = disp(LineString([(w.x, w.y) for w in plan.waypoints])).buffer(2 * px_pt) \
        if len(plan.waypoints) > 1 else Point()
    areas = shapely.union_all([disp(p.footprint) for p in plan.photos]
                              + [disp(g) for g in plan.local.keep_outs_buffered])
    placed: list[BaseGeometry] = []
    for lab in labels:
        ann = ax.annotate(lab.text, (lab.x, lab.y), xytext=(0, 0), textcoords="offset points",
                          fontsize=lab.size, color=lab.color, weight=lab.weight, zorder=11,
                          path_effects=[pe.withStroke(linewidth=2.5, foreground="white")],
                          annotation_clip=False)
        best: tuple[float, float, float, str, str] | None = None
        for d in LABEL_DISTANCES_PT:
            for ux, uy in LABEL_DIRECTIONS:
                ha = "left" if ux > 0 else "right" if ux < 0 else "center"
                va = "bottom" if uy > 0 else "top" if uy < 0 else "center"
                ann.set_position((ux * d, uy * d))
                ann.set_horizontalalignment(ha)  # type: ignore[arg-type]
                ann.set_verticalalignment(va)  # type: ignore[arg-type]
                bb = ann.get_window_extent(renderer)
                rect = box(bb.x0 - 1, bb.y0 - 1, bb.x1 + 1, bb.y1 + 1)
                cost = 0.0 if frame.contains(rect) else 1e9
                cost += COST_LABEL * sum(rect.intersection(p).area for p in placed)
                cost += COST_MARKER * rect.intersection(marker_area).area
                cost += COST_ROUTE * rect.intersection(route).area
                cost += COST_AREA * rect.intersection(areas).area
                cost += d  # nearer is better when all else is equal
                if best is None or cost < best[0]:
                    best = (cost, ux * d, uy * d, ha, va)
        assert best is not None
        _, ox, oy, ha, va = best
        ann.set_position((ox, oy))
        ann.set_horizontalalignment(ha)  # type: ignore[arg-type]
        ann.set_verticalalignment(va)  # type: ignore[arg-type]
        if math.hypot(ox, oy) >= LABEL_DISTANCES_PT[-1]:
            ax.annotate("", (lab.x, lab.y), xytext=(ox, oy), textcoords="offset points",
                        arrowprops={"arrowstyle": "-", "color": lab.color, "lw": 0.6,
                                    "shrinkA": 0, "shrinkB": 3}, zorder=10)
        bb = ann.get_window_extent(renderer)
        placed.append(box(bb.x0, bb.y0, bb.x1, bb.y1))


def plot_png(plan: FlightPlan, hazards: HazardMaps, *, dpi: int = 110,
             flights: Sequence[FlightPlan] = (),
             legs: Sequence[tuple[str, str]] = ()) -> bytes:
    """Render the plan's map (or a campaign's, see :func:`draw_map`) as PNG bytes."""
    from matplotlib import pyplot as plt

    fig = draw_map(plan, hazards, dpi=dpi, flights=flights, legs=legs)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.15,
                    metadata={"Software": None})
    finally:
        plt.close(fig)
    return buf.getvalue()
