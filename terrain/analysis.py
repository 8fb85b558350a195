"""What can be read off a DEM: slope, roughness, texture, profiles and lines of sight.

All functions take a :class:`~terrain.dem.DEM` in a metric CRS (the planner hands them the DEM
resampled into its local frame) and keep nodata as NaN: unknown ground is never flat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from terrain.dem import DEM


def _filled(elev: NDArray[np.float64]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """Elevation relative to its mean as float32, nodata filled, and the nodata mask.

    Nodata cells take the nearest known cell's height. Relative float32 heights keep well under
    a millimetre of precision over any terrain's relief, and halve the memory and time of every
    filter that follows.
    """
    nodata = ~np.isfinite(elev)
    if nodata.all():
        return np.zeros(elev.shape, dtype=np.float32), nodata
    rel = (elev - np.nanmean(elev)).astype(np.float32)
    if not nodata.any():
        return rel, nodata
    idx = ndimage.distance_transform_edt(nodata, return_distances=False, return_indices=True)
    return rel[tuple(idx)], nodata


def smooth(elev: NDArray[np.floating], sigma_px: float) -> NDArray[np.floating]:
    """Gaussian smoothing that leaves planes exactly as they are, up to the grid's edges.

    The grid is padded by odd reflection (``2 * edge - mirror``), which continues any plane
    without a bend, before filtering. Wide kernels (``sigma_px >= 2``) use three passes of a
    box filter of the same variance, which is close to a Gaussian and costs the same at any
    width; narrow ones use the Gaussian itself.
    """
    if sigma_px <= 0:
        return elev
    pad = int(np.ceil(4 * sigma_px)) + 1
    pad_r, pad_c = min(pad, elev.shape[0] - 1), min(pad, elev.shape[1] - 1)
    if pad_r < 1 or pad_c < 1:
        return np.asarray(ndimage.gaussian_filter(elev, sigma_px, mode="nearest"))
    big = np.pad(elev, ((pad_r, pad_r), (pad_c, pad_c)), mode="reflect", reflect_type="odd")
    if sigma_px >= 2:
        # Three boxes of width w have variance 3 (w^2 - 1) / 12 = sigma^2.
        width = round(np.sqrt(4 * sigma_px * sigma_px + 1))
        width += 1 - width % 2  # odd, so the filter stays centred
        out = big
        for _ in range(3):
            out = ndimage.uniform_filter(out, size=width, mode="nearest")
    else:
        out = ndimage.gaussian_filter(big, sigma_px, mode="nearest", truncate=4.0)
    return np.asarray(out[pad_r:-pad_r, pad_c:-pad_c])


def slope_deg(dem: DEM, *, scale_m: float = 0.0) -> NDArray[np.float32]:
    """Slope in degrees at every cell, from central differences.

    Parameters
    ----------
    dem
        The terrain.
    scale_m
        Smooth the surface with a Gaussian of this standard deviation first, so the slope is
        that felt by something of that size rather than by one pixel. 0 for none.

    NaN where the cell or a neighbour is nodata.
    """
    elev, nodata = _filled(dem.elevation)
    res = dem.resolution
    if scale_m > 0:
        elev = smooth(elev, scale_m / res)
    gy, gx = np.gradient(elev, np.float32(res))
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    del gx, gy
    if nodata.any():
        slope[ndimage.binary_dilation(nodata)] = np.nan
    return np.asarray(slope, dtype=np.float32)


def roughness(dem: DEM, *, window_m: float, detrend_m: float | None = None) -> NDArray[np.float32]:
    """Local relief: the RMS height of the ground about its smoothed surface, in metres.

    The surface is high-passed (elevation minus a Gaussian smoothing of standard deviation
    ``detrend_m``, which removes planes and gentle curvature exactly) and the RMS of what remains
    is taken over a ``window_m`` square. A rock field reads high; smooth sand reads near zero.
    NaN within a window of nodata.
    """
    elev, nodata = _filled(dem.elevation)
    res = dem.resolution
    sigma = (detrend_m if detrend_m is not None else window_m / 2) / res
    resid = elev - smooth(elev, max(sigma, 0.5))
    size = max(round(window_m / res), 1)
    resid *= resid
    rms = np.sqrt(np.maximum(ndimage.uniform_filter(resid, size=size, mode="nearest"), 0))
    if nodata.any():
        rms[ndimage.maximum_filter(nodata, size=size + 2)] = np.nan
    return np.asarray(rms, dtype=np.float32)


def texture(dem: DEM, *, window_m: float) -> NDArray[np.float32]:
    """Small-scale texture a downward navigation camera can track, in metres RMS.

    The RMS, over a ``window_m`` square, of what is left after removing a one-pixel Gaussian
    smoothing: the finest relief the DEM holds. Featureless sand reads near zero.
    """
    return roughness(dem, window_m=window_m, detrend_m=dem.resolution)


@dataclass(frozen=True)
class Profile:
    """Terrain along a segment: horizontal distance from the start, position and ground height."""

    distance: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    ground: NDArray[np.float64]


def profile(dem: DEM, x0: float, y0: float, x1: float, y1: float, *,
            step: float | None = None) -> Profile:
    """Sample the ground along a segment at the DEM's resolution (or ``step``), both ends included.

    Examples
    --------
    >>> import numpy as np, pyproj
    >>> from affine import Affine
    >>> d = DEM(np.zeros((10, 10)), Affine(1, 0, 0, 0, -1, 10), pyproj.CRS("EPSG:32633"))
    >>> p = profile(d, 1, 1, 5, 1)
    >>> p.distance.tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    length = float(np.hypot(x1 - x0, y1 - y0))
    step = step or dem.resolution
    n = max(math.ceil(length / step), 1) + 1
    t = np.linspace(0.0, 1.0, n)
    xs = x0 + t * (x1 - x0)
    ys = y0 + t * (y1 - y0)
    return Profile(distance=t * length, x=xs, y=ys, ground=dem.sample(xs, ys))


def line_of_sight(dem: DEM, a: tuple[float, float, float], b: tuple[float, float, float], *,
                  clearance: float = 0.0, end_tolerance: float | None = None) -> bool:
    """Whether the straight 3-D line from ``a`` to ``b`` clears the ground.

    ``a`` and ``b`` are ``(x, y, z)`` with ``z`` above the DEM's datum. The line must pass at
    least ``clearance`` above the ground at every sample, at the DEM's resolution, except within
    ``end_tolerance`` (default 1.5 pixels) of either end, where a point on the ground would
    otherwise block its own view. Unknown ground (nodata) blocks the line.
    """
    p = profile(dem, a[0], a[1], b[0], b[1], step=dem.resolution / 2)
    length = p.distance[-1] if p.distance.size else 0.0
    if length == 0:
        return True
    tol = 1.5 * dem.resolution if end_tolerance is None else end_tolerance
    z = a[2] + (b[2] - a[2]) * p.distance / length
    keep = (p.distance > tol) & (p.distance < length - tol)
    if not keep.any():
        return True
    ground = p.ground[keep]
    if not np.all(np.isfinite(ground)):
        return False
    return bool(np.all(z[keep] - ground >= clearance))
