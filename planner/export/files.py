"""Output files: every path checked before planning, every file written all or none after.

:func:`output_paths` checks the files a run will write before any planning (a known format that
suits the body, a folder that takes a new file, not the mission itself); :func:`write_together`
stages each file beside its destination and renames them all into place at the end, so a
failure leaves every destination as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from planner.errors import InputError
from planner.export import all_files, check_for_body, check_target, format_of, render
from terrain.errors import TerrainError

if TYPE_CHECKING:
    from planner.plan import FlightPlan
    from terrain.hazards import HazardMaps

TERRAIN_SUFFIXES = (".tif", ".tiff")
"""What ``--write-terrain`` writes: a GeoTIFF."""


@dataclass(frozen=True)
class Outputs:
    """The files a run writes, checked before planning."""

    exports: tuple[Path, ...] = ()
    terrain: Path | None = None
    created: Path | None = None
    """The outermost folder this run made for ``--out`` (removed again if nothing is written
    into it)."""

    def __bool__(self) -> bool:
        return bool(self.exports) or self.terrain is not None

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file to write."""
        return (*self.exports, *((self.terrain,) if self.terrain is not None else ()))


def output_paths(*, mission: Path, export: Sequence[Path], plot: Path | None,
                 out: Path | None, write_terrain: Path | None, body: str) -> Outputs:
    """Every output path, checked before planning.

    Each has a known format that suits the mission's ``body`` (the DJI formats are for Earth),
    a folder that exists (``--out`` makes its own, and holds every format for the body) and
    takes a new file, and is not the mission file itself.

    Raises
    ------
    InputError
        Naming the path and what is wrong with it.
    """
    paths = list(export)
    if plot is not None:
        if plot.suffix.lower() != ".png":
            raise InputError(f"{plot}: --plot writes PNG; name the file .png")
        paths.append(plot)
    created = None
    if out is not None:
        created = _make_folder(out)
        paths.extend(out / name for name in all_files(body))
    if write_terrain is not None and write_terrain.suffix.lower() not in TERRAIN_SUFFIXES:
        raise InputError(f"{write_terrain}: --write-terrain writes GeoTIFF; name the file .tif")
    try:
        exports = tuple(check_target(p) for p in dict.fromkeys(paths))
        check_for_body(exports, body)
        every = [*exports, *([write_terrain] if write_terrain is not None else [])]
        if len({_same(p) for p in every}) < len(every):
            raise InputError(f"{write_terrain}: also given as an export")
        for p in every:
            _check_writable(p, mission)
    except BaseException:
        if created is not None:
            remove_if_empty(created)
        raise
    return Outputs(exports=exports, terrain=write_terrain, created=created)


def _same(p: Path) -> Path:
    return Path(os.path.abspath(p))


def _make_folder(out: Path) -> Path | None:
    """Make the ``--out`` folder (and its parents) if missing; return the outermost one made."""
    if out.is_dir():
        return None
    if out.exists():
        raise InputError(f"{out}: --out needs a folder, and this is a file")
    top = out
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    try:
        out.mkdir(parents=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot make the folder ({exc.strerror or exc})") from None
    return top


def remove_if_empty(top: Path) -> None:
    """Remove a folder this run made, and the folders in it, if no file was written there."""
    inside = sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True)
    if any(not p.is_dir() for p in inside):
        return
    for p in inside:
        p.rmdir()
    top.rmdir()


def _check_writable(path: Path, mission: Path) -> None:
    """Refuse a path no file can be written to.

    A file is made in the path's folder and removed again: this finds ``/proc``, a read-only
    disk and a folder this user cannot write, which permission bits alone do not.
    """
    if path.is_dir():
        raise InputError(f"{path}: cannot write: it is a folder")
    if path.exists() and mission.exists() and path.samefile(mission):
        raise InputError(f"{path}: is the mission file; write the plan under another name")
    folder = path.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".probe", dir=folder)
    except OSError as exc:
        raise InputError(f"{path}: cannot write into folder {str(folder)!r} "
                         f"({exc.strerror or exc})") from None
    os.close(fd)
    os.unlink(tmp)


def write_together(items: Sequence[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write each file to a temporary name beside it, then rename them all into place.

    A failure while writing (a full disk, a vanished folder) removes every temporary file and
    leaves every destination as it was. The renames come last and, within a folder, do not
    fail halfway in practice.

    Raises
    ------
    InputError
        Naming the file that could not be written.
    """
    staged: list[tuple[Path, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for path, write in items:
            try:
                fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix,
                                            dir=path.parent)
                os.close(fd)
                staged.append((Path(name), path))
                write(Path(name))
                os.chmod(name, 0o666 & ~umask)  # as an ordinary open() would have made it
            except (OSError, TerrainError) as exc:
                why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                raise InputError(f"{path}: cannot write ({why}); no output was "
                                 f"written") from None
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write one file through a temporary file beside it (see :func:`write_together`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{path}: cannot write: folder {str(folder)!r} does not exist")
    write_together([(path, partial(write_bytes, raw))])


def write_bytes(data: bytes, path: Path) -> None:
    """Write bytes to a path (for :func:`write_together`)."""
    path.write_bytes(data)


def flight_path(path: Path, k: int) -> Path:
    """The file of flight ``k`` (from 1) of a campaign: ``name-KK`` and the format's suffix.

    The flight number is zero-padded to two digits (``plan-01.plan``, ..., ``plan-12.plan``) so
    that a folder listing sorts the flights in order; a campaign has at most 100 flights
    (``plan-100.plan``).

    Examples
    --------
    >>> flight_path(Path("out/plan.litchi.csv"), 2).as_posix()
    'out/plan-02.litchi.csv'
    >>> flight_path(Path("survey.plan"), 12).name
    'survey-12.plan'
    """
    suffix = format_of(path)
    name = path.name
    stem = name[:-len(suffix)] if name.lower().endswith(suffix) else path.stem
    return path.with_name(f"{stem}-{k:02d}{name[len(stem):]}")


_FLIGHT_NAMES = (re.compile(r"_flight(\d+)$"), re.compile(r"-(\d{2,})$"))
"""The names of a campaign's per-flight exports: ``NAME_flightK`` and ``NAME-0K``."""


def flight_of(path: str | Path) -> int | None:
    """Which flight of a campaign a per-flight export is, from its name; ``None`` if it names none.

    Both namings of :func:`flight_path`, the older ``NAME_flightK`` and ``NAME-0K``, whatever
    the format's suffix.

    Examples
    --------
    >>> flight_of("out/plan_flight2.waypoints"), flight_of("plan-02.litchi.csv")
    (2, 2)
    >>> flight_of("out/plan.plan") is None, flight_of("survey-2.plan") is None
    (True, True)
    """
    p = Path(path)
    suffix = format_of(p) if p.suffix else ""
    stem = p.name[:-len(suffix)] if suffix and p.name.lower().endswith(suffix) else p.stem
    for pattern in _FLIGHT_NAMES:
        m = pattern.search(stem)
        if m and int(m.group(1)) >= 1:
            return int(m.group(1))
    return None


WHOLE_CAMPAIGN = (".geojson", ".kml", ".png")
"""Formats a campaign also writes once with every flight, at the name given: one GeoJSON and one
KML that GIS tools and viewers show whole, and one map with each flight in its own colour."""
ONLY_WHOLE = (".png",)
"""Formats a campaign writes only whole: one map of every flight (``--flight K`` draws one)."""


def campaign_files(exports: Sequence[Path], flights: int) -> list[Path]:
    """Every file a campaign of ``flights`` flights writes for the exports asked, in order.

    Examples
    --------
    >>> [p.name for p in campaign_files([Path("plan.png"), Path("plan.kml"),
    ...                                  Path("plan.plan")], 2)]
    ['plan.png', 'plan.kml', 'plan-01.kml', 'plan-02.kml', 'plan-01.plan', 'plan-02.plan']
    """
    out: list[Path] = []
    for p in exports:
        fmt = format_of(p)
        if fmt in WHOLE_CAMPAIGN:
            out.append(p)
        if fmt not in ONLY_WHOLE:
            out += [flight_path(p, k) for k in range(1, flights + 1)]
    return out


def check_flight_paths(outputs: Outputs, flights: int, mission: Path) -> None:
    """Check, before planning, the per-flight files of a campaign of up to ``flights`` flights."""
    for p in campaign_files(outputs.exports, flights):
        if p not in outputs.exports:
            _check_writable(check_target(p), mission)


def write_flights(plans: Sequence[FlightPlan], hazards: HazardMaps, outputs: Outputs, *,
                  legs: Sequence[tuple[str, str]], geojson: str) -> None:
    """Write a campaign's files (:func:`campaign_files`) and the terrain once: all or none.

    ``geojson`` is the campaign GeoJSON's text (the campaign's flow makes it); the whole KML
    and map are made here from the flights and their ``legs``.
    """
    from planner.export import plot, simple

    items: list[tuple[Path, Callable[[Path], None]]] = []
    for p in outputs.exports:
        check_for_body([p], plans[0].mission.body.name)
        fmt = format_of(p)
        data = b""
        if fmt == ".geojson":
            data = geojson.encode("utf-8")
        elif fmt == ".kml":
            data = simple.kml_campaign_text(plans, legs).encode("utf-8")
        elif fmt == ".png":
            data = plot.plot_png(plans[0], hazards, flights=plans, legs=legs)
        if fmt in WHOLE_CAMPAIGN:
            items.append((p, partial(write_bytes, data)))
        if fmt not in ONLY_WHOLE:
            items += [(flight_path(p, k), partial(write_bytes, render(plan, hazards, fmt)))
                      for k, plan in enumerate(plans, start=1)]
    if outputs.terrain is not None and plans:
        items.append((outputs.terrain, plans[0].dem.write_geotiff))
    write_together(items)
