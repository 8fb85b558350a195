"""Missions from GDAL vector files: each format written with pyogrio, read back and planned."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import MissionError
from planner.mission import Mission, load_mission
from planner.pipeline import plan_mission
from tests.conftest import MARS_EQC, MARS_RADIUS, collection, feature, mars_offset, square

runner = CliRunner()
LONG_TO_SHORT = {"view_azimuth_deg": "view_az", "view_azimuth_tolerance_deg": "view_tol",
                 "min_standoff_m": "standoff_m"}


def mini_doc() -> dict[str, Any]:
    """A small Mars mission that plans in about a second."""
    return collection(
        feature("Point", mars_offset(0, 0), role="home", name="home"),
        feature("Point", mars_offset(60, 0), role="landing", name="pad"),
        feature("Polygon", square(30, 0, 6), role="keep_out", name="rover", buffer_m=2),
        feature("Point", mars_offset(30, 25), name="rock A", priority=2, required=True,
                view_azimuth_deg=0, view_azimuth_tolerance_deg=90, min_standoff_m=3),
        feature("Point", mars_offset(40, -20), name="rock B", gsd_cm=3, photos=2),
        crs="IAU_2015:49900", plan_flight={"altitude_m": 8, "speed_m_s": 3}, name="mini")


def column(values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """A typed column as a GIS would make it (booleans, integers, reals or text), and its nulls."""
    given = [v for v in values if v is not None]
    nulls = np.array([v is None for v in values])
    if given and all(isinstance(v, bool) for v in given):
        return np.array([bool(v) for v in values]), nulls
    if given and all(isinstance(v, int) and not isinstance(v, bool) for v in given):
        return np.array([0 if v is None else v for v in values], dtype=np.int64), nulls
    if given and all(isinstance(v, int | float) and not isinstance(v, bool) for v in given):
        return np.array([math.nan if v is None else float(v) for v in values]), None
    return np.array(values, dtype=object), None


def write_layer(path: Path, features: list[dict[str, Any]], *, driver: str, layer: str | None,
                crs: str | None, rename: dict[str, str] | None = None,
                geometry_type: str | None = None, **options: Any) -> None:
    """Write features (GeoJSON dicts; geometry may be None) as one layer with pyogrio."""
    from pyogrio import raw

    rename = rename or {}
    keys = list(dict.fromkeys(k for f in features for k in f["properties"]))
    fields = [rename.get(k, k) for k in keys]
    columns = [column([f["properties"].get(k) for f in features]) for k in keys]
    data = [c for c, _ in columns]
    masks = [m for _, m in columns]
    geoms = np.array([None if f["geometry"] is None else shapely.to_wkb(shape(f["geometry"]))
                      for f in features], dtype=object)
    kinds = {shape(f["geometry"]).geom_type for f in features if f["geometry"] is not None}
    gtype = geometry_type or (kinds.pop() if len(kinds) == 1 else "Unknown")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio warns about laundered field names
        raw.write(path, geoms, data, fields, field_mask=masks, driver=driver, layer=layer,
                  crs=crs,
                  geometry_type=gtype, append=path.exists() and driver == "GPKG", **options)


def by_role(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The document's features in one layer per role (role attribute dropped), and settings."""
    layers: dict[str, list[dict[str, Any]]] = {}
    for f in doc["features"]:
        props = dict(f["properties"])
        role = props.pop("role", "target")
        layers.setdefault({"target": "targets", "keep_out": "keep_outs"}.get(role, role),
                          []).append({**f, "properties": props})
    layers["plan_flight"] = [{"type": "Feature", "geometry": None,
                              "properties": {"name": doc["name"], **doc["plan_flight"]}}]
    return layers


def write_mission(folder: Path, fmt: str, doc: dict[str, Any]) -> Path:
    """The mission in a format, as a GIS user would make it."""
    crs = "IAU_2015:49900"
    if fmt == "geojson":  # GDAL's GeoJSON: one layer, roles as attributes, a legacy crs member
        path = folder / "mission.geojson"
        feats = [*doc["features"], {"type": "Feature", "geometry": None, "properties": {
            "role": "plan_flight", "name": doc["name"], **doc["plan_flight"]}}]
        write_layer(path, feats, driver="GeoJSON", layer="mission", crs=crs)
        return path
    if fmt == "gpkg":  # one table per role, settings in an attribute-only table
        path = folder / "mission.gpkg"
        for name, feats in by_role(doc).items():
            write_layer(path, feats, driver="GPKG", layer=name, crs=crs)
        return path
    if fmt == "shp":  # a folder of Shapefiles with short field names
        path = folder / "shapefiles"
        path.mkdir()
        layers = by_role(doc)  # a Shapefile needs a geometry: the settings sit on home
        layers["plan_flight"] = [{**layers["plan_flight"][0],
                                  "geometry": doc["features"][0]["geometry"]}]
        for name, feats in layers.items():
            write_layer(path / f"{name}.shp", feats, driver="ESRI Shapefile", layer=None,
                        crs=crs, rename=LONG_TO_SHORT)
        return path
    if fmt == "fgb":  # one file, every role in one layer, settings as a feature on home
        path = folder / "mission.fgb"
        feats = [*doc["features"], {"type": "Feature", "geometry": doc["features"][0]["geometry"],
                                    "properties": {"role": "plan_flight", "name": doc["name"],
                                                   **doc["plan_flight"]}}]
        write_layer(path, feats, driver="FlatGeobuf", layer="mission", crs=crs)
        return path
    if fmt == "kml":  # Google Earth's Mars mode: Mars lon/lat in a file that says WGS 84
        path = folder / "mission.kml"
        layers = by_role(doc)
        layers["plan_flight"][0]["properties"]["body"] = "mars"
        for name, feats in layers.items():
            write_layer(path, feats, driver="LIBKML", layer=name, crs="EPSG:4326")
        return path
    raise ValueError(fmt)


FORMATS = ["geojson", "gpkg", "shp", "fgb", "kml"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Mission, Any]:
    path = tmp_path_factory.mktemp("ref") / "mini.geojson"
    path.write_text(json.dumps(mini_doc()))
    plan, _ = plan_mission(path)
    return load_mission(path), plan


def summary(m: Mission) -> dict[str, Any]:
    """What a mission says, in a form that compares across formats (coordinates to ~1 mm)."""
    def xy(g: Any) -> list[list[float]]:
        return np.round(shapely.get_coordinates(shapely.normalize(g)), 8).tolist()

    return {
        "body": m.body.name, "name": m.name, "settings": m.settings,
        "home": (m.home.name, xy(m.home.point)),
        "landing": None if m.landing is None else (m.landing.name, xy(m.landing.point)),
        "targets": sorted((t.name, t.priority, t.required, t.gsd_cm, t.photos,
                           t.view_azimuth_deg, t.view_azimuth_tolerance_deg, t.min_standoff_m,
                           xy(t.geometry)) for t in m.targets),
        "keep_outs": [(k.name, k.buffer_m, xy(k.geometry)) for k in m.keep_outs],
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_mission_and_plan(fmt, tmp_path, reference) -> None:
    mission, plan = reference
    path = write_mission(tmp_path, fmt, mini_doc())
    got = load_mission(path)
    want = summary(mission)
    if fmt == "kml":  # KML says WGS 84: the settings name the body
        want["settings"] = replace(want["settings"], body="mars")
    assert summary(got) == want
    res = runner.invoke(app, [str(path), "--json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["plan"]["body"] == "mars"
    assert doc["plan"]["targets_photographed"] == list(plan.targets_photographed)
    assert doc["plan"]["distance_m"] == pytest.approx(plan.distance_m, abs=0.01)


def test_a_projected_mars_geopackage_and_layers_in_two_crss(tmp_path) -> None:
    """Targets in Mars equirectangular metres, home in Mars lon/lat: one mission."""
    doc = mini_doc()
    path = tmp_path / "jezero.gpkg"
    layers = by_role(doc)

    def to_eqc(f: dict[str, Any]) -> dict[str, Any]:
        g = shapely.transform(shape(f["geometry"]),
                              lambda c: np.radians(c) * MARS_RADIUS)
        return {**f, "geometry": shapely.geometry.mapping(g)}

    write_layer(path, layers["home"], driver="GPKG", layer="home", crs="IAU_2015:49900")
    write_layer(path, [to_eqc(f) for f in layers["targets"]], driver="GPKG", layer="targets",
                crs=MARS_EQC)
    m = load_mission(path)
    assert m.body.name == "mars" and m.input_crs == "IAU_2015:49900"
    want = {t.name: t.geometry for t in load_mission_doc(tmp_path, doc).targets}
    for t in m.targets:
        assert t.geometry.distance(want[t.name]) < 1e-8  # degrees: well under a millimetre

    alone = tmp_path / "eqc.gpkg"
    write_layer(alone, [to_eqc(f) for f in doc["features"]], driver="GPKG", layer="mission",
                crs=MARS_EQC)
    m = load_mission(alone)
    assert m.body.name == "mars" and "+proj=eqc" in m.input_crs
    assert m.home.point.distance(shape(doc["features"][0]["geometry"])) < 1e-8


def load_mission_doc(folder: Path, doc: dict[str, Any]) -> Mission:
    path = folder / "doc.geojson"
    path.write_text(json.dumps(doc))
    return load_mission(path)


def test_google_earth_kml_with_text_values_and_name_fields(tmp_path) -> None:
    """Google Earth keeps every ExtendedData value as text and the name in <name>."""
    path = tmp_path / "survey.kml"
    path.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>survey</name>
<Placemark><name>launch</name><ExtendedData><Data name="role"><value>home</value></Data>
</ExtendedData><Point><coordinates>8.5400,47.3700,0</coordinates></Point></Placemark>
<Placemark><name>water tower</name><description>old</description>
<ExtendedData><Data name="priority"><value>3</value></Data>
<Data name="required"><value>yes</value></Data><Data name="photos"><value>2</value></Data>
<Data name="gsd_cm"><value>1.5</value></Data></ExtendedData>
<Point><altitudeMode>absolute</altitudeMode><coordinates>8.5431,47.3718,520</coordinates>
</Point></Placemark></Document></kml>""")
    m = load_mission(path)
    assert m.body.name == "earth" and m.home.name == "launch"
    t = m.targets[0]
    assert (t.name, t.priority, t.required, t.photos, t.gsd_cm) == ("water tower", 3, True, 2,
                                                                    1.5)
    assert t.geometry.has_z is False


@pytest.mark.parametrize(("value", "want"), [
    (1, True), (0, False), ("T", True), ("F", False), ("yes", True), ("No", False),
    ("true", True), ("0", False),
])
def test_shapefile_booleans(value, want, tmp_path) -> None:
    doc = collection(feature("Point", [8.54, 47.37], role="home"),
                     feature("Point", [8.541, 47.37], name="t", required=value))
    path = tmp_path / "m.shp"
    write_layer(path, doc["features"], driver="ESRI Shapefile", layer=None, crs="EPSG:4326")
    assert load_mission(path).targets[0].required is want


@pytest.mark.parametrize(("props", "needle"), [
    ({"required": "maybe"}, "layer 'm' feature #2 (fid 1) ('t'): field 'required': must be true or "
                            "false, not 'maybe'"),
    ({"priority": "high"}, "field 'priority': must be a finite number, not 'high'"),
    ({"priorty": 3}, "field 'priorty': unknown property; did you mean 'priority'?"),
    ({"view_azimuth_deg": 90, "view_azimuth_tolerance_deg": 20},
     "field 'view_azimu': a Shapefile's cut (10 characters) of view_azimuth_deg or "
     "view_azimuth_tolerance_deg: name the fields view_az and view_tol"),
])
def test_shapefile_errors_name_layer_feature_and_field(props, needle, tmp_path) -> None:
    doc = collection(feature("Point", [8.54, 47.37], role="home"),
                     feature("Point", [8.541, 47.37], name="t", **props))
    path = tmp_path / "m.shp"
    write_layer(path, doc["features"], driver="ESRI Shapefile", layer=None, crs="EPSG:4326")
    with pytest.raises(MissionError) as info:
        load_mission(path)
    assert str(info.value).startswith(f"{path}: ")
    assert needle in str(info.value)


def test_two_spellings_of_a_field_are_refused_naming_both(tmp_path) -> None:
    # The long name and its short one (GeoPackage keeps no two names differing by case only).
    doc = collection(feature("Point", [8.54, 47.37], role="home"),
                     feature("Point", [8.541, 47.37], name="t", min_standoff_m=20,
                             standoff_m=5))
    path = tmp_path / "m.gpkg"
    write_layer(path, doc["features"], driver="GPKG", layer="m", crs="EPSG:4326")
    with pytest.raises(MissionError) as info:
        load_mission(path)
    assert "layer 'm' feature #2 (fid 2): field 'min_standoff_m': given twice, as " \
        "'min_standoff_m' and 'standoff_m': keep one" in str(info.value)


@pytest.mark.parametrize("key", ["photos", "views"])
def test_an_integral_real_is_a_count_and_a_fraction_is_not(key, tmp_path) -> None:
    doc = collection(feature("Point", [8.54, 47.37], role="home"),
                     feature("Point", [8.541, 47.37], name="t", **{key: 2.0}),
                     feature("Point", [8.542, 47.37], name="u", **{key: 2.5}))
    path = tmp_path / "m.gpkg"
    write_layer(path, doc["features"][:2], driver="GPKG", layer="m", crs="EPSG:4326")
    assert getattr(load_mission(path).targets[0], key) == 2
    bad = tmp_path / "bad.gpkg"
    write_layer(bad, [doc["features"][0], doc["features"][2]], driver="GPKG", layer="m",
                crs="EPSG:4326")
    with pytest.raises(MissionError, match=f"field '{key}': must be a whole number"):
        load_mission(bad)


@pytest.mark.parametrize(("suffix", "driver", "fid"), [
    (".geojson", None, None), (".gpkg", "GPKG", 2), (".shp", "ESRI Shapefile", 1),
    (".kml", "KML", None)])
def test_a_feature_is_named_by_one_rule_in_every_format(suffix, driver, fid, tmp_path) -> None:
    # The second feature is "feature #2" in every format (GDAL's fid, 0- or 1-based by
    # format, follows in brackets).
    doc = collection(feature("Point", [8.54, 47.37], role="home", name="home"),
                     feature("Point", [8.541, 47.37], name="t", priority="high"))
    path = tmp_path / f"m{suffix}"
    if driver is None:
        path.write_text(json.dumps(doc), encoding="utf-8")
    else:
        write_layer(path, doc["features"], driver=driver, layer="m", crs="EPSG:4326")
    with pytest.raises(MissionError) as info:
        load_mission(path)
    text = str(info.value)
    assert "feature #2" in text and "field 'priority'" in text
    if fid is not None:
        assert f"feature #2 (fid {fid})" in text


def test_gdal_cuts_of_unambiguous_names_are_read(tmp_path) -> None:
    doc = collection(feature("Point", [8.54, 47.37], role="home"),
                     feature("Point", [8.541, 47.37], name="t", min_standoff_m=12,
                             view_azimuth_deg=90))
    path = tmp_path / "m.shp"
    write_layer(path, doc["features"], driver="ESRI Shapefile", layer=None, crs="EPSG:4326",
                rename={"view_azimuth_deg": "view_az"})
    t = load_mission(path).targets[0]
    assert (t.min_standoff_m, t.view_azimuth_deg) == (12, 90)


def test_settings_problems(tmp_path) -> None:
    doc = mini_doc()
    layers = by_role(doc)
    two = tmp_path / "two.gpkg"
    for name, feats in layers.items():
        write_layer(two, feats, driver="GPKG", layer=name, crs="IAU_2015:49900")
    write_layer(two, [{"type": "Feature", "geometry": None, "properties": {
        "role": "plan_flight", "altitude_m": 5}}], driver="GPKG", layer="more",
        crs="IAU_2015:49900")
    with pytest.raises(MissionError, match=r"layer 'more' feature #1 \(fid 1\): field 'role': a "
                                           r"second set of mission settings \(the first is "
                                           r"layer 'plan_flight' feature #1 \(fid 1\)\)"):
        load_mission(two)
    typo = tmp_path / "typo.gpkg"
    settings = layers["plan_flight"][0]["properties"]
    settings["altitdue_m"] = settings.pop("altitude_m")
    for name, feats in layers.items():
        write_layer(typo, feats, driver="GPKG", layer=name, crs="IAU_2015:49900")
    with pytest.raises(MissionError, match="did you mean 'altitude_m'"):
        load_mission(typo)


def test_mars_and_earth_layers_are_refused(tmp_path) -> None:
    path = tmp_path / "mixed.gpkg"
    layers = by_role(mini_doc())
    write_layer(path, layers["home"], driver="GPKG", layer="home", crs="IAU_2015:49900")
    write_layer(path, layers["targets"], driver="GPKG", layer="targets", crs="EPSG:4326")
    with pytest.raises(MissionError, match="layer 'targets' is on earth, the first layer on "
                                           "mars"):
        load_mission(path)


@pytest.mark.parametrize(("content", "needle"), [
    (b"hello, not a map", "not a mission file: neither GeoJSON nor a vector file GDAL reads"),
    (b"\x00\x01binary", "not a mission file"),
])
def test_files_gdal_cannot_read(content, needle, tmp_path) -> None:
    path = tmp_path / "mission.dat"
    path.write_bytes(content)
    with pytest.raises(MissionError, match=needle):
        load_mission(path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MissionError, match="a folder with no vector layers"):
        load_mission(empty)


def test_layers_named_by_role_include_featureless_ground(tmp_path) -> None:
    path = tmp_path / "dunes.gpkg"
    layers = by_role(mini_doc())
    for name in ("home", "targets"):
        write_layer(path, layers[name], driver="GPKG", layer=name, crs="IAU_2015:49900")
    write_layer(path, [{"type": "Feature", "geometry": {"type": "Polygon",
                                                        "coordinates": square(0, 60, 10)},
                        "properties": {"name": "ripples"}}], driver="GPKG",
                layer="Featureless", crs="IAU_2015:49900")
    m = load_mission(path)
    assert [f.name for f in m.featureless] == ["ripples"]
