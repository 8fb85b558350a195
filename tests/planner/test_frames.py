from __future__ import annotations

import numpy as np
import pyproj
import pytest
from shapely.geometry import Point, box

from planner.frames import EARTH, MARS, body_of_crs, heading_deg, local_frame, turn_deg, wrap_deg


def test_body_of_crs_knows_mars_and_earth_and_refuses_others() -> None:
    assert body_of_crs(pyproj.CRS("IAU_2015:49900")) is MARS
    assert body_of_crs(pyproj.CRS("+proj=eqc +lat_ts=0 +lon_0=0 +R=3396190")) is MARS
    assert body_of_crs(pyproj.CRS("EPSG:32632")) is EARTH
    with pytest.raises(ValueError, match="does not know"):
        body_of_crs(pyproj.CRS("IAU_2015:30100"))  # the Moon


@pytest.mark.parametrize(("body", "lon", "lat"), [(MARS, 77.43, 18.45), (EARTH, 8.54, 47.37),
                                                  (EARTH, -70.0, -60.0)])
def test_local_frame_is_metric_and_round_trips(body, lon, lat) -> None:
    frame = local_frame(body, lon, lat)
    # A point 300 m away along a known azimuth, by PROJ's geodesic on the same body.
    geod = body.crs.get_geod()
    lon2, lat2, _ = geod.fwd(lon, lat, 37.0, 300.0)
    x, y = frame.to_local(lon2, lat2)
    assert float(np.hypot(x, y)) == pytest.approx(300.0, abs=1e-3)  # equidistant from centre
    assert heading_deg(float(x), float(y)) == pytest.approx(37.0, abs=1e-6)  # true north
    back = frame.to_lonlat(x, y)
    assert float(back[0]) == pytest.approx(lon2, abs=1e-10)
    assert float(back[1]) == pytest.approx(lat2, abs=1e-10)


def test_geometries_project_both_ways() -> None:
    frame = local_frame(MARS, 77.43, 18.45)
    square = box(-50, -50, 50, 50)
    there = frame.geometry_to_lonlat(square)
    back = frame.geometry_to_local(there)
    assert back.symmetric_difference(square).area < 1e-6
    assert frame.geometry_to_local(Point(77.43, 18.45)).distance(Point(0, 0)) < 1e-9
    assert "18.45000°N 77.43000°E (mars)" in frame.describe()


def test_angles() -> None:
    assert heading_deg(0.0, 1.0) == 0.0
    assert heading_deg(-1.0, 0.0) == 270.0
    assert turn_deg(10.0, 350.0) == 20.0
    assert turn_deg(0.0, 180.0) == 180.0
    assert wrap_deg(np.array([0.0, 359.0, 181.0, -181.0])).tolist() == [0.0, -1.0, -179.0, 179.0]
