from __future__ import annotations

import math

import pytest

from planner.errors import InputError, ProfileError, SettingError
from planner.frames import EARTH, MARS
from planner.profiles import builtin_profiles, load_profile
from planner.settings import make_vehicle


def ingenuity(**kw):
    return make_vehicle(load_profile("ingenuity"), MARS, **kw)


def test_builtin_profiles() -> None:
    assert {"ingenuity", "mavic3"} <= set(builtin_profiles())


def test_ingenuity_hover_power_matches_published_figures() -> None:
    v = ingenuity()
    # Momentum theory: (m g)^1.5 / sqrt(2 rho A) with m 1.8 kg, g 3.721, A = pi 0.6^2.
    ideal = (1.8 * 3.721) ** 1.5 / math.sqrt(2 * 0.017 * math.pi * 0.36)
    assert v.ideal_hover_power_w == pytest.approx(ideal)
    assert 80 <= v.ideal_hover_power_w <= 96  # FACTS: 80 to 96 W over 0.014-0.020 kg/m^3
    assert 320 <= v.hover_power_w <= 380  # FACTS: about 350 W electrical


def mavic(**kw):
    return make_vehicle(load_profile("mavic3"), EARTH, **kw)


def test_density_scales_induced_and_profile_power_physically() -> None:
    thick, thin = ingenuity(air_density_kg_m3=0.020), ingenuity(air_density_kg_m3=0.014)
    # Induced power grows as rho^-1/2 (FACTS, momentum theory).
    ratio = thin.induced_hover_power_w / thick.induced_hover_power_w
    assert ratio == pytest.approx(math.sqrt(0.020 / 0.014))
    assert thin.ideal_hover_power_w / thick.ideal_hover_power_w == pytest.approx(ratio)
    # Ingenuity holds its rotor speed: blade profile power is proportional to density.
    assert thin.profile_hover_power_w / thick.profile_hover_power_w == pytest.approx(0.014 / 0.020)
    # Its hover power is mostly profile power (low-Reynolds blades), so at 2700 rpm thin air
    # costs a little less power, but leaves less thrust for control.
    assert thin.hover_power_w < thick.hover_power_w
    assert thin.thrust_margin < thick.thrust_margin
    assert thin.thrust_margin == pytest.approx((1 + thick.thrust_margin) * 0.7 - 1)
    # A fixed-pitch multirotor spins faster in thin air: all of its rotor power grows as
    # rho^-1/2, and thinner air shortens its endurance.
    high, low = mavic(air_density_kg_m3=0.9), mavic()
    av = high.profile.avionics_power_w
    assert (high.hover_power_w - av) / (low.hover_power_w - av) == pytest.approx(
        math.sqrt(1.225 / 0.9))
    assert high.rotor_speed_rpm == pytest.approx(low.rotor_speed_rpm * math.sqrt(1.225 / 0.9))
    assert high.endurance_s() < low.endurance_s()


def test_ingenuity_hovers_down_to_the_dust_storm_density_and_no_further() -> None:
    v = ingenuity()
    # The season's low, 0.014 kg/m^3, less the dust storm's ~7 % (FACTS): the least density.
    assert v.min_air_density_kg_m3 == pytest.approx(0.014 * 0.93, rel=2e-3)
    ingenuity(air_density_kg_m3=0.014)
    # At the least density the thrust margin is the control margin.
    edge = ingenuity(air_density_kg_m3=v.min_air_density_kg_m3 * 1.0001)
    assert edge.thrust_margin == pytest.approx(v.profile.control_margin, abs=1e-3)
    with pytest.raises(SettingError) as info:
        ingenuity(air_density_kg_m3=0.008)
    assert info.value.field == "air_density_kg_m3"
    assert "air density 0.008 kg/m³ is below the 0.0130 kg/m³ ingenuity's rotor can hover in" \
        in str(info.value)
    assert "thrust margin 44% at 0.017 kg/m³" in str(info.value)
    # At 2537 rpm the rotor would have needed denser air than the season's low: why JPL raised
    # the rotor speed (FACTS).
    assert v.min_air_density_kg_m3 * (2700 / 2537) ** 2 > 0.014


def test_denser_air_is_refused_where_the_motors_cannot_turn_the_rotor() -> None:
    v = ingenuity()
    assert 0.020 < v.max_air_density_kg_m3 < 0.05  # all of Jezero's seasons fit
    ingenuity(air_density_kg_m3=0.020)
    with pytest.raises(SettingError) as info:
        ingenuity(air_density_kg_m3=0.04)  # Martian air, but denser than its motors can turn
    assert info.value.field == "air_density_kg_m3"
    msg = str(info.value)
    assert "air density 0.04 kg/m³ is above the" in msg and "at 2700 rpm" in msg
    with pytest.raises(SettingError, match="air on Mars is"):
        ingenuity(air_density_kg_m3=1.2)  # Earth's air: a mistake before any limit
    assert f"against the motors' {v.max_rotor_power_w:.0f} W" in msg
    # The motors' power, taken from the thrust margin, exceeds hover power but not absurdly.
    assert v.hover_power_w < v.max_rotor_power_w < 2 * v.hover_power_w


def test_mavic_density_range_follows_its_published_ceiling() -> None:
    v = mavic()
    # DJI: take-off up to 6000 m; ISA density there is 0.660 kg/m^3.
    assert v.min_air_density_kg_m3 == pytest.approx(0.660, abs=0.002)
    assert v.max_air_density_kg_m3 == pytest.approx(1.34)
    assert 1.0 < v.thrust_margin < 1.5  # thrust/weight 2.2 at sea level
    mavic(air_density_kg_m3=0.7)
    for rho, needle in ((0.6, "below the 0.66"), (1.4, "above the 1.34 kg/m³ the mavic3 "
                                                       "profile is rated for")):
        with pytest.raises(SettingError, match=needle) as info:
            mavic(air_density_kg_m3=rho)
        assert info.value.field == "air_density_kg_m3"


def test_thrust_margin_limits_mass_and_climb(tmp_path) -> None:
    from planner.profiles import resources

    text = resources.files("planner").joinpath("profiles", "ingenuity.toml").read_text()
    heavy = tmp_path / "heavy.toml"
    heavy.write_text(text.replace("mass_kg = 1.8 ", "mass_kg = 2.2 "))
    p = load_profile(str(heavy))
    base = ingenuity()
    v = make_vehicle(p, MARS)  # 0.017 kg/m^3 still lifts 2.2 kg
    # The least density grows with the weight; 0.014 no longer lifts 2.2 kg with margin.
    assert v.min_air_density_kg_m3 == pytest.approx(base.min_air_density_kg_m3 * 2.2 / 1.8)
    with pytest.raises(SettingError, match=r"below the 0\.0159"):
        make_vehicle(p, MARS, air_density_kg_m3=0.014)
    # The motors' spare power caps the climb rate, less so in thin air where profile power falls.
    assert ingenuity(air_density_kg_m3=0.014).max_climb_rate_m_s > base.max_climb_rate_m_s > \
        ingenuity(air_density_kg_m3=0.020).max_climb_rate_m_s > base.profile.climb_rate_m_s
    fast = tmp_path / "fast.toml"
    fast.write_text(text.replace("climb_rate_m_s = 1.0 ", "climb_rate_m_s = 20.0 "))
    with pytest.raises(SettingError, match=r"motors climb at most 13 m/s, below its climb rate "
                                           r"20 m/s") as info:
        make_vehicle(load_profile(str(fast)), MARS)
    assert info.value.field == "air_density_kg_m3"
    assert math.isinf(mavic().max_climb_rate_m_s)  # fixed pitch: speed, not a set power, limits


def test_acceleration_limits_lengthen_short_legs() -> None:
    v = ingenuity(speed_m_s=4.0)
    t_long, _ = v.leg(200.0, 0.0, 0.0)
    assert t_long == pytest.approx(200 / 4 + 4 / 0.5)  # cruise plus one v/a to start and stop
    t_short, _ = v.leg(2.0, 0.0, 0.0)
    assert t_short == pytest.approx(2 * math.sqrt(2.0 / 0.5))
    t_pass, _ = v.leg(200.0, 0.0, 0.0, stops=0)
    assert t_pass == pytest.approx(50.0)


def test_longest_flights_fit_and_five_minutes_does_not() -> None:
    p = load_profile("ingenuity")
    v = make_vehicle(p, MARS, speed_m_s=5.5, altitude_m=10)
    # About 700 m at 5.5 m/s at 10 m (flight 12-like): take-off, cruise, landing.
    t1, e1 = v.takeoff(10)
    t2, e2 = v.leg(700.0, 0.0, 0.0)
    t3, e3 = v.landing(10)
    total_t, total_e = t1 + float(t2) + t3, e1 + float(e2) + e3
    assert total_t <= p.max_flight_time_s
    assert total_e <= p.budget_energy_wh
    # The highest flight: 24 m above ground is within the profile.
    make_vehicle(p, MARS, altitude_m=24)
    # A five-minute flight exceeds both budgets.
    assert p.max_flight_time_s < 300
    assert v.hover(300) > p.budget_energy_wh


def test_flight_3_duration_is_predicted() -> None:
    # Flight 3: 5 m up, 50 m north and back at 2 m/s, 80 s flown.
    v = ingenuity(speed_m_s=2.0, altitude_m=5.0)
    t = v.takeoff(5)[0] + 2 * float(v.leg(50.0, 0, 0)[0]) + v.landing(5)[0]
    assert 70 <= t <= 95


def test_mavic_hover_and_cruise_endurance_match_the_spec() -> None:
    v = mavic()
    # DJI: 40 min hover and 46 min at 9 m/s (32.4 km/h) in still air, to empty, on 77 Wh.
    hover_min = 77.0 * 60 / v.hover_power_w
    cruise_min = 77.0 * 60 / float(v.level_power_w(9.0))
    assert hover_min == pytest.approx(40, rel=0.05)
    assert cruise_min == pytest.approx(46, rel=0.05)
    # A leg flown at 9 m/s costs that power, acceleration apart.
    t, e = v.leg(9000.0, 0.0, 0.0, stops=0, speed_m_s=9.0)
    assert float(e) / float(t) * 3600 == pytest.approx(77.0 * 60 / cruise_min)
    # The calibrated drag area is that of a small airframe (FACTS: 21 m/s top speed): the
    # thrust tilts 25-40 deg at top speed.
    drag = 0.5 * 1.225 * v.profile.flat_plate_area_m2 * 21.0 ** 2
    assert 25 < math.degrees(math.atan2(drag, v.thrust_n)) < 40
    # Figure of merit (hover efficiency / drive efficiency) and induced share agree.
    fom = v.profile.hover_efficiency / v.profile.drive_efficiency
    assert v.profile.induced_power_fraction == pytest.approx(1.15 * fom, abs=0.01)


def test_overrides_outside_limits_are_refused() -> None:
    p = load_profile("ingenuity")
    with pytest.raises(SettingError, match=r"speed_m_s = 12: .*\(0, 10\].*ingenuity"):
        make_vehicle(p, MARS, speed_m_s=12)
    with pytest.raises(SettingError, match="altitude_m = 30"):
        make_vehicle(p, MARS, altitude_m=30)
    with pytest.raises(SettingError, match="made for mars"):
        make_vehicle(p, EARTH)
    with pytest.raises(SettingError, match="reserve") as info:
        make_vehicle(p, MARS, reserve_wh=30)
    assert info.value.field == "reserve_wh"
    with pytest.raises(SettingError) as info:
        make_vehicle(p, MARS, usable_energy_wh=-5)
    assert info.value.field == "usable_energy_wh"
    assert isinstance(info.value, InputError)


def test_setting_errors_name_where_the_value_came_from() -> None:
    from planner.errors import COMMAND_LINE
    from planner.settings import Settings, configure_vehicle, resolve

    p = load_profile("ingenuity")
    r = resolve((COMMAND_LINE, Settings(max_flight_time_s=-5.0)),
                ("m.geojson", Settings(speed_m_s=50.0)))
    with pytest.raises(SettingError) as info:
        configure_vehicle(p, MARS, r)
    assert (info.value.field, info.value.origin) == ("max_flight_time_s", COMMAND_LINE)
    r = resolve((COMMAND_LINE, Settings()), ("m.geojson", Settings(speed_m_s=50.0)))
    with pytest.raises(SettingError, match=r"m.geojson: field 'plan_flight.speed_m_s'"):
        configure_vehicle(p, MARS, r)


@pytest.mark.parametrize(("edit", "needle"), [
    (("battery", "usable_energy_wh", -1.0), "battery.usable_energy_wh"),
    (("battery", "reserve_wh", 50.0), "reserve_wh"),
    (("airframe", "mass_kg", "heavy"), "airframe.mass_kg"),
    (("airframe", "hover_efficiency", 1.5), "hover_efficiency"),
    (("camera", "mount", "tripod"), "camera.mount"),
    (("camera", "hfov_deg", 200), "camera.hfov_deg"),
    (("flight", "cruise_speed_m_s", 50.0), "cruise_speed_m_s"),
    (("flight", "bogus_field", 1.0), "unknown field flight.bogus_field"),
    (("airframe", "rotor_control", "jet"), "airframe.rotor_control must be one of 'collective'"),
    (("airframe", "max_thrust_n", 0.0), "airframe.max_thrust_n must be a number > 0"),
    (("airframe", "drive_efficiency", 0.2), "drive_efficiency (0.2) must be at least "
                                             "hover_efficiency"),
    (("airframe", "control_margin", -0.1), "airframe.control_margin"),
    (("flight", "max_wind_m_s", 12.0), "max_wind_m_s (12 m/s) must be below max_airspeed_m_s"),
    (("flight", "max_airspeed_m_s", 8.0), "max_speed_m_s (10 m/s) exceeds max_airspeed_m_s"),
])
def test_bad_profile_names_the_field(edit, needle, tmp_path) -> None:
    import tomllib

    from planner.profiles import resources

    text = resources.files("planner").joinpath("profiles", "ingenuity.toml").read_text()
    doc = tomllib.loads(text)
    section, key, val = edit
    doc[section][key] = val
    lines = []
    for k, v in doc.items():
        if not isinstance(v, dict):
            lines.append(f"{k} = {v!r}".replace("'", '"'))
    for k, v in doc.items():
        if isinstance(v, dict):
            lines.append(f"[{k}]")
            for kk, vv in v.items():
                val_s = "true" if vv is True else "false" if vv is False else repr(vv)
                lines.append(f"{kk} = {val_s}".replace("'", '"'))
    path = tmp_path / "bad.toml"
    path.write_text("\n".join(lines))
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    assert needle in str(info.value)
    assert str(path) in str(info.value)


def test_a_profile_without_the_rotor_limits_is_refused(tmp_path) -> None:
    from planner.profiles import resources

    text = resources.files("planner").joinpath("profiles", "mavic3.toml").read_text()
    old = "\n".join(line for line in text.splitlines() if not line.startswith("max_thrust_n"))
    path = tmp_path / "old.toml"
    path.write_text(old)
    with pytest.raises(ProfileError, match="missing field 'max_thrust_n'"):
        load_profile(str(path))


def test_unknown_vehicle() -> None:
    with pytest.raises(ProfileError, match="unknown vehicle 'zeppelin'"):
        load_profile("zeppelin")


def test_custom_profile_file_plans(tmp_path) -> None:
    from planner.profiles import resources

    text = resources.files("planner").joinpath("profiles", "ingenuity.toml").read_text()
    heavier = text.replace("mass_kg = 1.8 ", "mass_kg = 2.2 ").replace(
        'name = "ingenuity"', 'name = "ingenuity-heavy"')
    path = tmp_path / "heavy.toml"
    path.write_text(heavier)
    p = load_profile(str(path))
    assert p.name == "ingenuity-heavy" and p.mass_kg == 2.2
    base = make_vehicle(load_profile("ingenuity"), MARS)
    heavy = make_vehicle(p, MARS)
    # Hover power grows as mass^1.5.
    assert heavy.ideal_hover_power_w / base.ideal_hover_power_w == pytest.approx(
        (2.2 / 1.8) ** 1.5)
