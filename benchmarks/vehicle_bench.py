"""The vehicle model's figures against published ones: calibration, density limits, wind.

Run from the repository root: ``python benchmarks/vehicle_bench.py``. It prints

1. the Mavic 3's hover and 9 m/s endurance against DJI's 40 min and 46 min;
2. Ingenuity's hover power against the published ~350 W, and a replay of flown flights;
3. each profile's flyable air densities and thrust margins;
4. the wind response: power against airspeed for the Mavic 3, against the same-class figures
   DJI publishes (hover time and flight time at a stated speed, Mavic Pro and Mavic 2 Pro);
   hover power in wind; endurance and range in head and tail winds; Ingenuity's longest flight
   in a 6 m/s wind from every direction;
5. the time to cost legs in wind, vectorised, at the scale of a route search.
"""

from __future__ import annotations

import math
import time

import numpy as np

from planner.frames import EARTH, MARS
from planner.profiles import load_profile
from planner.settings import make_vehicle
from planner.vehicle import Vehicle
from planner.wind import Wind

MAVIC_PACK_WH = 77.0  # FACTS: 5000 mAh at 15.4 V

# Ingenuity's flights as flown: legs (m), height (m), speed (m/s), photos, flown duration (s).
# The same table, with its sources, is in tests/planner/test_calibration.py.
FLOWN = [
    ("3", (50.0, 50.0), 5.0, 2.0, 0, 80.0, "FACTS"),
    ("4", (133.0, 133.0), 5.0, 3.5, 0, 117.0, "NASA, 30 Apr 2021"),
    ("9", (625.0,), 10.0, 5.0, 0, 166.4, "NASA JPL, 5 Jul 2021"),
    ("12", (225.0, 225.0), 10.0, 4.3, 0, 169.5, "FACTS; NASA flight log"),
    ("26", (192.0, 46.5, 46.5, 75.0), 8.0, 3.8, 10, 159.0, "FACTS; NASA preview"),
]

# Same-class published figures (maker's spec sheets): hover time, flight time at a stated speed.
SAME_CLASS = [
    ("DJI Mavic 3 (895 g)", 40.0, 46.0, 9.0, "DJI spec: 46 min at 32.4 km/h, 40 min hover"),
    ("DJI Mavic 2 Pro (907 g)", 29.0, 31.0, 25 / 3.6, "DJI spec: 31 min at 25 km/h, 29 min "
                                                      "hover"),
    ("DJI Mavic Pro (734 g)", 24.0, 27.0, 25 / 3.6, "DJI spec: 27 min at 25 km/h, 24 min "
                                                    "hover"),
]


def mavic(**kw: float) -> Vehicle:
    return make_vehicle(load_profile("mavic3"), EARTH, **kw)  # type: ignore[arg-type]


def ingenuity(**kw: float) -> Vehicle:
    return make_vehicle(load_profile("ingenuity"), MARS, **kw)  # type: ignore[arg-type]


def replay(legs: tuple[float, ...], height: float, speed: float, photos: int, *,
           wind: Wind | None = None, heading: float = 0.0, rho: float = 0.017,
           ) -> tuple[float, float]:
    p = load_profile("ingenuity")
    v = make_vehicle(p, MARS, speed_m_s=speed, altitude_m=max(height, p.min_altitude_agl_m),
                     air_density_kg_m3=rho)
    t, e = v.takeoff(height, wind)
    track = heading
    for d in legs:
        lt, le = v.leg(d, 0.0, 0.0, heading_deg=track, wind=wind)
        t, e = t + float(lt), e + float(le)
        track = (track + 180.0) % 360.0  # out and back
    hold = photos * v.camera.photo_hover_s
    t, e = t + hold, e + v.hover(hold, wind)
    lt, le = v.landing(height, wind)
    return t + lt, e + le


def calibration() -> None:
    print("1. Mavic 3 against DJI's figures (77 Wh to empty, still air)")
    v = mavic()
    for what, power, published in (("hover", v.hover_power_w, 40.0),
                                    ("9 m/s", float(v.level_power_w(9.0)), 46.0)):
        minutes = MAVIC_PACK_WH * 60 / power
        print(f"   {what:6s} {power:6.1f} W  {minutes:5.1f} min  DJI {published:4.0f} min  "
              f"{(minutes / published - 1) * 100:+5.1f} %")
    p = v.profile
    print(f"   induced {v.induced_hover_power_w:.1f} W + profile {v.profile_hover_power_w:.1f} W "
          f"+ avionics {p.avionics_power_w:g} W in hover; flat-plate area "
          f"{p.flat_plate_area_m2:g} m² (drag {0.5 * 1.225 * p.flat_plate_area_m2 * 21 ** 2:.1f} N"
          f" at 21 m/s: thrust tilted "
          f"{math.degrees(math.atan2(0.5 * 1.225 * p.flat_plate_area_m2 * 441, v.thrust_n)):.0f}"
          f"°)")
    print()
    print("2. Ingenuity: hover power (FACTS: about 350 W) and flown flights")
    for rho, note in ((0.020, "dense season"), (0.017, "reference"), (0.014, "season's low"),
                      (0.014 * 0.93, "dust storm, Feb 2022")):
        i = ingenuity(air_density_kg_m3=rho)
        print(f"   {rho:.4f} kg/m³ {note:21s} hover {i.hover_power_w:5.1f} W (induced "
              f"{i.induced_hover_power_w:5.1f}, profile {i.profile_hover_power_w:5.1f}), "
              f"thrust margin {i.thrust_margin:4.0%}")
    print("   flight  distance  height  speed  flown     model     diff   energy  mean power")
    for name, legs, h, s, photos, flown, _ in FLOWN:
        t, e = replay(legs, h, s, photos)
        print(f"   {name:>6}  {sum(legs):6.0f} m  {h:4.0f} m  {s:3.1f}  {flown:6.1f} s  "
              f"{t:6.1f} s  {(t / flown - 1) * 100:+4.0f} %  {e:5.2f} Wh  {e * 3600 / t:5.0f} W")
    print("   sources: " + "; ".join(f"{n}: {src}" for n, *_, src in FLOWN))
    print()


def density_limits() -> None:
    print("3. Flyable air density (thrust at full power grows with density)")
    for v in (ingenuity(), mavic()):
        p = v.profile
        ceiling = v.max_air_density_kg_m3
        how = "motors' power" if v.max_rotor_power_w is not None else "rated envelope"
        climb = (f"{v.max_climb_rate_m_s:.3g} m/s" if math.isfinite(v.max_climb_rate_m_s)
                 else "not capped by a set power")
        print(f"   {p.name:9s} {v.min_air_density_kg_m3:.4g} to {ceiling:.4g} kg/m³ ({how}); "
              f"thrust margin {v.reference_thrust_margin:.0%} at {p.reference_density_kg_m3:g} "
              f"kg/m³, {p.control_margin:.0%} kept for control; climb {climb}")
    i = ingenuity()
    print(f"   Ingenuity at 2537 rpm would need {i.min_air_density_kg_m3 * (2700 / 2537) ** 2:.4f}"
          f" kg/m³, above the season's 0.014: why JPL went to 2700 rpm (FACTS)")
    print(f"   Ingenuity's motors' power (from the thrust margin): {i.max_rotor_power_w:.0f} W")
    print()


def wind_response() -> None:
    print("4. Wind response")
    v = mavic()
    hover = v.hover_power_w
    print("   Mavic 3, power against airspeed (still air: ground speed = airspeed)")
    print("   airspeed  power   /hover  minutes to empty  range to empty")
    for speed in (0, 3, 6, 7, 9, 12, 15, 18, 21):
        power = float(v.level_power_w(speed))
        minutes = MAVIC_PACK_WH * 60 / power
        print(f"   {speed:5.1f}   {power:6.1f} W  {power / hover:5.2f}  {minutes:8.1f}"
              f"          {speed * minutes * 60 / 1000:6.1f} km")
    print("   against same-class published figures (power at speed over hover = hover time over "
          "flight time):")
    for name, hover_min, flight_min, speed, source in SAME_CLASS:
        model = float(v.level_power_w(speed)) / hover
        print(f"   {name:24s} at {speed:4.1f} m/s: published {hover_min / flight_min:.3f}, "
              f"Mavic 3 model {model:.3f}  ({source})")
    print("   hover in wind (holding a place = flying at the wind's speed)")
    i = ingenuity()
    for w in (0, 2, 4, 6, 8, 10, 12):
        mw = v.hover_power_in_w(Wind(float(w)))
        text = f"   {w:3d} m/s  Mavic 3 {mw:6.1f} W ({mw / hover:4.2f})"
        if w <= i.profile.max_airspeed_m_s:
            iw = i.hover_power_in_w(Wind(float(w)))
            text += f"   Ingenuity {iw:6.1f} W ({iw / i.hover_power_w:4.2f})"
        print(text)
    print("   Mavic 3 flying 9 m/s over the ground, minutes and km to empty (77 Wh)")
    print("   wind    head wind         tail wind         cross wind")
    for w in (0, 3, 6, 9, 12):
        row = f"   {w:3d} m/s"
        for from_deg in (0.0, 180.0, 90.0):
            c = v.leg_costs(100_000.0, 0.0, 0.0, stops=0, speed_m_s=9.0, heading_deg=0.0,
                            wind=Wind.blowing_from(from_deg, float(w)))
            power = float(c.energy_wh) * 3600 / float(c.time_s)
            minutes = MAVIC_PACK_WH * 60 / power
            km = float(c.ground_speed_m_s) * minutes * 60 / 1000
            row += f"  {minutes:5.1f} min {km:5.1f} km"
        print(row)
    slow = mavic(speed_m_s=15.0)
    c = slow.leg_costs(10_000.0, 0.0, 0.0, speed_m_s=15.0, heading_deg=0.0,
                       wind=Wind.blowing_from(0.0, 12.0))
    print(f"   commanded 15 m/s into a 12 m/s head wind: {float(c.ground_speed_m_s):.1f} m/s over "
          f"the ground (21 m/s airspeed limit), {float(c.time_s) / 60:.1f} min for 10 km")
    legs, h, s, photos = (225.0, 225.0), 10.0, 4.3, 0
    t0, e0 = replay(legs, h, s, photos)
    print(f"   Ingenuity flight 12 (450 m out and back) in a 6 m/s wind, still air {t0:.0f} s "
          f"{e0:.2f} Wh:")
    worst = (0.0, 0.0, 0.0)
    row = "   from"
    for from_deg in range(0, 360, 45):
        t, e = replay(legs, h, s, photos, wind=Wind.blowing_from(float(from_deg), 6.0),
                      heading=0.0)
        row += f"  {from_deg:3d}°: {e:5.2f} Wh"
        worst = max(worst, (e, t, float(from_deg)))
    print(row)
    print(f"   worst {worst[0]:.2f} Wh ({worst[1]:.0f} s) from {worst[2]:.0f}°; budget "
          f"{ingenuity().profile.budget_energy_wh:g} Wh")
    print()


def speed() -> None:
    print("5. Leg costs at route-search scale")
    v = mavic()
    rng = np.random.default_rng(1)
    n = 20_000
    d, up, down = rng.uniform(0, 2000, n), rng.uniform(0, 20, n), rng.uniform(0, 20, n)
    heading = rng.uniform(0, 360, n)
    for wind in (None, Wind.blowing_from(250.0, 8.0), Wind(8.0, (240.0, 300.0)), Wind(8.0)):
        start = time.perf_counter()
        v.leg(d, up, down, heading_deg=heading, wind=wind)
        ms = (time.perf_counter() - start) * 1000
        print(f"   {n} legs, {str(wind) if wind else 'still air':32s} {ms:7.1f} ms")


def main() -> None:
    calibration()
    density_limits()
    wind_response()
    speed()


if __name__ == "__main__":
    main()
