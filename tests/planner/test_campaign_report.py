"""The campaign table at the narrowest width the README promises (80 columns)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
from rich.console import Console

from planner.campaign_flow import plan_campaign
from planner.report import campaign_table
from tests.planner.test_campaign_flow import SHORT, row_of_rocks

HEADERS = ("flight", "from", "to", "dist m", "time s", "energy Wh", "budget Wh", "targets")


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    path = tmp_path_factory.mktemp("campaign_report") / "rocks.geojson"
    path.write_text(json.dumps(row_of_rocks(flights=3)), encoding="utf-8")
    return plan_campaign(path, SHORT)[0]


@pytest.mark.parametrize("names", [("home", "field B"),
                                   ("candidate T (found on the terrain)",
                                    "Airfield R beyond the ridge")])
@pytest.mark.parametrize("width", [80, 100])
def test_the_campaign_table_fits_with_whole_headers(campaign, names, width) -> None:
    legs = tuple((names[k % 2], names[(k + 1) % 2]) for k in range(len(campaign.flights)))
    out = io.StringIO()
    Console(width=width, file=out, color_system=None).print(
        campaign_table(replace(campaign, legs=legs)))
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    header = next(line for line in lines if line.lstrip().startswith("flight"))
    assert header.split() == [w for h in HEADERS for w in h.split()]
    # Each flight's figures sit on the line that starts with its number.
    rows = [line.split() for line in lines if line.split()[:1] == ["1"]]
    assert rows and rows[0][-1] == str(len(campaign.flights[0].targets_photographed))
