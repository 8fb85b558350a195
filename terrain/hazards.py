"""Hazards read off the terrain, as raster masks and as shapely polygons.

Three kinds, each for the limits a caller gives (the terrain layer knows no vehicles):

- flight hazards: ground too steep for a downward-looking navigation filter that assumes flat
  ground, ground too featureless for it to track, and unknown ground (nodata);
- landing hazards: slope or roughness above the limits, unknown ground, or too small a clear
  circle around a spot;
- keep-out polygons come from the mission; :func:`polygons_mask` rasterises them for checks
  that must not share the polygon code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from terrain import analysis
from terrain.dem import DEM


@dataclass(frozen=True)
class HazardLimits:
    """The limits that make ground hazardous, in metres and degrees.

    Attributes
    ----------
    nav_max_slope_deg
        Steepest ground the navigation can fly over, at the ``nav_scale_m`` scale.
    nav_scale_m
        The scale over which slope is judged for flight (about the camera footprint).
    nav_min_texture_m
        Least small-scale texture (RMS m) the navigation camera needs; 0 to ignore texture.
    nav_texture_window_m
        The window over which texture is measured; featureless patches smaller than it across
        are not hazards (the camera sees textured ground around them).
    fly_over_nodata
        Whether unknown ground may be flown over (never landed on).
    follow_climb_slope_deg, follow_descent_slope_deg
        Steepest rising and falling ramps the vehicle follows in forward flight (its climb and
        descent rates over its speed); 90 for no limit.
    follow_climb_band_m, follow_descent_band_m
        Height the vehicle's band absorbs when the ground rises (down to its clearance) or
        falls (up to its ceiling) faster than it can follow; a steeper ramp taller than that
        cannot be followed. A cell is a hazard if a ramp through it fails either way.
    landing_max_slope_deg
        Steepest ground to land on, at the scale of the landing gear.
    landing_max_roughness_m
        Largest RMS relief (rocks) under the landing gear.
    landing_clear_radius_m
        Radius of the circle that must be free of landing hazards around a landing spot.
    """

    nav_max_slope_deg: float = 20.0
    nav_scale_m: float = 4.0
    nav_min_texture_m: float = 0.0
    nav_texture_window_m: float = 8.0
    fly_over_nodata: bool = False
    follow_climb_slope_deg: float = 90.0
    follow_climb_band_m: float = float("inf")
    follow_descent_slope_deg: float = 90.0
    follow_descent_band_m: float = float("inf")
    landing_max_slope_deg: float = 10.0
    landing_max_roughness_m: float = 0.1
    landing_clear_radius_m: float = 2.0


@dataclass(frozen=True, eq=False)
class HazardMaps:
    """Boolean masks on the DEM's grid (True = hazard) and the measures behind them."""

    dem: DEM
    limits: HazardLimits
    flight_slope: NDArray[np.bool_]
    flight_follow: NDArray[np.bool_]
    flight_texture: NDArray[np.bool_]
    nodata: NDArray[np.bool_]
    landing: NDArray[np.bool_]
    landing_reason: NDArray[np.int8]
    slope_deg: NDArray[np.float32]
    landing_slope_deg: NDArray[np.float32]
    roughness_m: NDArray[np.float32]
    texture_m: NDArray[np.float32]

    @cached_property
    def flight(self) -> NDArray[np.bool_]:
        """Cells the vehicle must not fly over."""
        out = self.flight_slope | self.flight_follow | self.flight_texture
        if not self.limits.fly_over_nodata:
            out = out | self.nodata
        return out

    def flight_at(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether points lie on a flight-hazard cell (or outside the grid)."""
        return _lookup(self.dem, self.flight, x, y)

    def landing_at(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether points are unsafe to land on (or outside the grid)."""
        return _lookup(self.dem, self.landing, x, y)

    def landing_reason_at(self, x: float, y: float) -> str:
        """Why a spot is unsafe to land on, in words ("" when it is safe)."""
        row, col = self.dem.rowcol(x, y)
        r, c = int(np.rint(row)), int(np.rint(col))
        if not (0 <= r < self.dem.shape[0] and 0 <= c < self.dem.shape[1]):
            return "outside the terrain"
        return LANDING_REASONS[int(self.landing_reason[r, c])]


LANDING_REASONS = ("", "unknown ground (nodata)", "slope above the limit",
                   "rocks or roughness above the limit", "too close to a hazard for a clear circle")


def _lookup(dem: DEM, mask: NDArray[np.bool_], x: NDArray[np.float64],
            y: NDArray[np.float64]) -> NDArray[np.bool_]:
    row, col = dem.rowcol(x, y)
    r = np.rint(row).astype(np.intp)
    c = np.rint(col).astype(np.intp)
    inside = (r >= 0) & (r < dem.shape[0]) & (c >= 0) & (c < dem.shape[1])
    out = np.ones(np.shape(r), dtype=bool)
    out[inside] = mask[r[inside], c[inside]]
    return out


def assess(dem: DEM, limits: HazardLimits) -> HazardMaps:
    """Compute every hazard mask for a DEM in a metric CRS."""
    nodata = ~np.isfinite(dem.elevation)
    res = dem.resolution
    slope = analysis.slope_deg(dem, scale_m=limits.nav_scale_m / 2)
    with np.errstate(invalid="ignore"):
        flight_slope = np.nan_to_num(slope, nan=0.0) > limits.nav_max_slope_deg
    follow = np.zeros(dem.shape, dtype=bool)
    filled: NDArray[np.float32] | None = None
    for max_slope, band in ((limits.follow_climb_slope_deg, limits.follow_climb_band_m),
                            (limits.follow_descent_slope_deg, limits.follow_descent_band_m)):
        if max_slope >= 90 or not np.isfinite(band):
            continue
        # A ramp steeper than the vehicle can follow, over the distance in which the height
        # band is used up, rising or falling more than the band.
        steep = np.nan_to_num(slope, nan=0.0) > max_slope
        if not steep.any():
            continue
        if filled is None:
            filled = np.where(nodata, np.nanmean(dem.elevation), dem.elevation) \
                .astype(np.float32)
        reach = band / np.tan(np.radians(max_slope))
        size = max(int(np.ceil(reach / res)) | 1, 3)
        follow |= steep & (_relief(filled, size) > band)
    if limits.nav_min_texture_m > 0:
        tex = analysis.texture(dem, window_m=limits.nav_texture_window_m)
        low = (np.nan_to_num(tex, nan=np.inf) < limits.nav_min_texture_m) & ~nodata
        # A featureless patch blinds the navigation camera only if it fills much of the view:
        # keep patches at least a texture window across (a morphological opening).
        k = max(round(limits.nav_texture_window_m / res), 1)
        opened = ndimage.maximum_filter(ndimage.minimum_filter(low.view(np.uint8), size=k),
                                        size=k)  # separable square opening
        flight_texture = opened.astype(bool)
    else:
        tex = np.full(dem.shape, np.nan, dtype=np.float32)
        flight_texture = np.zeros(dem.shape, dtype=bool)

    gear = max(2 * limits.landing_clear_radius_m, 2 * res)
    land_slope = analysis.slope_deg(dem, scale_m=gear / 4)
    # RMS relief over the landing gear's footprint (at least 3 x 3 cells, so one cell's noise
    # does not decide), about a surface smoothed at the gear's scale.
    rough = analysis.roughness(dem, window_m=max(gear, 3 * res), detrend_m=max(gear, 2 * res))
    reason = np.zeros(dem.shape, dtype=np.int8)
    reason[np.nan_to_num(rough, nan=0.0) > limits.landing_max_roughness_m] = 3
    reason[np.nan_to_num(land_slope, nan=0.0) > limits.landing_max_slope_deg] = 2
    unknown = nodata | ~np.isfinite(land_slope) | ~np.isfinite(rough)
    reason[unknown] = 1
    bad = reason > 0
    # A spot is safe only with a clear circle of the given radius around it, inside the grid:
    # grow every hazard (and the grid's edge) by a disk of that radius.
    edge = np.zeros(dem.shape, dtype=bool)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    r = limits.landing_clear_radius_m / res
    k = int(np.floor(r))
    yy, xx = np.mgrid[-k:k + 1, -k:k + 1]
    disk = (xx * xx + yy * yy) <= r * r + 1e-9
    near = ndimage.binary_dilation(bad | edge, structure=disk) if k >= 1 else (bad | edge)
    crowded = (~bad) & near
    reason[crowded] = 4
    return HazardMaps(dem=dem, limits=limits, flight_slope=flight_slope, flight_follow=follow,
                      flight_texture=flight_texture, nodata=nodata, landing=reason > 0,
                      landing_reason=reason, slope_deg=slope, landing_slope_deg=land_slope,
                      roughness_m=rough, texture_m=tex)


def _relief(z: NDArray[np.float32], size: int) -> NDArray[np.float32]:
    """Highest minus lowest ground in a ``size``-cell square around each cell, or more.

    Wide windows are taken over blocks of cells (each block's highest and lowest), which covers
    at least the square: the relief can only come out larger, so hazards stay conservative.
    """
    block = max(1, size // 8)
    if block == 1:
        return np.asarray(ndimage.maximum_filter(z, size=size) -
                          ndimage.minimum_filter(z, size=size), dtype=np.float32)
    rows, cols = z.shape
    pr, pc = -rows % block, -cols % block
    padded = np.pad(z, ((0, pr), (0, pc)), mode="edge")
    shaped = padded.reshape(padded.shape[0] // block, block, padded.shape[1] // block, block)
    hi, lo = shaped.max(axis=(1, 3)), shaped.min(axis=(1, 3))
    k = size // block + 2  # blocks that cover the window wherever a cell sits in its block
    span = ndimage.maximum_filter(hi, size=k) - ndimage.minimum_filter(lo, size=k)
    full = np.repeat(np.repeat(span, block, axis=0), block, axis=1)
    return np.asarray(full[:rows, :cols], dtype=np.float32)


def mask_to_polygons(dem: DEM, mask: NDArray[np.bool_], *, grow: float = 0.0,
                     simplify: float | None = None) -> MultiPolygon:
    """Polygons covering every True cell of ``mask``, conservatively simplified.

    The cells' outlines are grown by ``grow`` plus the simplification tolerance before
    simplifying, so the result always covers the cells in full: simplifying moves a boundary
    by at most its tolerance (Douglas-Peucker).
    """
    from rasterio import features

    if not mask.any():
        return MultiPolygon()
    tol = dem.resolution if simplify is None else simplify
    geoms = [shape(g) for g, v in features.shapes(mask.astype(np.uint8), mask=mask,
                                                   transform=dem.transform, connectivity=8)
             if v == 1]
    merged = shapely.union_all(geoms)
    grown = merged.buffer(grow + 1.05 * tol, quad_segs=2, join_style="mitre", mitre_limit=2.0)
    simple = grown.simplify(tol, preserve_topology=True)
    simple = simple.union(merged.buffer(grow, quad_segs=2)) if not simple.covers(merged) \
        else simple
    return _as_multipolygon(simple)


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    if geom.is_empty:
        return MultiPolygon()
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    if isinstance(geom, MultiPolygon):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(polys)


def polygons_mask(dem: DEM, geom: BaseGeometry) -> NDArray[np.bool_]:
    """Rasterise polygons onto the DEM's grid: True for every cell the polygons touch."""
    from rasterio import features

    if geom.is_empty:
        return np.zeros(dem.shape, dtype=bool)
    return np.asarray(features.rasterize([(geom, 1)], out_shape=dem.shape,
                                         transform=dem.transform, all_touched=True,
                                         dtype=np.uint8).astype(bool))


def nearest_safe_landing(maps: HazardMaps, x: float, y: float, *,
                         max_distance_m: float) -> tuple[float, float] | None:
    """The centre of the nearest safe landing cell to ``(x, y)`` within ``max_distance_m``.

    Returns ``None`` when there is none. The point itself is returned when it is safe.
    """
    dem = maps.dem
    row, col = dem.rowcol(x, y)
    k = int(np.ceil(max_distance_m / dem.resolution)) + 1
    r0, c0 = int(np.rint(row)), int(np.rint(col))
    rs, re = max(r0 - k, 0), min(r0 + k + 1, dem.shape[0])
    cs, ce = max(c0 - k, 0), min(c0 + k + 1, dem.shape[1])
    if rs >= re or cs >= ce:
        return None
    safe = ~maps.landing[rs:re, cs:ce]
    if not safe.any():
        return None
    rr, cc = np.nonzero(safe)
    px, py = dem.xy(rr + rs, cc + cs)
    d = np.hypot(px - x, py - y)
    i = int(np.argmin(d))
    if d[i] > max_distance_m:
        return None
    return float(px[i]), float(py[i])
