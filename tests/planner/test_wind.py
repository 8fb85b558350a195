from __future__ import annotations

import doctest
import math
import re

import numpy as np
import pytest

import planner.settings
import planner.vehicle
import planner.wind
from planner.errors import COMMAND_LINE, SettingError
from planner.frames import EARTH, MARS
from planner.profiles import load_profile
from planner.settings import check_wind, make_vehicle
from planner.wind import DIRECTION_STEP_DEG, Wind, parse_wind, wind_from_json


def ingenuity(**kw):
    return make_vehicle(load_profile("ingenuity"), MARS, **kw)


def mavic(**kw):
    return make_vehicle(load_profile("mavic3"), EARTH, **kw)


@pytest.mark.parametrize("module", [planner.wind, planner.vehicle, planner.settings])
def test_docstring_examples(module) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# --- input --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "speed", "sector", "gust"), [
    ("5@270", 5.0, (270.0, 270.0), None),
    (" 6 @ any ", 6.0, None, None),
    ("6@ANY", 6.0, None, None),
    ("6@240-300", 6.0, (240.0, 300.0), None),
    ("4.5@330-30", 4.5, (330.0, 30.0), None),
    ("0@0", 0.0, (0.0, 0.0), None),
])
def test_wind_forms(text, speed, sector, gust) -> None:
    w = parse_wind(text)
    assert (w.speed_m_s, w.sector_deg, w.gust_m_s) == (speed, sector, gust)


@pytest.mark.parametrize(("text", "gust", "message"), [
    ("5", None, "wind '5' must be SPEED@FROM_DEG"),
    ("@270", None, "must be SPEED@FROM_DEG"),
    ("5@", None, "must be SPEED@FROM_DEG"),
    ("fast@270", None, "wind speed 'fast' is not a number"),
    ("-3@270", None, "speed -3 must be a number >= 0"),
    ("nan@270", None, "speed nan must be a number >= 0"),
    ("5@400", None, "direction 400 is outside [0, 360)"),
    ("5@360", None, "direction 360 is outside [0, 360)"),
    ("5@-10", None, "direction -10 is outside [0, 360)"),
    ("5@240-400", None, "direction 400 is outside [0, 360)"),
    ("5@west", None, "direction 'west' is not a number"),
    ("6@270", 4.0, "gust 4 m/s is below the mean wind 6 m/s"),
    ("6@270", -1.0, "gust -1 must be a number >= 0"),
])
def test_bad_winds_say_what_is_wrong(text, gust, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_wind(text, gust_m_s=gust)


def test_mission_file_forms_round_trip() -> None:
    for raw in ({"speed_m_s": 6, "from_deg": 270}, {"speed_m_s": 6, "from_deg": [240, 300]},
                {"speed_m_s": 6, "from_deg": "any", "gust_m_s": 9}):
        w = wind_from_json(raw)
        assert wind_from_json(w.to_json()) == w
        assert w.to_json() == {k: (v if not isinstance(v, list) else [float(x) for x in v])
                               for k, v in raw.items()}
    assert wind_from_json("6@any") == Wind(6.0)


@pytest.mark.parametrize(("raw", "message"), [
    ({"speed_m_s": -1, "from_deg": 0}, "speed_m_s must be a number >= 0, not -1"),
    ({"speed_m_s": True, "from_deg": 0}, "speed_m_s must be a finite number, not True"),
    ({"from_deg": 0}, "speed_m_s must be a finite number, not None"),
    ({"speed_m_s": 5, "from_deg": 400}, "direction 400 is outside [0, 360)"),
    ({"speed_m_s": 5, "from_deg": [200]}, "from_deg must be a bearing, [from, to] or \"any\""),
    ({"speed_m_s": 5, "from_deg": "west"}, "from_deg must be a finite number, not 'west'"),
    ({"speed_m_s": 5, "from_deg": 0, "gust_m_s": 2}, "gust 2 m/s is below the mean wind 5"),
    ({"speed_m_s": 5, "from_deg": 0, "gusts": 9}, "unknown member 'gusts'"),
    (5, "must be text such as \"6@270\" or an object"),
])
def test_bad_mission_winds(raw, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        wind_from_json(raw)


def test_candidate_directions_cover_the_sector_at_the_stated_step() -> None:
    assert len(Wind(5.0).directions()) == 360 / DIRECTION_STEP_DEG
    d = Wind(5.0, (240.0, 300.0)).directions()
    assert d[0] == 240.0 and d[-1] == 300.0 and np.all(np.diff(d) <= DIRECTION_STEP_DEG)
    d = Wind(5.0, (355.0, 20.0)).directions()  # across north
    assert d[0] == 355.0 and d[-1] == 20.0 and len(d) == 4
    assert [c.from_deg for c in Wind(5.0, (0.0, 20.0), 7.0).candidates()] == [0.0, 10.0, 20.0]
    assert all(c.gust_m_s == 7.0 for c in Wind(5.0, gust_m_s=7.0).candidates())


def test_limits_are_checked_at_the_gust_and_name_the_figures() -> None:
    v = ingenuity()
    check_wind(v, parse_wind("6@any"))
    check_wind(v, None)
    with pytest.raises(SettingError) as info:
        check_wind(v, parse_wind("7@270"), origin=COMMAND_LINE)
    assert info.value.field == "wind"
    assert "a 7 m/s wind exceeds the ingenuity's wind limit of 6 m/s" in str(info.value)
    with pytest.raises(SettingError, match="a 8 m/s gust exceeds") as info:
        check_wind(v, parse_wind("5@270", gust_m_s=8.0), origin="m.geojson")
    assert "m.geojson: field 'plan_flight.wind'" in str(info.value)
    m = mavic()
    check_wind(m, parse_wind("12@any"))  # DJI: 12 m/s wind resistance
    with pytest.raises(SettingError, match="mavic3's wind limit of 12 m/s"):
        check_wind(m, parse_wind("10@any", gust_m_s=13.0))


# --- physics ------------------------------------------------------------------------------

def test_still_air_is_exactly_the_still_air_model() -> None:
    v = mavic()
    d = np.array([0.0, 3.0, 40.0, 400.0, 2000.0])
    up = np.array([0.0, 0.0, 5.0, 12.0, 0.0])
    down = np.array([2.0, 0.0, 0.0, 3.0, 40.0])
    heading = np.array([0.0, 45.0, 90.0, 200.0, 359.0])
    t0, e0 = v.leg(d, up, down)
    for wind in (None, Wind(0.0), Wind.blowing_from(90.0, 0.0)):
        t, e = v.leg(d, up, down, heading_deg=heading, wind=wind)
        assert np.array_equal(t, t0) and np.array_equal(e, e0)
    c = v.leg_costs(d, up, down, heading_deg=heading)
    assert np.array_equal(c.time_s, t0) and np.array_equal(c.energy_wh, e0)
    assert np.all(c.tailwind_m_s == 0) and np.all(np.isnan(c.from_deg))
    assert v.hover(60.0, Wind(0.0)) == v.hover(60.0)
    assert v.takeoff(10.0, Wind(0.0)) == v.takeoff(10.0)
    assert v.landing(10.0, Wind(0.0)) == v.landing(10.0)
    assert v.yaw(90.0, Wind(0.0)) == v.yaw(90.0)


def test_hover_in_wind_follows_the_power_curve() -> None:
    v = mavic()
    hover = v.hover_power_w
    # Moderate wind: the rotors meet fresh air (translational lift) and hold the place for less.
    assert v.hover_power_in_w(Wind(6.0)) < 0.95 * hover
    assert v.hover_power_in_w(Wind(6.0)) == pytest.approx(float(v.level_power_w(6.0)))
    # At its 12 m/s limit the airframe's drag has brought it back to about hover power ...
    assert v.hover_power_in_w(Wind(12.0)) == pytest.approx(hover, rel=0.06)
    # ... and above that the power climbs steeply: at its 21 m/s airspeed limit, twice hover.
    assert float(v.level_power_w(14.0)) > hover
    assert float(v.level_power_w(21.0)) > 1.8 * hover
    # Direction does not matter to a hover; the energy is at the mean wind, not the gust.
    assert v.hover(30.0, Wind(6.0)) == v.hover(30.0, Wind.blowing_from(123.0, 6.0, 11.0))
    # On Mars the airframe's drag is negligible: Ingenuity's power falls all the way.
    i = ingenuity()
    assert i.hover_power_in_w(Wind(6.0)) < i.hover_power_w


def test_head_wind_costs_more_than_tail_wind() -> None:
    v = mavic()
    d, up, down = 3000.0, 0.0, 0.0
    still = v.leg_costs(d, up, down, heading_deg=90.0)
    head = v.leg_costs(d, up, down, heading_deg=90.0, wind=Wind.blowing_from(90.0, 8.0))
    tail = v.leg_costs(d, up, down, heading_deg=90.0, wind=Wind.blowing_from(270.0, 8.0))
    cross = v.leg_costs(d, up, down, heading_deg=90.0, wind=Wind.blowing_from(0.0, 8.0))
    assert float(head.tailwind_m_s) == pytest.approx(-8.0)
    assert float(tail.tailwind_m_s) == pytest.approx(8.0)
    assert float(cross.tailwind_m_s) == pytest.approx(0.0, abs=1e-9)
    # Same ground speed (no limit binds at 8 + 8 m/s), same time; energy by airspeed.
    for c in (head, tail, cross):
        assert float(c.time_s) == pytest.approx(float(still.time_s))
    assert float(head.airspeed_m_s) == pytest.approx(16.0, rel=0.01)
    assert float(tail.airspeed_m_s) == pytest.approx(0.0, abs=0.1)
    assert float(cross.airspeed_m_s) == pytest.approx(math.hypot(8.0, 8.0), rel=0.01)
    assert float(head.energy_wh) > float(cross.energy_wh) > float(still.energy_wh)
    assert float(tail.energy_wh) > float(still.energy_wh)  # it hovers in moving air: ~hover power


def test_the_airspeed_limit_slows_the_vehicle_into_the_wind() -> None:
    v = mavic(speed_m_s=15.0)
    d = 2100.0
    head = v.leg_costs(d, 0.0, 0.0, heading_deg=0.0, wind=Wind.blowing_from(0.0, 12.0))
    # 21 m/s through the air against 12 m/s: 9 m/s over the ground, and the leg takes longer.
    assert float(head.ground_speed_m_s) == pytest.approx(9.0)
    a = v.profile.horizontal_accel_m_s2
    assert float(head.time_s) == pytest.approx(d / 9.0 + 9.0 / a)
    # A gust to 12 m/s over a 10 m/s mean: the limit holds at the gust, energy is at the mean.
    gusty = v.leg_costs(d, 0.0, 0.0, heading_deg=0.0,
                        wind=Wind.blowing_from(0.0, 10.0, gust_m_s=12.0))
    assert float(gusty.ground_speed_m_s) == pytest.approx(9.0)
    assert float(gusty.airspeed_m_s) < float(head.airspeed_m_s)
    # Across the wind the vehicle crabs: the limit applies to the vector sum.
    cross = v.leg_costs(d, 0.0, 0.0, heading_deg=90.0, wind=Wind.blowing_from(0.0, 12.0))
    assert float(cross.ground_speed_m_s) == pytest.approx(15.0)
    fast = mavic(speed_m_s=20.0)
    cross = fast.leg_costs(d, 0.0, 0.0, heading_deg=90.0, wind=Wind.blowing_from(0.0, 12.0))
    assert float(cross.ground_speed_m_s) == pytest.approx(math.sqrt(21.0 ** 2 - 12.0 ** 2))


def test_an_uncertain_direction_costs_the_worst_case() -> None:
    v = mavic()
    d = np.array([3000.0, 1200.0, 400.0])
    heading = np.array([90.0, 200.0, 330.0])
    anyway = v.leg_costs(d, 0.0, 0.0, heading_deg=heading, wind=Wind(8.0))
    each = [v.leg_costs(d, 0.0, 0.0, heading_deg=heading, wind=c) for c in Wind(8.0).candidates()]
    energy = np.max([c.energy_wh for c in each], axis=0)
    time = np.max([c.time_s for c in each], axis=0)
    assert np.array_equal(anyway.energy_wh, energy) and np.array_equal(anyway.time_s, time)
    # On Earth the airframe's drag makes each leg's worst the head wind (as near as the 10 deg
    # step comes to it).
    assert np.all(anyway.tailwind_m_s < -8.0 * math.cos(math.radians(5.0)) + 1e-9)
    # On Mars it is the other way round: Ingenuity's power falls with airspeed over its whole
    # range (no drag to speak of), so the costliest wind is the one that leaves it the least
    # airspeed: a tail wind, as long as no airspeed limit slows it.
    i = ingenuity()
    worst = i.leg_costs(300.0, 0.0, 0.0, heading_deg=90.0, wind=Wind(5.0))
    assert float(worst.tailwind_m_s) == pytest.approx(5.0)
    assert float(worst.airspeed_m_s) == pytest.approx(1.0, abs=0.4)
    # A sector away from the track: the worst is the sector's end nearest the head wind.
    sector = v.leg_costs(3000.0, 0.0, 0.0, heading_deg=0.0, wind=Wind(8.0, (60.0, 120.0)))
    assert float(sector.from_deg) == 60.0
    t, e = v.leg(3000.0, 0.0, 0.0, heading_deg=0.0, wind=Wind(8.0, (60.0, 120.0)))
    assert (float(t), float(e)) == (float(sector.time_s), float(sector.energy_wh))


def test_vectorised_legs_match_one_at_a_time() -> None:
    v = mavic()
    rng = np.random.default_rng(7)
    n = 200
    d = rng.uniform(0, 3000, n)
    up = rng.uniform(0, 30, n)
    down = rng.uniform(0, 30, n)
    heading = rng.uniform(0, 360, n)
    wind = Wind(9.0, (200.0, 250.0), gust_m_s=11.0)
    c = v.leg_costs(d, up, down, heading_deg=heading, wind=wind, speed_m_s=14.0)
    for i in range(0, n, 37):
        one = v.leg_costs(d[i], up[i], down[i], heading_deg=heading[i], wind=wind,
                          speed_m_s=14.0)
        assert float(one.energy_wh) == pytest.approx(c.energy_wh[i])
        assert float(one.time_s) == pytest.approx(c.time_s[i])


def test_vertical_parts_and_turns_hold_the_place_in_wind() -> None:
    v = ingenuity()
    w = Wind(5.0)
    p_w = v.hover_power_in_w(w)
    t, e = v.takeoff(10.0, w)
    t0, e0 = v.takeoff(10.0)
    climb_s = 10.0 / v.profile.climb_rate_m_s
    assert t == t0
    assert e == pytest.approx(e0 + (p_w - v.hover_power_w) * climb_s / 3600)
    t, e = v.landing(10.0, w)
    assert e == pytest.approx(v.landing(10.0)[1] + (p_w - v.hover_power_w) * 10.0 /
                              v.profile.descent_rate_m_s / 3600)
    yt, ye = v.yaw(90.0, w)
    assert ye == pytest.approx(p_w * yt / 3600)
    # A vertical leg in wind has no track to speak of: no heading effect.
    a = v.leg_costs(0.0, 5.0, 0.0, heading_deg=0.0, wind=Wind.blowing_from(0.0, 5.0))
    b = v.leg_costs(0.0, 5.0, 0.0, heading_deg=90.0, wind=Wind.blowing_from(0.0, 5.0))
    assert float(a.energy_wh) == pytest.approx(float(b.energy_wh))


def test_wind_needs_headings_and_a_flyable_speed() -> None:
    v = ingenuity()
    with pytest.raises(ValueError, match="heading"):
        v.leg(100.0, 0.0, 0.0, wind=Wind(3.0))
    with pytest.raises(ValueError, match="airspeed limit 10 m/s"):
        v.leg(100.0, 0.0, 0.0, heading_deg=0.0, wind=Wind(3.0, gust_m_s=10.0))
