"""The plan's tables, readable at any width, on a terminal and in a log.

Nothing a pilot needs is ever cut: a table whose columns do not fit the console's width is split
into stacked tables (the waypoints into position and flight, each repeating the waypoint
number), and only text columns (names, reasons) wrap. Latitude and longitude always carry seven
decimals (about a centimetre). On a terminal the tables have rules and colours; when stdout is not
a terminal (a pipe, a file, a log) they are plain ASCII text at the console's width (``COLUMNS``,
else 80).

Words are the pilot's: actions and cameras by plain names, with the names the exports use in the
legend; east and north in metres from home; the route search's quality said in words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from planner.plan import FlightPlan, Photo
from planner.profiles import Mount
from planner.wind import DIRECTION_STEP_DEG

if TYPE_CHECKING:
    from planner.campaign_flow import CampaignPlan

ACTION_WORDS = {"takeoff": "take off", "waypoint": "stop", "terrain": "pass-through",
                "photo": "photo", "land": "land"}
"""The table's name for each waypoint action (the exports keep the technical one)."""
ACTION_LEGEND = {
    "takeoff": "take off (takeoff): spin up and climb vertically",
    "waypoint": "stop (waypoint): hover, to turn around a keep-out or hazard or above the "
                "landing site",
    "terrain": "pass-through (terrain): flown through without stopping, to keep the leg within "
               "its height band over the ground",
    "photo": "photo: stop, aim the camera and take the images",
    "land": "land: descend vertically and land",
}
CAMERA_WORDS = {"RTE colour": "colour camera (RTE, Ingenuity's return-to-Earth camera)",
                "Hasselblad L2D-20c": "main camera (Hasselblad L2D-20c)"}
"""Plain names of the shipped profiles' cameras; others are called "camera (<name>)"."""
_ACTION_STYLE = {"takeoff": "bold green", "land": "bold green", "photo": "bold cyan",
                 "terrain": "dim", "waypoint": ""}
PLAIN_HEAD = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)
"""Rules for a log: a dashed line under the header, nothing else."""
LATLON_DECIMALS = 7
"""Decimals of latitude and longitude: 1e-7 degrees is about 1 cm on Earth, 0.6 cm on Mars."""


WRAP_MIN = 16
"""The narrowest a wrapping column (a target's name) is made, unless its longest word is wider."""


@dataclass
class Column:
    """A column's header and cells; ``wrap`` columns (names, reasons) may wrap, no other may."""

    header: str
    cells: list[str | Text] = field(default_factory=list)
    justify: str = "right"
    wrap: bool = False

    @property
    def width(self) -> int:
        """The least width that shows every cell whole (a wrapping column's words whole)."""
        texts = [self.header, *(str(c) for c in self.cells)]
        natural = max(cell_len(t) for t in texts)
        if not self.wrap:
            return natural
        longest_word = max(cell_len(w) for t in texts for w in [*t.split(), ""])
        return max(longest_word, min(natural, WRAP_MIN))


def table_width(columns: Sequence[Column]) -> int:
    """The width of a table of these columns, as rich lays out the boxes used here.

    Each column is padded by a space either side, with one space between columns and at
    either edge.
    """
    return sum(c.width for c in columns) + 3 * len(columns) + 1


def _fits(columns: Sequence[Column], width: int) -> bool:
    return table_width(columns) <= width


def _table(console: Console, columns: Sequence[Column]) -> Table:
    plain = not console.is_terminal
    t = Table(box=PLAIN_HEAD if plain else box.SIMPLE_HEAD, padding=(0, 1))
    for c in columns:
        t.add_column(c.header, justify=c.justify, no_wrap=not c.wrap,  # type: ignore[arg-type]
                     overflow="fold", min_width=None if c.wrap else c.width)
    for row in zip(*(c.cells for c in columns), strict=True):
        t.add_row(*row)
    return t


def stacked(console: Console, title: str, key: Column, groups: Sequence[Sequence[Column]],
            *, names: Sequence[str] | None = None) -> list[RenderableType]:
    """The columns as one table if they fit the console's width, else as stacked tables.

    Stacked, each group is a table repeating the ``key`` column, and a group that alone does
    not fit is split where it must. ``names`` says what each group holds, for the titles.
    Titles are lines of their own, wrapped at the console's width, not the table's.
    """
    width = console.width
    every = [c for g in groups for c in g]
    if _fits([key, *every], width):
        return [_title(title), _table(console, [key, *every])]
    tables: list[RenderableType] = []
    for i, group in enumerate(groups):
        part = f"{title}: {names[i]}" if names else title
        chunks: list[list[Column]] = [[]]
        for c in group:
            if chunks[-1] and not _fits([key, *chunks[-1], c], width):
                chunks.append([])
            chunks[-1].append(c)
        for j, chunk in enumerate(chunks):
            tables += [_title(part + (" (continued)" if j else "")), _table(console,
                                                                             [key, *chunk])]
    return tables


def _title(text: str) -> Text:
    return Text(text, style="bold")


def camera_words(plan: FlightPlan) -> str:
    """The camera by a plain name and how it is aimed, its technical name in brackets."""
    cam = plan.vehicle.camera
    name = CAMERA_WORDS.get(cam.name, f"camera ({cam.name})")
    if cam.mount == Mount.FIXED:
        return (f"{name}, fixed at {cam.fixed_pitch_deg:g}° pitch: aimed by turning the whole "
                f"vehicle")
    return (f"{name} on a gimbal ({cam.gimbal_pitch_min_deg:g}° to {cam.gimbal_pitch_max_deg:g}° "
            f"pitch): aimed by gimbal pitch and the vehicle's heading")


def route_search_words(plan: FlightPlan) -> str:
    """How good the choice of targets and their order is, in words.

    Examples
    --------
    The plan's ``selection`` starts with the route core's method: ``exact``, ``search`` or
    ``none``; anything else is shown as it is.
    """
    method = plan.selection.split()[0] if plan.selection else ""
    if method == "exact":
        text = "optimal: an exact search over every choice and order of targets"
    elif method == "search":
        text = ("best found by an iterated local search (a fixed amount of work per seed); "
                "not proven optimal")
    elif method == "none":
        text = "nothing to choose: no target can be photographed, so the direct flight"
    else:
        text = plan.selection
    if plan.stopped_by_time:
        text += ("; stopped at its time cap (--time-limit) before its fixed work was done: "
                 "another run may choose differently")
    return text


def summary_table(plan: FlightPlan) -> Table:
    """The headline figures."""
    p = plan.vehicle.profile
    v = plan.vehicle
    t = Table(title="Flight plan", box=None, show_header=False, title_justify="left",
              padding=(0, 1), title_style="bold")
    t.add_column(style="bold", no_wrap=True)
    t.add_column(overflow="fold")
    m = plan.mission
    terrain = Text(plan.dem.source, style="yellow" if plan.dem.synthetic else "")
    used_pct = 100 * plan.energy_wh / p.usable_energy_wh
    home = plan.waypoints[0] if plan.waypoints else None
    rows: list[tuple[str, str | Text]] = [
        ("Mission", f"{m.name} ({m.source})" if m.name else m.source),
        ("Body / CRS", f"{m.body.name.capitalize()} / {m.body.geographic_crs} "
                       f"(input {m.input_crs})"),
        ("Local frame", plan.frame.describe()),
        ("Terrain", terrain),
        ("Vehicle", f"{p.name}: {p.description}"),
        ("Camera", camera_words(plan)),
        ("Air / gravity", f"{v.air_density_kg_m3:g} kg/m³, {v.gravity_m_s2:g} m/s²; hover "
                          f"{v.hover_power_w:.0f} W"),
        ("Cruise", f"{v.cruise_altitude_agl_m:g} m above ground at {v.cruise_speed_m_s:g} m/s"),
    ]
    if home is not None:
        rows.append(("Home", f"{m.home.name} at lat {home.lat:.{LATLON_DECIMALS}f}, lon "
                             f"{home.lon:.{LATLON_DECIMALS}f}: east and north below are metres "
                             f"from here"))
    rows += [
        ("Distance", f"{plan.distance_m:.0f} m"),
        ("Duration", f"{plan.duration_s:.0f} s of {p.max_flight_time_s:g} s max"),
        ("Energy", f"{plan.energy_wh:.2f} Wh used ({used_pct:.0f} %) of {p.usable_energy_wh:g} Wh"
                   f" usable; reserve {p.reserve_wh:g} Wh kept"),
        *([("Wind", wind_words(plan))] if plan.wind is not None else []),
        ("Targets", f"{len(plan.targets_photographed)} of {len(m.targets)} photographed, "
                    f"priority {plan.priority_collected:g} of {plan.priority_total:g}"),
        ("Route search", route_search_words(plan)),
    ]
    from planner.coverage import plan_coverage

    rows += [("Coverage", c.words()) for c in plan_coverage(plan)]
    for k, val in rows:
        t.add_row(k, val)
    return t


def wind_words(plan: FlightPlan) -> str:
    """The wind the plan holds in, the direction its figures are for, and what is left then."""
    w = plan.wind
    if w is None:
        return "still air"
    p = plan.vehicle.profile
    text = f"{w} (limit {p.max_wind_m_s:g} m/s); steady, the same all flight"
    left = p.budget_energy_wh - plan.energy_wh
    if len(plan.wind_cases) > 1 and plan.wind_from_deg is not None:
        text += (f"; worst from {plan.wind_from_deg:g}° (of {len(plan.wind_cases)} directions "
                 f"{'every' if w.sector_deg is None else 'up to'} {DIRECTION_STEP_DEG:g}° apart): "
                 f"figures above are for it, {left:.2f} Wh left above the reserve")
        longest = max(plan.wind_cases, key=lambda c: c.duration_s)
        if longest.duration_s > plan.duration_s + 0.5:
            text += f"; longest flight {longest.duration_s:.0f} s, from {longest.from_deg:g}°"
    else:
        text += f"; {left:.2f} Wh left above the reserve"
    return text


def _num(value: float | None, fmt: str) -> str:
    return "" if value is None else format(value, fmt)


def waypoint_tables(plan: FlightPlan, console: Console) -> list[RenderableType]:
    """Every waypoint's position and flight.

    Position: lat/lon in full, east/north from home, heights. Flight: the leg into it, its
    commanded and mean speed, heading on leaving, camera pitch, hold, time and energy.
    """
    wps = plan.waypoints
    hx, hy = plan.local.home.x, plan.local.home.y
    key = Column("#", [str(w.seq) for w in wps])
    position = [
        Column("action", [Text(ACTION_WORDS.get(w.action, str(w.action)),
                               style=_ACTION_STYLE.get(w.action, "")) for w in wps],
               justify="left"),
        Column("lat", [f"{w.lat:.{LATLON_DECIMALS}f}" for w in wps]),
        Column("lon", [f"{w.lon:.{LATLON_DECIMALS}f}" for w in wps]),
        Column("east m", [f"{w.x - hx:.1f}" for w in wps]),
        Column("north m", [f"{w.y - hy:.1f}" for w in wps]),
        Column("AGL m", [f"{w.agl_m:.1f}" for w in wps]),
        Column("alt m", [f"{w.alt_m:.1f}" for w in wps]),
    ]
    flight = [
        Column("leg m", [f"{w.leg_m:.1f}" if w.leg_m else "" for w in wps]),
        Column("speed m/s", [f"{w.leg_speed_m_s:.1f}" if w.leg_m else "" for w in wps]),
        Column("mean m/s", [f"{w.speed_m_s:.1f}" if w.leg_m else "" for w in wps]),
        Column("heading°", [_num(None if w.heading_deg is None
                                 else round(w.heading_deg, 1) % 360.0, ".1f") for w in wps]),
        Column("pitch°", [_num(w.camera_pitch_deg, ".1f") for w in wps]),
        Column("hold s", [f"{w.hold_s:.0f}" if w.hold_s else "" for w in wps]),
        Column("+s", [f"{w.time_s - (wps[i - 1].time_s if i else 0.0):.0f}"
                      for i, w in enumerate(wps)]),
        Column("+Wh", [f"{w.energy_wh - (wps[i - 1].energy_wh if i else 0.0):.2f}"
                       for i, w in enumerate(wps)]),
        Column("t s", [f"{w.time_s:.0f}" for w in wps]),
        Column("Wh", [f"{w.energy_wh:.2f}" for w in wps]),
    ]
    if plan.wind is not None:
        flight.insert(3, Column("tail m/s", [f"{w.tailwind_m_s:+.1f}" if w.leg_m else ""
                                             for w in wps]))
    return stacked(console, "Waypoints", key, [position, flight], names=["position",
                                                                          "flight"])


def waypoint_legend(plan: FlightPlan) -> Text:
    """What the waypoint tables' words and columns mean."""
    body = plan.mission.body
    present = dict.fromkeys(str(w.action) for w in plan.waypoints)
    actions = "; ".join(ACTION_LEGEND[a] for a in ACTION_LEGEND if a in present)
    where = ("planetocentric degrees, east-positive, on the Mars 2000 sphere"
             if body.name == "mars" else "degrees on WGS 84")
    return Text(
        f"Actions: {actions}. lat/lon: {where} ({body.geographic_crs}); east/north: metres from "
        f"home; AGL: above ground; alt: above the terrain's datum. speed: commanded on the leg "
        f"into the waypoint; mean: with the accelerations and climbs; heading: where the vehicle "
        f"faces on leaving (blank: unchanged); pitch: the camera's (negative: down); hold: the "
        f"hover there; +s and +Wh: the leg into the waypoint with the turn and hover there; "
        f"t and Wh: cumulative on leaving."
        + (" tail: the wind along the leg (+ behind, - head wind), in the direction the "
           "figures are for." if plan.wind is not None else ""), style="dim")


def _photo_target(plan: FlightPlan, photo: Photo) -> str:
    """A photo's target, with its view ("backshell, view 2/4") when it has several."""
    spec = next((t for t in plan.mission.targets if t.name == photo.target), None)
    if spec is None or spec.views == 1:
        return photo.target
    return f"{photo.target}, view {photo.view + 1}/{spec.views}"


def camera_tables(plan: FlightPlan, console: Console) -> list[RenderableType]:
    """The camera commands."""
    ph = plan.photos
    key = Column("photo", [str(p.number) for p in ph])
    cols = [
        Column("target", [_photo_target(plan, p) for p in ph], justify="left", wrap=True),
        Column("wp", [str(p.waypoint) for p in ph]),
        Column("images", [str(p.count) for p in ph]),
        Column("heading°", [f"{round(p.heading_deg, 1) % 360.0:.1f}" for p in ph]),
        Column("pitch°", [f"{p.pitch_deg:.1f}" for p in ph]),
        Column("range m", [f"{p.slant_range_m:.1f}" for p in ph]),
        Column("GSD cm", [f"{p.gsd_cm:.2f}" for p in ph]),
        Column("on", [p.surface for p in ph], justify="left"),
        Column("oblique°", [f"{p.obliquity_deg:.0f}" for p in ph]),
    ]
    return stacked(console, "Camera commands", key, [cols])


def camera_legend(plan: FlightPlan) -> Text:
    """What the camera table's columns mean."""
    return Text(f"Camera: {camera_words(plan)}. "
                "heading: compass degrees the camera looks towards; range: slant distance to "
                "the target; GSD: ground sample distance on the target's surface (on: the ground, "
                "or an upright face turned to the camera), coarsest axis; oblique: angle between "
                "the line of sight and that surface's normal (0: seen square on).", style="dim")


def skipped_table(plan: FlightPlan) -> Table:
    """Targets left out, with why."""
    t = Table(title="Skipped targets", box=None, title_justify="left", padding=(0, 1),
              title_style="bold", header_style="bold")
    t.add_column("target", overflow="fold")
    t.add_column("priority", justify="right", no_wrap=True)
    t.add_column("reason", overflow="fold")
    for s in plan.skipped:
        t.add_row(s.target + (" (required)" if s.required else ""), f"{s.priority:g}", s.reason)
    return t


def reason_class(reason: str) -> str:
    """A skipped target's reason without its figures: what the targets it groups share.

    Examples
    --------
    >>> reason_class("over budget: even alone it needs 80.1 Wh and 2100 s of the 70.0 Wh")
    'over budget'
    >>> reason_class("left out for higher-priority targets (the budget cannot fit it too)")
    'left out for higher-priority targets'
    """
    return re.split(r"[:;]| \(", reason, maxsplit=1)[0].strip()


def skipped_summary(plan: FlightPlan, width: int) -> list[Text]:
    """The skipped targets in a few lines: a heading, then one line per reason class.

    Each class line has the count, the reason class and as many of its targets' names as fit
    in ``width`` (the console's), in the plan's order.
    """
    groups: dict[str, list[str]] = {}
    for s in plan.skipped:
        groups.setdefault(reason_class(s.reason), []).append(
            s.target + (" (required)" if s.required else ""))
    total = len(plan.targets_photographed) + len(plan.skipped)
    lines = [Text(f"Skipped targets: {len(plan.skipped):,} of {total:,}", style="bold")]
    wide = max(len(f"{len(v):,}") for v in groups.values())
    for cls, names in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        head = f"  {len(names):>{wide},}  {cls}"
        shown: list[str] = []
        for name in names:
            more = len(names) - len(shown) - 1
            tail = f", +{more:,} more" if more else ""
            text = f"{head} ({', '.join([*shown, name])}{tail})"
            if cell_len(text) > width:
                break
            shown.append(name)
        if shown:
            more = len(names) - len(shown)
            head += f" ({', '.join(shown)}{f', +{more:,} more' if more else ''})"
        lines.append(Text(head))
    return lines


def render(plan: FlightPlan, console: Console, *, quiet: bool = False) -> Group:
    """Everything to print, in order, laid out for ``console`` (its width, terminal or not)."""
    parts: list[RenderableType] = [summary_table(plan)]
    if not quiet:
        parts += [Text(), *waypoint_tables(plan, console), waypoint_legend(plan)]
        if plan.photos:
            parts += [Text(), *camera_tables(plan, console), camera_legend(plan)]
    if plan.skipped and quiet:
        parts += [Text(), *skipped_summary(plan, console.width)]
    elif plan.skipped:
        parts += [Text(), skipped_table(plan)]
    if plan.warnings:
        parts.append(Text())
    for w in plan.warnings:
        parts.append(Text(f"warning: {w}", style="yellow"))
    return Group(*parts)


def print_plan(plan: FlightPlan, console: Console, *, quiet: bool = False) -> None:
    """Print the plan's tables."""
    console.print(render(plan, console, quiet=quiet))


def campaign_table(plan: CampaignPlan) -> Group:
    """The campaign at a glance: one row per flight, then the totals."""
    first = plan.flights[0]
    p = first.vehicle.profile
    m = first.mission
    done = set(plan.targets_photographed)
    head = Table(title="Campaign", box=None, show_header=False, title_justify="left",
                 padding=(0, 1), title_style="bold")
    head.add_column(style="bold", no_wrap=True)
    head.add_column(overflow="fold")
    recharge = ("in place: each flight takes off where the last landed" if
                plan.recharge == "in_place" else
                "at home: a battery swap at home or an airfield between flights")
    total = sum(t.priority for t in m.targets)
    got = plan.priority_collected
    for key, v in (("Mission", f"{m.name} ({m.source})" if m.name else m.source),
                 ("Flights", f"{len(plan.flights)} of the {plan.planned} asked"),
                 ("Recharge", recharge),
                 ("Ends at", plan.legs[-1][1]
                  + (f": {plan.end_note}" if plan.end_note else "")),
                 ("Targets", f"{len(done)} of {len(m.targets)} photographed, priority "
                             f"{got:g} of {total:g}"),
                 ("Route search", plan.selection)):
        head.add_row(key, v)
    t = Table(box=None, title_justify="left", padding=(0, 1), header_style="bold")
    columns: tuple[tuple[str, Literal["left", "right"]], ...] = (
        ("flight", "right"), ("from", "left"), ("to", "left"), ("dist m", "right"),
        ("time s", "right"), ("energy Wh", "right"), ("budget Wh", "right"),
        ("targets", "right"))
    for name, justify in columns:
        t.add_column(name, justify=justify, overflow="fold",
                     no_wrap=name != "targets")
    for k, (f, (a, b)) in enumerate(zip(plan.flights, plan.legs, strict=True)):
        t.add_row(str(k + 1), a, b, f"{f.distance_m:.0f}", f"{f.duration_s:.0f}",
                  f"{f.energy_wh:.2f}", f"{plan.budgets[k] * p.budget_energy_wh:.2f}",
                  str(len(f.targets_photographed)))
    t.add_row("all", "", "", f"{sum(f.distance_m for f in plan.flights):.0f}",
              f"{sum(f.duration_s for f in plan.flights):.0f}",
              f"{sum(f.energy_wh for f in plan.flights):.2f}", "", str(len(done)))
    return Group(head, Text(), t)


def print_campaign(plan: CampaignPlan, console: Console, *, quiet: bool = False,
                   only: int | None = None) -> None:
    """Print the campaign table, then each flight's tables under its own heading.

    With ``only`` (from 1), just that flight's heading and tables, and the campaign's warnings.
    """
    parts: list[RenderableType] = [] if only is not None else [campaign_table(plan)]
    n = len(plan.flights)
    for k, (f, (a, b)) in enumerate(zip(plan.flights, plan.legs, strict=True)):
        if only is not None and k + 1 != only:
            continue
        what = ", ".join(f.targets_photographed) or "nothing: it repositions"
        parts += [*([Text()] if parts else []),
                  Text(f"Flight {k + 1} of {n}: from {a} to {b}", style="bold"),
                  Text(f"Photographs: {what}"), render(f, console, quiet=quiet)]
    if plan.skipped and only is None:
        parts.append(Text())
        if quiet:
            groups: dict[str, int] = {}
            for sk in plan.skipped:
                groups[reason_class(sk.reason)] = groups.get(reason_class(sk.reason), 0) + 1
            parts.append(Text(f"Skipped targets: {len(plan.skipped):,}", style="bold"))
            parts += [Text(f"  {c:,}  {r}") for r, c in sorted(groups.items())]
        else:
            from dataclasses import replace
            parts.append(skipped_table(replace(plan.flights[-1], skipped=plan.skipped)))
    if plan.warnings:
        parts.append(Text())
    for w in plan.warnings:
        parts.append(Text(f"warning: {w}", style="yellow"))
    console.print(Group(*parts))
