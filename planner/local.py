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
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

import shapely
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

    def bounds(self, *, skip: Set[int] = frozenset()) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` of home, landing, airfields, targets and buffered keep-outs.

        Targets whose index is in ``skip`` (out of reach) are left out.
        """
        targets = [g for i, g in enumerate(self.targets) if i not in skip]
        x0, y0, x1, y1 = shapely.total_bounds([self.home, self.landing, *self.airfields, *targets,
                                               *self.keep_outs_buffered])
        return float(x0), float(y0), float(x1), float(y1)


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
        airfields=airfields)
