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


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], res: float,
                  cell_m: float) -> NDArray[np.float64]:
    """Smooth noise of unit standard deviation with features about ``cell_m`` across."""
    rows, cols = shape
    step = max(cell_m / res, 1.0)
    cr, cc = int(np.ceil(rows / step)) + 4, int(np.ceil(cols / step)) + 4
    coarse = ndimage.gaussian_filter(rng.standard_normal((cr, cc)), 0.8, mode="wrap")
    fine = ndimage.zoom(coarse, step, order=3, mode="nearest", grid_mode=False)[:rows, :cols]
    if fine.shape != shape:  # zoom rounds its output size; pad with the edge when short
        fine = np.pad(fine, ((0, rows - fine.shape[0]), (0, cols - fine.shape[1])), mode="edge")
    std = float(fine.std())
    return np.asarray((fine - fine.mean()) / (std if std > 0 else 1.0), dtype=np.float64)


def _blob(x: NDArray[np.float64], y: NDArray[np.float64], *, cx: float, cy: float, rx: float,
          ry: float, angle: float) -> NDArray[np.float64]:
    """A soft-edged ellipse: 1 inside, falling smoothly to 0 over a fifth of its size outside."""
    ca, sa = np.cos(angle), np.sin(angle)
    u = ((x - cx) * ca + (y - cy) * sa) / rx
    v = (-(x - cx) * sa + (y - cy) * ca) / ry
    r = np.sqrt(u * u + v * v)
    return np.asarray(np.clip((1.2 - r) / 0.2, 0.0, 1.0), dtype=np.float64)


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
    cols = max(int(np.ceil((xmax - xmin) / resolution)), 2)
    rows = max(int(np.ceil((ymax - ymin) / resolution)), 2)
    transform = Affine(resolution, 0, xmin, 0, -resolution, ymax)
    xs = xmin + (np.arange(cols) + 0.5) * resolution
    ys = ymax - (np.arange(rows) + 0.5) * resolution
    x, y = np.meshgrid(xs, ys)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half = max(xmax - xmin, ymax - ymin) / 2
    rng = np.random.default_rng(seed)
    shape = (rows, cols)

    # Crater floor: a slight regional tilt and undulations at three scales.
    tilt_dir = rng.uniform(0, 2 * np.pi)
    z = 0.004 * ((x - cx) * np.cos(tilt_dir) + (y - cy) * np.sin(tilt_dir))
    for cell, amp in ((250.0, 1.0), (60.0, 0.35), (15.0, 0.05)):
        z += style.floor_relief_m * amp * _smooth_noise(rng, shape, resolution, cell)

    # Delta scarp: a front whose width (so steepness) varies along it: cliffs and breaches.
    if style.scarp_height_m > 0:
        theta = rng.uniform(0, 2 * np.pi)
        nx, ny = np.cos(theta), np.sin(theta)
        offset = rng.uniform(0.35, 0.6) * half
        along = -(x - cx) * ny + (y - cy) * nx
        across = (x - cx) * nx + (y - cy) * ny - offset
        wavelength = rng.uniform(150.0, 300.0)
        phase = rng.uniform(0, 2 * np.pi)
        width = 6.0 + 40.0 * (0.5 + 0.5 * np.sin(2 * np.pi * along / wavelength + phase)) ** 2
        z += style.scarp_height_m / (1.0 + np.exp(-across / width))
        z += 1.5 * style.micro_texture_m / 0.035 * (across > 0) * \
            _smooth_noise(rng, shape, resolution, 8.0) * np.clip(across / 30.0, 0, 1)

    # Ridges: long low rises with gentle flanks.
    for _ in range(int(rng.integers(style.ridges[0], style.ridges[1] + 1))):
        rx0, ry0 = cx + rng.uniform(-half, half), cy + rng.uniform(-half, half)
        ang = rng.uniform(0, np.pi)
        length = rng.uniform(0.3, 0.8) * half
        height = rng.uniform(2.0, 6.0) * style.floor_relief_m / 3.0
        sigma = rng.uniform(2.5, 4.0) * height
        u = (x - rx0) * np.cos(ang) + (y - ry0) * np.sin(ang)
        v = -(x - rx0) * np.sin(ang) + (y - ry0) * np.cos(ang)
        z += height * np.exp(-0.5 * (v / sigma) ** 2) * np.exp(-0.5 * (u / length) ** 4)

    pad_w = np.zeros(shape)
    for p in pads:
        d = np.hypot(x - p.x, y - p.y)
        pad_w = np.maximum(pad_w, np.clip((2.0 * p.radius_m - d) / p.radius_m, 0.0, 1.0))

    # Sand-ripple fields: smooth ground with faint regular ripples, no rocks, no texture.
    sand = np.zeros(shape)
    for _ in range(int(rng.integers(style.sand_fields[0], style.sand_fields[1] + 1))):
        sand = np.maximum(sand, _blob(x, y, cx=cx + rng.uniform(-half, half),
                                      cy=cy + rng.uniform(-half, half), rx=rng.uniform(20, 70),
                                      ry=rng.uniform(15, 45), angle=rng.uniform(0, np.pi)))
    sand *= 1.0 - pad_w
    ripple_dir = rng.uniform(0, np.pi)
    ripples = 0.02 * np.sin(2 * np.pi * (x * np.cos(ripple_dir) + y * np.sin(ripple_dir)) / 5.0)

    # Boulder fields: scattered rounded rocks.
    rocks = np.zeros(shape)
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
            c0 = int((bx - xmin) / resolution)
            r0 = int((ymax - by) / resolution)
            k = int(np.ceil(rad / resolution)) + 1
            rs, re = max(r0 - k, 0), min(r0 + k + 1, rows)
            cs, ce = max(c0 - k, 0), min(c0 + k + 1, cols)
            if rs >= re or cs >= ce:
                continue
            dd = np.hypot(x[rs:re, cs:ce] - bx, y[rs:re, cs:ce] - by) / rad
            rocks[rs:re, cs:ce] = np.maximum(rocks[rs:re, cs:ce],
                                             h * np.clip(1 - dd * dd, 0, None))
    rocks *= 1.0 - np.maximum(sand, pad_w)

    # Flatten the pads: blend the large-scale surface to its best-fit plane over each pad, so a
    # pad is flat (not necessarily level) and meets the ground around it without a rim.
    for p in pads:
        d = np.hypot(x - p.x, y - p.y)
        inner = d <= p.radius_m
        if inner.any():
            a = np.column_stack([np.ones(int(inner.sum())), x[inner] - p.x, y[inner] - p.y])
            coef, *_ = np.linalg.lstsq(a, z[inner], rcond=None)
            plane = coef[0] + coef[1] * (x - p.x) + coef[2] * (y - p.y)
            w = np.clip((2.0 * p.radius_m - d) / p.radius_m, 0.0, 1.0)
            z = (1 - w) * z + w * plane

    micro = ndimage.gaussian_filter(rng.standard_normal(shape), 0.6)
    micro *= style.micro_texture_m / max(float(micro.std()), 1e-9)
    elev = base_elevation_m + z + rocks + sand * ripples + (1.0 - sand) * micro
    return np.asarray(elev, dtype=np.float64), transform


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
