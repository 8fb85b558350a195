"""Camera geometry: pointing, ground sample distance, what is in frame, and the footprint.

Headings are compass degrees (0 = north, clockwise) in the mission's local frame; pitch is degrees
above the horizon (negative looks down). Points are ``(x east, y north, z up)`` in metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import MultiPoint, Polygon

from planner.frames import heading_deg
from planner.profiles import CameraSpec, Mount


@dataclass(frozen=True)
class Pointing:
    """How the camera is aimed at a target from a station, and what that gives."""

    heading_deg: float
    pitch_deg: float
    slant_range_m: float
    gsd_cm: float
    in_frame: bool
    obliquity_deg: float = 0.0
    surface: str = "ground"


def obliquity_deg(station: ArrayLike, aim: ArrayLike, *, upright: bool = False,
                  ) -> NDArray[np.float64]:
    """Angle between the line of sight and a surface's normal at the aim, in degrees.

    The ground's normal points up; an upright surface faces the station (its normal level,
    towards it). ``station`` and ``aim`` are ``(..., 3)`` points.

    Examples
    --------
    >>> float(obliquity_deg((0.0, -10.0, 10.0), (0.0, 0.0, 0.0)))  # 45 degrees down
    45.0
    >>> round(float(obliquity_deg((0.0, -80.0, 2.0), (0.0, 0.0, 0.0), upright=True)), 2)
    1.43
    """
    d = np.asarray(station, float) - np.asarray(aim, float)
    horiz = np.hypot(d[..., 0], d[..., 1])
    elevation = np.degrees(np.arctan2(d[..., 2], horiz))
    return np.asarray(np.abs(elevation) if upright else 90.0 - elevation, dtype=np.float64)


def surface_gsd_cm(slant_range_m: ArrayLike, ifov_rad: float,
                   obliquity: ArrayLike) -> NDArray[np.float64]:
    """Ground sample distance on a surface seen at an obliquity, in cm (the coarser axis).

    A pixel's footprint is stretched by ``1 / cos(obliquity)`` along the line of sight.

    Examples
    --------
    >>> round(float(surface_gsd_cm(85.0, 0.26e-3, 0.0)), 2)
    2.21
    >>> round(float(surface_gsd_cm(85.0, 0.26e-3, 88.6)), 1)  # the ground under flight 3's rover
    90.5
    """
    cos = np.cos(np.radians(np.asarray(obliquity, float)))
    with np.errstate(divide="ignore"):
        out = np.asarray(slant_range_m, float) * ifov_rad * 100.0 / np.maximum(cos, 0.0)
    return np.asarray(out, dtype=np.float64)


def gsd_cm(slant_range_m: float, ifov_rad: float) -> float:
    """Ground sample distance on a surface facing the camera: range times pixel angle, in cm.

    Examples
    --------
    >>> round(gsd_cm(85.0, 0.26e-3), 2)  # Ingenuity's colour camera at the rover, flight 3
    2.21
    """
    return slant_range_m * ifov_rad * 100.0


def _axes(heading: float, pitch: float) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                 NDArray[np.float64]]:
    h, p = math.radians(heading), math.radians(pitch)
    fwd = np.array([math.sin(h) * math.cos(p), math.cos(h) * math.cos(p), math.sin(p)])
    right = np.array([math.cos(h), -math.sin(h), 0.0])
    up = np.cross(right, fwd)
    return fwd, right, up


def in_frame(camera: CameraSpec, station: ArrayLike, heading: float, pitch: float,
             points: ArrayLike, *, margin_deg: float = 1.0) -> bool:
    """Whether every 3-D point lies inside the image, ``margin_deg`` in from its edges."""
    fwd, right, up = _axes(heading, pitch)
    d = np.atleast_2d(np.asarray(points, float)) - np.asarray(station, float)
    xf, xr, xu = d @ fwd, d @ right, d @ up
    if np.any(xf <= 0):
        return False
    ah = np.degrees(np.abs(np.arctan2(xr, xf)))
    av = np.degrees(np.abs(np.arctan2(xu, xf)))
    return bool(np.all(ah <= camera.hfov_deg / 2 - margin_deg) and
                np.all(av <= camera.vfov_deg / 2 - margin_deg))


def in_frame_many(camera: CameraSpec, stations: ArrayLike, headings: ArrayLike,
                  pitches: ArrayLike, points: ArrayLike, *,
                  margin_deg: float = 1.0) -> NDArray[np.bool_]:
    """:func:`in_frame` for many stations at once: ``stations`` is N x 3, ``points`` M x 3."""
    s = np.atleast_2d(np.asarray(stations, float))
    h = np.radians(np.asarray(headings, float))
    p = np.radians(np.asarray(pitches, float))
    fwd = np.stack([np.sin(h) * np.cos(p), np.cos(h) * np.cos(p), np.sin(p)], axis=-1)
    right = np.stack([np.cos(h), -np.sin(h), np.zeros_like(h)], axis=-1)
    up = np.cross(right, fwd)
    d = np.atleast_2d(np.asarray(points, float))[None, :, :] - s[:, None, :]  # N x M x 3
    xf = np.einsum("nmk,nk->nm", d, fwd)
    xr = np.einsum("nmk,nk->nm", d, right)
    xu = np.einsum("nmk,nk->nm", d, up)
    with np.errstate(invalid="ignore", divide="ignore"):
        ah = np.degrees(np.abs(np.arctan2(xr, xf)))
        av = np.degrees(np.abs(np.arctan2(xu, xf)))
    ok = (xf > 0) & (ah <= camera.hfov_deg / 2 - margin_deg) & \
        (av <= camera.vfov_deg / 2 - margin_deg)
    return np.asarray(ok.all(axis=1), dtype=bool)


def point_camera(camera: CameraSpec, station: ArrayLike, aim: ArrayLike,
                 points: ArrayLike | None = None) -> Pointing:
    """Aim the camera from ``station`` at ``aim``; check ``points`` (default ``aim``) are in frame.

    A fixed camera is aimed by heading alone, at its mount's pitch; a gimbal also pitches, within
    its range.

    Examples
    --------
    >>> from planner.profiles import CameraSpec, Mount
    >>> cam = CameraSpec("c", 4000, 3000, 60.0, 45.0, Mount.FIXED, fixed_pitch_deg=-22.0)
    >>> p = point_camera(cam, (0.0, 0.0, 8.0), (0.0, 19.8, 0.0))
    >>> round(p.heading_deg), round(p.pitch_deg), p.in_frame
    (0, -22, True)
    """
    s = np.asarray(station, float)
    a = np.asarray(aim, float)
    dx, dy, dz = a - s
    horiz = math.hypot(dx, dy)
    heading = heading_deg(dx, dy) if horiz > 1e-9 else 0.0
    needed = math.degrees(math.atan2(dz, horiz))
    if camera.mount == Mount.FIXED:
        pitch = camera.fixed_pitch_deg
    else:
        pitch = min(max(needed, camera.gimbal_pitch_min_deg), camera.gimbal_pitch_max_deg)
    slant = math.sqrt(horiz * horiz + dz * dz)
    pts = a[None, :] if points is None else np.asarray(points, float)
    ok = in_frame(camera, s, heading, pitch, pts)
    return Pointing(heading_deg=heading, pitch_deg=pitch, slant_range_m=slant,
                    gsd_cm=gsd_cm(slant, camera.ifov_rad), in_frame=ok)


def footprint(camera: CameraSpec, station: ArrayLike, heading: float, pitch: float,
              ground_z: float, *, max_range_m: float = 500.0, per_edge: int = 8) -> Polygon:
    """The image's outline on a level ground plane at height ``ground_z``.

    Rays that meet the ground beyond ``max_range_m`` horizontally, or never (at or above the
    horizon), are cut at that range, so the footprint of an oblique camera stays finite. The
    outline is convex (the frustum meets a plane in a convex region); it is returned as the
    convex hull of the image edges' ground points, an empty polygon if they span no area.
    """
    s = np.asarray(station, float)
    fwd, right, up = _axes(heading, pitch)
    th = math.tan(math.radians(camera.hfov_deg / 2))
    tv = math.tan(math.radians(camera.vfov_deg / 2))
    t = np.linspace(-1.0, 1.0, per_edge, endpoint=False)
    edge = np.concatenate([np.column_stack([t, -np.ones_like(t)]),
                           np.column_stack([np.ones_like(t), t]),
                           np.column_stack([-t, np.ones_like(t)]),
                           np.column_stack([-np.ones_like(t), -t])])
    rays = fwd[None, :] + edge[:, :1] * th * right[None, :] + edge[:, 1:] * tv * up[None, :]
    height = s[2] - ground_z
    pts = []
    for ray in rays:
        hlen = math.hypot(ray[0], ray[1])
        if ray[2] < -1e-9 and height > 0:
            k = height / -ray[2]
            dist = k * hlen
        else:
            dist = math.inf
        if dist > max_range_m:
            k = max_range_m / hlen if hlen > 1e-12 else 0.0
        pts.append((s[0] + k * ray[0], s[1] + k * ray[1]))
    # The image's rays meet a plane in a convex region (a convex cone cut by a plane), and the
    # range cut is a disc: their intersection is convex, so the hull of the edge samples is it.
    hull = MultiPoint(pts).convex_hull
    return hull if isinstance(hull, Polygon) else Polygon()
