"""The vehicle model against flown and published figures (benchmarks/vehicle_bench.py prints them).

Ingenuity's replay: each flight as flown (take-off to its height, its legs stop to stop at its
speed, its photos, landing), costed by the model. Sources (the same table is in the benchmark):

- 3: FACTS (5 m, 50 m north and back at 2 m/s, 80 s).
- 4: M. Aung, NASA, 30 April 2021 (16 ft, 436 ft south and back, 117 s); 3.5 m/s, NASA's
  flight-4 announcement.
- 9: NASA JPL, 5 July 2021, and H. Grip, NASA Mars Helicopter blog, 9 July 2021 (625 m,
  166.4 s, 5 m/s; 10 m).
- 12: FACTS (169.5 s, the longest); 450 m out and back at 4.3 m/s at 10 m, NASA's flight log.
- 26: FACTS (8 m, 192 m south-east, manoeuvres for 10 images, 75 m west, about 360 m in all,
  159 s); about 3.8 m/s, NASA's flight-26 preview (as reported by smartsummit.net).
"""

from __future__ import annotations

import pytest

from planner.frames import MARS
from planner.profiles import load_profile
from planner.settings import make_vehicle

# flight, legs (m), height (m), speed (m/s), photos, flown duration (s)
FLOWN = [
    ("3", (50.0, 50.0), 5.0, 2.0, 0, 80.0),
    ("4", (133.0, 133.0), 5.0, 3.5, 0, 117.0),
    ("9", (625.0,), 10.0, 5.0, 0, 166.4),
    ("12", (225.0, 225.0), 10.0, 4.3, 0, 169.5),
    ("26", (192.0, 46.5, 46.5, 75.0), 8.0, 3.8, 10, 159.0),
]


def replay(legs, height, speed, photos, *, rho=0.017):
    p = load_profile("ingenuity")
    v = make_vehicle(p, MARS, speed_m_s=speed, altitude_m=max(height, p.min_altitude_agl_m),
                     air_density_kg_m3=rho)
    t, e = v.takeoff(height)
    for d in legs:
        lt, le = v.leg(d, 0.0, 0.0)
        t, e = t + float(lt), e + float(le)
    hold = photos * v.camera.photo_hover_s
    t, e = t + hold, e + v.hover(hold)
    lt, le = v.landing(height)
    return t + lt, e + le, v


@pytest.mark.parametrize(("flight", "legs", "height", "speed", "photos", "flown"), FLOWN)
def test_ingenuity_replays_its_flights(flight, legs, height, speed, photos, flown) -> None:
    t, e, v = replay(legs, height, speed, photos)
    assert t == pytest.approx(flown, rel=0.10), flight
    assert t <= v.profile.max_flight_time_s
    assert e <= v.profile.budget_energy_wh
    assert 320 <= e * 3600 / t <= 380  # FACTS: about 350 W in flight


def test_the_longest_flight_fits_every_season() -> None:
    # Flight 12's replay fits the budget across Jezero's seasons (FACTS: 0.014-0.020 kg/m^3).
    for rho in (0.020, 0.017, 0.014):
        _, e, v = replay((225.0, 225.0), 10.0, 4.3, 0, rho=rho)
        assert e <= v.profile.budget_energy_wh, rho
