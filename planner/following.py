"""How a vehicle flies a leg over the terrain: its heights, and the speed the ground allows.

Two ways of holding height (the profile's ``altitude_reference``):

- ``ground``: the vehicle holds its height above the ground with an altimeter. Between two
  waypoints it holds a height that goes linearly from one's to the other's, over the ground as
  its altitude loop follows it: the terrain smoothed at the navigation scale (a Gaussian of half
  ``nav_scale_m``), which rides over relief narrower than that. It climbs and descends with the
  ground, so where the ground rises (or falls) faster than its climb (descent) rate allows at
  cruise speed, it must fly slower: the leg is split where the speed it can fly changes, each
  part flown at that speed.
- ``absolute``: the vehicle flies straight lines between waypoint heights (GNSS and barometer);
  the planner adds waypoints so that its height above the ground stays in a band around the
  heights it asked for, and a leg too steep for the vertical rates at cruise speed is flown
  slower.

The plan, the roadmap's cost estimates and the verifier all use these functions: they are the
vehicle model over terrain, like :mod:`planner.vehicle` is the model in the air.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planner.profiles import AltitudeReference
from planner.vehicle import Vehicle
from terrain.analysis import smoothed
from terrain.dem import DEM

SPEED_STEP_M_S = 0.5
"""Slowed legs are commanded in steps of half a metre per second (rounded down): finer than an
autopilot holds its ground speed, coarse enough that a leg is not cut at every ripple."""
MIN_SPEED_M_S = 0.5
"""The slowest leg speed the planner commands; ground that needs slower is a refusal."""


def holds_ground(vehicle: Vehicle) -> bool:
    """Whether the vehicle holds its height above the ground (rather than an absolute one)."""
    return vehicle.profile.altitude_reference == AltitudeReference.GROUND


def followed_ground(dem: DEM, vehicle: Vehicle) -> DEM:
    """The ground a height-holding vehicle follows: the terrain at the navigation scale."""
    if not holds_ground(vehicle):
        return dem
    return smoothed(dem, vehicle.profile.nav_scale_m / 2)


@dataclass(frozen=True)
class LegProfile:
    """A leg sampled along its length: positions, true ground, and the height flown."""

    s: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    ground: NDArray[np.float64]
    z: NDArray[np.float64]
    h: NDArray[np.float64]

    @property
    def length(self) -> float:
        """Horizontal length."""
        return float(self.s[-1]) if len(self.s) else 0.0

    def climb_descent(self, i0: int = 0, i1: int | None = None) -> tuple[float, float]:
        """Height gained and lost between samples ``i0`` and ``i1`` (default: the end)."""
        dz = np.diff(self.z[i0:(len(self.z) if i1 is None else i1 + 1)])
        dz = dz[np.isfinite(dz)]
        return float(np.maximum(dz, 0.0).sum()), float(np.maximum(-dz, 0.0).sum())


def leg_profile(dem: DEM, followed: DEM, vehicle: Vehicle, a: tuple[float, float, float],
                b: tuple[float, float, float], *, za: float | None = None,
                zb: float | None = None) -> LegProfile:
    """Sample the leg from ``a`` to ``b`` (``(x, y, height above ground)``) at half a pixel.

    For a vehicle that holds its height above the ground, the flown height is the followed
    ground plus the height interpolated between the ends, eased at the ends onto the true ground
    (where the vehicle hovers, its altimeter sees the ground under it); otherwise a straight
    line between the ends' absolute heights ``za`` and ``zb`` (default: the ground under each
    plus its height).
    """
    d = math.hypot(b[0] - a[0], b[1] - a[1])
    n = max(math.ceil(d / (dem.resolution / 2)), 1) + 1
    t = np.linspace(0.0, 1.0, n)
    xs, ys = a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
    ground = dem.sample(xs, ys)
    h = a[2] + t * (b[2] - a[2])
    if holds_ground(vehicle):
        smooth = followed.sample(xs, ys)
        ease = (ground[0] - smooth[0]) + t * ((ground[-1] - smooth[-1]) - (ground[0] - smooth[0]))
        z = smooth + h + ease
    else:
        z0 = float(dem.sample(a[0], a[1])) + a[2] if za is None else za
        z1 = float(dem.sample(b[0], b[1])) + b[2] if zb is None else zb
        z = z0 + t * (z1 - z0)
    return LegProfile(s=t * d, x=xs, y=ys, ground=ground, z=np.asarray(z, dtype=np.float64),
                      h=h)


def allowed_speed(leg: LegProfile, vehicle: Vehicle) -> NDArray[np.float64]:
    """The fastest ground speed at each sample at which the vertical rates keep up.

    Between consecutive samples the flown height changes by ``dz`` over ``ds``: at speed ``v``
    that is a vertical speed ``v dz / ds``, which may not exceed the climb (descent) rate. Never
    faster than the cruise speed.
    """
    p = vehicle.profile
    v = vehicle.cruise_speed_m_s
    if len(leg.s) < 2:
        return np.full(len(leg.s), v)
    ds = np.diff(leg.s)
    slope = np.divide(np.diff(leg.z), ds, out=np.zeros_like(ds), where=ds > 0)
    slope = np.where(np.isfinite(slope), slope, 0.0)
    with np.errstate(divide="ignore"):
        up = np.where(slope > 0, p.climb_rate_m_s / slope, np.inf)
        down = np.where(slope < 0, p.descent_rate_m_s / -slope, np.inf)
    step = np.minimum(np.minimum(up, down), v)
    # Each sample takes the slower of the steps on either side of it.
    out = np.empty(len(leg.s))
    out[0], out[-1] = step[0], step[-1]
    out[1:-1] = np.minimum(step[:-1], step[1:])
    return out


def commanded(allowed: ArrayLike, cruise: float) -> NDArray[np.float64]:
    """The speed commanded where ``allowed`` is the fastest that works.

    The cruise speed, or slower rounded down to :data:`SPEED_STEP_M_S`.
    """
    a = np.asarray(allowed, dtype=np.float64)
    return np.where(a >= cruise, cruise, np.floor(a / SPEED_STEP_M_S + 1e-9) * SPEED_STEP_M_S)


def followable_speed(leg: LegProfile, vehicle: Vehicle) -> float:
    """The commanded ground speed a leg between two waypoints can be flown at.

    The cruise speed, or the fastest at which the vertical rates keep up everywhere along it,
    rounded down to :data:`SPEED_STEP_M_S`. Where even :data:`MIN_SPEED_M_S` is too fast only
    because of the height change commanded between the waypoints (a climb to a higher station
    a few metres away), the leg is commanded at :data:`MIN_SPEED_M_S`: an autopilot flies a
    waypoint leg as a straight track in height above ground, each axis within its speed limit,
    so the vertical rate slows it further and its time is the vertical time, as
    :meth:`planner.vehicle.Vehicle.leg` costs it. Only where the ground itself (the followed
    ground, without the commanded change) needs slower is the answer below
    :data:`MIN_SPEED_M_S`: ground no speed can follow.
    """
    v = float(commanded(allowed_speed(leg, vehicle).min(), vehicle.cruise_speed_m_s))
    if v >= MIN_SPEED_M_S:
        return v
    ground_only = replace(leg, z=leg.z - leg.h)
    g = float(allowed_speed(ground_only, vehicle).min())
    return MIN_SPEED_M_S if g >= MIN_SPEED_M_S else g


def speed_runs(leg: LegProfile, vehicle: Vehicle) -> list[tuple[int, int, float]]:
    """Cut a leg where the speed it can be flown at changes: ``(first, last, speed)`` samples.

    The allowed speed is rounded down to :data:`SPEED_STEP_M_S` (the cruise speed when no
    slower is needed), taken early enough that the vehicle can brake to it at its acceleration
    before the ground demands it, and runs shorter than the navigation scale join their slower
    neighbour.
    """
    p = vehicle.profile
    cruise = vehicle.cruise_speed_m_s
    allowed = allowed_speed(leg, vehicle)
    quant = commanded(allowed, cruise)
    # Brake in time: a sample takes the least speed within the braking distance ahead of it.
    reach = cruise * cruise / (2 * p.horizontal_accel_m_s2)
    if len(leg.s) > 1 and float(quant.min()) < cruise:
        ds = leg.s[1] - leg.s[0]
        k = max(math.ceil(reach / ds), 1)
        padded = np.concatenate([quant, np.full(k, quant[-1])])
        windows = np.lib.stride_tricks.sliding_window_view(padded, k + 1)
        quant = windows.min(axis=1)[:len(quant)]
        back = np.concatenate([np.full(k, quant[0]), quant])
        quant = np.lib.stride_tricks.sliding_window_view(back, k + 1).min(axis=1)[:len(quant)]
    runs: list[list[float]] = []
    start = 0
    for i in range(1, len(quant) + 1):
        if i == len(quant) or quant[i] != quant[start]:
            runs.append([start, i - 1, float(quant[start])])
            start = i
    # Join runs shorter than the navigation scale to the slower neighbour, shortest first.
    min_len = p.nav_scale_m
    while len(runs) > 1:
        lengths = [leg.s[int(r[1])] - leg.s[int(r[0])] for r in runs]
        k = int(np.argmin(lengths))
        if lengths[k] >= min_len:
            break
        left = runs[k - 1] if k > 0 else None
        right = runs[k + 1] if k + 1 < len(runs) else None
        if right is None or (left is not None and left[2] <= right[2]):
            assert left is not None
            left[1], left[2] = runs[k][1], min(left[2], runs[k][2])
        else:
            right[0], right[2] = runs[k][0], min(right[2], runs[k][2])
        del runs[k]
    return [(int(r[0]), int(r[1]), r[2]) for r in runs]


def flown_agl_band(dem: DEM, followed: DEM, vehicle: Vehicle, a: tuple[float, float, float],
                   b: tuple[float, float, float],
                   ) -> tuple[LegProfile, NDArray[np.float64], NDArray[np.float64]]:
    """The leg's samples and the least and greatest height above ground it may fly at each.

    A vehicle that holds its height above the ground flies the profile of :func:`leg_profile`,
    to within its ``agl_tolerance_m`` (its altimeter and altitude loop; the plan may also cut
    the leg into pieces whose ends ease onto the ground under them). One that holds absolute
    heights is kept by the plan's terrain points
    (:func:`planner.plan.terrain_split`) within the ends' heights less and more its
    ``agl_tolerance_m``, inside its clearance and ceiling: where exactly in that band is only
    known once the plan is assembled, so the whole band is taken. This is what decides whether a
    leg enters a keep-out that has heights (:func:`planner.local.leg_enters`).
    """
    leg = leg_profile(dem, followed, vehicle, a, b)
    p = vehicle.profile
    if holds_ground(vehicle):
        agl = leg.z - leg.ground
        return leg, agl - p.agl_tolerance_m, agl + p.agl_tolerance_m
    lo = max(p.min_clearance_m, min(a[2], b[2]) - p.agl_tolerance_m)
    hi = min(p.max_altitude_agl_m, max(a[2], b[2]) + p.agl_tolerance_m)
    return leg, np.full(len(leg.s), lo), np.full(len(leg.s), max(hi, lo))
