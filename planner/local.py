"""The mission's geometry in its local metric frame, projected once.

Every stage after the frame works in local east/north metres. Home, the landing site, the targets
and the keep-out zones are projected here once, and carried on the planning context and on the
plan: the roadmap, the verifier, the exporters and the map all take them from here.

Keep-out zones come in three forms, each for its job:

- ``keep_outs``: as the mission gives them (the map draws these);
- ``keep_outs_buffered``: grown by each zone's ``buffer_m``: the rule, never flown over (the
  verifier checks these);
- ``keep_outs_grown``: also grown by the vehicle's navigation margin, with mitred corners: the
  planner's obstacles. Mitre joins keep the grown polygon around the round buffer (so it stays
  conservative) with far fewer corners for the roadmap.

A keep-out with heights (a thing that stands up, or a band of airspace: see
:class:`~planner.mission.KeepOut`) is a :class:`Volume`: its footprint and the heights above
ground it fills, widened by the vehicle's clearance. A leg enters it only where its height
profile passes through that band over the footprint (:func:`leg_enters`); a keep-out with no
heights fills every height and stays a plain 2-D obstacle. Things that stand up also block
the camera's view (:func:`sight_blocked`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Set
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from planner.frames import Frame, local_frame
from planner.mission import Mission

MITRE_LIMIT = 2.0
"""Mitre limit of grown keep-outs: corners sharper than about 60° are bevelled, so no spike
reaches more than twice the growth distance out."""


@dataclass(frozen=True, eq=False)
class LocalMission:
    """The mission's geometry in the local frame (metres east and north)."""

    frame: Frame
    home: Point
    landing: Point
    targets: tuple[BaseGeometry, ...]
    keep_outs: tuple[BaseGeometry, ...]
    keep_outs_buffered: tuple[BaseGeometry, ...]
    keep_outs_grown: tuple[BaseGeometry, ...]
    featureless: tuple[BaseGeometry, ...] = ()
    airfields: tuple[Point, ...] = ()
    """The mission's ``role: airfield`` points, in its order."""
    keep_out_bands: tuple[tuple[float, float], ...] = ()
    """Each keep-out's heights above ground as the mission gives them (``(-inf, inf)`` for a zone
    with none): see :attr:`planner.mission.KeepOut.band_m`."""

    def band(self, i: int) -> tuple[float, float]:
        """Keep-out ``i``'s heights above ground; every height when none were given."""
        return self.keep_out_bands[i] if i < len(self.keep_out_bands) else (-math.inf,
                                                                              math.inf)

    def volumes(self, *, clearance_m: float, grown: bool = False) -> tuple[Volume, ...]:
        """The keep-outs that have heights, as volumes kept ``clearance_m`` away from.

        Their footprints are the buffered zones (the rule the verifier checks), or with
        ``grown`` also grown by the navigation margin (the planner's). A band of airspace is
        widened by the clearance below its floor and above its ceiling; a thing that stands up
        also sideways, so that whatever stays out of the volume passes at least the clearance
        from the thing in three dimensions (the clearance is the least distance the profile
        keeps from anything solid, the ground included). Keep-outs with no heights are left
        out: they are plain obstacles at every height.
        """
        feet = self.keep_outs_grown if grown else self.keep_outs_buffered
        out = []
        for i, foot in enumerate(feet):
            lo, hi = self.band(i)
            if math.isinf(lo) and math.isinf(hi):
                continue
            solid = math.isinf(lo)
            wide = foot.buffer(clearance_m, join_style="mitre", mitre_limit=MITRE_LIMIT) \
                if solid and clearance_m > 0 else foot
            out.append(Volume(index=i, footprint=wide, lo=lo - clearance_m,
                              hi=hi + clearance_m, solid=solid))
        return tuple(out)

    def full_keep_outs(self, *, grown: bool = True) -> tuple[BaseGeometry, ...]:
        """Footprints of the keep-outs that fill every height (never flown over)."""
        feet = self.keep_outs_grown if grown else self.keep_outs_buffered
        return tuple(f for i, f in enumerate(feet)
                     if math.isinf(self.band(i)[0]) and math.isinf(self.band(i)[1]))

    def keep_outs_at(self, x: float, y: float, agl_lo: float, agl_hi: float, *,
                     clearance_m: float, grown: bool = False) -> list[int]:
        """The keep-outs (indices) a vertical climb or descent at ``(x, y)`` enters.

        The climb or descent (a take-off, a landing) spans ``agl_lo`` to ``agl_hi`` above the
        ground: it enters every zone with no heights whose footprint holds the point, and every
        zone with heights whose volume (see :meth:`volumes`) it meets.
        """
        feet = self.keep_outs_grown if grown else self.keep_outs_buffered
        here = Point(x, y)
        out = [i for i, f in enumerate(feet) if math.isinf(self.band(i)[0]) and
               math.isinf(self.band(i)[1]) and f.intersects(here)]
        for v in self.volumes(clearance_m=clearance_m, grown=grown):
            if v.footprint.intersects(here) and agl_lo < v.hi and agl_hi > v.lo:
                out.append(v.index)
        return sorted(out)

    def solids(self) -> tuple[Volume, ...]:
        """Things that stand up, as given (no buffer, no clearance): they block the view."""
        return tuple(Volume(index=i, footprint=g, lo=-math.inf, hi=self.band(i)[1], solid=True)
                     for i, g in enumerate(self.keep_outs)
                     if math.isinf(self.band(i)[0]) and math.isfinite(self.band(i)[1]))

    def from_home(self, x: float, y: float, *, digits: int = 1) -> str:
        """A local point in words, in metres east (west) and north (south) of home.

        The frame of the waypoint tables, the CSV and the map's axes; the local frame itself
        is centred on the mission, not on home, so no position is ever given in it.
        """
        dx, dy = x - float(self.home.x), y - float(self.home.y)
        east = f"{abs(dx):.{digits}f} m {'east' if dx >= 0 else 'west'}"
        north = f"{abs(dy):.{digits}f} m {'north' if dy >= 0 else 'south'}"
        return f"{east}, {north} of home"

    def bounds(self, *, skip: Set[int] = frozenset()) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of home, landing, airfields, targets and buffered keep-outs.

        Targets whose index is in ``skip`` (out of reach) are left out.
        """
        targets = [g for i, g in enumerate(self.targets) if i not in skip]
        x0, y0, x1, y1 = shapely.total_bounds([self.home, self.landing, *self.airfields, *targets,
                                               *self.keep_outs_buffered])
        return float(x0), float(y0), float(x1), float(y1)


@dataclass(frozen=True, eq=False)
class Volume:
    """A keep-out in three dimensions: a footprint and the heights above ground it fills.

    ``lo`` and ``hi`` are metres above the ground under each point; ``lo`` is ``-inf`` for a
    thing that stands on the ground (``solid``), ``hi`` is ``inf`` for airspace with no ceiling.
    """

    index: int
    """The keep-out's index in the mission's ``keep_outs``."""
    footprint: BaseGeometry
    lo: float
    hi: float
    solid: bool = False

    def inside(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether each point lies over the footprint (its boundary included)."""
        return np.asarray(shapely.intersects_xy(self.footprint, np.asarray(x, dtype=float),
                                                np.asarray(y, dtype=float)), dtype=bool)


def leg_enters(volume: Volume, x: NDArray[np.float64], y: NDArray[np.float64],
               agl_lo: NDArray[np.float64], agl_hi: NDArray[np.float64] | None = None, *,
               tolerance_m: float = 0.0) -> NDArray[np.bool_]:
    """Which samples of a leg are inside ``volume``.

    The leg is sampled at ``(x, y)`` with heights above the ground ``agl_lo`` (or, for a leg
    whose height is only known to lie in a band there, from ``agl_lo`` to ``agl_hi``). A sample
    is inside when it lies over the footprint and its heights meet the volume's band, by more
    than ``tolerance_m``.

    >>> from shapely.geometry import box
    >>> tower = Volume(0, box(0, 0, 10, 10), -math.inf, 48.0, solid=True)
    >>> x = np.array([-5.0, 5.0, 15.0]); y = np.zeros(3) + 5
    >>> leg_enters(tower, x, y, np.full(3, 40.0)).tolist()
    [False, True, False]
    >>> leg_enters(tower, x, y, np.full(3, 50.0)).tolist()
    [False, False, False]
    """
    hi = agl_lo if agl_hi is None else agl_hi
    over = volume.inside(x, y)
    return over & (np.asarray(agl_lo) < volume.hi - tolerance_m) & \
        (np.asarray(hi) > volume.lo + tolerance_m)


def sight_blocked(solids: tuple[Volume, ...], ground: Callable[[NDArray[np.float64],
                                                               NDArray[np.float64]],
                                                              NDArray[np.float64]],
                  a: tuple[float, float, float], b: tuple[float, float, float], *,
                  step: float) -> Volume | None:
    """The first thing standing up that the straight 3-D line from ``a`` to ``b`` meets, or None.

    ``a`` and ``b`` are ``(x, y, z)`` above the terrain's datum; ``ground`` gives the terrain's
    height at points; the line is sampled every ``step`` metres. A thing whose footprint holds
    either end is passed over, so that a target on a roof, or the tower itself, is not hidden
    by its own building.
    """
    d = math.hypot(b[0] - a[0], b[1] - a[1])
    n = max(math.ceil(d / step), 1) + 1
    t = np.linspace(0.0, 1.0, n)[1:-1]
    if not len(t) or not solids:
        return None
    xs, ys = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    zs = a[2] + t * (b[2] - a[2])
    agl = zs - ground(xs, ys)
    for v in solids:
        hit = leg_enters(v, xs, ys, agl)
        # A thing that holds either end (a target on its roof, the thing itself as a target)
        # does not hide it.
        if hit.any() and not (v.inside(np.array([b[0]]), np.array([b[1]]))[0] or
                              v.inside(np.array([a[0]]), np.array([a[1]]))[0]):
            return v
    return None


def frame_for(mission: Mission, *, skip: Set[int] = frozenset()) -> Frame:
    """The local frame centred on the middle of the mission's lon/lat extent.

    Targets whose index is in ``skip`` (out of reach) are left out.
    """
    geoms = [mission.home.point, *(t.geometry for i, t in enumerate(mission.targets)
                                   if i not in skip),
             *(k.geometry for k in mission.keep_outs), *(a.point for a in mission.airfields)]
    if mission.landing is not None:
        geoms.append(mission.landing.point)
    lon0, lat0, lon1, lat1 = shapely.total_bounds(geoms)
    return local_frame(mission.body, (lon0 + lon1) / 2, (lat0 + lat1) / 2)


def project(mission: Mission, frame: Frame, *, nav_margin_m: float) -> LocalMission:
    """Project the mission into ``frame`` and grow its keep-outs (see the module docstring)."""
    keeps = tuple(frame.geometry_to_local(k.geometry) for k in mission.keep_outs)
    home = frame.geometry_to_local(mission.home.point)
    landing = frame.geometry_to_local(mission.landing_site.point)
    assert isinstance(home, Point)
    assert isinstance(landing, Point)
    airfields = tuple(frame.geometry_to_local(a.point) for a in mission.airfields)
    assert all(isinstance(a, Point) for a in airfields)
    return LocalMission(
        frame=frame, home=home, landing=landing,
        targets=tuple(frame.geometry_to_local(t.geometry) for t in mission.targets),
        keep_outs=keeps,
        keep_outs_buffered=tuple(g.buffer(k.buffer_m) for g, k in
                                 zip(keeps, mission.keep_outs, strict=True)),
        keep_outs_grown=tuple(g.buffer(k.buffer_m + nav_margin_m, join_style="mitre",
                                       mitre_limit=MITRE_LIMIT)
                              for g, k in zip(keeps, mission.keep_outs, strict=True)),
        featureless=tuple(frame.geometry_to_local(f.geometry) for f in mission.featureless),
        airfields=airfields, keep_out_bands=tuple(k.band_m for k in mission.keep_outs))
