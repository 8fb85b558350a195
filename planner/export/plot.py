"""A map of the plan over a hillshade of the terrain, as PNG bytes.

Shows the flight hazards and keep-out zones, the route with numbered waypoints, camera stations
with arrows along their headings, targets (photographed and skipped told apart), photo
footprints, home and landing, a scale bar and a north arrow. Axes are the local frame's metres;
grid north is true north at the frame's centre.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import shapely

from planner.plan import FlightPlan
from terrain.hazards import HazardMaps


def _nice_length(span: float) -> float:
    target = span / 5
    for base in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if base >= target:
            return float(base)
    return float(10 ** math.ceil(math.log10(target)))


def plot_png(plan: FlightPlan, hazards: HazardMaps, *, dpi: int = 110) -> bytes:
    """Render the plan's map and return the PNG's bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.colors import LightSource, ListedColormap
    from matplotlib.patches import FancyArrow
    from matplotlib.patches import Polygon as MplPolygon

    dem = plan.dem
    xs = [w.x for w in plan.waypoints]
    ys = [w.y for w in plan.waypoints]
    targets = list(plan.local.targets)
    keeps = list(plan.local.keep_outs_buffered)
    bx0, by0, bx1, by1 = shapely.total_bounds([shapely.MultiPoint(list(zip(xs, ys,
                                                                           strict=True))),
                                                *targets, *keeps])
    span = max(bx1 - bx0, by1 - by0, 40.0)
    pad = 0.15 * span
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    half = span / 2 + pad
    view = (cx - half, cx + half, cy - half, cy + half)

    fig, ax = plt.subplots(figsize=(9, 9), dpi=dpi)
    x0, ymin, x1, y0 = dem.bounds
    extent = (x0, x1, ymin, y0)
    elev = np.where(np.isfinite(dem.elevation), dem.elevation, np.nanmin(dem.elevation))
    shade = LightSource(azdeg=315, altdeg=45).hillshade(elev, vert_exag=2.0, dx=dem.resolution,
                                                        dy=dem.resolution)
    ax.imshow(shade, extent=extent, cmap="gray", vmin=0, vmax=1, origin="upper",
              interpolation="bilinear")
    haz = np.ma.masked_where(~hazards.flight, np.ones(dem.shape))
    ax.imshow(haz, extent=extent, cmap=ListedColormap(["#d62728"]), alpha=0.35,
              origin="upper", interpolation="nearest")
    nod = np.ma.masked_where(~hazards.nodata, np.ones(dem.shape))
    ax.imshow(nod, extent=extent, cmap=ListedColormap(["#000000"]), alpha=0.6, origin="upper")

    for k, geom in zip(plan.mission.keep_outs, keeps, strict=True):
        for poly in getattr(geom, "geoms", [geom]):
            ax.add_patch(MplPolygon(np.asarray(poly.exterior.coords), closed=True,
                                    facecolor="#ff7f0e", alpha=0.35, edgecolor="#ff7f0e",
                                    hatch="//", lw=1.5))
        gx0, _, gx1, gy1 = geom.bounds
        ax.annotate(k.name, ((gx0 + gx1) / 2, gy1), xytext=(0, 3), textcoords="offset points",
                    color="#7f3f00", fontsize=8, ha="center", va="bottom", weight="bold")
    for ph in plan.photos:
        ax.add_patch(MplPolygon(np.asarray(ph.footprint.exterior.coords), closed=True,
                                facecolor="#ffd92f", alpha=0.18, edgecolor="#b8860b", lw=0.6))
    ax.plot(xs, ys, "-", color="#1f77b4", lw=2.2, zorder=4, label="route")
    for w in plan.waypoints:
        if w.action in ("terrain",):
            ax.plot(w.x, w.y, ".", color="#1f77b4", ms=3, zorder=5)
            continue
        ax.plot(w.x, w.y, "o", color="white", mec="#1f77b4", ms=5, zorder=5)
        ax.annotate(str(w.seq), (w.x, w.y), xytext=(4, 4), textcoords="offset points",
                    fontsize=8, color="#0b3d91", zorder=6)
    arrow = 0.07 * span
    for ph in plan.photos:
        sx, sy = ph.station[0], ph.station[1]
        h = math.radians(ph.heading_deg)
        ax.add_patch(FancyArrow(sx, sy, arrow * math.sin(h), arrow * math.cos(h),
                                width=arrow * 0.05, color="#17becf", zorder=7,
                                length_includes_head=True))
        ax.plot(sx, sy, "o", color="#17becf", ms=7, mec="black", zorder=8)
    done = set(plan.targets_photographed)
    for t, g in zip(plan.mission.targets, targets, strict=True):
        c = g.centroid if g.geom_type != "Point" else g
        if g.geom_type != "Point":
            bound = g.exterior if g.geom_type == "Polygon" else g
            bxy = np.asarray(bound.coords)
            ax.plot(bxy[:, 0], bxy[:, 1], "-", color="#2ca02c" if t.name in done else "#d62728",
                    lw=1.5, zorder=6)
        if t.name in done:
            ax.plot(c.x, c.y, "*", color="#2ca02c", ms=15, mec="black", zorder=9)
        else:
            ax.plot(c.x, c.y, "X", color="#d62728", ms=12, mec="black", zorder=9)
        ax.annotate(t.name, (c.x, c.y), xytext=(6, -12), textcoords="offset points",
                    fontsize=9, weight="bold", zorder=10,
                    color="#145214" if t.name in done else "#8b0000")
    home, land = plan.waypoints[0], plan.waypoints[-1]
    ax.plot(land.x, land.y, "s", color="#9467bd", ms=15, mec="black", zorder=9)
    ax.plot(home.x, home.y, "^", color="#e377c2", ms=10, mec="black", zorder=10)

    # Legend entries.
    ax.plot([], [], "^", color="#e377c2", mec="black", label="home")
    ax.plot([], [], "s", color="#9467bd", mec="black", label="landing")
    ax.plot([], [], "*", color="#2ca02c", mec="black", ms=12, label="target photographed")
    ax.plot([], [], "X", color="#d62728", mec="black", label="target skipped")
    ax.plot([], [], "o", color="#17becf", mec="black", label="camera station → heading")
    ax.fill([], [], color="#ffd92f", alpha=0.4, label="photo footprint")
    ax.fill([], [], color="#ff7f0e", alpha=0.4, hatch="//", label="keep-out (with buffer)")
    ax.fill([], [], color="#d62728", alpha=0.35, label="flight hazard")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.85)

    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    ax.set_aspect("equal")
    ax.set_xlabel("east (m, local frame)")
    ax.set_ylabel("north (m, local frame)")
    # Scale bar, bottom left.
    length = _nice_length(2 * half)
    sbx, sby = view[0] + 0.05 * 2 * half, view[2] + 0.05 * 2 * half
    ax.plot([sbx, sbx + length], [sby, sby], "-", color="black", lw=4, solid_capstyle="butt")
    ax.plot([sbx, sbx + length], [sby, sby], "-", color="white", lw=2, solid_capstyle="butt")
    ax.annotate(f"{length:g} m", (sbx + length / 2, sby), xytext=(0, 6),
                textcoords="offset points", ha="center", fontsize=9, weight="bold")
    # North arrow, top left.
    nx, ny = view[0] + 0.07 * 2 * half, view[3] - 0.16 * 2 * half
    ax.annotate("N", xy=(nx, ny + 0.09 * 2 * half), xytext=(nx, ny), ha="center",
                fontsize=12, weight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 2})
    p = plan.vehicle.profile
    ax.set_title(f"{Path(plan.mission.source).name}\n"
                 f"{plan.mission.body.name.capitalize()} · {p.name} · "
                 f"{plan.distance_m:.0f} m · {plan.duration_s:.0f} s of "
                 f"{p.max_flight_time_s:g} s · {plan.energy_wh:.1f} Wh of "
                 f"{p.usable_energy_wh:g} Wh · {len(done)}/{len(plan.mission.targets)} targets"
                 + (" · synthetic terrain" if dem.synthetic else ""), fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
