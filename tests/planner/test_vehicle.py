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


def test_thinner_air_costs_more_power_and_shortens_endurance() -> None:
    thick, thin = ingenuity(air_density_kg_m3=0.020), ingenuity(air_density_kg_m3=0.014)
    assert thin.hover_power_w > thick.hover_power_w
    assert thin.endurance_s() < thick.endurance_s()
    # Induced power scales as rho^-1/2.
    ratio = thin.ideal_hover_power_w / thick.ideal_hover_power_w
    assert ratio == pytest.approx(math.sqrt(0.020 / 0.014))


def test_climbing_costs_energy_and_descending_saves_little() -> None:
    v = ingenuity()
    _, flat = v.leg(100.0, 0.0, 0.0)
    _, up = v.leg(100.0, 20.0, 0.0)
    _, down = v.leg(100.0, 0.0, 20.0)
    assert up > flat + 20 * 1.8 * 3.721 / 0.265 / 3600 * 0.99
    assert down >= flat * 0.999


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


def test_mavic_hover_endurance_matches_spec() -> None:
    p = load_profile("mavic3")
    v = make_vehicle(p, EARTH)
    to_empty_min = 77.0 * 3600 / v.hover_power_w / 60
    assert 36 <= to_empty_min <= 44  # spec: 40 min hover to empty


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
