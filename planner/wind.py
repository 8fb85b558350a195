"""A steady wind at flight height: its speed, the direction it blows from, and its gusts.

The wind is steady and the same at every height and place of the mission (no shear, no
turbulence model). Its direction may be known (``5@270``: 5 m/s from the west), known to lie in a
sector (``6@240-300``, clockwise from the first bearing to the second) or unknown (``6@any``).
Where the direction is uncertain a plan must hold for the worst direction, so the sector is
sampled at :data:`DIRECTION_STEP_DEG` and at its two ends (:meth:`Wind.directions`).

Gusts: a gust is a short rise of the wind above its mean. The vehicle must hold its place and its
airspeed limit through it, so the wind limit and the airspeed limit are checked at the gust speed
(:attr:`Wind.peak_m_s`); energy is spent over minutes at the mean wind, so energy uses
:attr:`Wind.speed_m_s`.

The command-line form is parsed by :func:`parse_wind` (``SPEED@FROM_DEG``; the gust is given
apart, e.g. ``--gust 9``); a mission file's ``plan_flight.wind`` by :func:`wind_from_json`, which
takes the same text or an object::

    "plan_flight": {"wind": "6@any"}
    "plan_flight": {"wind": {"speed_m_s": 6, "from_deg": 270}}
    "plan_flight": {"wind": {"speed_m_s": 6, "from_deg": [240, 300], "gust_m_s": 9}}
    "plan_flight": {"wind": {"speed_m_s": 6, "from_deg": "any"}}

Directions are compass bearings in the mission's local frame: 0 = north, clockwise, the way a
weather report gives them (the direction the wind comes *from*).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from planner.values import number

DIRECTION_STEP_DEG = 10.0
"""Angular step at which an uncertain direction is sampled for the worst case (plus the sector's
ends). A direction error of half a step moves the wind's along-track component by at most
``1 - cos(5 deg)`` = 0.4 % of the wind speed near the worst (head-wind) direction, where the cost
peaks and so changes only to second order; a finer step costs proportionally more work in the
route search for no figure a plan could show."""

_FORMS = "SPEED@FROM_DEG, e.g. 5@270 (m/s from the west), 6@any or 6@240-300"


@dataclass(frozen=True)
class Wind:
    """A steady wind: mean speed, the directions it may blow from, and an optional gust.

    Attributes
    ----------
    speed_m_s
        Mean wind speed at flight height.
    sector_deg
        The bearings it blows from: ``(a, a)`` one direction; ``(a, b)`` any direction clockwise
        from ``a`` to ``b``; ``None`` any direction at all.
    gust_m_s
        Gust speed, at least the mean; ``None`` when there are no gusts to speak of.

    Raises
    ------
    ValueError
        A negative or non-finite speed, a bearing outside [0, 360), or a gust below the mean.

    Examples
    --------
    >>> w = parse_wind("6@240-300")
    >>> w.speed_m_s, w.sector_deg, len(w.directions())
    (6.0, (240.0, 300.0), 7)
    >>> str(Wind(5.0, (270.0, 270.0), gust_m_s=8.0))
    '5 m/s from 270°, gusts 8 m/s'
    """

    speed_m_s: float
    sector_deg: tuple[float, float] | None = None
    gust_m_s: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "speed_m_s", _speed(self.speed_m_s, "speed"))
        if self.sector_deg is not None:
            object.__setattr__(self, "sector_deg",
                               (_bearing(self.sector_deg[0]), _bearing(self.sector_deg[1])))
        if self.gust_m_s is not None:
            object.__setattr__(self, "gust_m_s", _speed(self.gust_m_s, "gust"))
            if self.gust_m_s < self.speed_m_s:
                raise ValueError(f"gust {self.gust_m_s:g} m/s is below the mean wind "
                                 f"{self.speed_m_s:g} m/s")

    @classmethod
    def blowing_from(cls, from_deg: float, speed_m_s: float,
                     gust_m_s: float | None = None) -> Wind:
        """A wind from one known direction."""
        return cls(speed_m_s, (from_deg, from_deg), gust_m_s)

    @property
    def peak_m_s(self) -> float:
        """The gust speed, or the mean if there are no gusts: what limits are checked against."""
        return self.speed_m_s if self.gust_m_s is None else self.gust_m_s

    @property
    def calm(self) -> bool:
        """No wind at all (mean and gust zero): still air."""
        return self.peak_m_s == 0.0

    @property
    def from_deg(self) -> float | None:
        """The one direction it blows from, or ``None`` when the direction is uncertain."""
        if self.sector_deg is not None and self.sector_deg[0] == self.sector_deg[1]:
            return self.sector_deg[0]
        return None

    @property
    def width_deg(self) -> float:
        """How wide the sector of directions is (0 for one direction, 360 for any)."""
        if self.sector_deg is None:
            return 360.0
        a, b = self.sector_deg
        return (b - a) % 360.0

    def directions(self, step_deg: float = DIRECTION_STEP_DEG) -> NDArray[np.float64]:
        """The bearings a worst case is taken over: at most ``step_deg`` apart, ends included.

        Examples
        --------
        >>> Wind.blowing_from(90.0, 4.0).directions().tolist()
        [90.0]
        >>> Wind(4.0, (350.0, 10.0)).directions().tolist()
        [350.0, 0.0, 10.0]
        >>> len(Wind(4.0).directions())
        36
        """
        if self.sector_deg is None:
            return np.arange(0.0, 360.0, step_deg)
        a = self.sector_deg[0]
        width = self.width_deg
        n = math.ceil(width / step_deg - 1e-9)
        steps = np.linspace(0.0, width, n + 1) if n > 0 else np.zeros(1)
        return np.asarray((a + steps) % 360.0, dtype=np.float64)

    def candidates(self, step_deg: float = DIRECTION_STEP_DEG) -> tuple[Wind, ...]:
        """One wind from each of :meth:`directions`, at this wind's speed and gust."""
        return tuple(Wind.blowing_from(float(d), self.speed_m_s, self.gust_m_s)
                     for d in self.directions(step_deg))

    def tailwind_m_s(self, track_deg: float) -> float:
        """The mean wind's component along a track (+ tail wind, - head wind).

        Only for a wind from one known direction (see :meth:`candidates`).

        Examples
        --------
        >>> Wind.blowing_from(270.0, 5.0).tailwind_m_s(90.0)  # from the west, flying east
        5.0
        >>> Wind.blowing_from(0.0, 5.0).tailwind_m_s(0.0)  # from the north, flying north
        -5.0
        """
        d = self.from_deg
        if d is None:
            raise ValueError("a tail-wind component needs a wind from one direction")
        return float(round(-self.speed_m_s * math.cos(math.radians(track_deg - d)), 12))

    def phrase(self) -> str:
        """The wind as a plan's figures hold it, for messages.

        Examples
        --------
        >>> Wind.blowing_from(90.0, 6.0).phrase()
        'in the wind (6 m/s from 90°)'
        >>> Wind(6.0).phrase()
        'in the wind (6 m/s from any direction, each leg at its worst direction)'
        """
        worst = "" if self.from_deg is not None else ", each leg at its worst direction"
        return f"in the wind ({self}{worst})"

    def to_json(self) -> dict[str, Any]:
        """The mission-file form (see :func:`wind_from_json`)."""
        out: dict[str, Any] = {"speed_m_s": self.speed_m_s}
        d = self.from_deg
        out["from_deg"] = "any" if self.sector_deg is None else d if d is not None else \
            list(self.sector_deg)
        if self.gust_m_s is not None:
            out["gust_m_s"] = self.gust_m_s
        return out

    def __str__(self) -> str:
        d = self.from_deg
        where = ("any direction" if self.sector_deg is None else f"{d:g}°" if d is not None
                 else f"{self.sector_deg[0]:g}-{self.sector_deg[1]:g}°")
        gust = "" if self.gust_m_s is None else f", gusts {self.gust_m_s:g} m/s"
        return f"{self.speed_m_s:g} m/s from {where}{gust}"


def wind_vectors(from_deg: NDArray[np.float64] | float,
                 speed_m_s: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """East and north components of the air's motion for a wind blowing from bearings.

    Examples
    --------
    >>> e, n = wind_vectors(270.0, 5.0)  # from the west: the air moves east
    >>> round(float(e), 9), round(float(n), 9)
    (5.0, 0.0)
    """
    rad = np.radians(np.asarray(from_deg, dtype=float))
    return (np.asarray(-speed_m_s * np.sin(rad), dtype=np.float64),
            np.asarray(-speed_m_s * np.cos(rad), dtype=np.float64))


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float | int) and not isinstance(value, bool) \
        else repr(value)


def _speed(value: object, what: str) -> float:
    try:
        return number(value, minimum=0.0)
    except ValueError:
        raise ValueError(f"{what} {_shown(value)} must be a number >= 0 (metres per second)") \
            from None


def _bearing(value: object) -> float:
    try:
        bearing = number(value)
    except ValueError:
        raise ValueError(f"direction {_shown(value)} must be a bearing in degrees, or 'any'") \
            from None
    if not 0.0 <= bearing < 360.0:
        raise ValueError(f"direction {_shown(value)} is outside [0, 360)")
    return bearing


def _parse_number(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None


def parse_wind(text: str, *, gust_m_s: float | None = None) -> Wind:
    """A wind from its command-line form ``SPEED@FROM_DEG`` (and an optional gust).

    ``FROM_DEG`` is a bearing (``270``), a sector clockwise from one bearing to another
    (``240-300``, ``330-30``) or ``any``.

    Raises
    ------
    ValueError
        One phrase per mistake (no ``@``, a speed that is not a number or is negative, a
        direction outside [0, 360), a gust below the mean wind).

    Examples
    --------
    >>> parse_wind("5@270")
    Wind(speed_m_s=5.0, sector_deg=(270.0, 270.0), gust_m_s=None)
    >>> parse_wind("6@any", gust_m_s=9).peak_m_s
    9.0
    >>> parse_wind("5@400")
    Traceback (most recent call last):
    ...
    ValueError: direction 400 is outside [0, 360)
    """
    speed_text, at, where = text.strip().partition("@")
    if not at or not speed_text.strip() or not where.strip():
        raise ValueError(f"wind {text!r} must be {_FORMS}")
    speed = _parse_number(speed_text.strip(), "wind speed")
    where = where.strip().lower()
    sector: tuple[float, float] | None
    if where == "any":
        sector = None
    elif "-" in where[1:]:
        split = where.index("-", 1)
        a, b = where[:split].strip(), where[split + 1:].strip()
        sector = (_parse_number(a, "direction"), _parse_number(b, "direction"))
    else:
        d = _parse_number(where, "direction")
        sector = (d, d)
    return Wind(speed, sector, gust_m_s)


def wind_from_json(value: Any) -> Wind:
    """A wind from a mission file's ``plan_flight.wind`` (see the module's forms).

    Raises
    ------
    ValueError
        Naming the member at fault; the caller adds the file and field.

    Examples
    --------
    >>> wind_from_json({"speed_m_s": 6, "from_deg": [240, 300], "gust_m_s": 9}).sector_deg
    (240.0, 300.0)
    >>> wind_from_json({"speed_m_s": -1, "from_deg": 0})
    Traceback (most recent call last):
    ...
    ValueError: speed_m_s must be a number >= 0, not -1
    """
    if isinstance(value, str):
        return parse_wind(value)
    if not isinstance(value, dict):
        raise ValueError(f"must be text such as \"6@270\" or an object with speed_m_s and "
                         f"from_deg, not {value!r}")
    unknown = sorted(set(value) - {"speed_m_s", "from_deg", "gust_m_s"})
    if unknown:
        raise ValueError(f"unknown member {unknown[0]!r} (speed_m_s, from_deg, gust_m_s)")
    try:
        speed = number(value.get("speed_m_s"), minimum=0.0)
    except ValueError as exc:
        raise ValueError(f"speed_m_s {exc}") from None
    gust = None
    if value.get("gust_m_s") is not None:
        try:
            gust = number(value["gust_m_s"], minimum=0.0)
        except ValueError as exc:
            raise ValueError(f"gust_m_s {exc}") from None
    where = value.get("from_deg")
    sector: tuple[float, float] | None
    if where == "any":
        sector = None
    elif isinstance(where, list):
        if len(where) != 2:
            raise ValueError(f"from_deg must be a bearing, [from, to] or \"any\", not {where!r}")
        sector = (_json_bearing(where[0]), _json_bearing(where[1]))
    else:
        d = _json_bearing(where)
        sector = (d, d)
    return Wind(speed, sector, gust)


def _json_bearing(value: Any) -> float:
    try:
        bearing = number(value)
    except ValueError as exc:
        raise ValueError(f"from_deg {exc}") from None
    return _bearing(bearing)


__all__ = ["DIRECTION_STEP_DEG", "Wind", "parse_wind", "wind_from_json", "wind_vectors"]
