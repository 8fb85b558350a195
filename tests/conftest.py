"""Tiny canonical fixtures: DEMs with known surfaces, GeoTIFFs in Mars and Earth CRSs, missions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pytest
from affine import Affine

from terrain.dem import DEM

MARS_EQC = "+proj=eqc +lat_ts=0 +lon_0=0 +R=3396190 +units=m +no_defs"
MARS_RADIUS = 3_396_190.0


def hill_dem(size: int = 64, res: float = 1.0, *, height: float = 20.0,
             crs: str = "EPSG:32633") -> DEM:
    """A 64 x 64 DEM with one Gaussian hill in the middle, on a plane at 100 m."""
    yy, xx = np.mgrid[0:size, 0:size]
    c = (size - 1) / 2
    z = 100.0 + height * np.exp(-((xx - c) ** 2 + (yy - c) ** 2) / (2 * (size / 8) ** 2))
    return DEM(z.astype(float), Affine(res, 0, 0, 0, -res, size * res), pyproj.CRS(crs))


def plane_dem(slope_deg: float, size: int = 40, res: float = 2.0,
              crs: str = "EPSG:32633") -> DEM:
    """A plane rising eastward at a known slope."""
    xs = (np.arange(size) + 0.5) * res
    z = np.tile(np.tan(np.radians(slope_deg)) * xs, (size, 1))
    return DEM(z, Affine(res, 0, 1000, 0, -res, 5000), pyproj.CRS(crs))


def write_geotiff(path: Path, z: np.ndarray, transform: Affine, crs: str | None, *,
                  nodata: float | None = None) -> Path:
    """Write an array as a float32 GeoTIFF (``crs`` None for a file without one)."""
    import rasterio

    profile: dict[str, Any] = {"driver": "GTiff", "width": z.shape[1], "height": z.shape[0],
                               "count": 1, "dtype": "float32", "transform": transform}
    if crs is not None:
        profile["crs"] = rasterio.crs.CRS.from_wkt(pyproj.CRS(crs).to_wkt())
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z.astype(np.float32), 1)
    return path


def textured(shape: tuple[int, int], *, base: float = 0.0, amp: float = 0.04,
             seed: int = 0) -> np.ndarray:
    """Flat ground with small-scale texture (RMS ``amp``), as a navigation camera needs."""
    from scipy import ndimage

    n = ndimage.gaussian_filter(np.random.default_rng(seed).standard_normal(shape), 0.6)
    return base + amp * n / n.std()


@pytest.fixture
def write_tif(tmp_path: Path) -> Callable[..., Path]:
    """Write an array as a GeoTIFF: ``write_tif(z, transform, crs, name=..., nodata=...)``."""

    def write(z: np.ndarray, transform: Affine, crs: str | None, *, name: str = "dem.tif",
              nodata: float | None = None) -> Path:
        return write_geotiff(tmp_path / name, z, transform, crs, nodata=nodata)

    return write


def feature(geom_type: str, coords: Any, **props: Any) -> dict[str, Any]:
    """A GeoJSON feature."""
    return {"type": "Feature", "properties": props,
            "geometry": {"type": geom_type, "coordinates": coords}}


def collection(*features: dict[str, Any], crs: str | None = None,
               **extra: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection."""
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": list(features), **extra}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return doc


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[..., Path]:
    """Write a document (or raw text) to a file in the test's folder."""

    def write(doc: Any, name: str = "mission.geojson") -> Path:
        path = tmp_path / name
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
        return path

    return write


# A small Mars mission near Jezero (lon/lat on the IAU 2015 sphere): home, landing, a square
# keep-out between them, and three targets.
M_LON, M_LAT = 77.4306, 18.4548
DEG = 180 / (np.pi * MARS_RADIUS)  # degrees of latitude per metre on Mars


def mars_offset(east: float, north: float) -> list[float]:
    """lon/lat of a point ``east``/``north`` metres from the mission's origin (small offsets)."""
    return [M_LON + east * DEG / np.cos(np.radians(M_LAT)), M_LAT + north * DEG]


def square(cx: float, cy: float, half: float) -> list[list[list[float]]]:
    """A square polygon ring around a local offset."""
    return [[mars_offset(cx - half, cy - half), mars_offset(cx + half, cy - half),
             mars_offset(cx + half, cy + half), mars_offset(cx - half, cy + half),
             mars_offset(cx - half, cy - half)]]


def three_targets_doc() -> dict[str, Any]:
    """Home, landing 120 m east, a keep-out square between them, three targets."""
    return collection(
        feature("Point", mars_offset(0, 0), role="home", name="home"),
        feature("Point", mars_offset(120, 0), role="landing", name="pad"),
        feature("Polygon", square(60, 0, 15), role="keep_out", name="rover", buffer_m=3),
        feature("Point", mars_offset(40, 40), name="rock A", priority=2),
        feature("Point", mars_offset(80, -40), name="rock B", priority=1, gsd_cm=3),
        feature("Point", mars_offset(100, 50), name="outcrop", priority=1, photos=3),
        crs="IAU_2015:49900",
        plan_flight={"altitude_m": 8, "speed_m_s": 3},
    )


@pytest.fixture
def three_targets() -> dict[str, Any]:
    """Home, landing 120 m east, a keep-out square between them, three targets."""
    return three_targets_doc()


@pytest.fixture(scope="session")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The three-target mission planned once per session: ``(plan, ctx, mission path)``."""
    from planner.pipeline import plan_mission

    path = tmp_path_factory.mktemp("planned") / "mission.geojson"
    path.write_text(json.dumps(three_targets_doc()), encoding="utf-8")
    plan, ctx = plan_mission(path)
    return plan, ctx, path


# Rasters of any data type, band count and metadata, for the terrain layer's readers.
UTM33 = "EPSG:32633"


def write_raster(path: Path, data: np.ndarray, transform: Affine, crs: str | None, *,
                 dtype: str = "float32", nodata: float | None = None,
                 colorinterp: list[str] | None = None,
                 tags: dict[str, str] | None = None) -> Path:
    """Write a 2-D or (bands, rows, cols) array as a GeoTIFF of ``dtype``.

    ``colorinterp`` names each band (``"red"``, ``"green"``, ``"blue"``, ``"alpha"``, ``"gray"``);
    ``tags`` are metadata items of the default domain.
    """
    import rasterio
    from rasterio.enums import ColorInterp

    arr = data if data.ndim == 3 else data[None]
    profile: dict[str, Any] = {"driver": "GTiff", "width": arr.shape[2], "height": arr.shape[1],
                               "count": arr.shape[0], "dtype": dtype, "transform": transform}
    if crs is not None:
        profile["crs"] = rasterio.crs.CRS.from_wkt(pyproj.CRS(crs).to_wkt())
    if nodata is not None:
        profile["nodata"] = nodata
    if colorinterp and "red" in colorinterp:
        profile["photometric"] = "RGB"
    if colorinterp and "alpha" in colorinterp:
        profile["alpha"] = "YES"  # GTiff: the extra sample is alpha (ExtraSamples tag)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(arr.astype(dtype))
        if colorinterp:
            dst.colorinterp = [ColorInterp[c] for c in colorinterp]
        if tags:
            dst.update_tags(**tags)
    return path


@pytest.fixture
def write_raster_tif(tmp_path: Path) -> Callable[..., Path]:
    """``write_raster`` into the test's folder: ``write_raster_tif(data, transform, crs, ...)``."""

    def write(data: np.ndarray, transform: Affine, crs: str | None, *,
              name: str = "raster.tif", **kwargs: Any) -> Path:
        return write_raster(tmp_path / name, data, transform, crs, **kwargs)

    return write
