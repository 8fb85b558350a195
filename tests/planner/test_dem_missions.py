"""Planning on GeoTIFF terrain written by the tests, in Mars and Earth CRSs."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from affine import Affine

from planner.errors import DEMError, MissionError
from planner.pipeline import PlanOptions, plan_mission
from tests.conftest import M_LAT, M_LON, MARS_EQC, MARS_RADIUS, textured

X0 = np.radians(M_LON) * MARS_RADIUS
Y0 = np.radians(M_LAT) * MARS_RADIUS


def textured_floor(rows: int, cols: int, seed: int = 1) -> np.ndarray:
    return textured((rows, cols), base=-2560.0, seed=seed)


@pytest.fixture
def mars_tif(write_tif):
    """600 m x 600 m of textured flat floor in the USGS Jezero CRS, centred on the mission."""
    z = textured_floor(600, 600)
    return write_tif(z, Affine(1, 0, X0 - 300, 0, -1, Y0 + 300), MARS_EQC)


def test_plan_on_a_mars_geotiff(three_targets, write_json, mars_tif) -> None:
    plan, _ctx = plan_mission(write_json(three_targets), PlanOptions(dem=str(mars_tif)))
    assert not plan.dem.synthetic
    assert plan.dem.source == str(mars_tif)
    assert all(abs(w.ground_m + 2560.0) < 0.5 for w in plan.waypoints)
    assert len(plan.targets_photographed) == 3, [(s.target, s.reason) for s in plan.skipped]


def test_target_outside_the_dem_is_named(three_targets, write_json, write_tif) -> None:
    z = textured_floor(200, 200)
    small = write_tif(z, Affine(1, 0, X0 - 100, 0, -1, Y0 + 100), MARS_EQC, name="small.tif")
    with pytest.raises(MissionError, match=r"feature #\d \('[^']+'\).*outside the terrain "
                                           r"\S+ \(beyond its edge\)"):
        plan_mission(write_json(three_targets), PlanOptions(dem=str(small)))


def test_home_on_nodata_is_told_apart_from_outside(three_targets, write_json, write_tif) -> None:
    z = textured_floor(600, 600)
    z[295:305, 295:305] = -9999.0  # a 10 m hole under home, at the grid's centre
    holed = write_tif(z, Affine(1, 0, X0 - 300, 0, -1, Y0 + 300), MARS_EQC, name="hole.tif",
                      nodata=-9999.0)
    with pytest.raises(MissionError) as info:
        plan_mission(write_json(three_targets), PlanOptions(dem=str(holed)))
    text = str(info.value)
    assert "feature #1 ('home'): field 'geometry': lies on nodata in the terrain" in text
    assert "a hole: no elevation there" in text and "outside" not in text


def test_dem_on_the_wrong_body(three_targets, write_json, write_tif) -> None:
    utm = write_tif(np.zeros((50, 50)), Affine(1, 0, 500000, 0, -1, 5000000), "EPSG:32633",
                    name="earth.tif")
    with pytest.raises(DEMError):
        plan_mission(write_json(three_targets), PlanOptions(dem=str(utm)))


def test_nodata_hole_is_flown_around(three_targets, write_json, write_tif) -> None:
    z = textured_floor(600, 600)
    # A nodata hole of 30 m x 30 m right on the straight line from home to landing.
    to_eqc = pyproj.Transformer.from_crs("IAU_2015:49900", MARS_EQC, always_xy=True)
    from planner.frames import MARS, local_frame
    from tests.conftest import mars_offset

    three_targets["features"] = [f for f in three_targets["features"]
                                 if f["properties"].get("role") != "keep_out"]
    path = write_json(three_targets)
    hx, hy = to_eqc.transform(*mars_offset(60, 0))
    c = int(hx - (X0 - 300))
    r = int((Y0 + 300) - hy)
    z[r - 15:r + 15, c - 15:c + 15] = -9999.0
    tif = write_tif(z, Affine(1, 0, X0 - 300, 0, -1, Y0 + 300), MARS_EQC, name="hole.tif",
                    nodata=-9999.0)
    plan, ctx = plan_mission(path, PlanOptions(dem=str(tif)))
    frame = local_frame(MARS, ctx.frame.lon0, ctx.frame.lat0)
    xs = np.concatenate([np.linspace(a.x, b.x, 200) for a, b in
                         zip(plan.waypoints[:-1], plan.waypoints[1:], strict=True)])
    ys = np.concatenate([np.linspace(a.y, b.y, 200) for a, b in
                         zip(plan.waypoints[:-1], plan.waypoints[1:], strict=True)])
    assert np.all(np.isfinite(plan.dem.sample(xs, ys)))
    assert frame.local.equals(ctx.frame.local)


def test_unsafe_landing_site_moves_to_the_nearest_safe_spot(three_targets, write_json,
                                                             write_tif) -> None:
    from tests.conftest import mars_offset

    z = textured_floor(600, 600)
    to_eqc = pyproj.Transformer.from_crs("IAU_2015:49900", MARS_EQC, always_xy=True)
    lx, ly = to_eqc.transform(*mars_offset(120, 0))  # the landing pad
    c = int(lx - (X0 - 300))
    r = int((Y0 + 300) - ly)
    rng = np.random.default_rng(3)
    z[r - 4:r + 5, c - 4:c + 5] += rng.uniform(0, 0.6, (9, 9))  # rocks on the pad
    tif = write_tif(z, Affine(1, 0, X0 - 300, 0, -1, Y0 + 300), MARS_EQC, name="rocks.tif")
    plan, ctx = plan_mission(write_json(three_targets), PlanOptions(dem=str(tif)))
    assert any("unsafe" in w and "nearest safe spot" in w for w in plan.warnings)
    land = plan.waypoints[-1]
    requested = ctx.frame.to_local(*mars_offset(120, 0))
    moved = float(np.hypot(land.x - requested[0], land.y - requested[1]))
    assert 2.0 < moved < 25.0
    assert not ctx.hazards.landing_at(np.array([land.x]), np.array([land.y]))[0]
