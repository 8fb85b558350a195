"""Errors raised by the terrain layer."""

from __future__ import annotations


class TerrainError(Exception):
    """Base of every error the terrain layer raises."""


class DEMReadError(TerrainError, OSError):
    """A DEM file cannot be opened or read, or lacks what a DEM needs (a CRS, data)."""


class TerrainCoverageError(TerrainError, ValueError):
    """A requested area or point lies outside the DEM."""


class TerrainSizeError(TerrainError, ValueError):
    """A terrain grid larger than the caller allows, refused before it is allocated."""


class ImageReadError(TerrainError, OSError):
    """An image file cannot be opened or read, or lacks what an orthoimage needs (a CRS, data)."""
