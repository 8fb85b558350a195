from __future__ import annotations

import math

import pytest

from planner.errors import MissionError
from planner.mission import load_mission, parse_mission
from tests.conftest import collection, feature, mars_offset, square


def test_three_target_mission_parses(three_targets, write_json) -> None:
    m = load_mission(write_json(three_targets))
    assert m.body.name == "mars"
    assert [t.name for t in m.targets] == ["rock A", "rock B", "outcrop"]
    assert m.targets[0].priority == 2 and m.targets[1].gsd_cm == 3
    assert m.targets[2].photos == 3
    assert m.keep_outs[0].buffer_m == 3
    assert m.landing is not None and m.landing.name == "pad"
    assert m.settings.altitude_m == 8


def test_no_crs_is_earth_and_body_option_makes_mars() -> None:
    doc = collection(feature("Point", [8.54, 47.37], role="home"))
    assert parse_mission(doc).body.name == "earth"
    assert parse_mission(doc, body="mars").body.name == "mars"


def test_gis_extras_are_not_errors() -> None:
    doc = collection(feature("Point", [8.54, 47.37], role="home", id=7, stroke="#f00"),
                     feature("Point", [8.541, 47.371], name="t", description="x",
                             **{"marker-color": "#00f"}))
    doc["bbox"] = [0, 0, 1, 1]
    assert len(parse_mission(doc).targets) == 1


def test_projected_mars_crs_is_converted_to_lonlat() -> None:
    # Mars equirectangular metres, as the USGS Jezero products and MMGIS use.
    x = math.radians(77.45102) * 3396190.0
    y = math.radians(18.44486) * 3396190.0
    doc = collection(feature("Point", [x, y], role="home"),
                     crs="+proj=eqc +lat_ts=0 +lon_0=0 +R=3396190 +units=m")
    m = parse_mission(doc)
    assert m.body.name == "mars"
    assert m.home.point.x == pytest.approx(77.45102, abs=1e-9)
    assert m.home.point.y == pytest.approx(18.44486, abs=1e-9)


def test_polygon_winding_does_not_matter() -> None:
    ring = square(0, 0, 10)[0]
    for r in (ring, ring[::-1]):
        doc = collection(feature("Point", mars_offset(50, 50), role="home"),
                         feature("Polygon", [r], role="keep_out", name="k"),
                         crs="IAU_2015:49900")
        assert parse_mission(doc).keep_outs[0].geometry.area > 0


def test_repositioning_flight_has_no_targets() -> None:
    doc = collection(feature("Point", [8.54, 47.37], role="home"),
                     feature("Point", [8.541, 47.37], role="landing"))
    assert parse_mission(doc).targets == ()


BAD = [
    ("not json", "{", "invalid JSON"),
    ("not a collection", {"type": "Feature"}, "not a GeoJSON FeatureCollection"),
    ("features not a list", {"type": "FeatureCollection", "features": {}}, "features"),
    ("no home", collection(feature("Point", [1, 1], name="t")), "no feature with role 'home'"),
    ("unknown role", collection(feature("Point", [1, 1], role="home"),
                                feature("Point", [1, 1], role="photo", name="x")), "unknown role"),
    ("home not a point", collection(feature("LineString", [[1, 1], [2, 2]], role="home")),
     "must be a Point"),
    ("nan", collection(feature("Point", [float("nan"), 1], role="home")), "finite"),
    ("inf", collection(feature("Point", [1, float("inf")], role="home")), "finite"),
    ("latitude", collection(feature("Point", [1, 95], role="home")), "latitude"),
    ("longitude", collection(feature("Point", [400, 5], role="home")), "longitude"),
    ("empty", collection(feature("Point", [], role="home")), "geometry"),
    ("duplicate names", collection(feature("Point", [1, 1], role="home"),
                                   feature("Point", [1, 1.001], name="a"),
                                   feature("Point", [1, 1.002], name="a")), "duplicate"),
    ("bowtie keep-out", collection(
        feature("Point", [1, 1], role="home"),
        feature("Polygon", [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]], role="keep_out",
                name="k")), "invalid polygon"),
    ("keep-out point", collection(feature("Point", [1, 1], role="home"),
                                  feature("Point", [1, 1], role="keep_out")), "keep_out"),
    ("negative priority", collection(feature("Point", [1, 1], role="home"),
                                     feature("Point", [1, 1], name="t", priority=-1)), "priority"),
    ("zero gsd", collection(feature("Point", [1, 1], role="home"),
                            feature("Point", [1, 1], name="t", gsd_cm=0)), "gsd_cm"),
    ("photos text", collection(feature("Point", [1, 1], role="home"),
                               feature("Point", [1, 1], name="t", photos="two")), "photos"),
    ("required text", collection(feature("Point", [1, 1], role="home"),
                                 feature("Point", [1, 1], name="t", required="yes")), "required"),
    ("unnamed target", collection(feature("Point", [1, 1], role="home"),
                                  feature("Point", [1, 1])), "name"),
    ("unknown crs", collection(feature("Point", [1, 1], role="home"), crs="EPSG:999999"),
     "unknown CRS"),
    ("two homes", collection(feature("Point", [1, 1], role="home"),
                             feature("Point", [1, 2], role="home")), "second home"),
    ("bad setting", collection(feature("Point", [1, 1], role="home"),
                               plan_flight={"altitude_m": -3}), "plan_flight.altitude_m"),
    ("negative buffer", collection(
        feature("Point", [1, 1], role="home"),
        feature("Polygon", square(0, 0, 5), role="keep_out", buffer_m=-1)), "buffer_m"),
]


@pytest.mark.parametrize(("label", "doc", "needle"), BAD, ids=[b[0] for b in BAD])
def test_bad_missions_name_file_and_problem(label, doc, needle, write_json) -> None:
    path = write_json(doc)
    with pytest.raises(MissionError) as info:
        load_mission(path)
    msg = str(info.value)
    assert str(path) in msg
    assert needle in msg


def test_error_names_feature_index_and_name(write_json) -> None:
    doc = collection(feature("Point", [1, 1], role="home"),
                     feature("Point", [1, 1], name="boulder", priority=0))
    with pytest.raises(MissionError, match=r"feature #2 \('boulder'\): field 'priority'"):
        load_mission(write_json(doc))


def test_missing_file() -> None:
    with pytest.raises(MissionError, match="no such file"):
        load_mission("/nonexistent/targets.geojson")


def test_crs_on_another_body_than_asked() -> None:
    doc = collection(feature("Point", [1, 1], role="home"), crs="EPSG:4326")
    with pytest.raises(MissionError, match="on earth, not mars"):
        parse_mission(doc, body="mars")


def _home_and(*feats, **extra):
    return collection(feature("Point", [8.54, 47.37], role="home", name="pad"), *feats, **extra)


@pytest.mark.parametrize(("label", "doc", "needle"), [
    ("misspelt setting", _home_and(plan_flight={"altitdue_m": 8}),
     "field 'plan_flight.altitdue_m': unknown setting; did you mean 'altitude_m'?"),
    ("unknown setting", _home_and(plan_flight={"colour": "red"}),
     "field 'plan_flight.colour': unknown setting (known: body, vehicle"),
    ("budget in the mission", _home_and(plan_flight={"max_flight_time_s": 90}),
     "field 'plan_flight.max_flight_time_s': is a vehicle budget"),
    ("misspelt target property", _home_and(feature("Point", [8.541, 47.37], name="t",
                                                   priorty=3)),
     "feature #2 ('t'): field 'priorty': unknown property; did you mean 'priority'?"),
    ("unit left out", _home_and(feature("Point", [8.541, 47.37], name="t", gsd=2)),
     "field 'gsd': unknown property; did you mean 'gsd_cm'?"),
    ("misspelt role", _home_and(feature("Polygon", [[[8.5, 47.3], [8.6, 47.3], [8.6, 47.4],
                                                     [8.5, 47.3]]], rol="keep_out", name="k")),
     "field 'rol': unknown property; did you mean 'role'?"),
    ("misspelt buffer", _home_and(feature("Polygon", [[[8.5, 47.3], [8.6, 47.3], [8.6, 47.4],
                                                       [8.5, 47.3]]], role="keep_out",
                                          name="k", buffer=5)),
     "field 'buffer': unknown property; did you mean 'buffer_m'?"),
    ("numeric target name", _home_and(feature("Point", [8.541, 47.37], name=5)),
     "feature #2: field 'name': must be text, not 5"),
    ("numeric mission name", _home_and(name=26), "field 'name': must be text, not 26"),
    ("azimuth above 360", _home_and(feature("Point", [8.541, 47.37], name="t",
                                            view_azimuth_deg=400)),
     "field 'view_azimuth_deg': must be a number in [0, 360], not 400"),
    ("negative azimuth", _home_and(feature("Point", [8.541, 47.37], name="t",
                                           view_azimuth_deg=-90)),
     "field 'view_azimuth_deg': must be a number in [0, 360], not -90"),
])
def test_typos_and_wrong_types_are_refused(label, doc, needle, write_json) -> None:
    with pytest.raises(MissionError) as info:
        load_mission(write_json(doc))
    assert needle in str(info.value)


def test_gis_extras_and_case_variants_still_pass() -> None:
    doc = _home_and(
        feature("Point", [8.541, 47.37], Name="gate", PRIORITY=2, fid=3, id="a",
                description="x", stroke="#f00", **{"marker-color": "#00f", "fill-opacity": 0.5}),
        feature("Point", [8.542, 47.37], name="tower", title="t"),
        name="Survey")
    m = parse_mission(doc)
    assert [(t.name, t.priority) for t in m.targets] == [("gate", 2.0), ("tower", 1.0)]
    assert m.name == "Survey"


@pytest.mark.parametrize(("props", "needle"), [
    ({"buffer_m": 20, "BUFFER_M": 80}, "field 'buffer_m': given twice, as 'buffer_m' and "
                                       "'BUFFER_M': keep one"),
    ({"BUFFER_M": 80, "buffer_m": 20}, "given twice, as 'buffer_m' and 'BUFFER_M'"),
    ({"Buffer_M": 80, "BUFFER_M": 20}, "given twice, as 'Buffer_M' and 'BUFFER_M'"),
    ({"buffer": 80, "buffer_m": 20}, "given twice, as 'buffer_m' and 'buffer'"),
    ({"Name": "K", "name": "k"}, "field 'name': given twice, as 'name' and 'Name'"),
])
def test_two_spellings_of_a_keep_out_field_are_refused(props, needle) -> None:
    doc = _home_and(feature("Polygon", [[[8.5, 47.3], [8.6, 47.3], [8.6, 47.4], [8.5, 47.3]]],
                            role="keep_out", **props))
    with pytest.raises(MissionError) as info:
        parse_mission(doc)
    assert "feature #2" in str(info.value)
    assert needle in str(info.value)


@pytest.mark.parametrize(("props", "needle"), [
    ({"required": False, "Required": True}, "'required' and 'Required'"),
    ({"required": False, "requird": True}, "'required' and 'requird'"),
    ({"gsd_cm": 2.0, "GSD_CM": 0.5}, "'gsd_cm' and 'GSD_CM'"),
])
def test_two_spellings_of_a_target_field_are_refused(props, needle) -> None:
    with pytest.raises(MissionError, match=f"given twice, as {needle}"):
        parse_mission(_home_and(feature("Point", [8.541, 47.37], name="t", **props)))


def test_two_spellings_of_a_setting_are_refused() -> None:
    with pytest.raises(MissionError, match=r"field 'plan_flight.altitude_m': given twice, as "
                                           r"'altitude_m' and 'altitdue_m'"):
        parse_mission(_home_and(plan_flight={"altitude_m": 8, "altitdue_m": 80}))


def test_a_whole_float_is_a_count_in_geojson_too() -> None:
    doc = _home_and(feature("Point", [8.541, 47.37], name="t", photos=2.0, views=3.0))
    t = parse_mission(doc).targets[0]
    assert (t.photos, t.views) == (2, 3)
    with pytest.raises(MissionError, match="field 'photos': must be a whole number"):
        parse_mission(_home_and(feature("Point", [8.541, 47.37], name="t", photos=2.5)))


def test_a_utf8_byte_order_mark_is_accepted(tmp_path) -> None:
    import json

    path = tmp_path / "bom.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_home_and(name="BOM")).encode())
    assert load_mission(path).name == "BOM"


def test_single_part_multi_geometries_are_their_part() -> None:
    doc = collection(feature("MultiPoint", [[8.54, 47.37]], role="home"),
                     feature("MultiPolygon", [[[[8.5, 47.3], [8.6, 47.3], [8.6, 47.4],
                                                [8.5, 47.3]]]], name="field"))
    m = parse_mission(doc)
    assert m.home.point.geom_type == "Point"
    assert m.targets[0].geometry.geom_type == "Polygon"


def test_settings_from_a_feature_as_a_gis_layer_holds_them() -> None:
    doc = _home_and(feature("Point", [8.54, 47.37], role="plan_flight", name="Survey",
                            altitude_m=30, stroke="#f00", description="settings"),
                    name="layer name")
    m = parse_mission(doc)
    assert m.settings.altitude_m == 30 and m.name == "Survey"
    doc["plan_flight"] = {"speed_m_s": 5}
    with pytest.raises(MissionError, match=r"feature #2 \('Survey'\): field 'role': a second set "
                                           r"of mission settings \(the first is the top-level"):
        parse_mission(doc)
    doc = _home_and(feature("Point", [8.54, 47.37], role="plan_flight", altitdue_m=30))
    with pytest.raises(MissionError, match="did you mean 'altitude_m'"):
        parse_mission(doc)
