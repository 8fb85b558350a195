"""A campaign's whole files: one GeoJSON, one KML and one map holding every flight."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from planner.campaign_flow import plan_campaign
from planner.cli import app
from planner.export.plot import FLIGHT_COLOURS, draw_map
from tests.conftest import feature, square
from tests.planner.test_campaign_flow import SHORT, row_of_rocks

KML = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campaign_exports")
    mission = folder / "rocks.geojson"
    doc = row_of_rocks(flights=3)
    # A keep-out well off the routes (north-west of home), drawn once in the whole files.
    doc["features"].append(feature("Polygon", square(-60, 80, 10), role="keep_out",
                                   name="dune", buffer_m=2))
    mission.write_text(json.dumps(doc), encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(app, [str(mission), "--max-flight-time", "120", "--out",
                                      str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    return mission, out


def test_the_campaign_writes_whole_files_and_per_flight_files(written) -> None:
    _, out = written
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["plan.geojson", "plan.kml", "plan.png", *(
        f"plan-{k:02d}{s}" for k in (1, 2)
        for s in (".geojson", ".kml", ".plan", ".waypoints", ".csv"))])


def test_the_campaign_geojson_holds_every_flight_and_checks(written) -> None:
    mission, out = written
    doc = json.loads((out / "plan.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    routes = [f for f in doc["features"] if f["properties"]["role"] == "route"]
    assert [f["properties"]["flight"] for f in routes] == [1, 2]
    keep = [f for f in doc["features"] if f["properties"]["role"] == "keep_out"]
    assert len(keep) == 1 and "flight" not in keep[0]["properties"]
    assert [r["to"] for r in doc["campaign"]["summary"]] == ["field B", "field C"]
    one = json.loads((out / "plan-02.geojson").read_text(encoding="utf-8"))
    assert routes[1]["geometry"] == one["features"][0]["geometry"]
    result = CliRunner().invoke(app, [str(mission), "--max-flight-time", "120", "--check",
                                      str(out / "plan.geojson")])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "OK: a campaign of 2 flights" in result.stdout
    # A feature moved to another flight is found.
    wp = next(f for f in doc["features"] if f["properties"]["role"] == "waypoint"
              and f["properties"]["flight"] == 2 and f["properties"]["action"] == "photo")
    wp["properties"]["flight"] = 1
    broken = out.parent / "broken.geojson"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(app, [str(mission), "--max-flight-time", "120", "--check",
                                      str(broken)])
    assert result.exit_code == 4
    wp["properties"]["flight"] = 7
    broken.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(app, [str(mission), "--check", str(broken)])
    assert result.exit_code == 2 and "field 'flight' must be a flight number from 1 to 2" \
        in result.stderr


def test_the_campaign_kml_has_one_folder_per_flight(written) -> None:
    _, out = written
    root = ET.parse(out / "plan.kml").getroot()
    folders = root.findall(f"{KML}Document/{KML}Folder")
    assert [f.findtext(f"{KML}name") for f in folders] == [
        "flight 1: home to field B", "flight 2: field B to field C"]
    assert all(f.find(f"{KML}Placemark/{KML}LineString") is not None for f in folders)
    keep = [pm for pm in root.iter(f"{KML}Placemark") if pm.findtext(f"{KML}name") == "dune"]
    assert len(keep) == 1  # drawn once, outside the folders


def test_the_campaign_map_draws_each_flight_in_its_own_colour(written) -> None:
    mission, out = written
    assert (out / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    plan, ctx = plan_campaign(mission, SHORT)
    fig = draw_map(plan.flights[0], ctx.hazards, flights=plan.flights, legs=plan.legs)
    try:
        ax = fig.axes[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert "flight 1: home to field B" in labels and "flight 2: field B to field C" in labels
        # Field B, where flight 1 hands over, is marked as an airfield; field C is the landing.
        assert "airfield (given, or where flights hand over)" in labels and "landing" in labels
        routes = {line.get_color() for line in ax.get_lines() if len(line.get_xdata()) > 2}
        assert set(FLIGHT_COLOURS[:2]) <= routes
        texts = {t.get_text() for t in ax.texts}
        assert "field B" in texts and "field C" in texts
        assert any(t.startswith("2.") for t in texts)  # waypoints numbered flight.waypoint
    finally:
        from matplotlib import pyplot as plt

        plt.close(fig)


def test_flight_k_plots_that_flight_alone(written, tmp_path) -> None:
    mission, _ = written
    png = tmp_path / "two.png"
    result = CliRunner().invoke(app, [str(mission), "--max-flight-time", "120", "--flight", "2",
                                      "--plot", str(png), "-q"])
    assert result.exit_code == 0, result.stderr
    assert png.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["two.png"]


def test_help_names_the_per_flight_files() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "-01, -02, ... before the suffix (plan-01.plan)" in text
    assert "each flight's as plan-01.plan, plan-01.waypoints" in text
