"""What can be read off terrain: slope, roughness, image contrast, profiles and lines of sight.

Functions of elevation take a :class:`~terrain.dem.DEM` in a metric CRS (the planner hands them
the DEM resampled into its local frame); :func:`image_contrast` takes an orthoimage on any grid.
All keep nodata as NaN: unknown ground is never flat, safe or textured.

The noise functions (:func:`slope_noise`, :func:`residual_noise`) give the standard deviation that
a DEM's random vertical error adds to the slope and roughness measured here, for the same filters,
so hazards can be judged above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from terrain.dem import DEM


def _filled(elev: NDArray[np.floating[Any]]) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """Elevation relative to its mean as float32, nodata filled, and the nodata mask.

    Nodata cells take the nearest known cell's height. Relative float32 heights keep well under
    a millimetre of precision over any terrain's relief, and halve the memory and time of every
    filter that follows.
    """
    from scipy import ndimage

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
    from scipy import ndimage

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


def smoothed(dem: DEM, sigma_m: float) -> DEM:
    """The DEM smoothed by a Gaussian of ``sigma_m`` (planes unchanged), nodata kept as NaN.

    What a vehicle that holds its height above the ground follows: its altitude loop rides over
    relief narrower than a few sigma.
    """
    if sigma_m <= 0:
        return dem
    elev, nodata = _filled(dem.elevation)
    mean = float(np.nanmean(dem.elevation)) if not nodata.all() else 0.0
    out = np.asarray(smooth(elev, sigma_m / dem.resolution), dtype=np.float64) + mean
    out[nodata] = np.nan
    return replace(dem, elevation=out)


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
    from scipy import ndimage

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
    from scipy import ndimage

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


NOISE_CORRELATION_POSTS = 1.0
"""How far a DEM's random errors are correlated: a Gaussian of this many posts (1 sigma).

Stereo matching smooths relief over a few posts (FACTS, HiRISE DTMs); a Gaussian of one post has a
half-power width of about 2.4 posts. Assumed. Correlated noise puts more error into slopes and
less into a high-passed residual than white noise of the same size does.
"""


def _impulse_energy(filt: Callable[[NDArray[np.float64]], NDArray[np.float64]],
                    corr_px: float, reach_px: float) -> float:
    """Variance a linear filter passes from unit-variance noise correlated over ``corr_px``.

    Computed exactly for the discrete filter from its response to the noise's own kernel:
    ``sum(h^2) / sum(c^2)`` with ``c`` the correlation kernel and ``h`` the filter applied to it.
    """
    from scipy import ndimage

    n = 2 * math.ceil(reach_px) + 1
    d = np.zeros((n, n))
    d[n // 2, n // 2] = 1.0
    kern = ndimage.gaussian_filter(d, corr_px, mode="constant") if corr_px > 0 else d
    h = filt(kern)
    return float(np.sum(h * h) / np.sum(kern * kern))


def slope_noise(sigma_z_m: float, res_m: float, *, sigma_px: float, corr_px: float) -> float:
    """Standard deviation of each slope component (rise over run) that DEM noise causes.

    For the slope of :func:`slope_deg` (smoothing of ``sigma_px``, then central differences) on
    noise of ``sigma_z_m`` correlated over ``corr_px`` cells (0: white). The slope's magnitude
    then reads ``sqrt(true^2 + 2 s^2)`` on average, ``s`` this figure.
    """
    if sigma_z_m <= 0:
        return 0.0
    total = math.hypot(sigma_px, corr_px)
    if total > 12:  # wide kernels: the continuous Gaussian formula is exact to a fraction of 1 %
        gain2 = (4 * math.pi * corr_px ** 2 if corr_px > 0 else 1.0) / (8 * math.pi * total ** 4)
    else:
        def filt(k: NDArray[np.float64]) -> NDArray[np.float64]:
            return np.asarray(np.gradient(smooth(k, sigma_px), axis=1))
        gain2 = _impulse_energy(filt, corr_px, 4 * total + 4)
    return sigma_z_m * math.sqrt(gain2) / res_m


def residual_noise(sigma_z_m: float, *, detrend_px: float, corr_px: float) -> float:
    """RMS that DEM noise leaves in the high-passed surface of :func:`roughness`, in metres."""
    if sigma_z_m <= 0:
        return 0.0
    d = max(detrend_px, 0.5)
    total = math.hypot(d, corr_px)
    if total > 12:
        c2 = corr_px ** 2
        gain2 = 1.0 - 4 * c2 / (2 * c2 + d * d) + c2 / (c2 + d * d) if corr_px > 0 else \
            1.0 - 1.0 / (2 * math.pi * d * d) + 1.0 / (4 * math.pi * d * d)
    else:
        def filt(k: NDArray[np.float64]) -> NDArray[np.float64]:
            return k - np.asarray(smooth(k, d))
        gain2 = _impulse_energy(filt, corr_px, 4 * total + 4)
    return sigma_z_m * math.sqrt(max(gain2, 0.0))


def gradient_squared(elev: NDArray[np.float32], res: float,
                     sigma_px: float) -> NDArray[np.float32]:
    """Squared slope (rise over run) of ``elev`` smoothed by ``sigma_px``, on the same grid.

    The same filter as :func:`slope_deg` (smoothing, then central differences), so
    :func:`slope_noise` gives its noise exactly.
    """
    z = smooth(elev, sigma_px) if sigma_px > 0 else elev
    gy, gx = np.gradient(z, np.float32(res))
    del z
    gx *= gx
    gy *= gy
    gx += gy
    return np.asarray(gx, dtype=np.float32)


def upsample(coarse: NDArray[np.float32], block: int, shape: tuple[int, int], *,
             offset: tuple[int, int] = (0, 0)) -> NDArray[np.float32]:
    """Bilinear interpolation of a grid of ``block``-cell block centres back onto the cells.

    ``offset`` is the (row, column) of the first block's first cell on the fine grid (0 or
    negative when the blocks start before it).
    """
    def axis(n_fine: int, n_coarse: int, off: int) -> tuple[NDArray[np.intp], NDArray[np.intp],
                                                            NDArray[np.float32]]:
        u = (np.arange(n_fine) + 0.5 - off) / block - 0.5
        u = np.clip(u, 0, n_coarse - 1)
        i0 = np.minimum(np.floor(u).astype(np.intp), max(n_coarse - 2, 0))
        i1 = np.minimum(i0 + 1, n_coarse - 1)
        return i0, i1, (u - i0).astype(np.float32)

    r0, r1, wr = axis(shape[0], coarse.shape[0], offset[0])
    c0, c1, wc = axis(shape[1], coarse.shape[1], offset[1])
    # Columns first, on the few coarse rows; then whole rows, which copy contiguously.
    cols = np.ascontiguousarray(coarse[:, c0] * (1 - wc)[None, :] + coarse[:, c1] * wc[None, :],
                                dtype=np.float32)
    out = np.take(cols, r0, axis=0)
    out *= (1 - wr)[:, None]
    lower = np.take(cols, r1, axis=0)
    lower *= wr[:, None]
    out += lower
    return out


def mean_square_residual(elev: NDArray[np.float32], *, detrend_px: float,
                         window_px: int) -> NDArray[np.float32]:
    """Mean, over a ``window_px`` square, of the squared surface less its smoothing."""
    from scipy import ndimage

    resid = elev - smooth(elev, max(detrend_px, 0.5))
    resid *= resid
    return np.asarray(ndimage.uniform_filter(resid, size=max(window_px, 1), mode="nearest"),
                      dtype=np.float32)


def image_contrast(grey: NDArray[np.floating[Any]], *, pixel_m: tuple[float, float],
                   feature_m: float, window_m: float) -> NDArray[np.float32]:
    """Local contrast of an image: RMS of its fine detail over its local mean brightness.

    The grey level less its Gaussian smoothing of ``feature_m / 2`` (at least one pixel: detail
    as fine as the image holds) is the detail a feature tracker locks on to; its RMS over a
    ``window_m`` square, divided by the mean grey level there, is a contrast that does not
    depend on exposure, gain or bit depth (a fraction: 0.03 is 3 %).

    Parameters
    ----------
    grey
        Grey levels on the image's own grid; NaN nodata.
    pixel_m
        The ground size of a pixel in metres, east-west and north-south.
    feature_m
        Size of the features that matter (the tracker's).
    window_m
        Side of the square over which contrast is measured.

    Returns
    -------
    numpy.ndarray
        Contrast on the image's grid; NaN within half a window of nodata, or where the mean
        grey level is not positive (no light to measure contrast against).
    """
    from scipy import ndimage

    px, py = pixel_m
    g = np.asarray(grey, dtype=np.float32)
    nodata = ~np.isfinite(g)
    if nodata.all():
        return np.full(g.shape, np.nan, dtype=np.float32)
    if nodata.any():
        idx = ndimage.distance_transform_edt(nodata, return_distances=False,
                                             return_indices=True)
        g = g[tuple(idx)]
    sigma = (max(feature_m / 2 / py, 1.0), max(feature_m / 2 / px, 1.0))
    detail = g - ndimage.gaussian_filter(g, sigma, mode="reflect", truncate=3.0)
    detail *= detail
    size = (max(round(window_m / py), 1), max(round(window_m / px), 1))
    ms = ndimage.uniform_filter(detail, size=size, mode="reflect")
    del detail
    mean = ndimage.uniform_filter(g, size=size, mode="reflect")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sqrt(np.maximum(ms, 0)) / mean
    out[~(mean > 0)] = np.nan
    if nodata.any():
        out[ndimage.maximum_filter(nodata, size=size)] = np.nan
    return np.asarray(out, dtype=np.float32)


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


def lines_of_sight(dem: DEM, a: NDArray[np.float64], b: NDArray[np.float64], *,
                   clearance: float = 0.0,
                   end_tolerance: float | None = None) -> NDArray[np.bool_]:
    """:func:`line_of_sight` for many lines at once: row ``i`` of ``a`` to row ``i`` of ``b``.

    The same samples and the same arithmetic as one line at a time, so the same answers, in
    a few vector operations instead of a few per line.

    Examples
    --------
    >>> import numpy as np, pyproj
    >>> from affine import Affine
    >>> z = np.zeros((20, 20)); z[:, 10] = 50.0  # a wall along x = 10.5
    >>> d = DEM(z, Affine(1, 0, 0, 0, -1, 20), pyproj.CRS("EPSG:32633"))
    >>> a = np.array([[2.5, 5.5, 10.0], [2.5, 5.5, 10.0], [2.5, 5.5, 120.0]])
    >>> b = np.array([[8.5, 5.5, 0.0], [18.5, 5.5, 0.0], [18.5, 5.5, 0.0]])
    >>> lines_of_sight(d, a, b).tolist()
    [True, False, True]
    """
    a = np.asarray(a, dtype=float).reshape(-1, 3)
    b = np.asarray(b, dtype=float).reshape(-1, 3)
    out = np.ones(len(a), dtype=bool)
    if not len(a):
        return out
    step = dem.resolution / 2
    length = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
    n = np.maximum(np.ceil(length / step).astype(np.intp), 1) + 1
    line = np.repeat(np.arange(len(a)), n)
    first = np.cumsum(n) - n
    # np.linspace(0, 1, n): k * (1 / (n - 1)), its last sample exactly 1.
    t = (np.arange(int(n.sum())) - first[line]) * (1.0 / (n - 1))[line]
    t[first + n - 1] = 1.0
    x0, dx = a[:, 0][line], (b[:, 0] - a[:, 0])[line]
    y0, dy = a[:, 1][line], (b[:, 1] - a[:, 1])[line]
    dist = t * length[line]
    ground = dem.sample(x0 + t * dx, y0 + t * dy)
    tol = 1.5 * dem.resolution if end_tolerance is None else end_tolerance
    span = length[line]
    with np.errstate(invalid="ignore", divide="ignore"):
        z = a[:, 2][line] + (b[:, 2] - a[:, 2])[line] * dist / span
    keep = (dist > tol) & (dist < span - tol)
    ok = ~keep | (np.isfinite(ground) & (z - ground >= clearance))
    out[:] = np.logical_and.reduceat(ok, first)
    out[length == 0] = True
    return out


def ray_to_ground(dem: DEM, origin: tuple[float, float, float], heading_deg: float,
                  depression_deg: float, *, max_range_m: float = 2000.0,
                  ) -> tuple[float, float, float] | None:
    """Where a ray from ``origin`` first meets the ground, or None (nodata, off the grid, far).

    The ray heads ``heading_deg`` (compass degrees) and ``depression_deg`` below the horizon; it
    is sampled every half DEM cell up to ``max_range_m`` horizontally, and the crossing placed by
    linear interpolation between the samples around it.

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> flat = DEM(np.zeros((100, 100)), Affine(1, 0, 0, 0, -1, 100), pyproj.CRS("EPSG:32633"))
    >>> x, y, z = ray_to_ground(flat, (10.0, 50.0, 10.0), 90.0, 45.0)
    >>> round(x, 3), round(y, 3), round(z, 3)
    (20.0, 50.0, 0.0)
    """
    x0, y0, z0 = origin
    if depression_deg >= 89.999:
        g = float(dem.sample(x0, y0))
        return (x0, y0, g) if math.isfinite(g) and g < z0 else None
    if depression_deg <= 0.0:
        return None
    a = math.radians(heading_deg)
    x1, y1 = x0 + max_range_m * math.sin(a), y0 + max_range_m * math.cos(a)
    p = profile(dem, x0, y0, x1, y1, step=dem.resolution / 2)
    above = z0 - p.distance * math.tan(math.radians(depression_deg)) - p.ground
    known = np.isfinite(above)
    hit = np.flatnonzero(~known | (above <= 0.0))
    if not hit.size or not known[hit[0]]:
        return None
    k = int(hit[0])
    if k == 0:
        return None  # the origin is at or below the ground
    t = float(above[k - 1] / (above[k - 1] - above[k]))
    x = float(p.x[k - 1] + t * (p.x[k] - p.x[k - 1]))
    y = float(p.y[k - 1] + t * (p.y[k] - p.y[k - 1]))
    return x, y, float(dem.sample(x, y))
