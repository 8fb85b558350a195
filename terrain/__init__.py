"""Terrain: elevation rasters in known CRSs, what can be read off them, and their hazards.

This package knows nothing of missions, vehicles or command lines; it is as usable from a notebook
as from the planner.
"""

from terrain.dem import DEM, read_dem
from terrain.errors import DEMReadError, TerrainCoverageError, TerrainError
from terrain.hazards import HazardLimits, HazardMaps, assess

__all__ = ["DEM", "DEMReadError", "HazardLimits", "HazardMaps", "TerrainCoverageError",
           "TerrainError", "assess", "read_dem"]
