"""Rich tables a pilot can review in a 100-column terminal."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from planner.plan import FlightPlan
from planner.profiles import Mount

_ACTION_STYLE = {"takeoff": "bold green", "land": "bold green", "photo": "bold cyan",
                 "terrain": "dim", "waypoint": ""}


def summary_table(plan: FlightPlan) -> Table:
    """The headline figures."""
    p = plan.vehicle.profile
    v = plan.vehicle
    t = Table(title="Flight plan", box=box.SIMPLE_HEAD, show_header=False, title_justify="left",
              padding=(0, 1))
    t.add_column(style="bold")
    t.add_column(overflow="fold")
    m = plan.mission
    terrain = plan.dem.source
    if plan.dem.synthetic:
        terrain = f"[yellow]{terrain}[/]"
    used_pct = 100 * plan.energy_wh / p.usable_energy_wh
    rows = [
        ("Mission", m.source),
        ("Body / CRS", f"{m.body.name.capitalize()} / {m.body.geographic_crs} "
                       f"(input {m.input_crs})"),
        ("Local frame", plan.frame.describe()),
        ("Terrain", terrain),
        ("Vehicle", f"{p.name}: {p.description}"),
        ("Air / gravity", f"{v.air_density_kg_m3:g} kg/m³, {v.gravity_m_s2:g} m/s²; hover "
                          f"{v.hover_power_w:.0f} W"),
        ("Cruise", f"{v.cruise_altitude_agl_m:g} m above ground at {v.cruise_speed_m_s:g} m/s"),
        ("Distance", f"{plan.distance_m:.0f} m"),
        ("Duration", f"{plan.duration_s:.0f} s of {p.max_flight_time_s:g} s max"),
        ("Energy", f"{plan.energy_wh:.2f} Wh used ({used_pct:.0f} %) of {p.usable_energy_wh:g} Wh"
                   f" usable; reserve {p.reserve_wh:g} Wh kept"),
        ("Targets", f"{len(plan.targets_photographed)} of {len(m.targets)} photographed, "
                    f"priority {plan.priority_collected:g} of {plan.priority_total:g}"),
        ("Route search", plan.selection),
    ]
    for k, val in rows:
        t.add_row(k, val)
    return t


def waypoint_table(plan: FlightPlan) -> Table:
    """Every waypoint with position, heights, leg, speed, time and energy."""
    t = Table(title="Waypoints", box=box.SIMPLE_HEAD, title_justify="left", padding=(0, 1),
              caption="AGL: above ground; alt: above the terrain's datum; t and Wh cumulative "
                      "on leaving", caption_justify="left")
    for name, just in (("#", "right"), ("action", "left"), ("lon", "right"), ("lat", "right"),
                       ("east", "right"), ("north", "right"), ("AGL", "right"),
                       ("alt m", "right"), ("leg m", "right"), ("m/s", "right"),
                       ("t s", "right"), ("Wh", "right")):
        t.add_column(name, justify=just, no_wrap=True)  # type: ignore[arg-type]
    for w in plan.waypoints:
        t.add_row(str(w.seq), Text(w.action, style=_ACTION_STYLE.get(w.action, "")),
                  f"{w.lon:.5f}", f"{w.lat:.5f}", f"{w.x:.0f}", f"{w.y:.0f}", f"{w.agl_m:.1f}",
                  f"{w.alt_m:.1f}", f"{w.leg_m:.0f}", f"{w.speed_m_s:.1f}" if w.leg_m else "",
                  f"{w.time_s:.0f}", f"{w.energy_wh:.2f}")
    return t


def camera_table(plan: FlightPlan) -> Table:
    """The camera commands."""
    mount = plan.vehicle.camera.mount
    aim = "yawing the vehicle" if mount == Mount.FIXED else "gimbal pitch and yaw"
    t = Table(title=f"Camera commands ({plan.vehicle.camera.name}, aimed by {aim})",
              box=box.SIMPLE_HEAD, title_justify="left", padding=(0, 1))
    for name, just in (("photo", "right"), ("target", "left"), ("wp", "right"),
                       ("heading°", "right"), ("pitch°", "right"), ("range m", "right"),
                       ("GSD cm", "right"), ("images", "right")):
        t.add_column(name, justify=just)  # type: ignore[arg-type]
    for ph in plan.photos:
        t.add_row(str(ph.number), ph.target, str(ph.waypoint),
                  f"{round(ph.heading_deg, 1) % 360.0:.1f}",
                  f"{ph.pitch_deg:.1f}", f"{ph.slant_range_m:.1f}", f"{ph.gsd_cm:.2f}",
                  str(ph.count))
    return t


def skipped_table(plan: FlightPlan) -> Table:
    """Targets left out, with why."""
    t = Table(title="Skipped targets", box=box.SIMPLE_HEAD, title_justify="left",
              padding=(0, 1))
    t.add_column("target")
    t.add_column("priority", justify="right")
    t.add_column("reason", overflow="fold")
    for s in plan.skipped:
        t.add_row(s.target, f"{s.priority:g}", s.reason)
    return t


def render(plan: FlightPlan, *, quiet: bool = False) -> Group:
    """Everything to print, in order."""
    parts: list[Table | Text] = [summary_table(plan)]
    if not quiet:
        parts.append(waypoint_table(plan))
        if plan.photos:
            parts.append(camera_table(plan))
    if plan.skipped:
        parts.append(skipped_table(plan))
    for w in plan.warnings:
        parts.append(Text(f"warning: {w}", style="yellow"))
    return Group(*parts)


def print_plan(plan: FlightPlan, console: Console, *, quiet: bool = False) -> None:
    """Print the plan's tables."""
    console.print(render(plan, quiet=quiet))
