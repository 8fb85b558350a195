"""Terrain: elevation rasters in known CRSs, what can be read off them, and their hazards.

This package knows nothing of missions, vehicles or command lines; it is as usable from a notebook
as from the planner.

Its names are loaded on first use (PEP 562), so ``import terrain.errors`` (which every caller's
error handling needs) loads no raster or filter library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terrain.dem import DEM, read_dem
    from terrain.errors import DEMReadError, TerrainCoverageError, TerrainError
    from terrain.hazards import HazardLimits, HazardMaps, assess

_MODULE_OF = {"DEM": "terrain.dem", "read_dem": "terrain.dem",
              "DEMReadError": "terrain.errors", "TerrainCoverageError": "terrain.errors",
              "TerrainError": "terrain.errors",
              "HazardLimits": "terrain.hazards", "HazardMaps": "terrain.hazards",
              "assess": "terrain.hazards"}

__all__ = ["DEM", "DEMReadError", "HazardLimits", "HazardMaps", "TerrainCoverageError",
           "TerrainError", "assess", "read_dem"]


def __getattr__(name: str) -> Any:
    """Load a public name's module when the name is first asked for."""
    try:
        module = _MODULE_OF[name]
    except KeyError:
        raise AttributeError(f"module 'terrain' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
