from __future__ import annotations

import json

import pytest

from planner.errors import COMMAND_LINE, SettingError
from planner.frames import EARTH, MARS
from planner.pipeline import prepare
from planner.profiles import load_profile
from planner.settings import (
    DEFAULT_VEHICLE,
    PlanOptions,
    Settings,
    apply_budget,
    configure_vehicle,
    resolve,
    vehicle_name,
)


def test_precedence_command_line_over_plan_over_mission() -> None:
    r = resolve((COMMAND_LINE, Settings(speed_m_s=4.0)),
                ("plan.geojson", Settings(speed_m_s=3.0, altitude_m=10.0)),
                ("mission.geojson", Settings(speed_m_s=2.0, altitude_m=5.0, vehicle="x")))
    assert r.settings == Settings(speed_m_s=4.0, altitude_m=10.0, vehicle="x")
    assert r.origins == {"speed_m_s": COMMAND_LINE, "altitude_m": "plan.geojson",
                         "vehicle": "mission.geojson"}
    assert r.origin("air_density_kg_m3") is None


def test_plan_options_carry_settings() -> None:
    o = PlanOptions(speed_m_s=3.0, seed=4, dem="x.tif")
    assert o.settings == Settings(speed_m_s=3.0)


def test_default_vehicle_per_body() -> None:
    empty = resolve()
    assert vehicle_name(empty, MARS) == DEFAULT_VEHICLE["mars"] == "ingenuity"
    assert vehicle_name(empty, EARTH) == "mavic3"


def test_budget_overrides_and_their_errors() -> None:
    p = load_profile("ingenuity")
    out = apply_budget(p, resolve((COMMAND_LINE, Settings(reserve_wh=0.0,
                                                          max_flight_time_s=120.0))))
    assert (out.reserve_wh, out.max_flight_time_s, out.usable_energy_wh) == (0.0, 120.0, 23.0)
    with pytest.raises(SettingError) as info:
        apply_budget(p, resolve((COMMAND_LINE, Settings(max_flight_time_s=0.0))))
    assert info.value.field == "max_flight_time_s" and info.value.origin == COMMAND_LINE
    with pytest.raises(SettingError, match="less than the usable"):
        apply_budget(p, resolve((COMMAND_LINE, Settings(usable_energy_wh=2.0))))


def test_air_density_and_body_checks() -> None:
    p = load_profile("mavic3")
    with pytest.raises(SettingError, match="made for earth"):
        configure_vehicle(p, MARS, resolve())
    with pytest.raises(SettingError) as info:
        configure_vehicle(p, EARTH, resolve(("m.geojson", Settings(air_density_kg_m3=-1.0))))
    assert "m.geojson: field 'plan_flight.air_density_kg_m3'" in str(info.value)
    v = configure_vehicle(p, EARTH, resolve((COMMAND_LINE, Settings(air_density_kg_m3=1.0))))
    assert v.air_density_kg_m3 == 1.0


def test_mission_file_settings_reach_the_vehicle(write_json, three_targets) -> None:
    three_targets["plan_flight"] = {"altitude_m": 12, "speed_m_s": 2.5}
    ctx = prepare(write_json(three_targets), PlanOptions(speed_m_s=4.0))
    assert ctx.vehicle.cruise_altitude_agl_m == 12.0  # from the file
    assert ctx.vehicle.cruise_speed_m_s == 4.0  # the command line wins
    json.dumps(three_targets)


@pytest.mark.parametrize(("body", "rho", "ok"), [
    ("earth", 0.017, False), ("earth", 1.1, True), ("mars", 1.225, False), ("mars", 0.015, True),
])
def test_air_density_must_suit_the_body(body, rho, ok) -> None:
    from planner.frames import BODIES

    b = BODIES[body]
    p = load_profile("ingenuity" if body == "mars" else "mavic3")
    layer = resolve((COMMAND_LINE, Settings(air_density_kg_m3=rho)))
    if ok:
        assert configure_vehicle(p, b, layer).air_density_kg_m3 == rho
        return
    with pytest.raises(SettingError, match=f"air on {body.capitalize()} is .* not {rho:g}"):
        configure_vehicle(p, b, layer)
