"""Built-in terrain: a deterministic, Jezero-like surface for when no DEM is given.

It is a stand-in for ground nobody has measured, made to exercise every hazard the planner knows:
a gently undulating crater floor, a delta scarp about 40 m high whose steepness varies along its
length (steep cliffs with gentler breaches), low ridges, boulder fields, and smooth sand-ripple
fields with little texture for a navigation camera. The same seed and area always give the same
terrain, cell for cell.

``pads`` are surveyed take-off and landing spots (airfields): within their radius the surface is
levelled and cleared of rocks and sand, but keeps its small-scale texture, as a real airfield
chosen from orbital images is flat, free of rocks and still textured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyproj
from affine import Affine
from numpy.typing import NDArray
from scipy import ndimage

from terrain.dem import DEM, Bounds

PAD_MAX_TILT_DEG = 2.0
"""Steepest tilt of a built-in airfield: surveyed pads are chosen level to within a couple of
degrees, well inside any landing-slope limit (Ingenuity's and the Mavic's are 10° and 12°)."""


@dataclass(frozen=True)
class Pad:
    """A surveyed flat spot ``radius_m`` around ``(x, y)``."""

    x: float
    y: float
    radius_m: float = 10.0


@dataclass(frozen=True)
class SyntheticStyle:
    """The features to build and their sizes."""

    floor_relief_m: float = 3.0
    scarp_height_m: float = 40.0
    ridges: tuple[int, int] = (2, 4)
    boulder_fields: tuple[int, int] = (2, 5)
    sand_fields: tuple[int, int] = (2, 4)
    micro_texture_m: float = 0.035
    name: str = "Jezero-like crater floor"


JEZERO = SyntheticStyle()
EARTH_HILLS = SyntheticStyle(floor_relief_m=12.0, scarp_height_m=0.0, ridges=(2, 5),
                             boulder_fields=(0, 2), sand_fields=(0, 0), micro_texture_m=0.08,
                             name="rolling hills")


def _bspline_matrix(n_fine: int, step: float, n_coarse: int) -> NDArray[np.float32]:
    """Rows of cubic B-spline weights that sample a coarse lattice at ``n_fine`` points."""
    u = np.arange(n_fine) / step + 1.0  # one lattice cell of margin before the first point
    i0 = np.floor(u).astype(np.intp)
    t = u - i0
    w = np.stack([(1 - t) ** 3, 3 * t ** 3 - 6 * t ** 2 + 4, -3 * t ** 3 + 3 * t ** 2 + 3 * t + 1,
                  t ** 3], axis=1) / 6.0
    m = np.zeros((n_fine, n_coarse), dtype=np.float32)
    rows = np.arange(n_fine)
    for k in range(4):
        m[rows, np.clip(i0 - 1 + k, 0, n_coarse - 1)] += w[:, k]
    return m


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], res: float,
                  cell_m: float) -> NDArray[np.float32]:
    """Smooth noise of unit standard deviation with features about ``cell_m`` across.

    White noise on a lattice of ``cell_m`` spacing, interpolated with cubic B-splines (C2
    smooth) by two matrix products.
    """
    rows, cols = shape
    step = max(cell_m / res, 1.0)
    cr, cc = int(np.ceil(rows / step)) + 4, int(np.ceil(cols / step)) + 4
    coarse = rng.standard_normal((cr, cc)).astype(np.float32)
    fine = _bspline_matrix(rows, step, cr) @ coarse @ _bspline_matrix(cols, step, cc).T
    std = float(fine.std())
    return np.asarray((fine - fine.mean()) / (std if std > 0 else 1.0), dtype=np.float32)


def _window(bounds: Bounds, res: float, shape: tuple[int, int], *, cx: float, cy: float,
            radius: float) -> tuple[slice, slice]:
    """Rows and columns of the grid within ``radius`` of ``(cx, cy)``."""
    xmin, _, _, ymax = bounds
    c0 = max(int((cx - radius - xmin) / res), 0)
    c1 = min(int(np.ceil((cx + radius - xmin) / res)) + 1, shape[1])
    r0 = max(int((ymax - (cy + radius)) / res), 0)
    r1 = min(int(np.ceil((ymax - (cy - radius)) / res)) + 1, shape[0])
    return slice(r0, max(r1, r0)), slice(c0, max(c1, c0))


def _blob(x: NDArray[np.float32], y: NDArray[np.float32], *, cx: float, cy: float, rx: float,
          ry: float, angle: float) -> NDArray[np.float32]:
    """A soft-edged ellipse: 1 inside, falling smoothly to 0 over a fifth of its size outside."""
    ca, sa = np.cos(angle), np.sin(angle)
    u = ((x - cx) * ca + (y - cy) * sa) / rx
    v = (-(x - cx) * sa + (y - cy) * ca) / ry
    r = np.sqrt(u * u + v * v)
    return np.asarray(np.clip((1.2 - r) / 0.2, 0.0, 1.0), dtype=np.float32)


def synthetic_elevation(bounds: Bounds, *, resolution: float = 1.0, seed: int = 0,
                        base_elevation_m: float = 0.0, pads: Sequence[Pad] = (),
                        style: SyntheticStyle = JEZERO) -> tuple[NDArray[np.float64], Affine]:
    """Make the elevation grid and its transform for ``bounds`` (metres, north-up).

    Returns
    -------
    elevation, transform
        Rows north to south; the transform maps pixel corners to the bounds' CRS.
    """
    xmin, ymin, xmax, ymax = bounds
    res = resolution
    cols = max(int(np.ceil((xmax - xmin) / res)), 2)
    rows = max(int(np.ceil((ymax - ymin) / res)), 2)
    transform = Affine(res, 0, xmin, 0, -res, ymax)
    xs = (xmin + (np.arange(cols) + 0.5) * res).astype(np.float32)
    ys = (ymax - (np.arange(rows) + 0.5) * res).astype(np.float32)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half = max(xmax - xmin, ymax - ymin) / 2
    rng = np.random.default_rng(seed)
    shape = (rows, cols)
    xg = xs[None, :] - np.float32(cx)  # broadcast views, not full grids
    yg = ys[:, None] - np.float32(cy)

    def grid(sl: tuple[slice, slice]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        return xs[None, sl[1]], ys[sl[0], None]

    # Crater floor: a slight regional tilt and undulations at three scales. Heights are kept
    # relative to the base, in float32, and the base is added at the end.
    tilt_dir = rng.uniform(0, 2 * np.pi)
    z = (np.float32(0.004 * np.cos(tilt_dir)) * xg + np.float32(0.004 * np.sin(tilt_dir)) * yg)
    z = np.broadcast_to(z, shape).astype(np.float32)
    for cell, amp in ((250.0, 1.0), (60.0, 0.35), (15.0, 0.05)):
        z += np.float32(style.floor_relief_m * amp) * _smooth_noise(rng, shape, res, cell)

    # Delta scarp: a front whose width (so steepness) varies along it: cliffs and breaches.
    if style.scarp_height_m > 0:
        theta = rng.uniform(0, 2 * np.pi)
        nx, ny = np.float32(np.cos(theta)), np.float32(np.sin(theta))
        offset = np.float32(rng.uniform(0.35, 0.6) * half)
        along = -xg * ny + yg * nx
        across = xg * nx + yg * ny - offset
        wavelength = rng.uniform(150.0, 300.0)
        phase = rng.uniform(0, 2 * np.pi)
        width = 6.0 + 40.0 * (0.5 + 0.5 * np.sin(2 * np.pi * along / wavelength + phase)) ** 2
        z += (style.scarp_height_m /
              (1.0 + np.exp(np.clip(-across / width, -50.0, 50.0)))).astype(np.float32)
        z += (1.5 * style.micro_texture_m / 0.035 * (across > 0) *
              np.clip(across / 30.0, 0, 1)).astype(np.float32) * \
            _smooth_noise(rng, shape, res, 8.0)

    # Ridges: long low rises with gentle flanks, computed only where they are.
    for _ in range(int(rng.integers(style.ridges[0], style.ridges[1] + 1))):
        rx0, ry0 = cx + rng.uniform(-half, half), cy + rng.uniform(-half, half)
        ang = rng.uniform(0, np.pi)
        length = rng.uniform(0.3, 0.8) * half
        height = rng.uniform(2.0, 6.0) * style.floor_relief_m / 3.0
        sigma = rng.uniform(2.5, 4.0) * height
        sl = _window(bounds, res, shape, cx=rx0, cy=ry0, radius=2.2 * length + 5 * sigma)
        x, y = grid(sl)
        u = (x - rx0) * np.cos(ang) + (y - ry0) * np.sin(ang)
        v = -(x - rx0) * np.sin(ang) + (y - ry0) * np.cos(ang)
        z[sl] += (height * np.exp(-0.5 * (v / sigma) ** 2) *
                  np.exp(-0.5 * (u / length) ** 4)).astype(np.float32)

    pad_w = np.zeros(shape, dtype=np.float32)
    for p in pads:
        sl = _window(bounds, res, shape, cx=p.x, cy=p.y, radius=2.0 * p.radius_m)
        x, y = grid(sl)
        d = np.hypot(x - p.x, y - p.y)
        pad_w[sl] = np.maximum(pad_w[sl], np.clip((2.0 * p.radius_m - d) / p.radius_m, 0, 1))

    # Sand-ripple fields: smooth ground with faint regular ripples, no rocks, no texture.
    sand = np.zeros(shape, dtype=np.float32)
    for _ in range(int(rng.integers(style.sand_fields[0], style.sand_fields[1] + 1))):
        bx, by = cx + rng.uniform(-half, half), cy + rng.uniform(-half, half)
        brx, bry, bang = rng.uniform(20, 70), rng.uniform(15, 45), rng.uniform(0, np.pi)
        sl = _window(bounds, res, shape, cx=bx, cy=by, radius=1.25 * max(brx, bry))
        x, y = grid(sl)
        sand[sl] = np.maximum(sand[sl], _blob(x, y, cx=bx, cy=by, rx=brx, ry=bry, angle=bang))
    sand *= 1.0 - pad_w
    ripple_dir = rng.uniform(0, np.pi)
    ripples = (0.02 * np.sin(2 * np.pi * (xs[None, :] * np.cos(ripple_dir) +
                                          ys[:, None] * np.sin(ripple_dir)) / 5.0))

    # Boulder fields: scattered rounded rocks.
    rocks = np.zeros(shape, dtype=np.float32)
    for _ in range(int(rng.integers(style.boulder_fields[0], style.boulder_fields[1] + 1))):
        fx, fy = cx + rng.uniform(-half, half), cy + rng.uniform(-half, half)
        fr = rng.uniform(25, 80)
        count = int(np.pi * fr * fr * rng.uniform(0.01, 0.03))
        for _ in range(count):
            r = fr * np.sqrt(rng.uniform())
            a = rng.uniform(0, 2 * np.pi)
            bx, by = fx + r * np.cos(a), fy + r * np.sin(a)
            h = min(0.2 + rng.exponential(0.35), 2.0)
            rad = h * rng.uniform(1.0, 1.8)
            sl = _window(bounds, res, shape, cx=bx, cy=by, radius=rad + res)
            if sl[0].start >= sl[0].stop or sl[1].start >= sl[1].stop:
                continue
            x, y = grid(sl)
            dd = np.hypot(x - bx, y - by) / rad
            rocks[sl] = np.maximum(rocks[sl], h * np.clip(1 - dd * dd, 0, None))
    rocks *= 1.0 - np.maximum(sand, pad_w)

    # Flatten the pads: blend the large-scale surface to its best-fit plane over each pad, tilted
    # at most PAD_MAX_TILT_DEG, so a pad is flat and nearly level, as a surveyed airfield is, and
    # meets the ground around it without a rim.
    for p in pads:
        sl = _window(bounds, res, shape, cx=p.x, cy=p.y, radius=2.0 * p.radius_m)
        x, y = grid(sl)
        x, y = np.broadcast_arrays(x, y)
        d = np.hypot(x - p.x, y - p.y)
        inner = d <= p.radius_m
        if inner.any():
            zz = z[sl]
            design = np.column_stack([np.ones(int(inner.sum())), x[inner] - p.x, y[inner] - p.y])
            coef, *_ = np.linalg.lstsq(design, zz[inner].astype(float), rcond=None)
            tilt = float(np.hypot(coef[1], coef[2]))
            cap = np.tan(np.radians(PAD_MAX_TILT_DEG))
            if tilt > cap:
                coef[1:] *= cap / tilt
            plane = float(coef[0]) + float(coef[1]) * (x - p.x) + float(coef[2]) * (y - p.y)
            w = np.clip((2.0 * p.radius_m - d) / p.radius_m, 0.0, 1.0)
            z[sl] = ((1 - w) * zz + w * plane).astype(np.float32)

    micro = ndimage.gaussian_filter(rng.standard_normal(shape, dtype=np.float32), 0.6)
    micro *= np.float32(style.micro_texture_m / max(float(micro.std()), 1e-9))
    z += rocks
    z += sand * ripples.astype(np.float32)
    z += (1.0 - sand) * micro
    return np.asarray(z, dtype=np.float64) + base_elevation_m, transform


def synthetic_dem(bounds: Bounds, crs: pyproj.CRS, *, resolution: float = 1.0, seed: int = 0,
                  base_elevation_m: float = 0.0, pads: Sequence[Pad] = (),
                  style: SyntheticStyle = JEZERO) -> DEM:
    """A :class:`DEM` of built-in terrain over ``bounds`` in the metric CRS ``crs``."""
    elev, transform = synthetic_elevation(bounds, resolution=resolution, seed=seed,
                                          base_elevation_m=base_elevation_m, pads=pads,
                                          style=style)
    return DEM(elevation=elev, transform=transform, crs=crs,
               source=f"synthetic {style.name} (seed {seed}, {resolution:g} m/px)",
               synthetic=True)
