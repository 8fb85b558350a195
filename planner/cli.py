"""The command line: options in, a verified plan's tables (or JSON) out, errors to exit codes.

Exit codes: 0 a plan was made; 2 bad input; 3 no feasible plan; 4 the verifier rejected the
plan (a planner bug); 130 interrupted (Ctrl-C); 1 any other internal error. Every error is one
line on stderr, usage errors (an unknown option, a missing argument) included.

Every value is checked before planning starts: option values (:func:`check_run_options`; the
flight settings are checked where the vehicle is configured, naming their option), and every
output path (:func:`output_paths`). After planning, every output is rendered, staged beside its
destination and then renamed into place together (:func:`write_outputs`), so either all are
written or none.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperCommand

from planner import __version__
from planner.errors import (
    COMMAND_LINE,
    InputError,
    PlanFlightError,
    SettingError,
    VerificationError,
)
from planner.export import ALL_FILES, EARTH_FILES, FORMATS, write_all
from planner.export.files import Outputs, check_flight_paths, output_paths, remove_if_empty
from planner.mission import MAX_FLIGHTS, load_mission
from planner.pipeline import Context, Progress, plan_mission, prepare
from planner.profiles import builtin_profiles
from planner.settings import PlanOptions
from planner.values import number
from planner.wind import Wind, parse_wind
from terrain.errors import TerrainError

OPTION_OF_FIELD = {
    "body": "--body", "vehicle": "--vehicle", "altitude_m": "--altitude", "speed_m_s": "--speed",
    "air_density_kg_m3": "--air-density", "usable_energy_wh": "--usable-energy-wh",
    "reserve_wh": "--reserve-wh", "max_flight_time_s": "--max-flight-time", "wind": "--wind",
}
"""The command-line option of each flight setting (core errors name fields, not options)."""

EXIT_CODES = ("Exit codes: 0 a verified plan was printed; 2 bad input; 3 no plan can satisfy "
              "the mission; 4 the verifier found a broken flight rule; 130 interrupted "
              "(Ctrl-C); 1 an internal error (a bug).")
TERRAIN_SUFFIXES = (".tif", ".tiff")

app = typer.Typer(add_completion=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]})


# Click's error classes, whether typer vendors click (0.26 and later) or depends on it.
_CLICK_ERRORS = {c.__name__: c for c in typer.BadParameter.__mro__}
UsageError: type[Exception] = _CLICK_ERRORS["UsageError"]
ClickException: type[Exception] = _CLICK_ERRORS["ClickException"]


class OneLineErrors(TyperCommand):
    """The command, with click's usage errors said in one line like every other error."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        """Run the command; a usage error is one line on stderr and exit code 2."""
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, windows_expand_args=windows_expand_args,
                              **extra)
            code = rv if isinstance(rv, int) else 0
        except UsageError as exc:
            text = exc.format_message().rstrip(".")  # type: ignore[attr-defined]
            _err(f"{text}; see plan-flight --help")
            code = exc.exit_code  # type: ignore[attr-defined]
        except ClickException as exc:
            _err(exc.format_message())  # type: ignore[attr-defined]
            code = exc.exit_code  # type: ignore[attr-defined]
        except typer.Abort:
            _err("interrupted")
            code = 130
        if standalone_mode:
            sys.exit(code)
        return code


class BodyName(StrEnum):
    """Bodies plan-flight knows."""

    mars = "mars"
    earth = "earth"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"plan-flight {__version__}")
        raise typer.Exit()


def _err(message: str) -> Console:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print("[bold red]plan-flight: error:[/] ", markup=True, end="")
    console.print(" ".join(message.split()), markup=False)  # one line, whatever it holds
    return console


def check_run_options(*, seed: int, terrain_seed: int, resolution: float | None,
                      time_limit: float, dem_precision: float | None) -> None:
    """Refuse run options no plan can use, naming the option (exit code 2).

    The flight settings (``--altitude``, ``--speed``, ``--air-density``, the budgets) are
    checked where the vehicle is configured, against its profile and the mission's body.
    """
    for option, whole in (("--seed", seed), ("--terrain-seed", terrain_seed)):
        if whole < 0:
            raise InputError(f"{option} {whole}: must be a whole number >= 0")
    for option, value, positive in (("--resolution", resolution, True),
                                    ("--time-limit", time_limit, True),
                                    ("--dem-precision-m", dem_precision, False)):
        if value is None:
            continue
        try:
            number(value, minimum=0.0, exclusive_minimum=positive)
        except ValueError as exc:
            raise InputError(f"{option} {value:g}: {exc}") from None


def wind_option(wind: str | None, gust: float | None) -> Wind | None:
    """The wind ``--wind`` and ``--gust`` give, checked (exit code 2 naming the option).

    Examples
    --------
    >>> str(wind_option("6@240-300", 9.0))
    '6 m/s from 240-300°, gusts 9 m/s'
    >>> wind_option("5@400", None)
    Traceback (most recent call last):
    ...
    planner.errors.InputError: --wind 5@400: direction 400 is outside [0, 360)
    """
    if wind is None:
        if gust is not None:
            raise InputError(f"--gust {gust:g}: a gust needs its mean wind (--wind SPEED@FROM)")
        return None
    try:
        return parse_wind(wind, gust_m_s=gust)
    except ValueError as exc:
        option = f"--gust {gust:g}" if "gust" in str(exc) and gust is not None else \
            f"--wind {wind}"
        raise InputError(f"{option}: {exc}") from None


@app.command(cls=OneLineErrors, epilog=EXIT_CODES)
def main_command(
    mission: Annotated[Path, typer.Argument(
        metavar="MISSION",
        help="Mission file: GeoJSON, or any vector file GDAL reads (KML, GeoPackage, a "
             "Shapefile or a folder of them, FlatGeobuf): targets, home, landing and keep-out "
             "features.", show_default=False)],
    body: Annotated[BodyName | None, typer.Option(
        help="Body the mission is on; default: from the file's crs member, else Earth.")] = None,
    vehicle: Annotated[str | None, typer.Option(
        help=f"Vehicle profile: a built-in name ({', '.join(builtin_profiles())}) or a .toml "
             "path; default: the file's, else ingenuity on Mars and mavic3 on Earth.")] = None,
    dem: Annotated[Path | None, typer.Option(
        help="GeoTIFF terrain model (any CRS PROJ knows); default: built-in synthetic terrain.",
        show_default=False)] = None,
    dem_precision: Annotated[float | None, typer.Option(
        "--dem-precision-m",
        help="Vertical precision (1 sigma) of the DEM, m; default: the file's metadata, else a "
             "quarter of its post spacing. Slope and rocks are judged above it.",
        show_default=False)] = None,
    image: Annotated[Path | None, typer.Option(
        help="Orthoimage GeoTIFF (any CRS; 8/16-bit or float) the navigation camera's texture "
             "is judged from; without it (or role: featureless areas) texture is not assessed "
             "on a DEM.", show_default=False)] = None,
    terrain_seed: Annotated[int, typer.Option(
        help="Seed of the built-in terrain, which is otherwise a function of the place.")] = 0,
    altitude: Annotated[float | None, typer.Option(
        help="Cruise height above ground, m (within the profile's limits).")] = None,
    speed: Annotated[float | None, typer.Option(
        help="Cruise ground speed, m/s (within the profile's limits).")] = None,
    air_density: Annotated[float | None, typer.Option(
        help="Air density, kg/m³ (Mars is seasonal: 0.014 to 0.020 at Jezero).")] = None,
    usable_energy: Annotated[float | None, typer.Option(
        "--usable-energy-wh", help="Override the battery energy usable for flight, Wh.")] = None,
    reserve: Annotated[float | None, typer.Option(
        "--reserve-wh", help="Override the energy kept in reserve, Wh.")] = None,
    max_time: Annotated[float | None, typer.Option(
        "--max-flight-time", help="Override the maximum flight time, s.")] = None,
    wind: Annotated[str | None, typer.Option(
        metavar="SPEED@FROM",
        help="Steady wind at flight height, m/s and the bearing it blows from: 5@270 (from the "
             "west), a sector 6@240-300, or 6@any; the plan holds for the worst direction. "
             "With --check: re-check the plan in this wind (go/no-go).",
        show_default=False)] = None,
    gust: Annotated[float | None, typer.Option(
        help="Gust speed of the --wind, m/s (at least its mean): the wind and airspeed limits "
             "are checked against it.", show_default=False)] = None,
    resolution: Annotated[float | None, typer.Option(
        help="Terrain grid spacing in the local frame, m; default: the DEM's own (1 m "
             "for the built-in terrain).")] = None,
    flights: Annotated[int | None, typer.Option(
        help="Plan a campaign of up to this many flights (default: the mission's "
             "plan_flight.flights, else 1); see the README's Campaigns.",
        show_default=False)] = None,
    flight: Annotated[int | None, typer.Option(
        metavar="K",
        help="Of a campaign, print and export only flight K (the whole campaign is still "
             "planned and verified); --json then gives that flight's plan. With --check: the "
             "file is flight K's own (default: the K its name gives, NAME_flightK or "
             "NAME-0K).",
        show_default=False)] = None,
    seed: Annotated[int, typer.Option(help="Seed of the route search.")] = 0,
    time_limit: Annotated[float, typer.Option(
        help="Safety cap on the route search's wall-clock time, s. The search stops after a "
             "fixed number of iterations, so the same input gives the same plan unless this "
             "cap is reached.")] = 20.0,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only the summary, and the skipped targets as one line "
                              "per reason with a count.")] = False,
    progress: Annotated[bool, typer.Option(
        "--progress", help="Print each stage on stderr as it starts, on its own line with its "
                           "counts and the seconds so far (for logs; a terminal shows the "
                           "stage on its spinner line either way).")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the plan as GeoJSON on stdout and nothing else there.")] = False,
    export: Annotated[list[Path] | None, typer.Option(
        "--export", "-e", metavar="FILE",
        help="Write the plan to FILE, format from the suffix: "
             + ", ".join(f"{s} ({d})" for s, d in FORMATS.items()) + ". Repeatable. "
             "A campaign writes each flight to FILE's name with -01, -02, ... before the "
             "suffix (plan-01.plan), .geojson and .kml also whole at FILE, and .png only "
             "whole (every flight on one map).",
        show_default=False)] = None,
    out: Annotated[Path | None, typer.Option(
        help="Write every export into this folder (made if missing): " + ", ".join(ALL_FILES)
             + ", and on Earth " + ", ".join(EARTH_FILES) + "; for a campaign each flight's "
             "as plan-01.plan, plan-01.waypoints, ... beside the whole plan.geojson, "
             "plan.kml and plan.png.",
        show_default=False)] = None,
    plot: Annotated[Path | None, typer.Option(
        help="Draw the plan on a map of the terrain and its hazards, as PNG.",
        show_default=False)] = None,
    check: Annotated[Path | None, typer.Option(
        help="Instead of planning, re-check this plan against the mission and terrain with the "
             "independent verifier (exit 4 if it breaks a rule): plan-flight's GeoJSON, or a "
             "QGroundControl .plan or MAVLink .waypoints file, as exported or edited.",
        show_default=False)] = None,
    write_terrain: Annotated[Path | None, typer.Option(
        help="Also write the terrain used (in the local frame) as a GeoTIFF.",
        show_default=False)] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Show the version and exit.")] = False,
) -> None:
    """Plan a reconnaissance flight and print the plan's tables.

    The plan photographs the mission's targets within the vehicle's range and battery, avoiding
    keep-out zones and terrain hazards, or says which targets it cannot reach and why.
    """
    console = Console(highlight=False)
    err_console = Console(stderr=True)
    try:
        given_wind = wind_option(wind, gust)
    except InputError as exc:
        _err(str(exc))
        raise typer.Exit(exc.exit_code) from None
    options = PlanOptions(
        body=body.value if body else None, vehicle=vehicle, wind=given_wind,
        dem=str(dem) if dem is not None else None,
        image=str(image) if image is not None else None, dem_precision_m=dem_precision,
        terrain_seed=terrain_seed, altitude_m=altitude, speed_m_s=speed,
        air_density_kg_m3=air_density, usable_energy_wh=usable_energy, reserve_wh=reserve,
        max_flight_time_s=max_time, resolution_m=resolution, seed=seed,
        time_limit_s=time_limit, flights=flights)
    outputs = Outputs()
    written = False
    try:
        check_run_options(seed=seed, terrain_seed=terrain_seed, resolution=resolution,
                          time_limit=time_limit, dem_precision=dem_precision)
        if flights is not None:
            try:
                number(flights, minimum=1.0, maximum=float(MAX_FLIGHTS), whole=True)
            except ValueError as exc:
                raise InputError(f"--flights {flights}: {exc}") from None
        if flight is not None:
            try:
                number(flight, minimum=1.0, maximum=float(MAX_FLIGHTS), whole=True)
            except ValueError as exc:
                raise InputError(f"--flight {flight}: {exc}") from None
        if check is not None:
            if export or out or plot or write_terrain or as_json:
                raise InputError("--check re-checks a plan, writes nothing and prints its "
                                 "findings: leave out --export, --out, --plot, --write-terrain "
                                 "and --json")
            _check(check, mission, options, console, err_console, flight=flight)
            return
        if export or out or plot or write_terrain or flight is not None:
            loaded = load_mission(mission, body=options.body)  # checked before planning
            asked = options.flights or loaded.campaign.flights or 1
            if flight is not None and flight > asked:
                raise InputError(f"--flight {flight}: the mission asks for {asked} "
                                 f"flight{'s' if asked > 1 else ''} (give --flights)")
        if export or out or plot or write_terrain:
            outputs = output_paths(mission=mission, export=export or [], plot=plot, out=out,
                                   write_terrain=write_terrain, body=loaded.body.name)
            if asked > 1 and flight is None:  # a campaign writes each file once per flight
                check_flight_paths(outputs, asked, mission)
        started = time.perf_counter()

        def stage(text: str) -> None:
            status.update(f"planning: {text}")
            if progress:
                err_console.print(f"plan-flight: {time.perf_counter() - started:6.1f} s  "
                                  f"{text}", highlight=False, markup=False, soft_wrap=True)

        with err_console.status("planning", spinner="dots") as status:
            ctx = prepare(mission, options, progress=stage)
            if (options.flights or ctx.mission.campaign.flights or 1) > 1:
                written = _campaign(ctx, mission, options, outputs, status=status,
                                    progress=stage, as_json=as_json, quiet=quiet, only=flight,
                                    console=console, err_console=err_console)
                return
            plan, ctx = plan_mission(mission, options, progress=stage, ctx=ctx)
            if outputs:
                status.update("planning: writing files")
                write_all(plan, ctx.hazards, outputs.exports, terrain=outputs.terrain)
                written = True
        if as_json:
            from planner.planfile import plan_json

            sys.stdout.write(plan_json(plan))
        else:
            from planner.report import print_plan

            print_plan(plan, console, quiet=quiet)
        if outputs:
            note = ""
            if plan.mission.body.name != "earth" and outputs.exports:
                note = (" (lon/lat are Mars planetocentric, IAU_2015:49900; ground stations "
                        "and KML viewers assume Earth)")
            err_console.print(f"wrote {', '.join(str(t) for t in outputs.paths)}{note}",
                              highlight=False, soft_wrap=True)
    except PlanFlightError as exc:
        _err(_message(exc))
        raise typer.Exit(exc.exit_code) from None
    except TerrainError as exc:
        _err(str(exc))
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        _err("interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:  # a bug: one line, unless debugging
        if os.environ.get("PLAN_FLIGHT_DEBUG"):
            raise
        _err(f"internal error (a bug, please report it): {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    finally:
        if outputs.created is not None and not written:
            remove_if_empty(outputs.created)


def _campaign(ctx: Context, mission: Path, options: PlanOptions, outputs: Outputs, *,
              status: Any, progress: Progress, as_json: bool, quiet: bool, only: int | None,
              console: Console, err_console: Console) -> bool:
    """Plan, write and print a campaign (README: Campaigns); True once files are written.

    With ``only`` (``--flight K``), flight K alone is printed and written, at the paths given.
    """
    from planner.campaign_flow import campaign_geojson, campaign_json, plan_campaign
    from planner.export.files import campaign_files, write_flights
    from planner.report import print_campaign

    campaign, ctx = plan_campaign(mission, options, progress=progress, ctx=ctx)
    n = len(campaign.flights)
    if only is not None and only > n:
        raise InputError(f"--flight {only}: the campaign is flown in {n} "
                         f"flight{'s' if n > 1 else ''} of the {campaign.planned} asked")
    if outputs:
        status.update("planning: writing files")
        if only is None:
            write_flights(campaign.flights, ctx.hazards, outputs, legs=campaign.legs,
                          geojson=json.dumps(campaign_geojson(campaign), indent=1) + "\n")
        else:
            write_all(campaign.flights[only - 1], ctx.hazards, outputs.exports,
                      terrain=outputs.terrain)
    status.stop()
    if as_json and only is not None:
        from planner.planfile import plan_json

        sys.stdout.write(plan_json(campaign.flights[only - 1]))
    elif as_json:
        sys.stdout.write(campaign_json(campaign))
    else:
        print_campaign(campaign, console, quiet=quiet, only=only)
    if outputs:
        paths = list(outputs.exports) if only is not None else \
            campaign_files(outputs.exports, n)
        paths += [outputs.terrain] if outputs.terrain is not None else []
        note = ""
        if ctx.mission.body.name != "earth" and outputs.exports:
            note = (" (lon/lat are Mars planetocentric, IAU_2015:49900; ground stations "
                    "and KML viewers assume Earth)")
        err_console.print(f"wrote {', '.join(str(t) for t in paths)}{note}", highlight=False,
                          soft_wrap=True)
    return bool(outputs)


def _message(exc: PlanFlightError) -> str:
    """The error's one line, with a command-line setting named by its option."""
    if isinstance(exc, SettingError) and exc.origin == COMMAND_LINE:
        value = f"{exc.value:g}" if isinstance(exc.value, float) else str(exc.value)
        return f"{OPTION_OF_FIELD.get(exc.field, exc.field)} {value}: {exc.message}"
    return str(exc)


@contextmanager
def _no_go_beyond_the_limit(plan_path: Path, options: PlanOptions,
                            console: Console) -> Iterator[None]:
    """``--check --wind``: a forecast beyond the vehicle's wind limit is the operator's NO-GO.

    Planning refuses such a wind as a bad setting (exit 2); re-checking a plan against it is
    the go/no-go question, and its answer is NO-GO (exit 4), with the limit's figures.
    """
    try:
        yield
    except SettingError as exc:
        if exc.field != "wind" or options.wind is None or exc.origin != COMMAND_LINE:
            raise
        console.print(f"{plan_path}: NO-GO in the wind {options.wind}: {exc.message}",
                      highlight=False, markup=False, soft_wrap=True)
        raise VerificationError(f"{plan_path}: NO-GO: {exc.message}") from None


def _check(plan_path: Path, mission: Path, options: PlanOptions, console: Console,
           err_console: Console, *, flight: int | None = None) -> None:
    from planner.campaign_check import campaign_doc
    from planner.check import check_plan_file

    doc = campaign_doc(plan_path)
    if doc is not None:
        if flight is not None:
            raise InputError(f"--flight {flight}: {plan_path} is a whole campaign, checked "
                             f"whole; --flight K checks one flight's own file")
        _check_campaign(doc, plan_path, mission, options, console, err_console)
        return
    with err_console.status("checking", spinner="dots") as status, \
            _no_go_beyond_the_limit(plan_path, options, console):
        report, plan = check_plan_file(plan_path, mission, options, flight=flight,
                                       progress=lambda s: status.update(f"checking: {s}"))
    for note in report.notes:
        err_console.print(f"{plan_path}: note: {note}", highlight=False, markup=False,
                          soft_wrap=True)
    if options.wind is not None:  # the operator's go/no-go for a new forecast
        go = "NO-GO" if "wind" in report.rules_broken else "GO"
        console.print(f"{plan_path}: {go} in the wind {options.wind}", highlight=False,
                      soft_wrap=True)
    if report.ok:
        console.print(f"{plan_path}: OK: {len(plan.waypoints)} waypoints, "
                      f"{report.checks['leg samples']} leg samples and "
                      f"{report.checks['photos']} photos checked against {plan.dem.source}; "
                      f"{plan.duration_s:.0f} s, {plan.energy_wh:.2f} Wh", highlight=False,
                      soft_wrap=True)
        return
    for line in report.violations:
        console.print(f"{plan_path}: {line}", highlight=False, markup=False, soft_wrap=True)
    rules = sorted(report.rules_broken)
    raise VerificationError(f"{plan_path}: breaks {len(rules)} flight rule(s) "
                            f"({', '.join(rules)}) in {len(report.violations)} place(s), "
                            f"listed on stdout")


def _check_campaign(doc: dict[str, Any], plan_path: Path, mission: Path, options: PlanOptions,
                    console: Console, err_console: Console) -> None:
    """``--check`` of a campaign document: every flight, hand-off and the campaign table."""
    from planner.campaign_check import check_campaign_doc

    with err_console.status("checking", spinner="dots") as status, \
            _no_go_beyond_the_limit(plan_path, options, console):
        report = check_campaign_doc(doc, str(plan_path), mission, options,
                                    progress=lambda s: status.update(f"checking: {s}"))
    for note in report.notes:
        err_console.print(f"{plan_path}: note: {note}", highlight=False, markup=False,
                          soft_wrap=True)
    if options.wind is not None:
        go = "NO-GO" if "wind" in report.rules_broken else "GO"
        console.print(f"{plan_path}: {go} in the wind {options.wind}", highlight=False,
                      soft_wrap=True)
    n = len(report.flights)
    if report.ok:
        console.print(f"{plan_path}: OK: a campaign of {n} flight{'s' if n > 1 else ''}, "
                      f"{sum(len(f.waypoints) for f in report.flights)} waypoints, every "
                      f"flight and hand-off checked against {report.flights[0].dem.source}; "
                      f"{sum(f.duration_s for f in report.flights):.0f} s, "
                      f"{sum(f.energy_wh for f in report.flights):.2f} Wh in all",
                      highlight=False, soft_wrap=True)
        return
    for line in report.violations:
        console.print(f"{plan_path}: {line}", highlight=False, markup=False, soft_wrap=True)
    raise VerificationError(f"{plan_path}: breaks {len(report.violations)} rule(s) of its "
                            f"flights and campaign, listed on stdout")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="plan-flight")


__all__ = ["app", "main"]
