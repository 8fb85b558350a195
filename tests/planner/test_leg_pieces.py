"""A leg as the plan flies it: its pieces are legs between waypoints, costed as verified.

Regression tests for two planner bugs found by planning random missions and verifying them:
pieces of a ground-held leg lost the half pixel between one speed run and the next (recorded
legs 0.5 m short, their times and energies with them), and were checked for their vertical rate
on the whole leg's profile rather than their own (a piece commanded at 1 m/s over ground that
needs 1.01 m/s of climb); and a leg between two stations a few metres apart at different
heights was refused as ground "no speed can follow", although only the commanded climb was steep.
"""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
from affine import Affine

from planner.errors import InfeasibleMissionError
from planner.following import (
    MIN_SPEED_M_S,
    followable_speed,
    followed_ground,
    leg_profile,
)
from planner.frames import MARS
from planner.plan import leg_pieces
from planner.profiles import load_profile
from planner.settings import make_vehicle
from planner.vehicle import Vehicle
from terrain.dem import DEM
from tests.conftest import hill_dem


def ingenuity(speed: float = 3.0) -> Vehicle:
    return make_vehicle(load_profile("ingenuity"), MARS, altitude_m=8, speed_m_s=speed)


def flat(size: int = 80) -> DEM:
    return DEM(np.zeros((size, size)), Affine(1, 0, 0, 0, -1, size), pyproj.CRS("EPSG:32633"))


@pytest.mark.parametrize(("height", "speed"), [(10.0, 3.0), (20.0, 2.0), (30.0, 2.0), (30.0, 3.0)])
def test_pieces_cover_the_leg_and_match_their_own_profiles(height: float, speed: float) -> None:
    dem = hill_dem(size=96, height=height)
    vehicle = ingenuity(speed)
    followed = followed_ground(dem, vehicle)
    a, b = (4.0, 48.0, 8.0), (92.0, 50.0, 12.0)
    pieces = leg_pieces(dem, followed, vehicle, a, b)
    assert len(pieces) > 1, "the hill must slow part of the leg"
    assert sum(p.length for p in pieces) == pytest.approx(math.dist(a[:2], b[:2]), abs=1e-6)
    start = a
    for p in pieces:
        sub = leg_profile(dem, followed, vehicle, start, (p.x, p.y, p.h))
        assert p.length == pytest.approx(sub.length, abs=1e-9)
        assert (p.climb, p.descent) == pytest.approx(sub.climb_descent(), abs=1e-9)
        assert p.speed <= followable_speed(sub, vehicle) + 1e-9
        ds = np.diff(sub.s)
        rate = np.diff(sub.z) / ds * p.speed
        assert rate.max() <= vehicle.profile.climb_rate_m_s * (1 + 1e-9)
        assert -rate.min() <= vehicle.profile.descent_rate_m_s * (1 + 1e-9)
        start = (p.x, p.y, p.h)
    assert pieces[-1].end_stop and not any(p.end_stop for p in pieces[:-1])


def test_a_steep_commanded_climb_is_flown_slowly_not_refused() -> None:
    dem = flat()
    vehicle = ingenuity()
    a, b = (40.0, 40.0, 3.0), (42.0, 40.0, 20.0)  # 17 m up over 2 m
    pieces = leg_pieces(dem, followed_ground(dem, vehicle), vehicle, a, b)
    assert [p.speed for p in pieces] == [MIN_SPEED_M_S]
    t, _ = vehicle.leg(pieces[0].length, pieces[0].climb, pieces[0].descent, stops=2,
                       speed_m_s=pieces[0].speed)
    assert float(t) >= 17.0 / vehicle.profile.climb_rate_m_s - 1e-9  # the vertical time


def test_ground_no_speed_can_follow_is_refused_with_the_reason() -> None:
    z = np.zeros((80, 80))
    z[:, 40:] = 400.0  # a 400 m wall: steeper than 2:1 even on the followed (smoothed) ground
    dem = DEM(z, Affine(1, 0, 0, 0, -1, 80), pyproj.CRS("EPSG:32633"))
    vehicle = ingenuity()
    with pytest.raises(InfeasibleMissionError, match="rises or falls faster than"):
        leg_pieces(dem, followed_ground(dem, vehicle), vehicle, (10.0, 40.0, 8.0),
                   (70.0, 40.0, 8.0))
