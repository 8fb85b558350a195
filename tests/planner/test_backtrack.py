"""No back-tracks of a few metres between stations: two targets whose stations lie close
together are photographed from one shared station, turning in place; the DJI and Litchi exports
fold the photos at one spot into one waypoint with several actions."""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

import planner.viewpoints as vp
from planner.cli import app
from planner.export import dji
from planner.pipeline import plan_mission
from planner.plan import Action
from tests.conftest import collection, feature

LON0, LAT0 = 8.54, 47.37
runner = CliRunner()


def earth(east: float, north: float) -> list[float]:
    """lon/lat ``east``/``north`` metres from (LON0, LAT0) (small offsets, spherical)."""
    return [LON0 + east / (111_320.0 * math.cos(math.radians(LAT0))), LAT0 + north / 111_320.0]


def posts(separation_m: float) -> dict:
    """Home and two fence posts ``separation_m`` apart, 150 m away, for a Mavic 3."""
    return collection(
        feature("Point", earth(0, 0), role="home", name="home"),
        feature("Point", earth(150, 20), name="post A", gsd_cm=2),
        feature("Point", earth(150 + separation_m, 20), name="post B", gsd_cm=2),
        plan_flight={"vehicle": "mavic3"})


@pytest.fixture(scope="module")
def close(tmp_path_factory):
    """Posts 2 m apart, planned with shared stations and (for comparison) without."""
    path = tmp_path_factory.mktemp("posts") / "posts.geojson"
    path.write_text(json.dumps(posts(2.0)), encoding="utf-8")
    shared, ctx = plan_mission(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vp, "shared_station_radius_m", lambda _vehicle: 0.0)
        apart, _ = plan_mission(path)
    return shared, apart, ctx, path


def photo_waypoints(plan):
    return [w for w in plan.waypoints if w.action == Action.PHOTO]


def test_two_targets_metres_apart_share_one_station(close) -> None:
    shared, apart, ctx, _ = close
    radius = vp.shared_station_radius_m(ctx.vehicle)
    # Without sharing, the plan hops a few metres between two stops (the back-track).
    a, b = photo_waypoints(apart)
    assert 0 < b.leg_m < radius
    # With it, both photos are taken from one spot: no leg at all between them, a turn in place.
    a, b = photo_waypoints(shared)
    assert b.leg_m == 0.0 and (a.x, a.y, a.agl_m) == (b.x, b.y, b.agl_m)
    assert {p.target for p in shared.photos} == {"post A", "post B"}
    # Each photo still meets its target's GSD from the shared spot (the verifier, which
    # plan_mission runs, re-checks frame, sight, standoff and GSD independently).
    assert all(p.gsd_cm <= 2.0 for p in shared.photos)
    # And the flight is shorter: a stop and a restart saved.
    assert shared.duration_s < apart.duration_s
    assert shared.energy_wh < apart.energy_wh


def test_no_hop_shorter_than_the_radius_between_photos(close) -> None:
    shared, _, ctx, _ = close
    radius = vp.shared_station_radius_m(ctx.vehicle)
    for w in photo_waypoints(shared)[1:]:
        assert w.leg_m == 0.0 or w.leg_m >= radius


def stations_alone(close):  # type: ignore[no-untyped-def]
    """The close posts' targets, geometries, station-search arguments and stations without
    sharing."""
    _, _, ctx, _ = close
    targets, geoms = ctx.mission.targets, ctx.local.targets
    kw = {"dem": ctx.dem, "vehicle": ctx.vehicle, "obstacles": ctx.obstacles}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(vp, "shared_station_radius_m", lambda _vehicle: 0.0)
        alone = vp.find_stations(targets, geoms, keep=6, **kw)
    return targets, geoms, kw, alone


def test_shared_stations_only_within_the_radius_and_only_added(close) -> None:
    targets, geoms, kw, alone = stations_alone(close)
    assert vp.share_stations(alone, targets, geoms, radius_m=0.0, **kw) == alone
    for radius in (1.0, 5.0, 40.0):
        more = vp.share_stations(alone, targets, geoms, radius_m=radius, **kw)
        for own, ts in zip(alone, more, strict=True):
            assert ts.stations[:len(own.stations)] == own.stations  # the originals are kept
            added = ts.stations[len(own.stations):]
            assert len(added) <= len(own.stations)  # a sibling per own station at most
            others = {(s.x, s.y, s.agl_m) for o in alone if o.target != ts.target
                      for s in o.stations}
            mine = np.array([(s.x, s.y, s.z) for s in own.stations])
            for st in added:
                assert (st.x, st.y, st.agl_m) in others  # exactly another target's station
                gap = np.linalg.norm(mine - np.array([st.x, st.y, st.z]), axis=1).min()
                assert gap <= radius + 1e-9
                assert st.pointing.gsd_cm <= targets[ts.target].gsd_cm
        if radius == 1.0:
            # Posts 2 m apart: their best stations are about 2 m apart, so nothing within 1 m.
            assert all(len(a.stations) == len(m.stations) for a, m in zip(alone, more,
                                                                        strict=True))
        if radius == 5.0:
            assert any(len(a.stations) < len(m.stations) for a, m in zip(alone, more,
                                                                       strict=True))


def test_dji_and_litchi_fold_the_photos_at_one_spot(close) -> None:
    shared, _, _, _ = close
    stops = dji.stops(shared)
    flown = [w for w in shared.waypoints if w.action != Action.LAND]
    assert len(stops) == len(flown) - 1  # the second photo waypoint is folded into the first
    spot = next(s for s in stops if s.then)
    assert [ph.target for one in (spot, *spot.then) for ph in one.photos] == [
        p.target for p in shared.photos]
    # The folded stop takes on the speed of the leg that leaves the spot.
    after = flown[flown.index(spot.then[-1].wp) + 1]
    assert spot.speed_m_s == round(after.leg_speed_m_s, 2)
    # WPML: one placemark for the spot with each photo's turn, tilt, hovers and shots in order.
    with zipfile.ZipFile(io.BytesIO(dji.wpml_kmz(shared))) as zf:
        wayline = ET.fromstring(zf.read(dji.KMZ_WAYLINES))
    ns = {"k": dji.KML_NS, "w": dji.WPML_NS}
    marks = wayline.findall(".//k:Placemark", ns)
    assert len(marks) == len(stops)
    idx = stops.index(spot)
    funcs = [a.findtext("w:actionActuatorFunc", namespaces=ns)
             for a in marks[idx].findall(".//w:action", ns)]
    assert funcs.count("rotateYaw") == 2 and funcs.count("gimbalRotate") == 2
    assert funcs.count("takePhoto") == sum(p.count for p in shared.photos)
    headings = [float(a.findtext(".//w:aircraftHeading", namespaces=ns))
                for a in marks[idx].findall(".//w:action", ns)
                if a.findtext("w:actionActuatorFunc", namespaces=ns) == "rotateYaw"]
    want = [float(dji.wrap_deg(p.heading_deg)) for p in shared.photos]
    assert headings == pytest.approx(want, abs=0.01)
    hover = sum(float(a.findtext(".//w:hoverTime", namespaces=ns))
                for a in marks[idx].findall(".//w:action", ns)
                if a.findtext("w:actionActuatorFunc", namespaces=ns) == "hover")
    assert hover == pytest.approx(sum(w.hold_s for w in photo_waypoints(shared)), abs=0.01)
    # Litchi: one row, two rotations to the two headings and every image.
    rows = list(csv.reader(io.StringIO(dji.litchi_csv(shared))))[1:]
    assert len(rows) == len(stops)
    row = rows[idx]
    acts = [(int(row[8 + 2 * k]), float(row[9 + 2 * k])) for k in range(dji.LITCHI_ACTIONS)]
    rotations = [param for kind, param in acts if kind == dji.ROTATE_AIRCRAFT]
    assert rotations == pytest.approx([round(p.heading_deg, 2) for p in shared.photos])
    assert sum(kind == dji.TAKE_PHOTO for kind, _ in acts) == sum(p.count for p in shared.photos)


def test_the_shared_station_plan_rechecks_from_every_file(close, tmp_path) -> None:
    _, _, _, path = close
    out = tmp_path / "out"
    res = runner.invoke(app, [str(path), "-q", "--out", str(out)])
    assert res.exit_code == 0, res.stderr
    for name in ("plan.geojson", "plan.plan", "plan.waypoints"):
        res = runner.invoke(app, [str(path), "--check", str(out / name)])
        assert res.exit_code == 0, (name, res.stdout, res.stderr)


def test_shared_stations_stay_within_the_station_budget(close) -> None:
    targets, geoms, kw, alone = stations_alone(close)
    free = vp.share_stations(alone, targets, geoms, radius_m=40.0, **kw)
    hops = sorted(
        np.linalg.norm(np.array([(s.x, s.y, s.z) for s in own.stations])
                       - np.array([st.x, st.y, st.z]), axis=1).min()
        for own, ts in zip(alone, free, strict=True) for st in ts.stations[len(own.stations):])
    assert len(hops) >= 2, "the posts must pair up for this test to mean anything"
    assert vp.share_stations(alone, targets, geoms, radius_m=40.0, room=0, **kw) == alone
    for room in range(1, len(hops) + 1):
        capped = vp.share_stations(alone, targets, geoms, radius_m=40.0, room=room, **kw)
        kept = [st for own, ts in zip(alone, capped, strict=True)
                for st in ts.stations[len(own.stations):]]
        assert len(kept) == room
        for own, ts in zip(alone, capped, strict=True):
            assert ts.stations[:len(own.stations)] == own.stations
            mine = np.array([(s.x, s.y, s.z) for s in own.stations])
            for st in ts.stations[len(own.stations):]:  # the shortest hops are kept first
                hop = np.linalg.norm(mine - np.array([st.x, st.y, st.z]), axis=1).min()
                assert hop <= hops[room - 1] + 1e-9
    total = sum(len(ts.stations) for ts in alone)
    budgeted = vp.find_stations(targets, geoms, keep=6, budget=total + 1, **kw)
    assert sum(len(ts.stations) for ts in budgeted) == total + 1
