"""--flight K: one flight of a campaign printed and exported, the whole campaign planned."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from planner.cli import app
from tests.planner.test_campaign_flow import row_of_rocks

SHORT = ["--max-flight-time", "120"]  # as tests/planner/test_campaign_flow's SHORT


@pytest.fixture(scope="module")
def mission(tmp_path_factory):
    path = tmp_path_factory.mktemp("one_flight") / "rocks.geojson"
    path.write_text(json.dumps(row_of_rocks(flights=3)), encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(app, [*args], env={"COLUMNS": "80"})


def test_flight_k_prints_and_exports_that_flight_only(mission, tmp_path) -> None:
    out = tmp_path / "f2.geojson"
    result = run(str(mission), *SHORT, "--flight", "2", "-e", str(out))
    assert result.exit_code == 0, result.stderr
    assert "Flight 2 of 2: from field B to field C" in result.stdout
    assert "Flight 1 of 2" not in result.stdout and "Campaign" not in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f2.geojson"]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["plan"]["targets_photographed"] == ["rock C", "rock D"]
    # The same flight as in the whole campaign's document.
    whole = json.loads(run(str(mission), *SHORT, "--json").stdout)
    assert whole["flights"][1]["plan"]["targets_photographed"] == ["rock C", "rock D"]
    one = json.loads(run(str(mission), *SHORT, "--flight", "2", "--json").stdout)
    assert one["features"] == whole["flights"][1]["features"]


@pytest.mark.parametrize(("k", "message"), [
    ("0", "--flight 0: must be a whole number in [1, 100]"),
    ("4", "--flight 4: the mission asks for 3 flights"),
    ("3", "--flight 3: the campaign is flown in 2 flights of the 3 asked"),
])
def test_a_flight_out_of_range_is_refused_with_nothing_written(mission, tmp_path, k,
                                                               message) -> None:
    out = tmp_path / "sub"
    result = run(str(mission), *SHORT, "--flight", k, "--out", str(out))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
