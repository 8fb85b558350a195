"""A raster of elevations in a known CRS: read by window, reproject, sample, write.

Elevations are metres above the raster's vertical datum (for Mars DEMs from USGS, the Mars 2000
reference sphere or areoid; for Earth, the geoid or ellipsoid the file says). Nodata cells are NaN
in memory: unknown ground, which no query treats as flat or safe.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
from affine import Affine
from numpy.typing import ArrayLike, NDArray

from terrain.errors import DEMReadError, TerrainCoverageError

Bounds = tuple[float, float, float, float]
"""``(xmin, ymin, xmax, ymax)`` in a raster's CRS."""


@dataclass(frozen=True, eq=False)
class DEM:
    """Elevations on a north-up grid.

    Attributes
    ----------
    elevation
        2-D float64 array, row 0 at the north edge; NaN where unknown.
    transform
        The affine pixel-to-CRS transform (pixel corners), north-up (no rotation).
    crs
        The raster's CRS.
    source
        Where it came from (a path, or a description of built-in terrain).
    synthetic
        True for built-in terrain that was made, not measured.
    """

    elevation: NDArray[np.float64]
    transform: Affine
    crs: pyproj.CRS
    source: str = "<memory>"
    synthetic: bool = False

    def __post_init__(self) -> None:
        if self.elevation.ndim != 2:
            raise ValueError("elevation must be a 2-D array")
        if self.transform.b != 0 or self.transform.d != 0 or self.transform.e >= 0:
            raise ValueError("only north-up rasters without rotation are supported")

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns."""
        rows, cols = self.elevation.shape
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
        """Elevation at points by bilinear interpolation between pixel centres.

        NaN outside the grid's pixel centres or where any of the four neighbours is nodata.
        """
        return bilinear(self.elevation, *self.rowcol(x, y))

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
        """Write the DEM as a float32 GeoTIFF (NaN nodata), atomically."""
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
                dst.write(self.elevation.astype(np.float32), 1)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def bilinear(grid: NDArray[np.float64], row: ArrayLike,
             col: ArrayLike) -> NDArray[np.float64]:
    """Bilinear interpolation of ``grid`` at fractional pixel-centre coordinates."""
    r = np.asarray(row, float)
    c = np.asarray(col, float)
    rows, cols = grid.shape
    inside = (r >= 0) & (r <= rows - 1) & (c >= 0) & (c <= cols - 1)
    rc = np.clip(r, 0, rows - 1)
    cc = np.clip(c, 0, cols - 1)
    r0 = np.minimum(np.floor(rc).astype(np.intp), max(rows - 2, 0))
    c0 = np.minimum(np.floor(cc).astype(np.intp), max(cols - 2, 0))
    r1 = np.minimum(r0 + 1, rows - 1)
    c1 = np.minimum(c0 + 1, cols - 1)
    fr = rc - r0
    fc = cc - c0
    z00, z01 = grid[r0, c0], grid[r0, c1]
    z10, z11 = grid[r1, c0], grid[r1, c1]
    # Weights of exactly zero must not let a NaN neighbour poison the result (np.nan * 0 is NaN),
    # but a NaN with any weight makes the point unknown.
    z = (z00 * (1 - fr) * (1 - fc) + z01 * (1 - fr) * fc + z10 * fr * (1 - fc) + z11 * fr * fc)
    out = np.where(inside, z, np.nan)
    return np.asarray(out, dtype=np.float64)


def read_dem(path: str | Path, *, dst_crs: pyproj.CRS, dst_bounds: Bounds,
             resolution: float | None = None, margin: float = 0.0,
             resampling: str = "bilinear") -> DEM:
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

    Raises
    ------
    DEMReadError
        The file cannot be read, has no CRS or holds no data in the area.
    TerrainCoverageError
        The area lies wholly outside the file. Parts of it outside the file are nodata.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.warp import reproject, transform_bounds
    from rasterio.windows import Window, from_bounds

    src_name = str(path)
    try:
        ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise DEMReadError(f"{src_name}: cannot be opened as a raster ({exc})") from None
    with ds:
        if ds.crs is None:
            raise DEMReadError(f"{src_name}: has no CRS; plan-flight cannot place it")
        try:
            src_crs = pyproj.CRS.from_wkt(ds.crs.to_wkt())
        except pyproj.exceptions.CRSError as exc:
            raise DEMReadError(f"{src_name}: its CRS is not understood ({exc})") from None
        xmin, ymin, xmax, ymax = dst_bounds
        grown = (xmin - margin, ymin - margin, xmax + margin, ymax + margin)
        dst_wkt = rasterio.crs.CRS.from_wkt(dst_crs.to_wkt())
        try:
            sb = transform_bounds(dst_wkt, ds.crs, *grown, densify_pts=21)
        except Exception as exc:  # GDAL raises CPLE_* for CRSs on other bodies
            raise DEMReadError(f"{src_name}: its CRS cannot be related to the mission's "
                               f"({exc})") from None
        fb = ds.bounds
        # Read what the file has of the area; cells beyond its edge stay nodata (unknown).
        sb = (max(sb[0], fb.left), max(sb[1], fb.bottom), min(sb[2], fb.right),
              min(sb[3], fb.top))
        if sb[0] >= sb[2] or sb[1] >= sb[3]:
            raise TerrainCoverageError(f"{src_name}: the mission area lies wholly outside "
                                       f"the terrain")
        win = from_bounds(*sb, transform=ds.transform)
        # One source pixel more on every side so bilinear resampling has its neighbours.
        col0 = max(int(np.floor(win.col_off)) - 2, 0)
        row0 = max(int(np.floor(win.row_off)) - 2, 0)
        col1 = min(int(np.ceil(win.col_off + win.width)) + 2, ds.width)
        row1 = min(int(np.ceil(win.row_off + win.height)) + 2, ds.height)
        window = Window(col0, row0, col1 - col0, row1 - row0)
        band = ds.read(1, window=window, masked=True).astype(np.float64)
        data = np.asarray(band.filled(np.nan), dtype=np.float64)
        data[~np.isfinite(data)] = np.nan
        src_transform = ds.window_transform(window)
        if resolution is None:
            res_src = max(abs(ds.transform.a), abs(ds.transform.e))
            if src_crs.is_geographic:
                radius = src_crs.ellipsoid.semi_major_metre if src_crs.ellipsoid else 6_371_000.0
                res_src = np.radians(res_src) * radius
            resolution = float(res_src)
        width = max(int(np.ceil((grown[2] - grown[0]) / resolution)), 2)
        height = max(int(np.ceil((grown[3] - grown[1]) / resolution)), 2)
        dst_transform = Affine(resolution, 0, grown[0], 0, -resolution, grown[3])
        out = np.full((height, width), np.nan, dtype=np.float64)
        reproject(source=data, destination=out, src_transform=src_transform, src_crs=ds.crs,
                  src_nodata=np.nan, dst_transform=dst_transform, dst_crs=dst_wkt,
                  dst_nodata=np.nan, resampling=getattr(Resampling, resampling))
    if not np.isfinite(out).any():
        raise DEMReadError(f"{src_name}: holds no elevation (all nodata) in the mission area")
    return DEM(elevation=out, transform=dst_transform, crs=dst_crs, source=src_name)

