"""Bodies, coordinate reference systems and the mission's local metric frame.

Geographic coordinates are read on the body's own sphere or ellipsoid (Mars: ``IAU_2015:49900``,
planetocentric, east-positive; Earth: WGS 84). All geometry, graphs and energy are computed in one
local azimuthal-equidistant frame centred on the mission, in metres east and north, made with
pyproj on the same body. Geodesy is PROJ's, never ours.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import AzimuthalEquidistantConversion
from shapely.geometry.base import BaseGeometry

G = TypeVar("G", bound=BaseGeometry)
"""A shapely geometry of any type, kept by a change of frame."""


@dataclass(frozen=True)
class Body:
    """A planetary body: its geographic CRS and the physics the vehicle meets there.

    Attributes
    ----------
    name
        ``"mars"`` or ``"earth"``.
    geographic_crs
        The CRS code for lon/lat on this body.
    gravity_m_s2
        Surface gravity.
    air_density_kg_m3
        Default near-surface air density (Mars: seasonal, see ``FACTS.md``).
    air_density_range_kg_m3
        The near-surface air densities a rotorcraft can meet on this body; a setting outside
        is a mistake (Martian air given for an Earth flight, or the other way round).
    """

    name: str
    geographic_crs: str
    gravity_m_s2: float
    air_density_kg_m3: float
    air_density_range_kg_m3: tuple[float, float] = (0.0, math.inf)

    @property
    def crs(self) -> pyproj.CRS:
        """The body's geographic CRS as a pyproj object."""
        return pyproj.CRS(self.geographic_crs)


# Mars: IAU 2015 sphere (R = 3,396,190 m), planetocentric east lon. Gravity 3.721 m/s^2.
# Air density at Jezero 0.014 to 0.020 kg/m^3 (seasonal); 0.017 is the middle of that range.
# Across Mars the surface density spans about 0.005 (the Tharsis volcanoes' flanks) to 0.03
# (Hellas floor in winter); the range below is a little wider.
MARS = Body(name="mars", geographic_crs="IAU_2015:49900", gravity_m_s2=3.721,
            air_density_kg_m3=0.017, air_density_range_kg_m3=(0.003, 0.05))
# Earth: WGS 84 lon/lat (RFC 7946 GeoJSON), standard gravity, ISA sea-level density. ISA gives
# 0.41 kg/m^3 at 10 km (beyond any small rotorcraft's ceiling); cold dense air at sea level
# reaches about 1.5 kg/m^3 at -40 C.
EARTH = Body(name="earth", geographic_crs="EPSG:4326", gravity_m_s2=9.80665,
             air_density_kg_m3=1.225, air_density_range_kg_m3=(0.4, 1.6))
BODIES = {"mars": MARS, "earth": EARTH}

RADII_M = {"mars": (3_396_190.0, 3_396_000.0, 3_376_200.0),
           "earth": (6_378_137.0, 6_371_000.0, 6_356_752.3)}
"""The radii a body's CRSs are made on. Mars: IAU 2015's equatorial radius (IAU_2015:49900),
the MOLA sphere of 3396.0 km that many HiRISE and CTX products use, and the polar radius
(3376.2 km, the semi-minor axis, a sphere some DEMs use); Earth: WGS 84's semi-major and
semi-minor axes and the authalic sphere of 6371 km."""
RADIUS_TOLERANCE = 0.01
"""A CRS's ellipsoid radius within 1 % of one of :data:`RADII_M` names that body: each body's
radii lie within 0.6 % of each other (Mars's equatorial and polar radii 20 km apart, Earth's
21 km), while Mars and Earth differ by nearly half; another body (the Moon, 1737 km) is far from
both."""


def body_of_crs(crs: pyproj.CRS) -> Body:
    """Return the body a CRS lies on, from its datum's name or its ellipsoid's radii.

    Examples
    --------
    >>> body_of_crs(pyproj.CRS("IAU_2015:49900")).name
    'mars'
    >>> body_of_crs(pyproj.CRS("EPSG:4326")).name
    'earth'
    >>> body_of_crs(pyproj.CRS("+proj=eqc +R=3376200 +units=m")).name
    'mars'
    """
    datum = crs.datum.name.lower() if crs.datum is not None else ""
    if "mars" in datum:
        return MARS
    ellipsoid = crs.ellipsoid
    if ellipsoid is not None:
        axes = (ellipsoid.semi_major_metre, ellipsoid.semi_minor_metre)
        for name, radii in RADII_M.items():
            if any(abs(a - r) <= RADIUS_TOLERANCE * r for a in axes for r in radii):
                return BODIES[name]
    raise ValueError(f"CRS {crs.name!r} is on a body plan-flight does not know (Mars or Earth)")


@dataclass(frozen=True)
class Frame:
    """The mission's local metric frame and the transforms to and from the body's lon/lat.

    Build one with :func:`local_frame`.
    """

    body: Body
    geographic: pyproj.CRS
    local: pyproj.CRS
    lon0: float
    lat0: float
    _fwd: pyproj.Transformer
    _inv: pyproj.Transformer

    def to_local(self, lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64],
                                                                 NDArray[np.float64]]:
        """Project lon/lat (degrees) to local east/north metres."""
        x, y = self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x, float), np.asarray(y, float)

    def to_lonlat(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64],
                                                              NDArray[np.float64]]:
        """Unproject local east/north metres to lon/lat degrees."""
        lon, lat = self._inv.transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon, float), np.asarray(lat, float)

    def geometry_to_local(self, geom: G) -> G:
        """A lon/lat shapely geometry in the local frame."""
        return _apply(geom, self.to_local)

    def geometry_to_lonlat(self, geom: G) -> G:
        """A local-frame shapely geometry in lon/lat."""
        return _apply(geom, self.to_lonlat)

    def describe(self) -> str:
        """A one-line description of the frame for the plan header."""
        return (f"azimuthal equidistant centred at {self.lat0:.5f}°N {self.lon0:.5f}°E "
                f"({self.body.name}), metres east/north")


def _apply(geom: G,
           fn: Callable[[ArrayLike, ArrayLike], tuple[NDArray[np.float64], NDArray[np.float64]]],
           ) -> G:
    def over(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    out: G = shapely.transform(geom, over)
    return out


def local_frame(body: Body, lon0: float, lat0: float) -> Frame:
    """Make the local azimuthal-equidistant frame centred at ``(lon0, lat0)`` on ``body``.

    Examples
    --------
    >>> f = local_frame(MARS, 77.4306, 18.45477)
    >>> [round(float(v), 6) for v in f.to_local(77.4306, 18.45477)]
    [0.0, 0.0]
    """
    geographic = body.crs
    local = ProjectedCRS(
        conversion=AzimuthalEquidistantConversion(latitude_natural_origin=lat0,
                                                  longitude_natural_origin=lon0),
        geodetic_crs=geographic.geodetic_crs,
        name=f"plan-flight local AEQD ({body.name})",
    )
    fwd = pyproj.Transformer.from_crs(geographic, local, always_xy=True)
    inv = pyproj.Transformer.from_crs(local, geographic, always_xy=True)
    return Frame(body=body, geographic=geographic, local=local, lon0=lon0, lat0=lat0,
                 _fwd=fwd, _inv=inv)


def wrap_deg(angle: ArrayLike) -> NDArray[np.float64]:
    """Angles wrapped into [-180, 180) degrees.

    Examples
    --------
    >>> wrap_deg([190.0, -190.0, 180.0]).tolist()
    [-170.0, 170.0, -180.0]
    """
    return np.asarray((np.asarray(angle, float) + 180.0) % 360.0 - 180.0, dtype=np.float64)


def turn_deg(a: float, b: float) -> float:
    """The smallest turn, in degrees (0 to 180), from heading ``a`` to heading ``b``.

    Examples
    --------
    >>> turn_deg(350.0, 10.0), turn_deg(60.0, 240.0)
    (20.0, 180.0)
    """
    return abs((b - a + 180.0) % 360.0 - 180.0)


def heading_deg(dx: float, dy: float) -> float:
    """Compass heading (0 = north, clockwise) of the direction ``(dx east, dy north)``.

    Examples
    --------
    >>> heading_deg(1.0, 0.0)
    90.0
    >>> heading_deg(0.0, -1.0)
    180.0
    """
    return float(round(float(np.degrees(np.arctan2(dx, dy))), 9) % 360.0)
