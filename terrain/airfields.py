"""Candidate airfields: safe landing spots spread over the ground on a spacing.

A campaign of flights lands between them, and on Mars each landing spot is the next flight's
take-off (Ingenuity's airfields were chosen from orbital images so that the next flight could go
on). :func:`landing_spots` offers such spots wherever the landing hazard map
(:attr:`terrain.hazards.HazardMaps.landing`: slope and roughness within the limits, known
ground, a clear circle of the limits' radius) allows one and the flight hazard map
(:attr:`terrain.hazards.HazardMaps.flight`) does too, because the navigation camera tracks the
ground down to touchdown: Ingenuity's last flight ended in a hard landing over featureless sand
ripples (FACTS: landing sites must be flat, free of rocks and still textured). In each square
of the spacing the safe cell farthest from any hazard is taken, then the candidates are thinned
so that no two are closer than the spacing. Each spot is re-checked with
:meth:`terrain.hazards.HazardMaps.landing_reasons_at` and
:meth:`~terrain.hazards.HazardMaps.flight_reasons_at` before it is returned. Nothing here knows
of missions: a caller that has keep-out zones passes them as ``blocked``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from terrain.hazards import HazardMaps


def landing_spots(maps: HazardMaps, spacing_m: float, *,
                  blocked: NDArray[np.bool_] | None = None) -> list[tuple[float, float]]:
    """Safe landing spots on the map, about ``spacing_m`` apart, best margin first.

    In each square of ``spacing_m`` the cell chosen is the one farthest from any landing hazard
    (or blocked cell, or the map's edge, where the ground is unknown): the spot that tolerates
    the largest landing error. Candidates are then kept in order of that margin while they are
    at least ``spacing_m`` from every spot already kept, so every safe cell lies within
    ``spacing_m`` plus a square's diagonal of a spot.

    Parameters
    ----------
    maps
        The hazard maps of the ground.
    spacing_m
        Least distance between two spots (metres, > 0).
    blocked
        Cells no spot may be on (for example keep-out zones rasterised on the DEM's grid).

    Returns
    -------
    list of (x, y)
        Cell centres in the DEM's coordinates, the largest margin first (ties in row-major
        order), each safe to land on and to fly down to by the point checks.
    """
    if not np.isfinite(spacing_m) or spacing_m <= 0:
        raise ValueError(f"spacing must be a positive number of metres, not {spacing_m!r}")
    dem = maps.dem
    safe = ~maps.landing & ~maps.flight
    if blocked is not None:
        if blocked.shape != safe.shape:
            raise ValueError(f"blocked must be on the DEM's grid {safe.shape}, "
                             f"not {blocked.shape}")
        safe &= ~blocked
    if not safe.any():
        return []
    res = dem.resolution
    # Distance to the nearest unsafe cell; the map's edge counts as unsafe (unknown beyond).
    margin = ndimage.distance_transform_edt(np.pad(safe, 1))[1:-1, 1:-1] * res
    margin = np.where(safe, margin, -1.0)
    k = max(1, int(spacing_m // res))
    rows, cols = safe.shape
    pr, pc = -rows % k, -cols % k
    grid = np.pad(margin, ((0, pr), (0, pc)), constant_values=-1.0)
    nbr, nbc = grid.shape[0] // k, grid.shape[1] // k
    blocks = grid.reshape(nbr, k, nbc, k).transpose(0, 2, 1, 3).reshape(nbr, nbc, k * k)
    best = blocks.argmax(axis=2)
    value = np.take_along_axis(blocks, best[:, :, None], axis=2)[:, :, 0]
    br, bc = np.nonzero(value >= 0)
    r = br * k + best[br, bc] // k
    c = bc * k + best[br, bc] % k
    order = np.lexsort((c, r, -margin[r, c]))
    x, y = dem.xy(r[order], c[order])
    kept: list[tuple[float, float]] = []
    for px, py in zip(x.tolist(), y.tolist(), strict=True):
        if kept:
            d = np.hypot(np.asarray([q[0] for q in kept]) - px,
                         np.asarray([q[1] for q in kept]) - py)
            if d.min() < spacing_m:
                continue
        if maps.landing_reasons_at(px, py) or maps.flight_reasons_at(px, py):
            continue  # the re-check: the point lookups must agree with the cells' verdicts
        kept.append((float(px), float(py)))
    return kept
