"""Hazards read off the terrain, as raster masks, polygons and reasons with figures.

Three kinds, each for the limits a caller gives (the terrain layer knows no vehicles):

- flight hazards: ground too steep for a downward-looking navigation filter that assumes flat
  ground, ground too featureless for its camera to track, and unknown ground (nodata);
- landing hazards: slope or roughness above the limits, unknown ground, or too small a clear
  circle around a spot;
- keep-out polygons come from the mission; :func:`polygons_mask` rasterises them for checks
  that must not share the polygon code path.

Each is judged only as far as the data can see it, and :class:`Assessment` says how far that is:

- **Texture** is a property of images, not of a DEM's micro-relief: it is read from an
  orthoimage (local contrast at the navigation camera's scale, :func:`terrain.analysis.
  image_contrast`) and from ground the mission marks featureless. With neither it is not
  assessed, and never a hazard.
- **Slope** is judged at the scale the limits name, widened only as far as needed to stand
  :data:`NOISE_SIGMAS` standard deviations of the DEM's slope noise below the limit, and the
  noise's expected contribution is taken out (the measured squared slope less twice each
  component's noise variance).
- **Roughness** (RMS relief about the surface at the gear's scale) has the noise's expected mean
  square taken out, and counts only above what noise alone reaches. Rocks smaller than the DEM
  can see (posts too coarse, or precision too poor) are *not assessed*, never *safe*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import cached_property

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from terrain import analysis
from terrain.dem import DEM, Image, metric_pixel_size, reproject_array

NOISE_SIGMAS = 4.0
"""How far above its noise a DEM measure must stand to be read as a hazard.

Four standard deviations: noise alone then exceeds a slope limit in about one cell in a thousand
(the debiased magnitude of a 2-D Gaussian vector passes ``4 s`` with probability ``exp(-7)``).
"""

ROCK_RESOLVE_POSTS = 3.0
"""A rock shows in a DEM when it is at least this many posts across: two is the sampling limit,
and stereo matching smooths relief over a few posts (FACTS: HiRISE DTMs)."""

ROCK_HEIGHT_TO_DIAMETER = 0.5
"""Typical rock height over diameter on Mars (Golombek et al. 2003, JGR 108(E12) 8086, for MER
landing safety); used to turn the smallest rock a DEM can resolve across into a height."""

@dataclass(frozen=True)
class HazardLimits:
    """The limits that make ground hazardous, in metres, degrees and fractions.

    Attributes
    ----------
    nav_max_slope_deg
        Steepest ground the navigation can fly over, at the ``nav_scale_m`` scale.
    nav_scale_m
        The scale over which slope is judged for flight (about the camera footprint): the
        surface is smoothed by a Gaussian of half this before its slope is taken.
    nav_min_contrast
        Least local image contrast (RMS detail over mean grey level, a fraction: 0.03 is 3 %)
        the navigation camera needs; 0 when the vehicle needs no ground texture.
    nav_texture_feature_m
        Size on the ground of the features the navigation camera tracks (a few of its pixels
        at cruise height); contrast is measured in detail this fine, or as fine as the image
        holds when its pixels are coarser.
    nav_texture_window_m
        The window over which contrast is measured, and the least width of a featureless patch
        that is a hazard (the camera sees textured ground around a smaller one).
    fly_over_nodata
        Whether unknown ground may be flown over (never landed on).
    landing_max_slope_deg
        Steepest ground to land on, at the scale of the landing gear.
    landing_max_roughness_m
        Largest RMS relief (rocks) under the landing gear.
    landing_clear_radius_m
        Radius of the circle that must be free of landing hazards around a landing spot.
    """

    nav_max_slope_deg: float = 20.0
    nav_scale_m: float = 4.0
    nav_texture_window_m: float = 8.0
    fly_over_nodata: bool = False
    landing_max_slope_deg: float = 10.0
    landing_max_roughness_m: float = 0.1
    landing_clear_radius_m: float = 2.0
    nav_min_contrast: float = 0.0
    nav_texture_feature_m: float = 0.0

    @property
    def needs_texture(self) -> bool:
        """Whether the navigation needs ground texture at all."""
        return self.nav_min_contrast > 0

    @property
    def min_contrast(self) -> float:
        """The contrast limit in force."""
        return self.nav_min_contrast


class TextureSource(StrEnum):
    """Where the texture hazard was read from."""

    IMAGE = "image"
    POLYGONS = "polygons"
    NOT_ASSESSED = "not assessed"
    NOT_REQUIRED = "not required"


@dataclass(frozen=True)
class TextureStatus:
    """How texture was judged.

    Attributes
    ----------
    source
        From an image (and any marked ground), from marked ground only, not assessed, or not
        required by the limits.
    min_contrast
        The contrast limit (fraction).
    feature_m
        The scale of detail contrast was measured at: the limits' feature size, or the
        image's two pixels when they are coarser.
    window_m
        Window and least patch width.
    image
        The image's source, if any.
    image_pixel_m
        The image's ground pixel size (the coarser axis).
    unknown_fraction
        Share of the DEM's known cells where the image has no data (texture unknown there).
    requested_feature_m
        The feature size the limits asked for.
    """

    source: TextureSource
    min_contrast: float = 0.0
    feature_m: float = 0.0
    window_m: float = 0.0
    image: str | None = None
    image_pixel_m: float | None = None
    unknown_fraction: float = 0.0
    requested_feature_m: float = 0.0

    def note(self) -> str:
        """One sentence for a plan's warnings ("" when nothing needs saying)."""
        if self.source is TextureSource.NOT_REQUIRED:
            return ""
        if self.source is TextureSource.NOT_ASSESSED:
            return ("ground texture for the navigation camera is not assessed (no orthoimage "
                    "and no ground marked featureless): no area was refused for it")
        if self.source is TextureSource.POLYGONS:
            return ("ground texture is judged only from ground the mission marks featureless "
                    "(no orthoimage)")
        parts = []
        if 0 < self.requested_feature_m < self.feature_m - 1e-9:
            parts.append(f"image contrast read in detail of {self.feature_m:.2g} m, coarser "
                         f"than the {self.requested_feature_m:.2g} m features the navigation "
                         f"camera tracks (the image's pixels are {self.image_pixel_m:.2g} m; "
                         f"reading them needs pixels of "
                         f"{self.requested_feature_m / 2:.2g} m or finer, two to a feature)")
        if self.unknown_fraction > 0:
            parts.append(f"texture unknown on {100 * self.unknown_fraction:.1f} % of the area "
                         f"(nodata in the image)")
        return "; ".join(parts)


@dataclass(frozen=True)
class SlopeStatus:
    """The scale a slope limit was judged at, and the DEM's slope noise there.

    Attributes
    ----------
    limit_deg
        The limit.
    named_scale_m
        The scale the limits name (Gaussian smoothing, 1 sigma, in metres).
    scale_m
        The scale used: the named one, widened until the noise stands :data:`NOISE_SIGMAS`
        below the limit.
    noise_deg
        One standard deviation of each slope component from DEM noise at ``scale_m``.
    posts_m
        The DEM's post spacing: slopes narrower than this are not seen at all.
    """

    limit_deg: float
    named_scale_m: float
    scale_m: float
    noise_deg: float
    posts_m: float

    @property
    def widened(self) -> bool:
        """Whether noise forced a wider scale than named."""
        return self.scale_m > self.named_scale_m * 1.001

    def note(self, what: str) -> str:
        """One sentence for a plan's warnings ("" when nothing needs saying).

        Nothing for a limit of 90° or more: no ground is steeper, so there is no slope limit
        (the Mavic 3's GNSS navigation) and its scale or posts cannot matter.
        """
        if self.limit_deg >= 90.0:
            return ""
        if self.widened:
            return (f"{what} slope judged over {self.scale_m:.1f} m instead of "
                    f"{self.named_scale_m:.1f} m: the DEM's noise would read as "
                    f"{NOISE_SIGMAS * self.noise_deg:.1f} deg of slope at the finer scale")
        if self.posts_m > 2 * self.named_scale_m:
            return (f"{what} slope at {self.named_scale_m:.1f} m judged from "
                    f"{self.posts_m:.1f} m posts: steep ground narrower than that is not seen")
        return ""


@dataclass(frozen=True)
class RockStatus:
    """What the DEM can see of rocks under the landing gear.

    Attributes
    ----------
    limit_m
        The landing roughness limit (RMS relief, metres).
    visible_from_m
        Height of the smallest rock the DEM can show: :data:`ROCK_RESOLVE_POSTS` posts across at
        :data:`ROCK_HEIGHT_TO_DIAMETER`, and :data:`NOISE_SIGMAS` precisions tall.
    noise_floor_m
        RMS relief that noise alone can reach (after its expected part is taken out); roughness
        is a hazard only above both this and the limit.
    """

    limit_m: float
    visible_from_m: float
    noise_floor_m: float

    @property
    def assessed(self) -> bool:
        """Whether rocks of the limit's size are within what the DEM sees."""
        return self.visible_from_m <= self.limit_m and self.noise_floor_m <= self.limit_m

    def note(self) -> str:
        """One sentence for a plan's warnings ("" when nothing needs saying)."""
        if self.assessed:
            return ""
        return (f"rocks below {max(self.visible_from_m, self.noise_floor_m):.2g} m are not "
                f"assessed: the DEM cannot show them (the landing limit is "
                f"{self.limit_m:g} m); landing sites need an orthoimage or a survey for rocks")


@dataclass(frozen=True)
class Assessment:
    """What the hazard maps could judge, and what they could not."""

    precision_m: float
    precision_note: str
    posts_m: float
    texture: TextureStatus
    flight_slope: SlopeStatus
    landing_slope: SlopeStatus
    rocks: RockStatus

    def notes(self) -> list[str]:
        """Sentences a plan should carry as warnings."""
        out = [self.texture.note(), self.flight_slope.note("flight"),
               self.landing_slope.note("landing"), self.rocks.note()]
        return [s for s in out if s]


@dataclass(frozen=True)
class Reason:
    """Why ground is a hazard: which one, its figure and the limit it passes.

    Attributes
    ----------
    hazard
        ``"slope"``, ``"featureless"``, ``"nodata"``, ``"roughness"``, ``"clear_radius"``,
        or ``"outside"``.
    value, limit
        The figure and its limit, in ``unit`` (``None`` where there is no figure).
    unit
        ``"deg"``, ``"%"`` or ``"m"`` ("" when there is no figure).
    phrase
        The same in words, e.g. "slope 24° above the 20° limit".
    fraction
        For a region, the share of its hazard cells where this hazard bites.
    """

    hazard: str
    value: float | None
    limit: float | None
    unit: str
    phrase: str
    fraction: float | None = None

    def __str__(self) -> str:
        return self.phrase


def _num(value: float, limit: float) -> str:
    return f"{value:.1f}" if abs(value - limit) < 1 or abs(value) < 10 else f"{value:.0f}"


def _slope_reason(deg: float, limit: float, *, up_to: bool = False) -> Reason:
    word = "up to " if up_to else ""
    return Reason("slope", deg, limit, "deg",
                  f"slope {word}{_num(deg, limit)}° above the {limit:g}° limit")


def _contrast_reason(contrast: float, limit: float, *, down_to: bool = False) -> Reason:
    pct, lim = 100 * contrast, 100 * limit
    word = "down to " if down_to else ""
    return Reason("featureless", pct, lim, "%",
                  f"featureless ground (image contrast {word}{pct:.1f} % below {lim:g} %)")


MARKED_FEATURELESS = Reason("featureless", None, None, "",
                            "featureless ground (marked so by the mission)")
NODATA = Reason("nodata", None, None, "", "unknown ground (nodata)")
OUTSIDE = Reason("outside", None, None, "", "outside the terrain")


def _rough_reason(value: float, limit: float, *, up_to: bool = False) -> Reason:
    word = "up to " if up_to else ""
    return Reason("roughness", value, limit, "m",
                  f"rocks or rough ground (relief {word}{value:.2f} m RMS above the "
                  f"{limit:g} m limit)")


class LandingCode(IntEnum):
    """Per-cell landing verdict in :attr:`HazardMaps.landing_reason`."""

    SAFE = 0
    NODATA = 1
    SLOPE = 2
    ROUGHNESS = 3
    CLEAR_RADIUS = 4


@dataclass(frozen=True, eq=False)
class HazardMaps:
    """Boolean masks on the DEM's grid (True = hazard), the measures behind them, what was seen.

    ``flight_slope_t2`` and ``landing_slope_t2`` are squared slopes (rise over run) with the
    DEM noise's expected part taken out; ``roughness_m`` likewise; ``contrast`` is the image
    contrast on the DEM's grid (NaN where unknown or not assessed).
    """

    dem: DEM
    limits: HazardLimits
    flight_slope: NDArray[np.bool_]
    flight_texture: NDArray[np.bool_]
    nodata: NDArray[np.bool_]
    landing: NDArray[np.bool_]
    landing_reason: NDArray[np.int8]
    flight_slope_t2: NDArray[np.float32]
    landing_slope_t2: NDArray[np.float32]
    roughness_m: NDArray[np.float32]
    contrast: NDArray[np.float32]
    marked_featureless: NDArray[np.bool_]
    assessment: Assessment

    @cached_property
    def flight(self) -> NDArray[np.bool_]:
        """Cells the vehicle must not fly over."""
        out = self.flight_slope | self.flight_texture
        if not self.limits.fly_over_nodata:
            out = out | self.nodata
        return out

    @cached_property
    def slope_deg(self) -> NDArray[np.float32]:
        """Slope at the flight scale, in degrees (noise's expected part taken out)."""
        return np.degrees(np.arctan(np.sqrt(self.flight_slope_t2))).astype(np.float32)

    @cached_property
    def landing_slope_deg(self) -> NDArray[np.float32]:
        """Slope at the landing gear's scale, in degrees (noise's expected part taken out)."""
        return np.degrees(np.arctan(np.sqrt(self.landing_slope_t2))).astype(np.float32)

    @property
    def texture_status(self) -> TextureSource:
        """Where texture was judged from (image, polygons only, not assessed, not required)."""
        return self.assessment.texture.source

    def flight_at(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether points lie on a flight-hazard cell (or outside the grid)."""
        return _lookup(self.dem, self.flight, x, y)

    def landing_at(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether points are unsafe to land on (or outside the grid)."""
        return _lookup(self.dem, self.landing, x, y)

    def _cell(self, x: float, y: float) -> tuple[int, int] | None:
        row, col = self.dem.rowcol(x, y)
        r, c = int(np.rint(row)), int(np.rint(col))
        if not (0 <= r < self.dem.shape[0] and 0 <= c < self.dem.shape[1]):
            return None
        return r, c

    def _flight_cell_reasons(self, r: int, c: int) -> list[Reason]:
        lim = self.limits
        out: list[Reason] = []
        if self.nodata[r, c]:
            if not lim.fly_over_nodata:
                out.append(NODATA)
            return out
        if self.flight_slope[r, c]:
            out.append(_slope_reason(float(self.slope_deg[r, c]), lim.nav_max_slope_deg))
        if self.flight_texture[r, c]:
            if self.marked_featureless[r, c]:
                out.append(MARKED_FEATURELESS)
            else:
                out.append(_contrast_reason(float(self.contrast[r, c]), lim.min_contrast))
        return out

    def flight_reasons_at(self, x: float, y: float) -> list[Reason]:
        """Why the vehicle may not fly over a point (empty when it may)."""
        cell = self._cell(x, y)
        if cell is None:
            return [OUTSIDE]
        return self._flight_cell_reasons(*cell)

    def flight_reasons_in(self, region: NDArray[np.bool_] | BaseGeometry) -> list[Reason]:
        """The flight hazards in a region, each with its worst figure and its share of cells.

        ``region`` is a mask on the DEM's grid or polygons (cells they touch). The result is
        ordered by how many of the region's hazard cells each hazard covers, most first.
        """
        mask = region if isinstance(region, np.ndarray) else polygons_mask(self.dem, region)
        lim = self.limits
        bad = mask & self.flight
        n = int(bad.sum())
        if n == 0:
            return []
        found: list[tuple[int, Reason]] = []
        if not lim.fly_over_nodata:
            k = int((bad & self.nodata).sum())
            if k:
                found.append((k, _with_fraction(NODATA, k / n)))
        sl = bad & self.flight_slope
        if sl.any():
            worst = float(np.max(self.slope_deg[sl]))
            found.append((int(sl.sum()), _with_fraction(
                _slope_reason(worst, lim.nav_max_slope_deg, up_to=True), sl.sum() / n)))
        marked = bad & self.flight_texture & self.marked_featureless
        if marked.any():
            found.append((int(marked.sum()), _with_fraction(MARKED_FEATURELESS,
                                                            marked.sum() / n)))
        imaged = bad & self.flight_texture & ~self.marked_featureless
        if imaged.any():
            vals = self.contrast[imaged]
            worst = float(np.nanmin(vals)) if np.isfinite(vals).any() else 0.0
            found.append((int(imaged.sum()), _with_fraction(
                _contrast_reason(worst, lim.min_contrast, down_to=True), imaged.sum() / n)))
        found.sort(key=lambda t: -t[0])
        return [r for _, r in found]

    def _landing_cell_reasons(self, r: int, c: int) -> list[Reason]:
        lim = self.limits
        code = int(self.landing_reason[r, c])
        out: list[Reason] = []
        if code == LandingCode.NODATA:
            return [NODATA]
        slope = float(self.landing_slope_deg[r, c])
        if slope > lim.landing_max_slope_deg and code in (LandingCode.SLOPE,
                                                          LandingCode.ROUGHNESS):
            out.append(_slope_reason(slope, lim.landing_max_slope_deg))
        if code == LandingCode.ROUGHNESS or (code == LandingCode.SLOPE and
                                             self._rough_bad(r, c)):
            out.append(_rough_reason(float(self.roughness_m[r, c]), lim.landing_max_roughness_m))
        return out

    def _rough_bad(self, r: int, c: int) -> bool:
        floor = self.assessment.rocks.noise_floor_m
        return bool(self.roughness_m[r, c] > max(self.limits.landing_max_roughness_m, floor))

    def landing_reasons_at(self, x: float, y: float) -> list[Reason]:
        """Why a point is unsafe to land on (empty when it is safe), with figures."""
        cell = self._cell(x, y)
        if cell is None:
            return [OUTSIDE]
        r, c = cell
        code = int(self.landing_reason[r, c])
        if code == LandingCode.SAFE:
            return []
        if code != LandingCode.CLEAR_RADIUS:
            return self._landing_cell_reasons(r, c)
        return [self._crowded_reason(r, c)]

    def _crowded_reason(self, r: int, c: int) -> Reason:
        """The nearest hazard inside the clear circle around a cell, with its distance."""
        dem, radius = self.dem, self.limits.landing_clear_radius_m
        k = int(np.ceil(radius / dem.resolution)) + 1
        r0, r1 = max(r - k, 0), min(r + k + 1, dem.shape[0])
        c0, c1 = max(c - k, 0), min(c + k + 1, dem.shape[1])
        sub = self.landing_reason[r0:r1, c0:c1]
        rr, cc = np.nonzero((sub > 0) & (sub != LandingCode.CLEAR_RADIUS))
        edge = min(r, c, dem.shape[0] - 1 - r, dem.shape[1] - 1 - c) * dem.resolution
        if len(rr):
            d = np.hypot(rr + r0 - r, cc + c0 - c) * dem.resolution
            i = int(np.argmin(d))
            if d[i] <= edge or edge > radius:
                near = self._landing_cell_reasons(int(rr[i] + r0), int(cc[i] + c0))
                what = near[0].phrase if near else "a landing hazard"
                return Reason("clear_radius", float(d[i]), radius, "m",
                              f"too close to a hazard: {what} {d[i]:.1f} m away, inside the "
                              f"{radius:g} m clear circle")
        return Reason("clear_radius", edge, radius, "m",
                      f"too close to the edge of the terrain ({edge:.1f} m, inside the "
                      f"{radius:g} m clear circle)")

    def landing_reason_at(self, x: float, y: float) -> str:
        """Why a spot is unsafe to land on, in words with figures ("" when it is safe)."""
        return "; ".join(r.phrase for r in self.landing_reasons_at(x, y))

    def flight_reason_at(self, x: float, y: float) -> str:
        """Why a point may not be flown over, in words with figures ("" when it may)."""
        return "; ".join(r.phrase for r in self.flight_reasons_at(x, y))


def _with_fraction(reason: Reason, fraction: float) -> Reason:
    return Reason(reason.hazard, reason.value, reason.limit, reason.unit, reason.phrase,
                  float(fraction))


def _lookup(dem: DEM, mask: NDArray[np.bool_], x: NDArray[np.float64],
            y: NDArray[np.float64]) -> NDArray[np.bool_]:
    row, col = dem.rowcol(x, y)
    r = np.rint(row).astype(np.intp)
    c = np.rint(col).astype(np.intp)
    inside = (r >= 0) & (r < dem.shape[0]) & (c >= 0) & (c < dem.shape[1])
    out = np.ones(np.shape(r), dtype=bool)
    out[inside] = mask[r[inside], c[inside]]
    return out


def noise_bound(filled: NDArray[np.float32], dem: DEM) -> float:
    """The most random vertical error a DEM's own finest relief leaves room for, in metres.

    Noise adds to the relief a one-pixel high-pass keeps; the robust RMS of that residual
    (1.4826 times its median absolute value, over at most the central 1024 x 1024 cells, so
    rocks and cliffs do not count) over the noise's gain through the same filter bounds the
    noise, for noise correlated as :data:`~terrain.analysis.NOISE_CORRELATION_POSTS` assumes.
    """
    rows, cols = filled.shape
    r0, c0 = max((rows - 1024) // 2, 0), max((cols - 1024) // 2, 0)
    crop = filled[r0:r0 + 1024, c0:c0 + 1024]
    resid = crop - np.asarray(analysis.smooth(crop, 1.0))
    robust = 1.4826 * float(np.median(np.abs(resid[2:-2, 2:-2])))
    corr_px = analysis.NOISE_CORRELATION_POSTS * dem.posts_m / dem.resolution
    gain = analysis.residual_noise(1.0, detrend_px=1.0, corr_px=corr_px)
    return robust / gain if gain > 0 else float("inf")


def _precision(filled: NDArray[np.float32], dem: DEM) -> tuple[float, str]:
    """The DEM's precision: the stated one, or the default rule capped by :func:`noise_bound`."""
    if dem.vertical_precision_m is not None or dem.posts_m > 1.5 * dem.resolution:
        # A grid finer than its posts holds interpolation, not noise, at its finest scale.
        return dem.precision_m, dem.precision_note
    bound = noise_bound(filled, dem)
    if bound < dem.precision_m:
        return bound, (f"{dem.precision_note}, capped at {bound:.2g} m by the DEM's own "
                       f"finest relief")
    return dem.precision_m, dem.precision_note


def _judge_slope(filled: NDArray[np.float32], dem: DEM, *, limit_deg: float,
                 sigma_m: float, sz: float) -> tuple[NDArray[np.float32], SlopeStatus]:
    """Squared slope at the named scale (widened above noise), noise's expected part removed."""
    res = dem.resolution
    corr_px = analysis.NOISE_CORRELATION_POSTS * dem.posts_m / res
    sigma_px = max(sigma_m / res, 0.0)
    tan_lim = math.tan(math.radians(min(limit_deg, 89.9)))
    noise = analysis.slope_noise(sz, res, sigma_px=sigma_px, corr_px=corr_px)
    cap = max(filled.shape) / 8
    while NOISE_SIGMAS * noise > tan_lim and sigma_px < cap:
        sigma_px = max(sigma_px * 1.2, sigma_px + 0.25)
        noise = analysis.slope_noise(sz, res, sigma_px=sigma_px, corr_px=corr_px)
    g2 = analysis.gradient_squared(filled, res, sigma_px)
    if noise > 0:
        g2 -= np.float32(2 * noise * noise)
        np.maximum(g2, 0, out=g2)
    status = SlopeStatus(limit_deg=limit_deg, named_scale_m=sigma_m, scale_m=sigma_px * res,
                         noise_deg=math.degrees(math.atan(noise)), posts_m=dem.posts_m)
    return g2, status


def _judge_roughness(filled: NDArray[np.float32], dem: DEM, limits: HazardLimits, *,
                     sz: float) -> tuple[NDArray[np.float32], RockStatus]:
    """RMS relief under the gear with noise's expected part removed, and what rocks it sees."""
    res = dem.resolution
    gear = max(2 * limits.landing_clear_radius_m, 2 * res)
    # RMS relief over the landing gear's footprint (at least 3 x 3 cells, so one cell's noise
    # does not decide), about a surface smoothed at the gear's scale.
    window_px = max(round(max(gear, 3 * res) / res), 1)
    detrend_px = max(gear, 2 * res) / res
    ms = analysis.mean_square_residual(filled, detrend_px=detrend_px, window_px=window_px)
    corr_px = analysis.NOISE_CORRELATION_POSTS * dem.posts_m / res
    n2 = analysis.residual_noise(sz, detrend_px=detrend_px, corr_px=corr_px) ** 2
    # Noise alone makes the window's mean square wander by n2 * sqrt(2 / N) about n2, N the
    # independent samples in the window (fewer when the noise is correlated).
    n_eff = max(window_px * window_px / max(1.0, 4 * math.pi * corr_px * corr_px), 1.0)
    floor = math.sqrt(NOISE_SIGMAS * n2 * math.sqrt(2 / n_eff))
    if n2 > 0:
        ms -= np.float32(n2)
    rough = np.sqrt(np.maximum(ms, 0, out=ms), out=ms)
    visible = max(ROCK_RESOLVE_POSTS * dem.posts_m * ROCK_HEIGHT_TO_DIAMETER, NOISE_SIGMAS * sz)
    return rough, RockStatus(limit_m=limits.landing_max_roughness_m, visible_from_m=visible,
                             noise_floor_m=floor)


def _texture(dem: DEM, limits: HazardLimits, image: Image | None,
             nodata: NDArray[np.bool_], marked: NDArray[np.bool_]
             ) -> tuple[NDArray[np.bool_], NDArray[np.float32], TextureStatus]:
    """Featureless ground from the image's contrast and the marked ground."""
    from scipy import ndimage

    contrast = np.full(dem.shape, np.nan, dtype=np.float32)
    window = limits.nav_texture_window_m
    if not limits.needs_texture:
        return np.zeros(dem.shape, dtype=bool), contrast, \
            TextureStatus(TextureSource.NOT_REQUIRED)
    flight = marked & ~nodata
    if image is None:
        source = TextureSource.POLYGONS if marked.any() else TextureSource.NOT_ASSESSED
        return flight, contrast, TextureStatus(source, min_contrast=limits.min_contrast,
                                               window_m=window)
    pixel = metric_pixel_size(image, dem.crs)
    c = analysis.image_contrast(image.grey, pixel_m=pixel, feature_m=limits.nav_texture_feature_m,
                                window_m=window)
    if image.same_grid(dem):
        contrast = c
    else:
        finer = max(pixel) * 1.5 < dem.resolution
        contrast = reproject_array(c, image.transform, image.crs, dst_transform=dem.transform,
                                   dst_crs=dem.crs, shape=dem.shape,
                                   resampling="average" if finer else "bilinear")
    with np.errstate(invalid="ignore"):
        low = (contrast < np.float32(limits.min_contrast)) & ~nodata
    # A featureless patch blinds the navigation camera only if it fills much of the view:
    # keep patches at least a texture window across (a morphological opening).
    k = max(round(window / dem.resolution), 1)
    opened = ndimage.maximum_filter(ndimage.minimum_filter(low.view(np.uint8), size=k), size=k)
    flight |= opened.astype(bool)
    known = ~nodata
    unknown = known & ~np.isfinite(contrast)
    frac = float(unknown.sum() / max(int(known.sum()), 1))
    feature = max(limits.nav_texture_feature_m, 2 * max(pixel))
    return flight, contrast, TextureStatus(
        TextureSource.IMAGE, min_contrast=limits.min_contrast, feature_m=feature,
        window_m=window, image=image.source, image_pixel_m=max(pixel), unknown_fraction=frac,
        requested_feature_m=limits.nav_texture_feature_m)


def assess(dem: DEM, limits: HazardLimits, *, image: Image | None = None,
           featureless: BaseGeometry | NDArray[np.bool_] | None = None) -> HazardMaps:
    """Compute every hazard mask for a DEM in a metric CRS.

    Parameters
    ----------
    dem
        The terrain, in a metric CRS; its :attr:`~terrain.dem.DEM.precision_m` sets how far
        above noise slope and roughness must stand.
    limits
        The vehicle's limits, as plain values.
    image
        An orthoimage of the area in any CRS (best on its own grid, see
        :func:`terrain.dem.read_image`); texture is read from it. Without it (and without
        ``featureless``) texture is not assessed and never a hazard.
    featureless
        Ground to treat as featureless whatever the image shows: polygons in the DEM's CRS or a
        mask on its grid.
    """
    from scipy import ndimage

    nodata = ~np.isfinite(dem.elevation)
    filled, _ = analysis._filled(dem.elevation)
    near_nodata = ndimage.binary_dilation(nodata) if nodata.any() else nodata
    sz, precision_note = _precision(filled, dem)

    sigma_nav = limits.nav_scale_m / 2
    nav_t2, nav_status = _judge_slope(filled, dem, limit_deg=limits.nav_max_slope_deg,
                                      sigma_m=sigma_nav, sz=sz)
    tan_nav = math.tan(math.radians(min(limits.nav_max_slope_deg, 89.99)))
    flight_slope = (nav_t2 > np.float32(tan_nav * tan_nav)) & ~near_nodata
    nav_t2[near_nodata] = np.nan

    if featureless is None:
        marked = np.zeros(dem.shape, dtype=bool)
    elif isinstance(featureless, np.ndarray):
        if featureless.shape != dem.shape:
            raise ValueError("a featureless mask must have the DEM's shape")
        marked = featureless.astype(bool)
    else:
        marked = polygons_mask(dem, featureless)
    flight_texture, contrast, tex_status = _texture(dem, limits, image, nodata, marked)

    gear = max(2 * limits.landing_clear_radius_m, 2 * dem.resolution)
    land_t2, land_status = _judge_slope(filled, dem, limit_deg=limits.landing_max_slope_deg,
                                        sigma_m=gear / 4, sz=sz)
    rough, rocks = _judge_roughness(filled, dem, limits, sz=sz)
    del filled
    window_px = max(round(max(gear, 3 * dem.resolution) / dem.resolution), 1)
    rough_unknown = ndimage.maximum_filter(nodata, size=window_px + 2) if nodata.any() \
        else nodata
    rough[rough_unknown] = np.nan
    land_t2[near_nodata] = np.nan

    tan_land = math.tan(math.radians(min(limits.landing_max_slope_deg, 89.99)))
    reason = np.zeros(dem.shape, dtype=np.int8)
    rough_limit = max(limits.landing_max_roughness_m, rocks.noise_floor_m)
    with np.errstate(invalid="ignore"):
        reason[rough > np.float32(rough_limit)] = LandingCode.ROUGHNESS
        reason[land_t2 > np.float32(tan_land * tan_land)] = LandingCode.SLOPE
    reason[nodata | near_nodata | rough_unknown] = LandingCode.NODATA
    bad = reason > 0
    # A spot is safe only with a clear circle of the given radius around it, inside the grid:
    # grow every hazard (and the grid's edge) by a disk of that radius.
    edge = np.zeros(dem.shape, dtype=bool)
    edge[[0, -1], :] = True
    edge[:, [0, -1]] = True
    r = limits.landing_clear_radius_m / dem.resolution
    k = int(np.floor(r))
    yy, xx = np.mgrid[-k:k + 1, -k:k + 1]
    disk = (xx * xx + yy * yy) <= r * r + 1e-9
    near = ndimage.binary_dilation(bad | edge, structure=disk) if k >= 1 else (bad | edge)
    reason[(~bad) & near] = LandingCode.CLEAR_RADIUS
    assessment = Assessment(precision_m=sz, precision_note=precision_note,
                            posts_m=dem.posts_m, texture=tex_status, flight_slope=nav_status,
                            landing_slope=land_status, rocks=rocks)
    return HazardMaps(dem=dem, limits=limits, flight_slope=flight_slope,
                      flight_texture=flight_texture, nodata=nodata, landing=reason > 0,
                      landing_reason=reason, flight_slope_t2=nav_t2, landing_slope_t2=land_t2,
                      roughness_m=rough, contrast=contrast, marked_featureless=marked,
                      assessment=assessment)


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
