"""Built-in terrain: a Jezero-like surface and its orthoimage, a function of place and seed.

It is a stand-in for ground nobody has measured, made to exercise every hazard the planner knows:
a gently undulating crater floor, a delta scarp about 40 m high whose steepness varies along its
length (steep cliffs with gentler breaches), low ridges, boulder fields, and smooth sand-ripple
fields that are bland in the image. On Earth: rolling hills.

**The same place, the same ground.** Everything is anchored to the body, not to the requested
window: features live on a fixed lattice in an equirectangular projection of the body's own
ellipsoid or sphere (``+proj=eqc +lat_ts=0 +lon_0=0``, the projection USGS uses for Jezero).
Smooth fields are cubic B-splines through lattice values, and features (ridges, sand fields,
boulder fields) are drawn per tile of :data:`TILE_M` metres, each from a random generator seeded
by (terrain seed, body, tile), and every tile near the window contributes, so features that
cross tile edges are whole. The grid is generated on pixels anchored to that projection and then
resampled into the caller's frame exactly as a DEM file is read. A target added to a mission
changes the window, not the ground.

The equirectangular projection with ``lat_ts=0`` stretches east-west distances by
``1/cos(latitude)`` (5.5 % at Jezero, 18.4 deg N). Features are therefore shaped in true metres:
every east-west offset from a feature is multiplied by the cosine of the feature's latitude
(exact to within 1e-4 across a feature), so a 2 m boulder is 2 m across in every direction. The
lattices of the smooth fields are left in projected metres: their features are 5.5 % narrower
east-west at Jezero, which no hazard depends on. Near the poles the projection degenerates; the
generator refuses latitudes beyond 80 degrees.

``pads`` are surveyed take-off and landing spots (airfields) given by the caller: within their
radius the surface is levelled and cleared of rocks and sand, but keeps its small-scale texture,
as a real airfield chosen from orbital images is flat, free of rocks and still textured.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyproj
from affine import Affine
from numpy.typing import NDArray
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import EquidistantCylindricalConversion

from terrain.dem import DEM, Bounds, Image, reproject_array

TILE_M = 256.0
"""Side of the tiles features are drawn per, in projected metres."""

_NOISE_TILE = 256
"""Side, in pixels or lattice nodes, of the blocks anchored random numbers are drawn in."""

SUN_ELEVATION_DEG = 40.0
"""Sun elevation for the built-in orthoimage (late morning, when Ingenuity flew)."""

SUN_AZIMUTH_DEG = 110.0
"""Sun azimuth, clockwise from north."""

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
    """The features to build, their sizes and how often they occur.

    Densities are per square kilometre, so a window of any size sees the same density.
    """

    name: str = "Jezero-like crater floor"
    floor_relief_m: float = 3.0
    scarp_height_m: float = 40.0
    scarp_spacing_m: float = 1200.0
    ridges_per_km2: float = 4.0
    boulder_fields_per_km2: float = 8.0
    sand_fields_per_km2: float = 8.0
    micro_relief_m: float = 0.035
    ground_albedo_texture: float = 0.12
    sand_albedo_texture: float = 0.004
    body_tag: int = 0


JEZERO = SyntheticStyle()
EARTH_HILLS = SyntheticStyle(name="rolling hills", floor_relief_m=12.0, scarp_height_m=0.0,
                             ridges_per_km2=8.0, boulder_fields_per_km2=2.0,
                             sand_fields_per_km2=0.0, micro_relief_m=0.08,
                             ground_albedo_texture=0.15)


@dataclass(frozen=True, eq=False)
class SyntheticTerrain:
    """Built-in ground: the DEM in the caller's frame, and the anchored grids it came from.

    Attributes
    ----------
    dem
        Elevations resampled into the caller's frame, as a DEM file would be read.
    image
        The orthoimage on the anchored equirectangular grid (measure texture there;
        :meth:`~terrain.dem.Image.on_grid_of` puts it on the DEM's grid); ``None`` when it
        was not asked for.
    anchored
        The elevations on that same anchored grid, before resampling.
    """

    dem: DEM
    image: Image | None
    anchored: DEM


def anchor_crs(crs: pyproj.CRS) -> pyproj.CRS:
    """The body-fixed equirectangular CRS built-in terrain is anchored to, for a CRS's body."""
    geodetic = crs.geodetic_crs
    if geodetic is None:
        raise ValueError(f"the CRS {crs.name} has no body (geodetic CRS) to anchor terrain to")
    return ProjectedCRS(conversion=EquidistantCylindricalConversion(), geodetic_crs=geodetic)


def _body_key(crs: pyproj.CRS) -> int:
    ell = crs.ellipsoid
    return round(ell.semi_major_metre) if ell is not None else 0


def _block_normals(key: Sequence[int], i0: int, i1: int, j0: int,
                   j1: int) -> NDArray[np.float32]:
    """Standard normals for global indices rows ``i0:i1``, cols ``j0:j1``, fixed by ``key``.

    Drawn in blocks of :data:`_NOISE_TILE`, each from a generator seeded by the key and the
    block's index, so a number depends on its indices only, never on the range asked for.
    """
    out = np.empty((i1 - i0, j1 - j0), dtype=np.float32)
    t = _NOISE_TILE
    for bi in range(i0 // t, (i1 - 1) // t + 1):
        for bj in range(j0 // t, (j1 - 1) // t + 1):
            rng = np.random.default_rng([*key, bi & 0xFFFFFFFF, bj & 0xFFFFFFFF])
            block = rng.standard_normal((t, t), dtype=np.float32)
            r0, r1 = max(bi * t, i0), min((bi + 1) * t, i1)
            c0, c1 = max(bj * t, j0), min((bj + 1) * t, j1)
            out[r0 - i0:r1 - i0, c0 - j0:c1 - j0] = block[r0 - bi * t:r1 - bi * t,
                                                          c0 - bj * t:c1 - bj * t]
    return out


def _white_gain(sigma: float) -> float:
    """RMS that a Gaussian of ``sigma`` pixels (truncated at 3 sigma) leaves of white noise."""
    from scipy import ndimage

    d = np.zeros((15, 15))
    d[7, 7] = 1.0
    return float(np.sqrt(np.sum(ndimage.gaussian_filter(d, sigma, truncate=3.0) ** 2)))


def _bspline(coord: NDArray[np.floating[Any]], cell: float,
             deriv: bool = False) -> tuple[NDArray[np.float32], int]:
    """Cubic B-spline weights sampling a lattice of spacing ``cell`` at ``coord``.

    Returns the (points x nodes) weight matrix and the global index of its first node. With
    ``deriv`` the weights of the derivative (per unit of ``coord``).
    """
    u = coord / cell
    i0 = np.floor(u).astype(np.int64)
    t = (u - i0).astype(np.float64)
    if deriv:
        w = np.stack([-3 * (1 - t) ** 2, 9 * t ** 2 - 12 * t, -9 * t ** 2 + 6 * t + 3,
                      3 * t ** 2], axis=1) / (6.0 * cell)
    else:
        w = np.stack([(1 - t) ** 3, 3 * t ** 3 - 6 * t ** 2 + 4,
                      -3 * t ** 3 + 3 * t ** 2 + 3 * t + 1, t ** 3], axis=1) / 6.0
    first = int(i0.min()) - 1
    n = int(i0.max()) + 3 - first
    m = np.zeros((len(coord), n), dtype=np.float32)
    rows = np.arange(len(coord))
    for k in range(4):
        m[rows, i0 - 1 + k - first] = w[:, k]
    return m, first


class _Grid:
    """An anchored equirectangular pixel grid: global column and row indices, coordinates."""

    def __init__(self, col0: int, col1: int, row0: int, row1: int, *, res: float,
                 radius: float) -> None:
        self.col0, self.col1, self.row0, self.row1 = col0, col1, row0, row1
        self.res = res
        self.x = (np.arange(col0, col1) + 0.5) * res  # projected metres, float64
        self.y = -(np.arange(row0, row1) + 0.5) * res
        self.shape = (row1 - row0, col1 - col0)
        self.transform = Affine(res, 0, col0 * res, 0, -res, -row0 * res)
        self.radius = radius
        self.coslat = np.cos(self.y / radius)  # per row

    def field(self, key: Sequence[int], cell: float, *, dx: bool = False,
              dy: bool = False, precise: bool = False) -> NDArray[np.float32]:
        """Smooth unit noise (or its x or y derivative) on a lattice of ``cell`` metres.

        ``precise`` sums in float64, so the result does not depend (to float32 rounding) on
        the grid's extent, which changes the order of the sums.
        """
        bx, fx = _bspline(self.x, cell, deriv=dx)
        by, fy = _bspline(-self.y, cell, deriv=dy)  # lattice rows run southward
        coarse = _block_normals(key, fy, fy + by.shape[1], fx, fx + bx.shape[1])
        # The B-spline of unit white noise has a standard deviation of about 0.55.
        if precise:
            wide = (by.astype(np.float64) @ coarse.astype(np.float64)) @ \
                bx.astype(np.float64).T / 0.55
            out: NDArray[np.floating[Any]] = wide
        else:
            out = (by @ coarse) @ bx.T / np.float32(0.55)
        if dy:
            out = -out  # derivative along +y (north), lattice rows run south
        return np.asarray(out, dtype=np.float32)

    def window(self, x: float, y: float, reach: float) -> tuple[slice, slice]:
        """Rows and columns within ``reach`` true metres of projected point ``(x, y)``."""
        rx = reach / max(math.cos(y / self.radius), 1e-6)
        c0 = max(math.floor((x - rx) / self.res) - self.col0, 0)
        c1 = min(math.ceil((x + rx) / self.res) + 1 - self.col0, self.shape[1])
        r0 = max(math.floor(-(y + reach) / self.res) - self.row0, 0)
        r1 = min(math.ceil(-(y - reach) / self.res) + 1 - self.row0, self.shape[0])
        return slice(r0, max(r1, r0)), slice(c0, max(c1, c0))

    def offsets(self, sl: tuple[slice, slice], x: float,
                y: float) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """True-metre east and north offsets of the cells in ``sl`` from ``(x, y)``."""
        k = math.cos(y / self.radius)
        dx = ((self.x[sl[1]] - x) * k).astype(np.float32)[None, :]
        dy = (self.y[sl[0]] - y).astype(np.float32)[:, None]
        return dx, dy


@dataclass(frozen=True)
class _Features:
    ridges: list[tuple[float, ...]]
    sands: list[tuple[float, ...]]
    fields: list[tuple[float, ...]]


def _tile_features(key: Sequence[int], style: SyntheticStyle, tx: int, ty: int,
                   radius: float) -> _Features:
    """The ridges, sand fields and boulder fields whose centres fall in one tile."""
    rng = np.random.default_rng([*key, 7, tx & 0xFFFFFFFF, ty & 0xFFFFFFFF])
    area = TILE_M * TILE_M / 1e6

    def centre() -> tuple[float, float]:
        return (float((tx + rng.uniform()) * TILE_M), float((ty + rng.uniform()) * TILE_M))

    ridges: list[tuple[float, ...]] = []
    for _ in range(int(rng.poisson(style.ridges_per_km2 * area))):
        x, y = centre()
        height = rng.uniform(2.0, 6.0) * style.floor_relief_m / 3.0
        # Half-length of the crest and half-width of the flanks, in true metres.
        ridges.append((x, y, rng.uniform(0, np.pi), rng.uniform(60.0, 190.0), height,
                       rng.uniform(6.0, 10.0) * height))
    sands: list[tuple[float, ...]] = []
    for _ in range(int(rng.poisson(style.sand_fields_per_km2 * area))):
        x, y = centre()
        sands.append((x, y, rng.uniform(20, 70), rng.uniform(15, 45), rng.uniform(0, np.pi),
                      rng.uniform(0, np.pi)))
    fields: list[tuple[float, ...]] = []
    for _ in range(int(rng.poisson(style.boulder_fields_per_km2 * area))):
        x, y = centre()
        fields.append((x, y, rng.uniform(25, 80), rng.uniform(0.01, 0.03),
                       float(rng.integers(0, 2**31))))
    return _Features(ridges, sands, fields)


_REACH_M = 350.0
"""Farthest any tile feature reaches from its centre (ridge flanks), in true metres."""


def _features_near(key: Sequence[int], style: SyntheticStyle, g: _Grid) -> _Features:
    """Every feature of every tile that can reach the grid."""
    xmin, xmax = g.x[0], g.x[-1]
    ymin, ymax = g.y[-1], g.y[0]
    reach_x = _REACH_M / max(float(g.coslat.min()), 1e-6)
    tx0, tx1 = math.floor((xmin - reach_x) / TILE_M), math.floor((xmax + reach_x) / TILE_M)
    ty0, ty1 = math.floor((ymin - _REACH_M) / TILE_M), math.floor((ymax + _REACH_M) / TILE_M)
    out = _Features([], [], [])
    for tx in range(tx0, tx1 + 1):
        for ty in range(ty0, ty1 + 1):
            f = _tile_features(key, style, tx, ty, g.radius)
            out.ridges.extend(f.ridges)
            out.sands.extend(f.sands)
            out.fields.extend(f.fields)
    return out


def _blob(dx: NDArray[np.float32], dy: NDArray[np.float32], *, rx: float, ry: float,
          angle: float) -> NDArray[np.float32]:
    """A soft-edged ellipse: 1 inside, falling smoothly to 0 over a fifth of its size outside."""
    ca, sa = np.float32(math.cos(angle)), np.float32(math.sin(angle))
    u = (dx * ca + dy * sa) / np.float32(rx)
    v = (-dx * sa + dy * ca) / np.float32(ry)
    r = np.sqrt(u * u + v * v)
    return np.asarray(np.clip((1.2 - r) / 0.2, 0.0, 1.0), dtype=np.float32)


def _stamp_rocks(g: _Grid, fields: list[tuple[float, ...]], key: Sequence[int], *,
                 rocks: NDArray[np.float32], albedo: NDArray[np.float32],
                 shadow: NDArray[np.float32]) -> None:
    """Boulders of every field: heights into ``rocks``, brightness and cast shadows."""
    xs, ys, hs, rads, albs = [], [], [], [], []
    for fx, fy, fr, dens, sub in fields:
        rng = np.random.default_rng([*key, 11, int(sub)])
        count = int(np.pi * fr * fr * dens)
        r = fr * np.sqrt(rng.uniform(size=count))
        a = rng.uniform(0, 2 * np.pi, size=count)
        k = 1.0 / max(math.cos(fy / g.radius), 1e-6)
        xs.append(fx + r * np.cos(a) * k)
        ys.append(fy + r * np.sin(a))
        h = np.minimum(0.2 + rng.exponential(0.35, size=count), 2.0)
        hs.append(h)
        rads.append(h * rng.uniform(1.0, 1.8, size=count))
        albs.append(rng.uniform(-0.35, 0.45, size=count))  # dark basalt to bright blocks
    if not xs:
        return
    x, y = np.concatenate(xs), np.concatenate(ys)
    h, rad, alb = np.concatenate(hs), np.concatenate(rads), np.concatenate(albs)
    res = g.res
    kmax = math.ceil(float(rad.max()) / res / float(g.coslat.min())) + 1
    off = np.arange(-kmax, kmax + 1)
    col = np.floor(x / res).astype(np.int64) - g.col0
    row = np.floor(-y / res).astype(np.int64) - g.row0
    keep = (col > -kmax - 8) & (col < g.shape[1] + kmax + 8) & (row > -kmax - 8) & \
        (row < g.shape[0] + kmax + 8)
    x, y, h, rad, alb = x[keep], y[keep], h[keep], rad[keep], alb[keep]
    col, row = col[keep], row[keep]
    if not len(x):
        return
    cc = col[:, None, None] + off[None, None, :]
    rr = row[:, None, None] + off[None, :, None]
    cx = (cc + g.col0 + 0.5) * res
    cy = -(rr + g.row0 + 0.5) * res
    kc = np.cos(y / g.radius)[:, None, None]
    dd = np.hypot((cx - x[:, None, None]) * kc, cy - y[:, None, None]) / rad[:, None, None]
    inside = (dd < 1) & (rr >= 0) & (rr < g.shape[0]) & (cc >= 0) & (cc < g.shape[1])
    rr_b, cc_b = np.broadcast_arrays(rr, cc)
    flat = (rr_b * g.shape[1] + cc_b)[inside]
    cone = np.clip(1 - dd * dd, 0, None)
    np.maximum.at(rocks.reshape(-1), flat, (h[:, None, None] * cone)[inside].astype(np.float32))
    np.add.at(albedo.reshape(-1), flat, (alb[:, None, None] * np.sqrt(cone))[inside]
              .astype(np.float32))
    # Cast shadows: a disk down-sun of each rock, as long as the rock is tall over the sun's
    # elevation.
    az = math.radians(SUN_AZIMUTH_DEG + 180.0)
    length = h / math.tan(math.radians(SUN_ELEVATION_DEG))
    sx = x + np.sin(az) * (rad * 0.5 + length * 0.5) / np.cos(y / g.radius)
    sy = y + np.cos(az) * (rad * 0.5 + length * 0.5)
    srad = np.maximum(rad * 0.8, length * 0.5)
    ds = np.hypot((cx - sx[:, None, None]) * kc, cy - sy[:, None, None]) / srad[:, None, None]
    shade = (ds < 1) & (rr >= 0) & (rr < g.shape[0]) & (cc >= 0) & (cc < g.shape[1]) & ~(dd < 1)
    np.minimum.at(shadow.reshape(-1), (rr_b * g.shape[1] + cc_b)[shade], np.float32(0.45))


def _scarp_distance(g: _Grid, key: Sequence[int], style: SyntheticStyle) -> NDArray[np.float32]:
    """Distance across the delta front over the front's width (0 on the front, > 0 above it).

    The front is the zero contour of a wide smooth field; the distance to it is estimated as the
    field over its gradient, and the width (so steepness) varies along it: cliffs and breaches.
    Both vary over hundreds of metres, so they are computed on a grid :data:`_COARSE` times
    coarser and interpolated back.
    """
    b = _COARSE
    # Blocks of b x b cells anchored like the cells (block k holds cells k b to k b + b - 1),
    # one more on every side so interpolation never reaches past them.
    kc0, kc1 = g.col0 // b - 1, -(-g.col1 // b) + 1
    kr0, kr1 = g.row0 // b - 1, -(-g.row1 // b) + 1
    cg = _Grid(kc0, kc1, kr0, kr1, res=g.res * b, radius=g.radius)
    s = style.scarp_spacing_m
    f = cg.field([*key, 2, 0], s, precise=True).astype(np.float64)
    gx = cg.field([*key, 2, 0], s, dx=True, precise=True) / cg.coslat[:, None]
    gy = cg.field([*key, 2, 0], s, dy=True, precise=True).astype(np.float64)
    grad = np.maximum(np.sqrt(gx * gx + gy * gy), 0.1 / s)
    u = np.tanh(cg.field([*key, 2, 1], 220.0, precise=True).astype(np.float64))
    width = 6.0 + 40.0 * (0.5 + 0.5 * u) ** 2
    q = np.clip(f / grad / width, -50.0, 50.0).astype(np.float32)
    from terrain.analysis import upsample

    return upsample(q, b, g.shape, offset=(kr0 * b - g.row0, kc0 * b - g.col0))


_COARSE = 8
"""Decimation of the grid the delta front's slowly varying geometry is computed on."""


def _sigmoid(q: NDArray[np.float32]) -> NDArray[np.float32]:
    out = np.negative(q)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out


def _generate(g: _Grid, key: Sequence[int], style: SyntheticStyle,
              pads: Sequence[tuple[float, float, float]], *, image: bool = True
              ) -> tuple[NDArray[np.float32], NDArray[np.float32] | None]:
    """Elevation (relative) and grey image on an anchored grid.

    Without ``image`` the grey image is not made (``None``); the elevations are the same, as
    nothing of the image's own (albedo, speckle, shading) feeds them.
    """
    from scipy import ndimage

    shape = g.shape
    z = np.zeros(shape, dtype=np.float32)
    for i, (cell, amp) in enumerate(((250.0, 1.0), (60.0, 0.35), (15.0, 0.05))):
        z += np.float32(style.floor_relief_m * amp) * g.field([*key, 1, i], cell)

    # Delta scarp: the zero contour of a wide smooth field, distance to it estimated as the
    # field over its gradient; the front's width (so steepness) varies along it: cliffs and
    # breaches.
    if style.scarp_height_m > 0:
        z += np.float32(style.scarp_height_m) * _sigmoid(_scarp_distance(g, key, style))

    feats = _features_near(key, style, g)
    # Ridges: long low rises with gentle flanks, in compact smooth bumps (C2, exactly zero
    # beyond their half-length and half-width) so each is computed only where it is.
    for x0, y0, ang, length, height, half in feats.ridges:
        sl = g.window(x0, y0, math.hypot(length, half))
        if sl[0].start >= sl[0].stop or sl[1].start >= sl[1].stop:
            continue
        dx, dy = g.offsets(sl, x0, y0)
        u = (dx * np.float32(math.cos(ang)) + dy * np.float32(math.sin(ang))) / \
            np.float32(length)
        v = (-dx * np.float32(math.sin(ang)) + dy * np.float32(math.cos(ang))) / \
            np.float32(half)
        across = np.clip(1 - v * v, 0, None) ** 3
        along = np.clip(1 - u ** 4, 0, None) ** 3
        z[sl] += np.float32(height) * across * along

    pad_w = np.zeros(shape, dtype=np.float32)
    for px, py, pr in pads:
        sl = g.window(px, py, 2.0 * pr)
        dx, dy = g.offsets(sl, px, py)
        d = np.hypot(dx, dy)
        pad_w[sl] = np.maximum(pad_w[sl], np.clip((2.0 * pr - d) / pr, 0, 1))

    sand = np.zeros(shape, dtype=np.float32)
    ripples = np.zeros(shape, dtype=np.float32)
    for x0, y0, rx, ry, ang, rdir in feats.sands:
        sl = g.window(x0, y0, 1.25 * max(rx, ry))
        if sl[0].start >= sl[0].stop or sl[1].start >= sl[1].stop:
            continue
        dx, dy = g.offsets(sl, x0, y0)
        blob = _blob(dx, dy, rx=rx, ry=ry, angle=ang)
        sand[sl] = np.maximum(sand[sl], blob)
        wave = np.float32(0.02) * np.sin(np.float32(2 * np.pi / 5.0) * (
            dx * np.float32(math.cos(rdir)) + dy * np.float32(math.sin(rdir))))
        ripples[sl] = np.where(blob > 0, wave, ripples[sl])
    sand *= 1.0 - pad_w

    rocks = np.zeros(shape, dtype=np.float32)
    rock_alb = np.zeros(shape, dtype=np.float32)
    shadow = np.ones(shape, dtype=np.float32)
    _stamp_rocks(g, feats.fields, key, rocks=rocks, albedo=rock_alb, shadow=shadow)
    clear = 1.0 - np.maximum(sand, pad_w)
    rocks *= clear

    # Flatten the pads: blend the large-scale surface to its best-fit plane over each pad, tilted
    # at most PAD_MAX_TILT_DEG, so a pad is flat and nearly level, as a surveyed airfield is, and
    # meets the ground around it without a rim.
    for px, py, pr in pads:
        sl = g.window(px, py, 2.0 * pr)
        dx, dy = g.offsets(sl, px, py)
        dx, dy = np.broadcast_arrays(dx, dy)
        d = np.hypot(dx, dy)
        inner = d <= pr
        if inner.any():
            zz = z[sl]
            design = np.column_stack([np.ones(int(inner.sum())), dx[inner], dy[inner]])
            coef, *_ = np.linalg.lstsq(design, zz[inner].astype(float), rcond=None)
            tilt = float(np.hypot(coef[1], coef[2]))
            cap = np.tan(np.radians(PAD_MAX_TILT_DEG))
            if tilt > cap:
                coef[1:] *= cap / tilt
            plane = float(coef[0]) + float(coef[1]) * dx + float(coef[2]) * dy
            w = np.clip((2.0 * pr - d) / pr, 0.0, 1.0)
            z[sl] = ((1 - w) * zz + w * plane).astype(np.float32)

    # Ripples on the sand; rocks. (The DEM holds no pixel-scale micro-relief, as since c36d78c:
    # ``micro_relief_m`` is kept in the styles but only the image's speckle stands for pebbles.)
    z += sand * ripples
    z += rocks
    del ripples
    if not image:
        return z, None
    rock_alb *= clear
    shadow = np.asarray(1.0 - (1.0 - shadow) * clear, dtype=np.float32)

    # One field of pixel-scale noise gives the albedo's speckle: pebbles and clods.
    pix = _block_normals([*key, 3], g.row0 - 4, g.row1 + 4, g.col0 - 4, g.col1 + 4)
    speck = ndimage.gaussian_filter(pix, 0.6, truncate=3.0)[4:-4, 4:-4]
    del pix
    speck /= np.float32(_white_gain(0.6))

    # The orthoimage: albedo (ordinary ground textured, sand bland, rocks bright or dark) times
    # Lambert shading from the surface, times cast shadows.
    tex = np.float32(style.ground_albedo_texture) * (1 - sand) + \
        np.float32(style.sand_albedo_texture) * sand
    albedo = 1.0 + np.float32(0.08) * g.field([*key, 4, 1], 25.0) + tex * speck
    del speck, tex
    albedo -= np.float32(0.12) * sand  # sand is a little darker than the floor
    albedo += rock_alb
    gy, gx = np.gradient(z, np.float32(g.res))
    gx /= g.coslat[:, None].astype(np.float32)  # east-west pixels are cos(lat) true metres
    az, el = math.radians(SUN_AZIMUTH_DEG), math.radians(SUN_ELEVATION_DEG)
    sun = (math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el))
    lam = (-gx * np.float32(sun[0]) - gy * np.float32(sun[1]) + np.float32(sun[2])) / \
        np.sqrt(1 + gx * gx + gy * gy)
    del gx, gy
    lam = np.maximum(lam, 0) / np.float32(sun[2])
    grey = np.float32(100.0) * np.maximum(albedo, 0.05) * lam * shadow
    return z, np.asarray(grey, dtype=np.float32)


def synthetic_terrain(bounds: Bounds, crs: pyproj.CRS, *, resolution: float = 1.0,
                      seed: int = 0, base_elevation_m: float = 0.0, pads: Sequence[Pad] = (),
                      style: SyntheticStyle = JEZERO, image: bool = True) -> SyntheticTerrain:
    """Built-in terrain over ``bounds`` in the metric CRS ``crs``: DEM and orthoimage.

    Parameters
    ----------
    bounds
        The area, in ``crs`` (a projected CRS on a body: its geodetic CRS anchors the ground).
    crs
        The caller's metric frame; the DEM comes on a grid in it.
    resolution
        Pixel size in metres, of the DEM and of the anchored grid it is resampled from.
    seed
        The terrain seed: the same seed and place always give the same ground, whatever the
        window.
    base_elevation_m
        Elevation of the floor's mean.
    pads
        Surveyed airfields in ``crs``.
    style
        The kind of ground.
    image
        Whether to make the orthoimage too. Without it (a caller that reads no texture) about
        a third of the work is saved and the DEM is the same.

    Returns
    -------
    SyntheticTerrain
        The DEM (exact: precision 0) in ``crs``, and the orthoimage and elevations on the
        anchored equirectangular grid.
    """
    anchor = anchor_crs(crs)
    radius = float(anchor.ellipsoid.semi_major_metre) if anchor.ellipsoid else 6_371_000.0
    xmin, ymin, xmax, ymax = bounds
    res = float(resolution)
    cols = max(int(np.ceil((xmax - xmin) / res)), 2)
    rows = max(int(np.ceil((ymax - ymin) / res)), 2)
    dst_transform = Affine(res, 0, xmin, 0, -res, ymax)
    to_anchor = pyproj.Transformer.from_crs(crs, anchor, always_xy=True)
    ex0, ey0, ex1, ey1 = to_anchor.transform_bounds(xmin, ymin, xmin + cols * res,
                                                    ymax, densify_pts=21)
    if max(abs(ey0), abs(ey1)) / radius > math.radians(80):
        raise ValueError("built-in terrain is not made beyond 80 degrees of latitude")
    pad = 4
    g = _Grid(math.floor(ex0 / res) - pad, math.ceil(ex1 / res) + pad,
              math.floor(-ey1 / res) - pad, math.ceil(-ey0 / res) + pad, res=res, radius=radius)
    key = [int(seed) & 0xFFFFFFFF, _body_key(anchor), style.body_tag]
    pads_a = []
    for p in pads:
        px, py = to_anchor.transform(p.x, p.y)
        pads_a.append((float(px), float(py), float(p.radius_m)))
    z, grey = _generate(g, key, style, pads_a, image=image)
    # Plain bilinear: the anchored grid is as fine as the caller's (finer east-west by
    # 1/cos(latitude)), and every place must read the same from any window.
    elev = reproject_array(z, g.transform, anchor, dst_transform=dst_transform, dst_crs=crs,
                           shape=(rows, cols), plain=True)
    source = f"synthetic {style.name} (terrain seed {seed}, {res:g} m/px)"
    dem = DEM(elevation=elev.astype(np.float64) + base_elevation_m, transform=dst_transform,
              crs=crs, source=source, synthetic=True, vertical_precision_m=0.0,
              precision_source="built-in terrain: exact")
    ortho = None if grey is None else Image(grey, g.transform, anchor,
                                            source=f"{source}, orthoimage", synthetic=True)
    anchored = DEM(elevation=z, transform=g.transform, crs=anchor, source=source, synthetic=True,
                   vertical_precision_m=0.0, precision_source="built-in terrain: exact")
    z += np.float32(base_elevation_m)
    return SyntheticTerrain(dem=dem, image=ortho, anchored=anchored)


def synthetic_dem(bounds: Bounds, crs: pyproj.CRS, *, resolution: float = 1.0, seed: int = 0,
                  base_elevation_m: float = 0.0, pads: Sequence[Pad] = (),
                  style: SyntheticStyle = JEZERO) -> DEM:
    """The DEM of :func:`synthetic_terrain` alone."""
    return synthetic_terrain(bounds, crs, resolution=resolution, seed=seed,
                             base_elevation_m=base_elevation_m, pads=pads, style=style,
                             image=False).dem
