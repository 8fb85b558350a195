"""Rasters in a known CRS, elevations and images alike: read by window, reproject, sample, write.

Elevations are metres above the raster's vertical datum (for Mars DEMs from USGS, the Mars 2000
reference sphere or areoid; for Earth, the geoid or ellipsoid the file says). Images are grey
levels in the file's own units (8-bit, 16-bit or float; colour is turned into luminance). Nodata
cells are NaN in memory: unknown ground, which no query treats as flat, safe or textured.

A DEM also carries its vertical precision (metres, one standard deviation) and the spacing of
the posts it was made with, since what can be read off it depends on both: see
:func:`read_dem` for where they come from.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
from affine import Affine
from numpy.typing import ArrayLike, NDArray

from terrain.errors import (
    DEMReadError,
    ImageReadError,
    TerrainCoverageError,
    TerrainError,
    TerrainSizeError,
)

if TYPE_CHECKING:
    from rasterio.io import DatasetReader

Bounds = tuple[float, float, float, float]
"""``(xmin, ymin, xmax, ymax)`` in a raster's CRS."""

DEFAULT_PRECISION_POSTS = 0.25
"""Vertical precision assumed for a DEM that states none, as a fraction of its post spacing.

Stereo DTMs: expected vertical precision EP = rho * GSD / (p/h) (Kirk et al. 2008, JGR 113,
E00A24), with a matching error rho of about 0.2 image pixel, posts about 3 to 4 image pixels apart
and a parallax/height ratio p/h of 0.2 to 0.7: EP is about 0.1 to 0.35 of the post spacing. A
quarter of it gives 0.25 m for a 1 m HiRISE DTM ("tens of centimetres", FACTS) and 5 m for a
20 m CTX DTM ("metres"). An assumption, stated wherever it is used; give the product's own
figure when it has one.
"""

PRECISION_TAG = "VERTICAL_PRECISION_M"
"""The GeoTIFF metadata item plan-flight writes (and reads first) for a DEM's precision."""

# Metadata items read as a DEM's vertical precision, in the default domain or band 1's. No
# standard exists: GDAL exposes no such field, and HiRISE/CTX products state their precision in
# their README or in papers, not in a keyword. These are the names producers use in practice.
_PRECISION_KEYS = (PRECISION_TAG, "VERTICAL_PRECISION", "EXPECTED_VERTICAL_PRECISION",
                   "EXPECTED_PRECISION", "VERTICAL_ACCURACY", "LE68")


class _Grid:
    """Geometry shared by every north-up raster: pixel and CRS coordinates, bilinear sampling."""

    transform: Affine
    crs: pyproj.CRS
    source: str

    def _array(self) -> NDArray[np.floating[Any]]:
        raise NotImplementedError

    def _check(self) -> None:
        if self._array().ndim != 2:
            raise ValueError("a raster must be a 2-D array")
        if self.transform.b != 0 or self.transform.d != 0 or self.transform.e >= 0:
            raise ValueError("only north-up rasters without rotation are supported")

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns."""
        rows, cols = self._array().shape
        return rows, cols

    @property
    def resolution(self) -> float:
        """Pixel size in CRS units (the coarser axis when they differ)."""
        return float(max(abs(self.transform.a), abs(self.transform.e)))

    @property
    def bounds(self) -> Bounds:
        """The outer edges of the grid."""
        rows, cols = self.shape
        x0, y0 = self.transform.c, self.transform.f
        return (x0, y0 + rows * self.transform.e, x0 + cols * self.transform.a, y0)

    def contains(self, x: ArrayLike, y: ArrayLike, *, margin: float = 0.0) -> NDArray[np.bool_]:
        """Whether points lie inside the grid's pixel centres, ``margin`` in from them."""
        xmin, ymin, xmax, ymax = self.bounds
        half = self.resolution / 2 + margin
        xa, ya = np.asarray(x, float), np.asarray(y, float)
        return (xa >= xmin + half) & (xa <= xmax - half) & (ya >= ymin + half) & \
            (ya <= ymax - half)

    def rowcol(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64],
                                                           NDArray[np.float64]]:
        """Fractional (row, col) of points, pixel centres at whole numbers."""
        col = (np.asarray(x, float) - self.transform.c) / self.transform.a - 0.5
        row = (np.asarray(y, float) - self.transform.f) / self.transform.e - 0.5
        return row, col

    def xy(self, row: ArrayLike, col: ArrayLike) -> tuple[NDArray[np.float64],
                                                           NDArray[np.float64]]:
        """CRS coordinates of pixel centres."""
        x = self.transform.c + (np.asarray(col, float) + 0.5) * self.transform.a
        y = self.transform.f + (np.asarray(row, float) + 0.5) * self.transform.e
        return x, y

    def sample(self, x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
        """Value at points by bilinear interpolation between pixel centres.

        NaN outside the grid's pixel centres or where any of the four neighbours is nodata.
        """
        return bilinear(self._array(), *self.rowcol(x, y))

    def same_grid(self, other: _Grid) -> bool:
        """Whether two rasters share CRS, transform and shape (cell for cell)."""
        return (self.shape == other.shape and
                all(math.isclose(a, b, rel_tol=0, abs_tol=1e-9 * max(1.0, abs(a)))
                    for a, b in zip(self.transform[:6], other.transform[:6], strict=True))
                and self.crs == other.crs)

    def _write(self, path: str | Path, data: NDArray[np.floating[Any]],
               tags: dict[str, str]) -> None:
        """Write a float32 GeoTIFF (NaN nodata) atomically."""
        import rasterio

        path = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".tif", dir=path.parent or ".")
        os.close(fd)
        try:
            profile = {
                "driver": "GTiff", "width": self.shape[1], "height": self.shape[0], "count": 1,
                "dtype": "float32", "crs": rasterio.crs.CRS.from_wkt(self.crs.to_wkt()),
                "transform": self.transform, "nodata": float("nan"), "compress": "deflate",
                "tiled": True, "blockxsize": 256, "blockysize": 256,
            }
            with rasterio.open(tmp, "w", **profile) as dst:
                dst.write(data.astype(np.float32), 1)
                if tags:
                    dst.update_tags(**tags)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@dataclass(frozen=True, eq=False)
class DEM(_Grid):
    """Elevations on a north-up grid.

    Attributes
    ----------
    elevation
        2-D float array, row 0 at the north edge; NaN where unknown.
    transform
        The affine pixel-to-CRS transform (pixel corners), north-up (no rotation).
    crs
        The raster's CRS.
    source
        Where it came from (a path, or a description of built-in terrain).
    synthetic
        True for built-in terrain that was made, not measured.
    vertical_precision_m
        One standard deviation of the elevations' random error, in metres; ``None`` when
        unknown (then :attr:`precision_m` assumes :data:`DEFAULT_PRECISION_POSTS`).
    precision_source
        Where :attr:`vertical_precision_m` came from, in words.
    source_resolution_m
        Post spacing of the product the grid was resampled from, in metres; ``None`` when the
        grid is the product's own.
    """

    elevation: NDArray[np.floating[Any]]
    transform: Affine
    crs: pyproj.CRS
    source: str = "<memory>"
    synthetic: bool = False
    vertical_precision_m: float | None = None
    precision_source: str = ""
    source_resolution_m: float | None = None

    def __post_init__(self) -> None:
        self._check()
        if self.vertical_precision_m is not None and not self.vertical_precision_m >= 0:
            raise ValueError("vertical_precision_m must be a non-negative number")

    def _array(self) -> NDArray[np.floating[Any]]:
        return self.elevation

    @property
    def posts_m(self) -> float:
        """Spacing of the posts the elevations were measured at (the coarser of file and grid)."""
        return max(self.resolution, self.source_resolution_m or 0.0)

    @property
    def precision_m(self) -> float:
        """Vertical precision in metres (1 sigma): the stated one, or the default rule."""
        if self.vertical_precision_m is not None:
            return self.vertical_precision_m
        return DEFAULT_PRECISION_POSTS * self.posts_m

    @property
    def precision_note(self) -> str:
        """Where :attr:`precision_m` comes from, for reports."""
        if self.vertical_precision_m is not None:
            return self.precision_source or "given"
        return (f"assumed: {DEFAULT_PRECISION_POSTS:g} of the {self.posts_m:g} m post spacing "
                f"(the DEM states none)")

    def elevation_at(self, x: float, y: float) -> float:
        """Elevation at one point; raises :class:`TerrainCoverageError` outside the grid."""
        z = float(self.sample(x, y))
        if not np.isfinite(z):
            if not bool(self.contains(x, y)):
                raise TerrainCoverageError(f"point ({x:.1f}, {y:.1f}) is outside the terrain "
                                           f"{self.source}")
            raise TerrainCoverageError(f"no elevation at ({x:.1f}, {y:.1f}) in {self.source} "
                                       f"(nodata)")
        return z

    def write_geotiff(self, path: str | Path) -> None:
        """Write the DEM as a float32 GeoTIFF (NaN nodata), atomically, with its precision."""
        tags = {PRECISION_TAG: f"{self.precision_m:.6g}"}
        if self.source_resolution_m is not None:
            tags["SOURCE_RESOLUTION_M"] = f"{self.source_resolution_m:.6g}"
        self._write(path, self.elevation, tags)


@dataclass(frozen=True, eq=False)
class Image(_Grid):
    """Grey levels of an orthoimage on a north-up grid.

    Attributes
    ----------
    grey
        2-D float32 array of grey levels in the file's units (colour turned into luminance),
        row 0 at the north edge; NaN where unknown.
    transform, crs, source
        As for :class:`DEM`.
    synthetic
        True for the built-in terrain's image.
    """

    grey: NDArray[np.float32]
    transform: Affine
    crs: pyproj.CRS
    source: str = "<memory>"
    synthetic: bool = False

    def __post_init__(self) -> None:
        self._check()

    def _array(self) -> NDArray[np.float32]:
        return self.grey

    def write_geotiff(self, path: str | Path) -> None:
        """Write the grey levels as a float32 GeoTIFF (NaN nodata), atomically."""
        self._write(path, self.grey, {})

    def on_grid_of(self, grid: DEM | Image, *, resampling: str | None = None) -> Image:
        """The image resampled onto exactly another raster's grid (CRS, transform, shape).

        ``resampling`` defaults to ``average`` when the image is more than 1.5 times finer than
        the grid (every source pixel counts) and ``bilinear`` otherwise.
        """
        if self.same_grid(grid):
            return self
        out = reproject_array(self.grey, self.transform, self.crs, dst_transform=grid.transform,
                              dst_crs=grid.crs, shape=grid.shape,
                              resampling=resampling or _auto_resampling(self, grid))
        return Image(out, grid.transform, grid.crs, source=self.source,
                     synthetic=self.synthetic)


def bilinear(grid: NDArray[np.floating[Any]], row: ArrayLike,
             col: ArrayLike) -> NDArray[np.float64]:
    """Bilinear interpolation of ``grid`` at fractional pixel-centre coordinates."""
    r = np.asarray(row, float)
    c = np.asarray(col, float)
    rows, cols = grid.shape
    inside = (r >= 0) & (r <= rows - 1) & (c >= 0) & (c <= cols - 1)
    rc = np.clip(r, 0, rows - 1)
    cc = np.clip(c, 0, cols - 1)
    # rc, cc >= 0, so truncation to an integer is the floor.
    r0 = np.minimum(rc.astype(np.intp), max(rows - 2, 0))
    c0 = np.minimum(cc.astype(np.intp), max(cols - 2, 0))
    fr = rc - r0
    fc = cc - c0
    gr = 1 - fr
    gc = 1 - fc
    if grid.flags.c_contiguous and rows > 1 and cols > 1:
        # One flat index and take(): about 2.5 times faster than four 2-D fancy look-ups.
        flat = grid.reshape(-1)
        i00 = r0 * cols + c0
        z00, z01 = flat.take(i00).astype(float), flat.take(i00 + 1).astype(float)
        z10, z11 = flat.take(i00 + cols).astype(float), flat.take(i00 + cols + 1).astype(float)
    else:
        r1 = np.minimum(r0 + 1, rows - 1)
        c1 = np.minimum(c0 + 1, cols - 1)
        z00, z01 = grid[r0, c0].astype(float), grid[r0, c1].astype(float)
        z10, z11 = grid[r1, c0].astype(float), grid[r1, c1].astype(float)
    # A NaN neighbour with any weight makes the point unknown.
    z = (z00 * gr * gc + z01 * gr * fc + z10 * fr * gc + z11 * fr * fc)
    out = np.where(inside, z, np.nan)
    return np.asarray(out, dtype=np.float64)


def metric_pixel_size(grid: _Grid, metric_crs: pyproj.CRS) -> tuple[float, float]:
    """Ground size in metres of one pixel of ``grid`` (east-west, north-south), at its centre.

    Measured by carrying the centre pixel's edges into ``metric_crs`` (a projected CRS in metres
    on the same body), so degrees and equirectangular metres (stretched east-west by
    1/cos(latitude) away from their standard parallel) come out as true metres.
    """
    rows, cols = grid.shape
    xs, ys = grid.xy(np.array([rows / 2 - 0.5] * 3), np.array([cols / 2 - 0.5] * 3))
    xs = xs + np.array([0.0, grid.transform.a, 0.0])
    ys = ys + np.array([0.0, 0.0, grid.transform.e])
    if grid.crs == metric_crs:
        mx, my = xs, ys
    else:
        to = pyproj.Transformer.from_crs(grid.crs, metric_crs, always_xy=True)
        mx, my = to.transform(xs, ys)
    dx = float(np.hypot(mx[1] - mx[0], my[1] - my[0]))
    dy = float(np.hypot(mx[2] - mx[0], my[2] - my[0]))
    if not (np.isfinite(dx) and np.isfinite(dy) and dx > 0 and dy > 0):
        raise TerrainError(f"{grid.source}: its pixels cannot be measured in the CRS "
                           f"{metric_crs.name}")
    return dx, dy


def _auto_resampling(src: _Grid, dst: _Grid) -> str:
    try:
        sx, sy = metric_pixel_size(src, dst.crs) if dst.crs.is_projected else (1.0, 1.0)
        dx, dy = metric_pixel_size(dst, dst.crs) if dst.crs.is_projected else (1.0, 1.0)
    except TerrainError:
        return "bilinear"
    return "average" if max(sx, sy) * 1.5 < min(dx, dy) else "bilinear"


def reproject_array(data: NDArray[np.floating[Any]], src_transform: Affine,
                    src_crs: pyproj.CRS, *, dst_transform: Affine, dst_crs: pyproj.CRS,
                    shape: tuple[int, int], resampling: str = "bilinear",
                    plain: bool = False) -> NDArray[np.float32]:
    """Resample a float array (NaN nodata) onto another grid; NaN where nothing maps.

    Every destination pixel's position is projected exactly (GDAL's approximate transformer,
    its default, moves positions by up to an eighth of a pixel). With ``plain`` the kernel is
    the plain one (bilinear: the four nearest source pixels) whatever the ratio of pixel sizes;
    otherwise GDAL widens it when the destination is coarser, by a ratio it estimates per chunk
    of the warp, so a place does not read exactly the same from two different windows.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    out = np.full(shape, np.nan, dtype=np.float32)
    src = np.ascontiguousarray(data, dtype=np.float32)
    reproject(source=src, destination=out, src_transform=src_transform,
              src_crs=rasterio.crs.CRS.from_wkt(src_crs.to_wkt()), src_nodata=np.nan,
              dst_transform=dst_transform, dst_crs=rasterio.crs.CRS.from_wkt(dst_crs.to_wkt()),
              dst_nodata=np.nan, resampling=getattr(Resampling, resampling), num_threads=2,
              warp_mem_limit=256, tolerance=0.0,
              **({"XSCALE": "1", "YSCALE": "1"} if plain else {}))
    return out


@dataclass(frozen=True)
class _Window:
    """The part of a file that covers an area: the data read and where it sits."""

    data: NDArray[np.float32]  # (bands, rows, cols), NaN nodata
    transform: Affine
    crs: pyproj.CRS
    res_m: float  # the file's own post spacing in metres (degrees converted)
    tags: dict[str, str]
    colorinterp: tuple[str, ...]


def _open(path: str | Path, error: type[TerrainError]) -> DatasetReader:
    import rasterio

    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise error(f"{path}: cannot be opened as a raster ({exc})") from None


def raster_crs(path: str | Path) -> pyproj.CRS | None:
    """The CRS of a raster file (``None`` when it has none or PROJ cannot read it).

    Read from the file's header only, so that a caller can tell which body the file is on
    before it reads any data.

    Raises
    ------
    DEMReadError
        The file cannot be opened as a raster.
    """
    with _open(path, DEMReadError) as ds:
        if ds.crs is None:
            return None
        try:
            return pyproj.CRS.from_wkt(ds.crs.to_wkt())
        except pyproj.exceptions.CRSError:
            return None


def within_file(path: str | Path, crs: pyproj.CRS, x: ArrayLike, y: ArrayLike,
                ) -> NDArray[np.bool_]:
    """Whether points (``x``, ``y`` in ``crs``) lie within a raster file's extent.

    A grid read from a file reaches past the file's edge as nodata; this tells such cells
    from the file's own nodata (a hole in the data).

    Raises
    ------
    DEMReadError
        The file cannot be opened, or has no CRS.
    """
    with _open(path, DEMReadError) as ds:
        if ds.crs is None:
            raise DEMReadError(f"{path}: has no CRS; plan-flight cannot place it")
        to_file = pyproj.Transformer.from_crs(crs, pyproj.CRS.from_wkt(ds.crs.to_wkt()),
                                              always_xy=True)
        fx, fy = to_file.transform(np.asarray(x, float), np.asarray(y, float))
        b = ds.bounds
        inside = (fx >= b.left) & (fx <= b.right) & (fy >= b.bottom) & (fy <= b.top)
        return np.asarray(inside, dtype=bool)


def _ellipsoid(crs: pyproj.CRS) -> str:
    """A CRS by name and ellipsoid, briefly: ``'WGS 84 / UTM zone 33N' on WGS 84``."""
    ell = crs.ellipsoid.name if crs.ellipsoid is not None else "no ellipsoid"
    return f"{crs.name!r} on {ell}"


def _read_window(path: str | Path, *, dst_crs: pyproj.CRS, grown: Bounds,
                 error: type[TerrainError], what: str,
                 bands: list[int] | None = None, max_cells: int | None = None,
                 resolution: float | None = None) -> _Window:
    """Read the window of a file that covers ``grown`` (in ``dst_crs``), with two pixels more.

    With ``max_cells``, a window or a destination grid (at ``resolution``, else the file's own)
    of more cells than that is refused with :class:`TerrainSizeError` before anything is read.
    """
    import rasterio
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    src_name = str(path)
    with _open(path, error) as ds:
        if ds.crs is None:
            raise error(f"{src_name}: has no CRS; plan-flight cannot place it")
        try:
            src_crs = pyproj.CRS.from_wkt(ds.crs.to_wkt())
        except pyproj.exceptions.CRSError as exc:
            raise error(f"{src_name}: its CRS is not understood ({exc})") from None
        if ds.transform.b != 0 or ds.transform.d != 0:
            raise error(f"{src_name}: rotated rasters are not supported")
        dst_wkt = rasterio.crs.CRS.from_wkt(dst_crs.to_wkt())
        try:
            sb = transform_bounds(dst_wkt, ds.crs, *grown, densify_pts=21)
        except Exception:  # GDAL raises CPLE_* for CRSs on other bodies
            # GDAL's message holds both CRSs as PROJJSON: name them by their ellipsoids.
            raise error(f"{src_name}: its CRS ({_ellipsoid(src_crs)}) cannot be related to "
                        f"the mission's ({_ellipsoid(dst_crs)}): a terrain model of another "
                        f"body?") from None
        fb = ds.bounds
        # Read what the file has of the area; cells beyond its edge stay nodata (unknown).
        sb = (max(sb[0], fb.left), max(sb[1], fb.bottom), min(sb[2], fb.right),
              min(sb[3], fb.top))
        if sb[0] >= sb[2] or sb[1] >= sb[3]:
            raise TerrainCoverageError(f"{src_name}: the mission area lies wholly outside "
                                       f"the {what}")
        win = from_bounds(*sb, transform=ds.transform)
        # Two source pixels more on every side so bilinear resampling has its neighbours.
        col0 = max(int(np.floor(win.col_off)) - 2, 0)
        row0 = max(int(np.floor(win.row_off)) - 2, 0)
        col1 = min(int(np.ceil(win.col_off + win.width)) + 2, ds.width)
        row1 = min(int(np.ceil(win.row_off + win.height)) + 2, ds.height)
        window = Window(col0, row0, col1 - col0, row1 - row0)
        res_src = max(abs(ds.transform.a), abs(ds.transform.e))
        if src_crs.is_geographic:
            radius = src_crs.ellipsoid.semi_major_metre if src_crs.ellipsoid else 6_371_000.0
            res_src = math.radians(res_src) * radius
        if max_cells is not None:
            res = resolution or res_src
            cols = math.ceil((grown[2] - grown[0]) / res)
            rows = math.ceil((grown[3] - grown[1]) / res)
            check_size(max(rows * cols, (row1 - row0) * (col1 - col0)), max_cells,
                       f"{src_name}: the area needs {rows:,} x {cols:,} cells at {res:g} m")
        idx = bands or [1]
        raw = ds.read(idx, window=window, masked=True)
        data = np.asarray(raw.filled(np.nan) if raw.dtype.kind == "f" else
                          raw.astype(np.float32).filled(np.nan), dtype=np.float32)
        for k, b in enumerate(idx):  # the file's own scale and offset, where it gives them
            scale, offset = ds.scales[b - 1], ds.offsets[b - 1]
            if scale != 1 or offset != 0:
                data[k] = data[k] * np.float32(scale) + np.float32(offset)
        data[~np.isfinite(data)] = np.nan
        tags = {k.upper(): v for k, v in ds.tags().items()}
        tags.update({k.upper(): v for k, v in ds.tags(1).items() if k.upper() not in tags})
        return _Window(data=data, transform=ds.window_transform(window), crs=src_crs,
                       res_m=float(res_src), tags=tags,
                       colorinterp=tuple(c.name for c in ds.colorinterp))


def check_size(cells: int, max_cells: int, what: str) -> None:
    """Refuse a grid of more than ``max_cells`` cells, before it is allocated.

    Raises
    ------
    TerrainSizeError
        Saying ``what`` needs how many cells, and the limit.
    """
    if cells > max_cells:
        raise TerrainSizeError(f"{what} ({cells / 1e6:,.0f} million), more than the "
                               f"{max_cells / 1e6:,.0f} million allowed: choose a coarser "
                               f"resolution or a smaller mission area")


def _dst_grid(grown: Bounds, resolution: float) -> tuple[Affine, tuple[int, int]]:
    width = max(int(np.ceil((grown[2] - grown[0]) / resolution)), 2)
    height = max(int(np.ceil((grown[3] - grown[1]) / resolution)), 2)
    return Affine(resolution, 0, grown[0], 0, -resolution, grown[3]), (height, width)


def _grow(bounds: Bounds, margin: float) -> Bounds:
    xmin, ymin, xmax, ymax = bounds
    return (xmin - margin, ymin - margin, xmax + margin, ymax + margin)


def precision_from_tags(tags: dict[str, str]) -> float | None:
    """A DEM's vertical precision in metres from its metadata items, if it states one.

    Values may carry a unit (``"0.3"``, ``"0.3 m"``, ``"25 cm"``); metres are assumed without.

    Examples
    --------
    >>> precision_from_tags({"VERTICAL_PRECISION": "25 cm"})
    0.25
    >>> precision_from_tags({"AREA_OR_POINT": "Area"}) is None
    True
    """
    upper = {k.upper(): v for k, v in tags.items()}
    for key in _PRECISION_KEYS:
        text = upper.get(key)
        if text is None:
            continue
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(m|cm|mm|metres|meters)?"
                         r"\s*", text)
        if m is None:
            continue
        value = float(m.group(1)) * {"cm": 0.01, "mm": 0.001}.get(m.group(2) or "m", 1.0)
        if value >= 0:
            return value
    return None


def read_dem(path: str | Path, *, dst_crs: pyproj.CRS, dst_bounds: Bounds,
             resolution: float | None = None, margin: float = 0.0,
             resampling: str = "bilinear", vertical_precision_m: float | None = None,
             max_cells: int | None = None) -> DEM:
    """Read the part of a GeoTIFF that covers an area, resampled onto a grid in another CRS.

    Only the window of the file that covers ``dst_bounds`` (grown by ``margin``) is read, so a
    terrain model far larger than memory plans as fast as a small one.

    Parameters
    ----------
    path
        A raster file GDAL can read, with a CRS.
    dst_crs
        The CRS of the grid to return (the mission's local metric frame).
    dst_bounds
        The area wanted, in ``dst_crs``.
    resolution
        Pixel size of the returned grid in ``dst_crs`` units; default the file's own, converted
        to metres when the file is geographic.
    margin
        Extra distance around ``dst_bounds`` to include.
    resampling
        A rasterio resampling name; ``bilinear`` (the default) interpolates between the four
        nearest source cells and leaves cells near nodata as nodata.
    vertical_precision_m
        The DEM's vertical precision (metres, 1 sigma), overriding the file's. Without it, the
        file's metadata item (``VERTICAL_PRECISION_M`` or a similar name, see
        :func:`precision_from_tags`) is used, else the default rule
        (:data:`DEFAULT_PRECISION_POSTS` of the file's post spacing). Resampling to a finer grid
        leaves the noise correlated over the file's posts; to a coarser one averages some of it
        away, which is not counted (the figure stays conservative).
    max_cells
        Refuse (:class:`TerrainSizeError`, before reading) a window or grid of more cells.

    Raises
    ------
    DEMReadError
        The file cannot be read, has no CRS or holds no data in the area.
    TerrainCoverageError
        The area lies wholly outside the file. Parts of it outside the file are nodata.
    """
    grown = _grow(dst_bounds, margin)
    w = _read_window(path, dst_crs=dst_crs, grown=grown, error=DEMReadError, what="terrain",
                     max_cells=max_cells, resolution=resolution)
    res = float(resolution) if resolution is not None else w.res_m
    dst_transform, shape = _dst_grid(grown, res)
    out = reproject_array(w.data[0], w.transform, w.crs, dst_transform=dst_transform,
                          dst_crs=dst_crs, shape=shape, resampling=resampling)
    if not np.isfinite(out).any():
        raise DEMReadError(f"{path}: holds no elevation (all nodata) in the mission area")
    if vertical_precision_m is not None:
        precision: float | None = float(vertical_precision_m)
        note = "given by the caller"
    else:
        precision = precision_from_tags(w.tags)
        note = "from the file's metadata" if precision is not None else ""
    return DEM(elevation=out.astype(np.float64), transform=dst_transform, crs=dst_crs,
               source=str(path), vertical_precision_m=precision, precision_source=note,
               source_resolution_m=w.res_m)


_LUMA = {"red": 0.299, "green": 0.587, "blue": 0.114}
"""Rec. 601 luma weights, for gamma-encoded colour images (as most orthoimage products are)."""


def _image_bands(path: str | Path) -> tuple[list[int], NDArray[np.float32], int | None]:
    """Bands to read, their luminance weights, and the alpha band if any.

    RGB by colour interpretation becomes luminance; otherwise the first band that is not alpha.
    """
    with _open(path, ImageReadError) as ds:
        names = [c.name for c in ds.colorinterp]
    alpha = names.index("alpha") + 1 if "alpha" in names else None
    if all(c in names for c in _LUMA):
        idx = [names.index(c) + 1 for c in _LUMA]
        return idx, np.array(list(_LUMA.values()), dtype=np.float32), alpha
    first = next((i + 1 for i, c in enumerate(names) if c != "alpha"), 1)
    return [first], np.ones(1, dtype=np.float32), alpha


def read_image(path: str | Path, *, dst_crs: pyproj.CRS, dst_bounds: Bounds,
               resolution: float | None = None, margin: float = 0.0,
               native: bool = False, max_cells: int | None = None) -> Image:
    """Read the part of an orthoimage that covers an area, as grey levels.

    Only the window covering ``dst_bounds`` (grown by ``margin``) is read. Colour images
    (red, green and blue bands by their colour interpretation) become luminance (Rec. 601
    weights); other multi-band files give their first band. 8-bit, 16-bit and float files are
    read as they are (the file's scale and offset applied); nodata values, masks and alpha bands
    become NaN.

    Parameters
    ----------
    path
        A raster file GDAL can read, with a CRS.
    dst_crs
        The CRS of the grid to return (the mission's local metric frame).
    dst_bounds
        The area wanted, in ``dst_crs``.
    resolution
        Pixel size of the returned grid in ``dst_crs`` units; default the file's own.
    margin
        Extra distance around ``dst_bounds`` to include.
    native
        Return the window on the file's own grid and CRS, not resampled. Measures of fine
        detail (texture) belong there: any resampling between grids that do not line up blurs
        single pixels by an amount that varies from place to place.

    Raises
    ------
    ImageReadError
        The file cannot be read, has no CRS or holds no data in the area.
    TerrainCoverageError
        The area lies wholly outside the image.
    """
    grown = _grow(dst_bounds, margin)
    idx, weights, alpha = _image_bands(path)
    w = _read_window(path, dst_crs=dst_crs, grown=grown, error=ImageReadError, what="image",
                     bands=idx + ([alpha] if alpha else []), max_cells=max_cells,
                     resolution=resolution)
    grey = np.tensordot(weights, w.data[:len(idx)], axes=1).astype(np.float32)
    if alpha:  # transparent pixels are no image, whether or not GDAL made a mask of them
        grey[~(w.data[-1] > 0)] = np.nan
    if native:
        img = Image(grey, w.transform, w.crs, source=str(path))
    else:
        res = float(resolution) if resolution is not None else w.res_m
        dst_transform, shape = _dst_grid(grown, res)
        out = reproject_array(grey, w.transform, w.crs, dst_transform=dst_transform,
                              dst_crs=dst_crs, shape=shape)
        img = Image(out, dst_transform, dst_crs, source=str(path))
    if not np.isfinite(img.grey).any():
        raise ImageReadError(f"{path}: holds no image (all nodata) in the mission area")
    return img
