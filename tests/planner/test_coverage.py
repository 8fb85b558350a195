"""Area targets in strips: geometry against computed references, cuts, selection, verifier."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyproj
import pytest
from affine import Affine
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from planner import coverage
from planner.frames import EARTH, MARS
from planner.mission import Target
from planner.pipeline import plan_mission
from planner.profiles import load_profile
from planner.settings import make_vehicle
from planner.verify import verify
from terrain.dem import DEM

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "field-survey" / "targets.geojson"


def mavic():
    return make_vehicle(load_profile("mavic3"), EARTH, altitude_m=60, speed_m_s=8)


def ingenuity():
    return make_vehicle(load_profile("ingenuity"), MARS, altitude_m=8, speed_m_s=3)


def ground(size: int = 1000, slope_deg: float = 0.0) -> DEM:
    x = np.arange(size) - size / 2 + 0.5
    z = np.tile(np.tan(np.radians(slope_deg)) * x, (size, 1))
    return DEM(z, Affine(1, 0, -size / 2, 0, -1, size / 2), pyproj.CRS("EPSG:32633"))


def area(**kw) -> Target:
    return Target(index=0, name="field", geometry=Point(0, 0), gsd_cm=2.0, **kw)


def test_nadir_frame_against_the_pinhole_reference() -> None:
    v = mavic()
    cam = v.camera
    h, why = coverage.survey_height(area(), v)
    assert not why
    assert h == pytest.approx(0.02 / cam.ifov_rad)  # nadir: GSD = h * ifov
    shape = coverage.frame_shape(cam, h)
    assert shape.width_m == pytest.approx(2 * h * math.tan(math.radians(cam.hfov_deg / 2)),
                                          rel=1e-3)
    assert shape.length_m == pytest.approx(2 * h * math.tan(math.radians(cam.vfov_deg / 2)),
                                           rel=1e-3)
    assert shape.ahead_m == pytest.approx(0.0, abs=1e-6)
    assert shape.gsd_cm == pytest.approx(2.0)


def test_fixed_tilted_camera_uses_the_near_half_of_its_oblique_frame() -> None:
    v = ingenuity()
    cam = v.camera
    h, why = coverage.survey_height(area(), v)
    dep = math.radians(22.0)
    assert not why
    assert h == pytest.approx(0.02 * math.sin(dep) ** 2 / cam.ifov_rad)
    shape = coverage.frame_shape(cam, h)
    near = h / math.tan(dep + math.radians(cam.vfov_deg / 2))  # the frame's lower edge
    centre = h / math.tan(dep)
    _, y0, _, y1 = shape.outline.bounds
    assert y0 == pytest.approx(near, rel=1e-3)
    assert y1 == pytest.approx(centre, rel=1e-6)
    assert shape.ahead_m == pytest.approx((near + centre) / 2, rel=1e-3)
    # Narrowest at its near edge, an image row: every point of it lies at the same depth along
    # the axis, the slant range to its middle times cos(vfov / 2), and spans 2 tan(hfov / 2) of it.
    slant_near = h / math.sin(dep + math.radians(cam.vfov_deg / 2))
    depth = slant_near * math.cos(math.radians(cam.vfov_deg / 2))
    width_near = 2 * depth * math.tan(math.radians(cam.hfov_deg / 2))
    assert shape.width_m == pytest.approx(width_near, rel=1e-3)
    assert shape.gsd_cm == pytest.approx(2.0)


def test_flat_rectangle_reference_counts_and_full_coverage() -> None:
    v = mavic()
    geom = box(-150, -100, 150, 100)  # 300 m x 200 m
    spec = area(strip_azimuth_deg=90.0)  # strips run east-west
    lay = coverage.layout(spec, geom, vehicle=v, dem=ground(), obstacles=MultiPolygon())
    s = lay.shape
    assert lay.spacing_m == pytest.approx(s.width_m * 0.3)
    assert lay.advance_m == pytest.approx(s.length_m * 0.2)
    strips = math.ceil((200 - s.width_m) / lay.spacing_m) + 1
    per_strip = math.ceil((300 - s.length_m) / lay.advance_m) + 1
    assert len({im.strip for im in lay.images}) == strips
    assert len(lay.images) == strips * per_strip
    assert lay.dropped == 0
    assert lay.covered.area == pytest.approx(geom.area, rel=1e-6)
    # Neighbouring strips overlap by the sidelap, images along a strip by the overlap.
    ys = sorted({round(im.y, 6) for im in lay.images})
    assert np.diff(ys) == pytest.approx(np.full(len(ys) - 1, lay.spacing_m))


def test_azimuth_is_the_quickest_to_fly_and_a_given_one_is_kept() -> None:
    v = mavic()
    geom = affinity.rotate(box(-300, -60, 300, 60), -30.0, origin=(0, 0))  # long axis 120°
    lay = coverage.layout(area(), geom, vehicle=v, dem=ground(), obstacles=MultiPolygon())

    def flight_s(layout: coverage.Layout) -> float:
        return coverage._estimate_s(list(layout.images), v, 1)

    best = flight_s(lay)
    for az in range(0, 180, 15):
        other = coverage.layout(area(strip_azimuth_deg=float(az)), geom, vehicle=v,
                                dem=ground(), obstacles=MultiPolygon())
        assert other.azimuth_deg == pytest.approx(az)
        assert best <= flight_s(other) + 1e-6
        assert other.covered.area == pytest.approx(geom.area, rel=1e-6)


def test_gsd_holds_over_sloping_ground() -> None:
    v = mavic()
    geom = box(-150, -100, 150, 100)
    found, lay = coverage.survey_stations(0, area(), geom, vehicle=v, dem=ground(slope_deg=12),
                                          obstacles=MultiPolygon())
    assert len(found) == len(lay.images) > 1
    zs = set()
    for ts in found:
        [st] = ts.stations
        assert st.agl_m == pytest.approx(lay.shape.agl_m)  # held above the ground below
        assert st.pointing.gsd_cm == pytest.approx(2.0, rel=1e-6)
        zs.add(round(st.z, 3))
    assert len(zs) > 1  # it climbs with the ground


def test_keep_out_cuts_the_strips_and_the_unseen_area_is_reported() -> None:
    v = mavic()
    geom = box(-150, -100, 150, 100)
    keep = box(-150, -100, 0, 100)  # the western half cannot be flown over
    lay = coverage.layout(area(strip_azimuth_deg=90.0), geom, vehicle=v, dem=ground(),
                          obstacles=keep)
    assert lay.dropped > 0
    assert all(im.x > 0 for im in lay.images)
    assert lay.unseen_m2 > 0
    assert lay.unseen_m2 == pytest.approx(geom.area - lay.covered.area)
    # The camera still sees past the edge of what it may not fly over, by about half a frame.
    seen_west = lay.covered.intersection(keep).area
    assert seen_west == pytest.approx(geom.bounds[3] * 2 * lay.shape.length_m / 2, rel=0.2)


def test_small_polygon_is_one_photo_and_large_one_a_survey() -> None:
    v = mavic()
    small = box(-10, -10, 10, 10)
    large = box(-200, -200, 200, 200)
    assert not coverage.is_survey(area(), small, v)
    assert coverage.is_survey(area(), large, v)
    assert coverage.is_survey(area(sidelap_pct=60.0), small, v)  # asked for strips
    assert not coverage.is_survey(area(), Point(0, 0), v)


@pytest.fixture(scope="module")
def field():
    return plan_mission(EXAMPLE)


def test_field_survey_covers_the_field_and_verifies(field) -> None:
    plan, ctx = field
    [row] = coverage.plan_coverage(plan)
    assert row.percent == pytest.approx(100.0, abs=0.1)
    assert row.images == len(plan.photos) > 10
    assert verify(plan, hazards=ctx.hazards).ok
    keep = ctx.local.keep_outs_buffered[0]
    for ph in plan.photos:
        assert not keep.contains(Point(ph.station[:2]))
        assert ph.gsd_cm <= 2.0 + 1e-6


def test_verifier_names_the_gap_when_images_are_missing(field) -> None:
    plan, ctx = field
    # Without its southern strip (a middle one's neighbours overlap by 70 %: no gap there).
    south = min(ph.station[1] for ph in plan.photos)
    keep = [ph for ph in plan.photos if ph.station[1] - south > 5]
    assert 0 < len(keep) < len(plan.photos)
    gappy = replace(plan, photos=tuple(replace(p, number=k + 1) for k, p in enumerate(keep)))
    report = verify(gappy, hazards=ctx.hazards)
    found = [f for f in report.findings if f.rule == "coverage"]
    assert found, report.violations
    assert "m² of the required area is seen by no image" in found[0].message


def test_verifier_catches_a_survey_image_too_high(field) -> None:
    plan, ctx = field
    spec = ctx.mission.targets[0]
    finer = replace(spec, gsd_cm=1.5)
    report = verify(replace(plan, mission=replace(ctx.mission, targets=(finer,))),
                    hazards=ctx.hazards)
    assert any(f.rule == "gsd" for f in report.findings), report.violations



@pytest.mark.parametrize("slope_deg", [-15.0, 0.0, 15.0])
def test_oblique_camera_holds_the_gsd_where_its_axis_meets_sloping_ground(slope_deg) -> None:
    # Ground falling away ahead of Ingenuity's 22° camera takes the image centre farther: the
    # station comes down until the GSD holds there. Reference: march the axis by hand.
    v = ingenuity()
    dem = ground(400, slope_deg=slope_deg)
    geom = box(-40, -30, 40, 30)
    found, _ = coverage.survey_stations(0, area(strip_azimuth_deg=90.0), geom, vehicle=v,
                                        dem=dem, obstacles=MultiPolygon())
    assert len(found) > 4
    cam = v.camera
    dep = math.radians(22.0)
    for ts in found:
        [st] = ts.stations
        a = math.radians(st.pointing.heading_deg)
        s = np.linspace(0.0, 60.0, 60_001)  # every millimetre out to 60 m
        x, y = st.x + s * math.sin(a), st.y + s * math.cos(a)
        k = int(np.argmax(st.z - s * math.tan(dep) <= dem.sample(x, y)))
        slant = s[k] / math.cos(dep)
        gsd = slant * cam.ifov_rad * 100.0 / math.sin(dep)
        assert gsd <= 2.0 + 2e-3
        assert st.pointing.gsd_cm == pytest.approx(gsd, abs=2e-3)
        assert st.agl_m >= v.profile.min_altitude_agl_m


def test_corridor_follows_its_bends_and_covers_its_width() -> None:
    v = mavic()
    line = LineString([(-250, -150), (0, -150), (0, 150), (250, 150)])  # two right angles
    spec = area(corridor_width_m=150.0)
    geom_area = coverage.survey_area(spec, line, v)
    assert geom_area is not None
    assert geom_area.area == pytest.approx(line.buffer(75.0, cap_style="flat").area)
    lay = coverage.layout(spec, line, vehicle=v, dem=ground(), obstacles=MultiPolygon())
    s = lay.shape
    strips = math.ceil((150.0 - s.width_m) / lay.spacing_m) + 1
    assert len({im.strip for im in lay.images}) == strips
    # Along each leg of the line, images head along it (either way): east, north, east.
    for im in lay.images:
        x, y = im.centre
        if abs(x) > 80 and abs(abs(y) - 150) < 60:
            assert min(abs(im.heading_deg - 90.0), abs(im.heading_deg - 270.0)) < 1.0
        if abs(y) < 60 and abs(x) < 60:
            assert min(im.heading_deg % 360.0, abs(im.heading_deg - 180.0),
                       abs(im.heading_deg - 360.0)) < 1.0
    assert lay.covered.area == pytest.approx(geom_area.area, rel=1e-4)
    assert lay.unseen_m2 < 1.0


def test_a_short_line_is_one_photo() -> None:
    v = mavic()
    assert not coverage.is_survey(area(), LineString([(0, 0), (20, 0)]), v)
    assert coverage.is_survey(area(), LineString([(0, 0), (600, 0)]), v)


@pytest.mark.parametrize("suffix", [".waypoints", ".plan"])
def test_mavlink_files_of_a_survey_recheck_with_every_image_its_area(field, suffix,
                                                                    tmp_path) -> None:
    # A MAVLink file cannot say what a photo is of: an image whose centre falls in the area
    # is one of its images, so the file passes the coverage rule as the plan did.
    from planner.check import check_plan_file
    from planner.export.mavlink import qgc_plan_text, wpl_text

    plan, _ = field
    path = tmp_path / f"plan{suffix}"
    path.write_text(wpl_text(plan) if suffix == ".waypoints" else qgc_plan_text(plan))
    report, rebuilt = check_plan_file(path, EXAMPLE)
    assert report.ok, report.violations
    assert len(rebuilt.photos) == len(plan.photos)
    assert {p.target for p in rebuilt.photos} == {"field"}


# --- keep-outs that have heights -----------------------------------------------------------

TOWER_MISSION = {
    "type": "FeatureCollection",
    "name": "A Mavic 3 maps a field around a 30 m tower",
    "plan_flight": {"vehicle": "mavic3", "altitude_m": 60, "speed_m_s": 8},
    "features": [
        {"type": "Feature", "properties": {"role": "home", "name": "field gate"},
         "geometry": {"type": "Point", "coordinates": [8.5500, 47.3650]}},
        # 0.75 cm/px: 29.9 m above ground, below the tower's 30 m plus the 8 m clearance.
        {"type": "Feature",
         "properties": {"name": "field", "required": True, "gsd_cm": 0.75,
                        "sidelap_pct": 70, "overlap_pct": 80},
         "geometry": {"type": "Polygon", "coordinates": [[
             [8.5505, 47.3655], [8.5525, 47.3655], [8.5525, 47.3667], [8.5505, 47.3667],
             [8.5505, 47.3655]]]}},
        {"type": "Feature",
         "properties": {"role": "keep_out", "name": "tower", "height_m": 30, "buffer_m": 2},
         "geometry": {"type": "Polygon", "coordinates": [[
             [8.5514, 47.3660], [8.5516, 47.3660], [8.5516, 47.3662], [8.5514, 47.3662],
             [8.5514, 47.3660]]]}},
    ],
}


def test_survey_stations_keep_out_of_a_tower_and_its_band_of_airspace() -> None:
    from planner.local import Volume

    v = mavic()
    spec = replace(area(strip_azimuth_deg=0.0), gsd_cm=0.75)
    h, _ = coverage.survey_height(spec, v)
    geom = box(-100, -80, 100, 80)
    foot = box(-20, -20, 20, 20)

    def stations_in(vol):
        lay = coverage.layout(spec, geom, vehicle=v, dem=ground(400), obstacles=Polygon(),
                              volumes=(vol,))
        return lay, sum(1 for im in lay.images if foot.contains(Point(im.x, im.y)))

    free, n_free = stations_in(Volume(0, foot, -math.inf, h - 1.0, solid=True))
    assert n_free > 0  # a tower lower than the survey's height is flown over
    tall, n_tall = stations_in(Volume(0, foot, -math.inf, h + 1.0, solid=True))
    assert n_tall == 0 and tall.dropped > 0
    assert tall.unseen_m2 > free.unseen_m2
    _, n_band = stations_in(Volume(0, foot, h - 5.0, h + 5.0))
    assert n_band == 0
    _, n_above = stations_in(Volume(0, foot, h + 1.0, math.inf))
    assert n_above == n_free


def test_survey_image_not_taken_through_a_thing_that_stands_up() -> None:
    from planner.local import Volume

    # An oblique view, as a fixed camera's: the station stands back from the image centre.
    dem = ground(400)
    sx, sy, cx, cy = 0.0, -20.0, 0.0, 0.0
    wall = box(-10, -11, 10, -9)  # across the line of sight, half way
    view = np.array([[cx, cy]])
    args = (np.array([sx]), np.array([sy]), view, np.array([8.0]))
    # The line of sight is about 4 m above the ground half way: a 10 m wall hides the centre.
    assert not coverage._flyable(*args, dem=dem, obstacles=Polygon(), volumes=(),
                                 solids=(Volume(0, wall, -math.inf, 10.0, solid=True),))[0]
    assert coverage._flyable(*args, dem=dem, obstacles=Polygon(), volumes=(),
                             solids=(Volume(0, wall, -math.inf, 2.0, solid=True),))[0]


def test_required_field_around_a_tall_tower_plans_and_verifies(tmp_path) -> None:
    import json

    path = tmp_path / "tower.geojson"
    path.write_text(json.dumps(TOWER_MISSION))
    plan, ctx = plan_mission(path)
    report = verify(plan, hazards=ctx.hazards)
    assert report.ok, report.violations
    vol = ctx.local.volumes(clearance_m=ctx.vehicle.profile.min_clearance_m)[0]
    tower = ctx.local.keep_outs_buffered[0]
    assert plan.photos
    for ph in plan.photos:
        inside = vol.inside(np.array([ph.station[0]]), np.array([ph.station[1]]))[0]
        assert not inside or ph.station[2] - float(ctx.dem.sample(*ph.station[:2])) > vol.hi
    [row] = coverage.plan_coverage(plan)
    assert row.unseen_m2 > tower.area / 2  # the tower's ground is unseen, and reported
    assert row.percent < 100.0
    # The map draws each image's counted part and hatches the ground no image covers.
    pytest.importorskip("matplotlib")
    from matplotlib import pyplot as plt

    from planner.export.plot import draw_map

    fig = draw_map(plan, ctx.hazards)
    try:
        texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert "area no image covers" in texts
        assert "survey image (the part counted)" in texts
        assert "photo footprint" not in texts
    finally:
        plt.close(fig)


def test_oblique_image_counts_its_near_half_on_the_map_and_in_coverage(field) -> None:
    plan, _ = field
    [sv] = coverage.plan_covered(plan)
    assert len(sv.parts) == len(plan.photos)
    for part, ph in zip(sv.parts, plan.photos, strict=True):  # nadir: the whole frame counts
        assert part.area == pytest.approx(ph.footprint.area, rel=0.02)
    cam = ingenuity().camera
    half = coverage.image_footprint(cam, cam.fixed_pitch_deg, (0.0, 0.0, 8.0), 0.0, 0.0)
    assert half.bounds[3] == pytest.approx(8.0 / math.tan(math.radians(-cam.fixed_pitch_deg)))


# --- MultiPolygon areas ---------------------------------------------------------------------

def test_multipolygon_each_part_gets_strips_of_its_own() -> None:
    v = mavic()
    west = box(-300, -100, -100, 100)
    east = affinity.rotate(box(100, -60, 300, 60), 30.0)  # strips along its own long edges
    geom = MultiPolygon([west, east])
    spec = area()
    assert coverage.survey_area(spec, geom, v) == geom
    lay = coverage.layout(spec, geom, vehicle=v, dem=ground(), obstacles=Polygon())
    alone = [coverage.layout(spec, g, vehicle=v, dem=ground(), obstacles=Polygon())
             for g in (west, east)]
    assert len(lay.images) == sum(len(a.images) for a in alone)
    assert lay.area_m2 == pytest.approx(geom.area)
    assert lay.covered.area == pytest.approx(geom.area, rel=1e-3)
    # No strip runs from one part to the other: each strip's images lie over one part.
    for k in {im.strip for im in lay.images}:
        over = {0 if west.distance(Point(im.centre)) < east.distance(Point(im.centre)) else 1
                for im in lay.images if im.strip == k}
        assert len(over) == 1
    assert {round(a.azimuth_deg) % 180 for a in alone} != {0} or alone[1].azimuth_deg != 0.0


def test_multipolygon_area_plans_as_one_target_and_verifies(tmp_path) -> None:
    import json

    mission = json.loads(json.dumps(TOWER_MISSION))
    mission["features"] = mission["features"][:2]
    field = mission["features"][1]
    field["properties"]["gsd_cm"] = 2.0
    field["geometry"] = {"type": "MultiPolygon", "coordinates": [
        [[[8.5505, 47.3655], [8.5512, 47.3655], [8.5512, 47.3667], [8.5505, 47.3667],
          [8.5505, 47.3655]]],
        [[[8.5518, 47.3655], [8.5525, 47.3655], [8.5525, 47.3667], [8.5518, 47.3667],
          [8.5518, 47.3655]]]]}
    path = tmp_path / "two-fields.geojson"
    path.write_text(json.dumps(mission))
    plan, ctx = plan_mission(path)
    assert verify(plan, hazards=ctx.hazards).ok
    [row] = coverage.plan_coverage(plan)
    assert row.percent == pytest.approx(100.0, abs=0.1)
    parts = list(ctx.local.targets[0].geoms)
    seen = [sum(1 for ph in plan.photos if p.distance(Point(ph.aim[:2])) < 1.0) for p in parts]
    assert all(n > 0 for n in seen) and sum(seen) == len(plan.photos)


def test_verifier_names_a_thing_standing_between_a_survey_image_and_its_centre(tmp_path) -> None:
    import json

    from planner.pipeline import prepare

    channels = EXAMPLE.parents[1] / "channels" / "targets.geojson"
    plan, ctx = plan_mission(channels)
    assert verify(plan, hazards=ctx.hazards).ok
    # A 20 m wall across the middle of the first image's line of sight (Ingenuity looks 22°
    # down: the line is about 4 m up there), inside the mission's extent so the frame holds.
    ph = plan.photos[0]
    mx, my = (ph.station[0] + ph.aim[0]) / 2, (ph.station[1] + ph.aim[1]) / 2
    h = math.radians(ph.heading_deg)
    along, across = (math.sin(h), math.cos(h)), (math.cos(h), -math.sin(h))
    corners = [(mx + a * along[0] + c * across[0], my + a * along[1] + c * across[1])
               for a, c in ((-0.5, -3), (0.5, -3), (0.5, 3), (-0.5, 3))]
    wall = plan.frame.geometry_to_lonlat(Polygon(corners))
    doc = json.loads(channels.read_text())
    doc["features"].append({"type": "Feature",
                            "properties": {"role": "keep_out", "name": "wall", "height_m": 20},
                            "geometry": {"type": "Polygon", "coordinates": [
                                [list(c) for c in wall.exterior.coords]]}})
    walled = tmp_path / "walled.geojson"
    walled.write_text(json.dumps(doc))
    other = prepare(walled)
    assert other.local.frame == ctx.local.frame
    report = verify(replace(plan, mission=other.mission, local=other.local),
                    hazards=ctx.hazards)
    found = [f for f in report.findings if f.rule == "sight" and "'wall'" in f.message]
    assert found, report.violations
    assert "image's centre passes through 'wall'" in found[0].message
