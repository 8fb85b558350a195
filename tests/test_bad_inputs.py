"""A corpus of bad inputs, each through the command line: exit 2 (bad input) or 3 (no feasible
plan), one line on stderr naming the file (and the feature and field where there is one), no
traceback, and no output file written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from typer.testing import CliRunner

from planner.cli import app
from tests.conftest import (
    M_LAT,
    M_LON,
    MARS_EQC,
    MARS_RADIUS,
    collection,
    feature,
    mars_offset,
    square,
    textured,
    write_geotiff,
)

runner = CliRunner()
X0 = np.radians(M_LON) * MARS_RADIUS
Y0 = np.radians(M_LAT) * MARS_RADIUS


def base(**target_props):
    props = {"name": "rock", **target_props}
    return collection(
        feature("Point", mars_offset(0, 0), role="home", name="Q"),
        feature("Point", mars_offset(80, 0), role="landing", name="R"),
        feature("Point", mars_offset(40, 30), **props),
        crs="IAU_2015:49900", plan_flight={"altitude_m": 8, "speed_m_s": 3})


def campaign(**settings):
    doc = base()
    doc["plan_flight"].update(settings)
    return doc


def with_feature(doc, f):
    doc["features"].append(f)
    return doc


def tif(tmp: Path, z: np.ndarray, crs: str | None, *, nodata=None, name="dem.tif",
        origin=(X0 - 200, Y0 + 200)) -> Path:
    return write_geotiff(tmp / name, z, Affine(1, 0, origin[0], 0, -1, origin[1]), crs,
                         nodata=nodata)


def floor(shape=(400, 400)):
    return textured(shape, base=-2560.0)


def profile_text(**changes) -> str:
    from planner.profiles import resources

    text = resources.files("planner").joinpath("profiles", "ingenuity.toml").read_text()
    for key, val in changes.items():
        lines = [f"{key} = {val}" if line.split("=")[0].strip() == key else line
                 for line in text.splitlines()]
        text = "\n".join(lines)
    return text


# Each case: (id, mission document or raw text, extra args (with {tmp}), exit code, needles).
CASES = [
    ("invalid json", "{\"type\": \"FeatureCollection\", ", [], 2, ["invalid JSON"]),
    ("not a collection", {"type": "Feature", "geometry": None}, [], 2,
     ["not a GeoJSON FeatureCollection"]),
    ("a bare list", [1, 2], [], 2, ["not a GeoJSON FeatureCollection"]),
    ("features not a list", {"type": "FeatureCollection", "features": {}}, [], 2, ["features"]),
    ("empty collection", collection(), [], 2, ["home"]),
    ("home is a line", collection(feature("LineString", [mars_offset(0, 0), mars_offset(1, 1)],
                                          role="home", name="Q")), [], 2,
     ["feature #1", "'Q'", "geometry", "Point"]),
    ("NaN coordinate", '{"type": "FeatureCollection", "features": [{"type": "Feature", '
     '"properties": {"role": "home"}, "geometry": {"type": "Point", "coordinates": [NaN, 1]}}]}',
     [], 2, ["feature #1", "finite"]),
    ("infinite coordinate", '{"type": "FeatureCollection", "features": [{"type": "Feature", '
     '"properties": {"role": "home"}, "geometry": {"type": "Point", "coordinates": '
     '[Infinity, 1]}}]}', [], 2, ["feature #1", "finite"]),
    ("latitude out of range", collection(feature("Point", [77.4, 95.0], role="home")), [], 2,
     ["feature #1", "latitude"]),
    ("longitude out of range", collection(feature("Point", [577.4, 18.0], role="home")), [], 2,
     ["feature #1", "longitude"]),
    ("unknown role", with_feature(base(), feature("Point", mars_offset(5, 5), role="rover",
                                                  name="x")), [], 2,
     ["feature #4", "'x'", "role", "unknown role"]),
    ("duplicate target names", with_feature(base(), feature("Point", mars_offset(5, 5),
                                                            name="rock")), [], 2,
     ["feature #4", "'rock'", "name", "duplicate"]),
    ("self-intersecting keep-out", with_feature(base(), feature(
        "Polygon", [[mars_offset(0, 50), mars_offset(10, 60), mars_offset(10, 50),
                     mars_offset(0, 60), mars_offset(0, 50)]], role="keep_out", name="bow")), [],
     2, ["feature #4", "'bow'", "geometry", "invalid polygon"]),
    ("keep-out is a point", with_feature(base(), feature("Point", mars_offset(5, 5),
                                                         role="keep_out", name="k")), [], 2,
     ["feature #4", "keep_out"]),
    ("empty geometry", with_feature(base(), feature("Polygon", [], name="void")), [], 2,
     ["feature #4", "empty"]),
    ("target without a name", with_feature(base(), feature("Point", mars_offset(5, 5))), [], 2,
     ["feature #4", "name"]),
    ("negative priority", base(priority=-2), [], 2, ["feature #3", "'rock'", "priority"]),
    ("zero photos", base(photos=0), [], 2, ["feature #3", "photos"]),
    ("a fractional count of photos", base(photos=2.5), [], 2, ["feature #3", "photos", "whole"]),
    ("two spellings of one field", base(gsd_cm=2, GSD_CM=0.5), [], 2,
     ["feature #3", "'rock'", "gsd_cm", "given twice", "'GSD_CM'"]),
    ("a misspelling beside the right key", base(required=False, requird=True), [], 2,
     ["feature #3", "'rock'", "'required' and 'requird'"]),
    ("negative gsd", base(gsd_cm=-1), [], 2, ["feature #3", "gsd_cm"]),
    ("required not a boolean", base(required="yes"), [], 2, ["feature #3", "required"]),
    ("azimuth not a number", base(view_azimuth_deg="north"), [], 2,
     ["feature #3", "view_azimuth_deg"]),
    ("negative standoff", base(min_standoff_m=-3), [], 2, ["feature #3", "min_standoff_m"]),
    ("unknown crs", {**base(), "crs": {"type": "name", "properties": {"name": "EPSG:99999"}}},
     [], 2, ["crs", "unknown CRS"]),
    ("earth crs but --body mars", {**base(), "crs": {"type": "name", "properties": {
        "name": "EPSG:4326"}}}, ["--body", "mars"], 2, ["crs", "earth"]),
    ("negative altitude setting", {**base(), "plan_flight": {"altitude_m": -8}}, [], 2,
     ["plan_flight.altitude_m"]),
    ("home in a keep-out", with_feature(base(), feature("Polygon", square(0, 0, 10),
                                                        role="keep_out", name="rover")), [], 2,
     ["feature #1", "'Q'", "keep-out zone 'rover'"]),
    ("landing in a keep-out", with_feature(base(), feature("Polygon", square(80, 0, 10),
                                                           role="keep_out", name="rover")), [],
     2, ["feature #2", "'R'", "keep-out zone 'rover'"]),
    ("unknown vehicle", base(), ["--vehicle", "zeppelin"], 2, ["unknown vehicle 'zeppelin'"]),
    ("profile with a negative battery", base(), ["--vehicle", "{tmp}/neg.toml"], 2,
     ["neg.toml", "battery.usable_energy_wh"]),
    ("profile reserve of 100 %", base(), ["--vehicle", "{tmp}/reserve.toml"], 2,
     ["reserve.toml", "reserve_wh"]),
    ("profile with an unknown survey capture", base(), ["--vehicle", "{tmp}/capture.toml"], 2,
     ["capture.toml", "camera.survey_capture", "'sometimes'"]),
    ("profile with no exposure time", base(), ["--vehicle", "{tmp}/exposure.toml"], 2,
     ["exposure.toml", "camera.exposure_s"]),
    ("reserve option above usable", base(), ["--reserve-wh", "30"], 2, ["reserve"]),
    ("speed above the profile's", base(), ["--speed", "25"], 2, ["speed 25"]),
    ("altitude above the profile's", base(), ["--altitude", "40"], 2, ["altitude 40"]),
    ("non-positive air density", base(), ["--air-density", "0"], 2, ["--air-density 0", "> 0"]),
    ("mars vehicle on earth", collection(feature("Point", [8.54, 47.37], role="home")),
     ["--vehicle", "ingenuity"], 2, ["made for mars"]),
    ("unwritable output", base(), ["--export", "{tmp}/missing/plan.plan"], 2,
     ["does not exist"]),
    ("unknown export format", base(), ["--export", "{tmp}/plan.shp"], 2,
     ["unknown export format"]),
    ("dem without a CRS", base(), ["--dem", "{tmp}/nocrs.tif"], 2, ["nocrs.tif", "no CRS"]),
    ("dem all nodata", base(), ["--dem", "{tmp}/nodata.tif"], 2, ["nodata.tif", "nodata"]),
    ("dem not a raster", base(), ["--dem", "{tmp}/fake.tif"], 2, ["fake.tif"]),
    ("dem on earth for a mars mission", base(), ["--dem", "{tmp}/utm.tif"], 2,
     ["utm.tif", "the DEM is on Earth", "on Mars (its crs member)", "pass --body earth",
      "an Earth crs member (EPSG:4326)"]),
    ("mars dem for a mission without a crs", {k: v for k, v in base().items() if k != "crs"},
     ["--dem", "{tmp}/mars.tif"], 2,
     ["mars.tif", "the DEM is on Mars", "on Earth (lon/lat on Earth, as RFC 7946 takes a file "
      "without a crs member)", "pass --body mars or give the mission a Mars crs member"]),
    ("mars dem on the polar-radius sphere", {k: v for k, v in base().items() if k != "crs"},
     ["--dem", "{tmp}/polar.tif"], 2, ["polar.tif", "the DEM is on Mars", "--body mars"]),
    ("mars dem for a mission put on earth", base(), ["--body", "earth", "--dem",
                                                     "{tmp}/mars.tif"], 2,
     ["crs", "on mars, not earth"]),
    ("a mars vehicle for a mission without a crs",
     {k: v for k, v in base().items() if k != "crs"}, ["--vehicle", "ingenuity"], 2,
     ["--vehicle ingenuity", "pass --body mars or give the mission file a mars crs member"]),
    ("target outside the dem", with_feature(base(), feature("Point", mars_offset(500, 0),
                                                            name="far")), ["--dem",
                                                                           "{tmp}/mars.tif"],
     2, ["feature #4", "'far'", "outside the terrain"]),
    ("home on ground too steep to stand on", base(), ["--dem", "{tmp}/slope15.tif"], 2,
     ["feature #1", "'Q'", "take-off site: slope 1", "° above the 10° limit", "stands on"]),
    ("home on a cliff", base(), ["--dem", "{tmp}/cliff.tif"], 2,
     ["feature #1", "'Q'", "take-off site: slope", "above the 20° limit"]),
    ("misspelt setting", {**base(), "plan_flight": {"altitdue_m": 8}}, [], 2,
     ["plan_flight.altitdue_m", "did you mean 'altitude_m'?"]),
    ("misspelt vehicle in the file", {**base(), "plan_flight": {"vehicle": "ingenuty"}}, [], 2,
     ["mission.geojson", "plan_flight.vehicle", "unknown vehicle 'ingenuty'"]),
    ("misspelt target property", base(priorty=3), [], 2,
     ["feature #3", "'rock'", "field 'priorty'", "did you mean 'priority'?"]),
    ("numeric target name", with_feature(base(), feature("Point", mars_offset(5, 5), name=7)),
     [], 2, ["feature #4", "field 'name'", "must be text, not 7"]),
    ("azimuth beyond a circle", base(view_azimuth_deg=400), [], 2,
     ["feature #3", "view_azimuth_deg", "[0, 360], not 400"]),
    ("martian air on earth", collection(feature("Point", [8.54, 47.37], role="home")),
     ["--air-density", "0.017"], 2, ["--air-density 0.017", "air on Earth"]),
    ("earth air on mars", base(), ["--air-density", "1.2"], 2, ["--air-density 1.2",
                                                                "air on Mars"]),
    ("negative seed", base(), ["--seed", "-5"], 2, ["--seed -5"]),
    ("resolution not a number", base(), ["--resolution", "nan"], 2, ["--resolution nan"]),
    ("negative resolution", base(), ["--resolution", "-3"], 2, ["--resolution -3"]),
    ("zero time limit", base(), ["--time-limit", "0"], 2, ["--time-limit 0"]),
    ("an export into /proc", base(), ["--export", "/proc/x.csv"], 2,
     ["/proc/x.csv", "cannot write"]),
    ("an unknown option", base(), ["--altitdue", "8"], 2, ["No such option: --altitdue"]),
    ("negative terrain seed", base(), ["--terrain-seed", "-1"], 2, ["--terrain-seed -1"]),
    ("DEM precision not a number", base(), ["--dem-precision-m", "nan"], 2,
     ["--dem-precision-m nan"]),
    ("budget below take-off and landing", base(), ["--max-flight-time", "5"], 3,
     ["take-off and landing"]),
    ("required target with an impossible GSD", base(required=True, gsd_cm=0.001), [], 3,
     ["required target 'rock'", "GSD"]),
    ("required target over budget", base(required=True, photos=100), [], 3,
     ["required target 'rock'", "over budget"]),
    ("a DJI WPML mission on Mars", base(), ["--export", "{tmp}/plan.kmz"], 2,
     ["plan.kmz", "DJI aircraft on Earth", "Mars"]),
    ("a Litchi mission on Mars", base(), ["--export", "{tmp}/plan.litchi.csv"], 2,
     ["plan.litchi.csv", "DJI aircraft on Earth", "Mars"]),
    ("check a text file that is no mission", base(), ["--check", "{tmp}/notes.waypoints"], 2,
     ["notes.waypoints", "line 1", "QGC WPL 110"]),
    ("check a mission with a short line", base(), ["--check", "{tmp}/short.waypoints"], 2,
     ["short.waypoints", "line 3", "12 values"]),
    ("check a mission with a bad number", base(), ["--check", "{tmp}/word.waypoints"], 2,
     ["word.waypoints", "line 3", "param 1 to 7"]),
    ("check a QGC plan with a survey", base(), ["--check", "{tmp}/survey.plan"], 2,
     ["survey.plan", "item 2", "ComplexItem"]),
    ("check a QGC plan that is not one", base(), ["--check", "{tmp}/other.plan"], 2,
     ["other.plan", "not a QGroundControl plan"]),
    ("check a mission that returns to launch", base(), ["--check", "{tmp}/rtl.waypoints"], 2,
     ["rtl.waypoints", "line 4 (item 2)", "navigation command 20"]),
    # Malformed geometry, found before shapely would guess (issue 12).
    ("string coordinates", with_feature(base(), feature("Point", ["8.5", "47.3"], name="s")),
     [], 2, ["feature #4", "'s'", "geometry", "coordinates must be numbers"]),
    ("boolean coordinate", with_feature(base(), feature("Point", [True, 18.4], name="b")),
     [], 2, ["feature #4", "coordinates must be numbers"]),
    ("unclosed keep-out ring", with_feature(base(), feature(
        "Polygon", [square(0, 60, 10)[0][:-1]], role="keep_out", name="open")), [], 2,
     ["feature #4", "'open'", "must be closed"]),
    ("a ring of three positions", with_feature(base(), feature(
        "Polygon", [[mars_offset(0, 60), mars_offset(5, 60), mars_offset(0, 60)]],
        role="keep_out", name="thin")), [], 2, ["feature #4", "at least 4 positions"]),
    ("a position of one number", with_feature(base(), feature("Point", [77.4], name="p")),
     [], 2, ["feature #4", "a position must be"]),
    ("a position of four numbers", with_feature(base(), feature("Point", [77.4, 18.4, 0, 1],
                                                                name="p")), [], 2,
     ["feature #4", "a position must be"]),
    ("a line of one position", with_feature(base(), feature("LineString", [mars_offset(5, 5)],
                                                            name="l")), [], 2,
     ["feature #4", "at least 2 positions"]),
    ("a geometry collection", with_feature(base(), {
        "type": "Feature", "properties": {"name": "g"},
        "geometry": {"type": "GeometryCollection", "geometries": []}}), [], 2,
     ["feature #4", "unknown geometry type 'GeometryCollection'"]),
    ("a geometry without coordinates", with_feature(base(), {
        "type": "Feature", "properties": {"name": "n"}, "geometry": {"type": "Point"}}), [], 2,
     ["feature #4", "needs 'coordinates'"]),
    ("JSON nested ten thousand deep", "[" * 10000 + "]" * 10000, [], 2,
     ["nested too deeply"]),
    ("a mission file too large", "{tmp}/huge.geojson", [], 2, ["MiB", "at most 64 MiB"]),
    # Far beyond the vehicle's range: refused before any terrain is made (issues 12 and 15).
    ("a required target 70 km away", with_feature(base(), feature(
        "Point", mars_offset(70_000, 0), name="far", required=True)), [], 3,
     ["required target 'far'", "out of range", "139.9 km", "range of at most"]),
    ("a landing site 70 km away", {**base(), "features": [
        feature("Point", mars_offset(0, 0), role="home", name="Q"),
        feature("Point", mars_offset(70_000, 0), role="landing", name="R")]}, [], 3,
     ["landing site is 70.0 km from home", "range of at most"]),
    ("a keep-out 3000 km away", with_feature(base(), feature(
        "Polygon", square(3_000_000, 0, 10), role="keep_out", name="far")), [], 2,
     ["feature #4", "'far'", "beyond any flight of ingenuity", "a mistake in its coordinates"]),
    ("terrain finer than memory allows", base(), ["--resolution", "0.01"], 2,
     ["terrain cells at 0.01 m", "million allowed"]),
    ("check with --json", base(), ["--check", "{tmp}/rtl.waypoints", "--json"], 2,
     ["--check", "--json"]),
    ("a ring of keep-out around home", with_feature(base(), feature(
        "Polygon", [square(0, 0, 40)[0], square(0, 0, 25)[0][::-1]], role="keep_out",
        name="ring")), [], 3,
     ["route: no way from home to the landing site", "keep-out zone 'ring'"]),
    ("no views", base(views=0), [], 2, ["'rock'", "views", "[1, 24]"]),
    ("a fractional count of views", base(views=2.5), [], 2, ["'rock'", "views", "whole"]),
    ("a view from below the horizon", base(view_elevation_deg=-10), [], 2,
     ["'rock'", "view_elevation_deg"]),
    ("a required view the fixed camera cannot take", base(required=True, views=2,
                                                          view_elevation_deg=75,
                                                          view_elevation_tolerance_deg=5),
     [], 3, ["'rock'", "cannot look 70° to 80° below the horizon"]),
    ("an overlap of 100 %", with_feature(base(), feature("Polygon", square(40, -40, 30),
                                                        name="area", overlap_pct=100)), [], 2,
     ["'area'", "overlap_pct", "below 100"]),
    ("a sidelap over 100 %", with_feature(base(), feature("Polygon", square(40, -40, 30),
                                                         name="area", sidelap_pct=120)), [], 2,
     ["'area'", "sidelap_pct", "below 100"]),
    ("a required area wholly in a keep-out",
     with_feature(with_feature(base(), feature("Polygon", square(40, -60, 20), name="area",
                                               required=True, gsd_cm=2.0, sidelap_pct=70)),
                  feature("Polygon", square(40, -60, 35), role="keep_out", name="pad")),
     [], 3, ["'area'", "keep-out zone or hazard"]),
    ("a corridor width of 0", with_feature(base(), feature(
        "LineString", [mars_offset(10, -20), mars_offset(90, -40)], name="channel",
        corridor_width_m=0)), [], 2, ["'channel'", "corridor_width_m"]),
    # Campaigns (README: Campaigns).
    ("no flights", campaign(flights=0), [], 2, ["plan_flight.flights", "whole number", "0"]),
    ("half a flight", campaign(flights=2.5), [], 2, ["plan_flight.flights", "2.5"]),
    ("a thousand flights", campaign(flights=1000), [], 2, ["plan_flight.flights", "1000"]),
    ("--flights 0", base(), ["--flights", "0"], 2, ["--flights 0", "whole number"]),
    ("recharge sometimes", campaign(recharge="sometimes"), [], 2,
     ["plan_flight.recharge", "'sometimes'", "in_place"]),
    ("flight budgets too few", campaign(flights=3, flight_budgets=[1.0, 0.5]), [], 2,
     ["plan_flight.flight_budgets", "2 budgets for 3 flights"]),
    ("flight budget above one", campaign(flights=2, flight_budgets=[1.0, 1.5]), [], 2,
     ["plan_flight.flight_budgets", "flight 2", "1.5"]),
    ("flight budget below take-off", campaign(flights=2, flight_budgets=[1.0, 0.01]), [], 3,
     ["flight 2's", "does not cover its take-off and landing"]),
    ("airfield inside a keep-out", with_feature(with_feature(campaign(flights=2), feature(
        "Polygon", square(40, -40, 10), role="keep_out", name="rover")), feature(
        "Point", mars_offset(40, -40), role="airfield", name="F")), [], 2,
     ["feature #5", "'F'", "geometry", "inside keep-out zone 'rover'"]),
    ("airfield is a polygon", with_feature(campaign(flights=2), feature(
        "Polygon", square(40, -40, 3), role="airfield", name="F")), [], 2,
     ["feature #4", "'F'", "an airfield must be a Point"]),
    # Wind (issue 17): the option and the mission's setting, and the vehicle's limit.
    ("negative wind speed", base(), ["--wind", "-3@270"], 2, ["--wind -3@270", "speed -3"]),
    ("wind direction 400", base(), ["--wind", "5@400"], 2,
     ["--wind 5@400", "direction 400 is outside [0, 360)"]),
    ("wind without a direction", base(), ["--wind", "5"], 2, ["--wind 5", "SPEED@FROM_DEG"]),
    ("gust below the mean wind", base(), ["--wind", "5@270", "--gust", "3"], 2,
     ["--gust 3", "below the mean wind 5 m/s"]),
    ("gust without a wind", base(), ["--gust", "8"], 2, ["--gust 8", "--wind"]),
    ("wind on Mars above the limit", base(), ["--wind", "7@any"], 2,
     ["--wind 7 m/s from any direction", "ingenuity's wind limit of 6 m/s"]),
    ("gust on Mars above the limit", base(), ["--wind", "5@240-300", "--gust", "8"], 2,
     ["--wind 5 m/s from 240-300°, gusts 8 m/s", "8 m/s gust", "wind limit of 6 m/s"]),
    ("mission wind above the limit", {**base(), "plan_flight": {"wind": "9@90"}}, [], 2,
     ["mission.geojson", "plan_flight.wind", "9 m/s wind exceeds", "6 m/s"]),
    ("mission wind direction 400", {**base(), "plan_flight": {
        "wind": {"speed_m_s": 3, "from_deg": 400}}}, [], 2,
     ["mission.geojson", "plan_flight.wind", "direction 400 is outside"]),
    ("mission wind negative", {**base(), "plan_flight": {
        "wind": {"speed_m_s": -2, "from_deg": "any"}}}, [], 2,
     ["mission.geojson", "plan_flight.wind", "speed_m_s", ">= 0"]),
    ("mission gust below the mean", {**base(), "plan_flight": {
        "wind": {"speed_m_s": 4, "from_deg": [240, 300], "gust_m_s": 2}}}, [], 2,
     ["mission.geojson", "plan_flight.wind", "gust 2 m/s is below the mean wind 4 m/s"]),
    # Things that stand up (issue 11, item 9).
    ("a keep-out of negative height", with_feature(base(), feature(
        "Polygon", square(40, -40, 5), role="keep_out", name="pit", height_m=-3)), [], 2,
     ["feature #4", "'pit'", "height_m", "> 0"]),
    ("a keep-out height that is no number", with_feature(base(), feature(
        "Polygon", square(40, -40, 5), role="keep_out", name="mast", height_m="tall")), [], 2,
     ["feature #4", "'mast'", "height_m", "number"]),
    ("airspace floor above its ceiling", with_feature(base(), feature(
        "Polygon", square(40, -40, 5), role="keep_out", name="zone", floor_m=50,
        ceiling_m=20)), [], 2, ["feature #4", "'zone'", "floor_m", "below ceiling 20 m"]),
    ("airspace floor equal to its ceiling", with_feature(base(), feature(
        "Polygon", square(40, -40, 5), role="keep_out", name="zone", floor_m=30,
        ceiling_m=30)), [], 2, ["feature #4", "floor_m", "below ceiling"]),
    ("a keep-out both standing and airspace", with_feature(base(), feature(
        "Polygon", square(40, -40, 5), role="keep_out", name="both", height_m=10,
        ceiling_m=30)), [], 2, ["feature #4", "'both'", "height_m", "not both"]),
    ("a height on home", {**base(), "features": [
        feature("Point", mars_offset(0, 0), role="home", name="Q", height_m=2),
        *base()["features"][1:]]}, [], 2,
     ["feature #1", "'Q'", "height_m", "means nothing on a home"]),
    ("an airspace floor on a target", base(floor_m=10), [], 2,
     ["feature #3", "'rock'", "floor_m", "means nothing on a target"]),
    ("home under a low tower", with_feature(base(), feature(
        "Polygon", square(0, 0, 5), role="keep_out", name="mast", height_m=1)), [], 2,
     ["feature #1", "'Q'", "inside keep-out zone 'mast'", "height 1 m"]),
]


@pytest.fixture
def files(tmp_path):
    (tmp_path / "neg.toml").write_text(profile_text(usable_energy_wh="-5.0"))
    (tmp_path / "reserve.toml").write_text(profile_text(reserve_wh="23.0"))
    (tmp_path / "capture.toml").write_text(profile_text(survey_capture='"sometimes"'))
    (tmp_path / "exposure.toml").write_text(profile_text(
        survey_capture='"distance"\nexposure_s = 0\nmin_trigger_interval_s = 1.0'))
    tif(tmp_path, floor(), None, name="nocrs.tif")
    tif(tmp_path, np.full((400, 400), -9999.0), MARS_EQC, nodata=-9999.0, name="nodata.tif")
    (tmp_path / "fake.tif").write_text("II*\x00 not really a tiff")
    tif(tmp_path, floor(), "EPSG:32633", name="utm.tif", origin=(500000, 5000000))
    tif(tmp_path, floor(), MARS_EQC, name="mars.tif")
    tif(tmp_path, floor(), MARS_EQC.replace("3396190", "3376200"), name="polar.tif",
        origin=(np.radians(M_LON) * 3376200 - 200, np.radians(M_LAT) * 3376200 + 200))
    xs = np.arange(400) - 200.0
    cliff = floor() + np.tile(np.where(np.abs(xs) < 30, xs * 1.2, 0.0), (400, 1))
    tif(tmp_path, cliff, MARS_EQC, name="cliff.tif")
    # 15°: above Ingenuity's landing slope limit (10°), below its flight one (20°).
    tif(tmp_path, floor() + np.tile(xs * np.tan(np.radians(15.0)), (400, 1)), MARS_EQC,
        name="slope15.tif")
    lon, lat = mars_offset(0, 0)
    home = f"0\t1\t0\t16\t0\t0\t0\t0\t{lat}\t{lon}\t-2560\t1"
    takeoff = f"1\t0\t3\t22\t0\t0\t0\t0\t{lat}\t{lon}\t8\t1"
    (tmp_path / "notes.waypoints").write_text("waypoints for Tuesday\n")
    (tmp_path / "short.waypoints").write_text(f"QGC WPL 110\n{home}\n1\t0\t3\t22\t0\n")
    word = takeoff.replace("22\t0", "22\tzero", 1)
    (tmp_path / "word.waypoints").write_text(f"QGC WPL 110\n{home}\n{word}\n")
    (tmp_path / "rtl.waypoints").write_text(
        f"QGC WPL 110\n{home}\n{takeoff}\n2\t0\t3\t20\t0\t0\t0\t0\t0\t0\t0\t1\n")
    qgc = {"fileType": "Plan", "version": 1, "mission": {
        "plannedHomePosition": [lat, lon, -2560], "items": [
            {"type": "SimpleItem", "command": 22, "frame": 3,
             "params": [0, 0, 0, 0, lat, lon, 8]},
            {"type": "ComplexItem", "complexItemType": "survey"}]}}
    (tmp_path / "survey.plan").write_text(json.dumps(qgc))
    (tmp_path / "other.plan").write_text(json.dumps({"fileType": "GeoFence"}))
    return tmp_path


@pytest.mark.parametrize(("label", "doc", "args", "code", "needles"), CASES,
                         ids=[c[0] for c in CASES])
def test_bad_input(label, doc, args, code, needles, files) -> None:
    mission = files / "mission.geojson"
    if doc == "{tmp}/huge.geojson":  # a sparse file larger than the limit: nothing is read
        with mission.open("wb") as fh:
            fh.truncate(65 * 2**20)
    else:
        mission.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    out = files / "out"
    out.mkdir()
    argv = [str(mission), *[a.replace("{tmp}", str(files)) for a in args]]
    if "--check" not in args:  # --check writes nothing, and refuses an --export
        argv += ["--export", str(out / "plan.geojson")]
    res = runner.invoke(app, argv)
    err = res.stderr.strip()
    assert res.exit_code == code, (res.exit_code, err, res.stdout[-500:])
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err + res.stdout
    assert err.startswith("plan-flight: error:")
    for needle in needles:
        assert needle in err, (needle, err)
    # Faults in the mission file (and infeasible missions) name it; a fault in an option names
    # the option's value or file instead.
    if code == 3 or not any(a.startswith("--") for a in args):
        assert str(mission) in err
    assert list(out.iterdir()) == []


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
