"""Vehicle profiles, rotor physics, and the time and energy of every part of a flight.

Power comes from momentum theory with the body's gravity and air density, and an overall
efficiency calibrated to published figures (see the profile files and the README):

- hover: ``P_h = (m g)^1.5 / sqrt(2 rho A) / eta + P_avionics``;
- level flight at speed ``V``: induced power falls as the induced velocity ``v_i`` does
  (``v_i^4 + V^2 v_i^2 = v_h^4``), blade profile power grows as ``1 + 4.65 mu^2`` with the advance
  ratio ``mu = V / (Omega R)``, and parasite power ``0.5 rho f V^3`` is added;
- climbing at ``w`` adds ``m g w / eta``; descending is costed at hover power (saves little);
- take-off and landing: overhead seconds plus the vertical leg; yaw turns and photos at hover.

Times use a trapezoidal speed profile with the profile's acceleration, and vertical rates.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planner.errors import InputError, ProfileError
from planner.frames import Body
from terrain.hazards import HazardLimits

_SECTIONS = ("airframe", "battery", "flight", "navigation", "landing", "camera")


@dataclass(frozen=True)
class CameraSpec:
    """An imaging camera and how it is mounted."""

    name: str
    image_width_px: int
    image_height_px: int
    hfov_deg: float
    vfov_deg: float
    mount: str  # "fixed" (aimed by yawing the vehicle) or "gimbal"
    fixed_pitch_deg: float = 0.0
    gimbal_pitch_min_deg: float = -90.0
    gimbal_pitch_max_deg: float = 0.0
    photo_hover_s: float = 2.0

    @property
    def ifov_rad(self) -> float:
        """Angle subtended by one pixel (the coarser axis)."""
        return max(math.radians(self.hfov_deg) / self.image_width_px,
                   math.radians(self.vfov_deg) / self.image_height_px)


@dataclass(frozen=True)
class VehicleProfile:
    """A vehicle as described by its profile file; units are in the field names."""

    name: str
    description: str
    body: str | None
    source: str
    mass_kg: float
    rotor_radius_m: float
    rotor_count: int
    rotor_speed_rpm: float
    hover_efficiency: float
    induced_power_fraction: float
    flat_plate_area_m2: float
    usable_energy_wh: float
    reserve_wh: float
    max_flight_time_s: float
    avionics_power_w: float
    cruise_altitude_agl_m: float
    min_altitude_agl_m: float
    max_altitude_agl_m: float
    cruise_speed_m_s: float
    max_speed_m_s: float
    climb_rate_m_s: float
    descent_rate_m_s: float
    horizontal_accel_m_s2: float
    yaw_rate_deg_s: float
    takeoff_overhead_s: float
    landing_overhead_s: float
    min_clearance_m: float
    nav_margin_m: float
    nav_max_slope_deg: float
    nav_scale_m: float
    nav_min_texture_m: float
    nav_texture_window_m: float
    fly_over_nodata: bool
    follow_terrain_at_speed: bool
    landing_max_slope_deg: float
    landing_max_roughness_m: float
    landing_clear_radius_m: float
    camera: CameraSpec

    @property
    def hazard_limits(self) -> HazardLimits:
        """The terrain limits this vehicle flies and lands within (no ramp-following limit)."""
        return HazardLimits(
            nav_max_slope_deg=self.nav_max_slope_deg, nav_scale_m=self.nav_scale_m,
            nav_min_texture_m=self.nav_min_texture_m,
            nav_texture_window_m=self.nav_texture_window_m, fly_over_nodata=self.fly_over_nodata,
            landing_max_slope_deg=self.landing_max_slope_deg,
            landing_max_roughness_m=self.landing_max_roughness_m,
            landing_clear_radius_m=self.landing_clear_radius_m)

    @property
    def budget_energy_wh(self) -> float:
        """Energy the flight may use: usable energy less the reserve."""
        return self.usable_energy_wh - self.reserve_wh


# Fields that must be positive, and those that may be zero.
_NON_NEGATIVE = {"flat_plate_area_m2", "avionics_power_w", "takeoff_overhead_s",
                 "landing_overhead_s", "nav_margin_m", "nav_min_texture_m", "reserve_wh",
                 "min_clearance_m"}
_FRACTIONS = {"hover_efficiency", "induced_power_fraction"}


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with plan-flight."""
    files = resources.files("planner").joinpath("profiles")
    return sorted(p.name.removesuffix(".toml") for p in files.iterdir()
                  if p.name.endswith(".toml"))


def load_profile(name_or_path: str) -> VehicleProfile:
    """Load a shipped profile by name, or a profile TOML file by path.

    Raises
    ------
    ProfileError
        Unknown name, unreadable file, or a missing or wrong field (named in the message).
    """
    if name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path:
        path = Path(name_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"{path}: vehicle profile cannot be read "
                               f"({exc.strerror or exc})") from None
        source = str(path)
    else:
        if name_or_path not in builtin_profiles():
            raise ProfileError(f"unknown vehicle {name_or_path!r} (built in: "
                               f"{', '.join(builtin_profiles())}; or give a .toml path)")
        text = resources.files("planner").joinpath("profiles", f"{name_or_path}.toml") \
            .read_text(encoding="utf-8")
        source = f"built-in profile {name_or_path}"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: invalid TOML ({exc})") from None
    return parse_profile(doc, source=source)


def parse_profile(doc: dict[str, Any], *, source: str) -> VehicleProfile:
    """Validate a parsed profile document; see :func:`load_profile`."""
    flat: dict[str, Any] = {}
    for section in _SECTIONS:
        sec = doc.get(section)
        if not isinstance(sec, dict):
            raise ProfileError(f"{source}: missing section [{section}]")
        if section != "camera":
            flat.update({k: (section, v) for k, v in sec.items()})
    known = {f.name: f for f in fields(VehicleProfile)}
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name in ("name", "description", "body", "source", "camera"):
            continue
        if name not in flat:
            raise ProfileError(f"{source}: missing field {name!r}")
        section, val = flat[name]
        where = f"{source}: field {section}.{name}"
        if f.type == "bool":
            if not isinstance(val, bool):
                raise ProfileError(f"{where} must be true or false, not {val!r}")
            values[name] = val
            continue
        if isinstance(val, bool) or not isinstance(val, int | float) or not math.isfinite(val):
            raise ProfileError(f"{where} must be a number, not {val!r}")
        if name in _NON_NEGATIVE:
            if val < 0:
                raise ProfileError(f"{where} must be >= 0, not {val:g}")
        elif val <= 0:
            raise ProfileError(f"{where} must be > 0, not {val:g}")
        if name in _FRACTIONS and val > 1:
            raise ProfileError(f"{where} must be a fraction in (0, 1], not {val:g}")
        values[name] = int(val) if f.type == "int" else float(val)
    unknown = sorted(k for k in flat if k not in known)
    if unknown:
        section, _ = flat[unknown[0]]
        raise ProfileError(f"{source}: unknown field {section}.{unknown[0]}")
    p = values
    if p["reserve_wh"] >= p["usable_energy_wh"]:
        raise ProfileError(f"{source}: field battery.reserve_wh ({p['reserve_wh']:g} Wh) must be "
                           f"less than usable_energy_wh ({p['usable_energy_wh']:g} Wh)")
    if not p["min_altitude_agl_m"] <= p["cruise_altitude_agl_m"] <= p["max_altitude_agl_m"]:
        raise ProfileError(f"{source}: field flight.cruise_altitude_agl_m must lie between "
                           f"min_altitude_agl_m and max_altitude_agl_m")
    if p["cruise_speed_m_s"] > p["max_speed_m_s"]:
        raise ProfileError(f"{source}: field flight.cruise_speed_m_s exceeds max_speed_m_s")
    if p["min_clearance_m"] > p["min_altitude_agl_m"]:
        raise ProfileError(f"{source}: field flight.min_clearance_m exceeds min_altitude_agl_m")
    camera = _parse_camera(doc["camera"], source)
    body = doc.get("body")
    if body is not None and body not in ("mars", "earth"):
        raise ProfileError(f"{source}: field body must be 'mars' or 'earth', not {body!r}")
    return VehicleProfile(name=str(doc.get("name", Path(source).stem)),
                          description=str(doc.get("description", "")), body=body, source=source,
                          camera=camera, **values)


def _parse_camera(sec: dict[str, Any], source: str) -> CameraSpec:
    where = f"{source}: field camera."
    mount = sec.get("mount")
    if mount not in ("fixed", "gimbal"):
        raise ProfileError(f"{where}mount must be 'fixed' or 'gimbal', not {mount!r}")
    vals: dict[str, Any] = {"name": str(sec.get("name", "camera")), "mount": mount}
    for key in ("image_width_px", "image_height_px"):
        v = sec.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ProfileError(f"{where}{key} must be a positive whole number, not {v!r}")
        vals[key] = v
    for key in ("hfov_deg", "vfov_deg"):
        v = sec.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 180:
            raise ProfileError(f"{where}{key} must be a number in (0, 180), not {v!r}")
        vals[key] = float(v)
    keys = ("fixed_pitch_deg",) if mount == "fixed" else ("gimbal_pitch_min_deg",
                                                           "gimbal_pitch_max_deg")
    for key in (*keys, "photo_hover_s"):
        v = sec.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ProfileError(f"{where}{key} must be a number, not {v!r}")
        if key != "photo_hover_s" and not -90 <= v <= 90:
            raise ProfileError(f"{where}{key} must be within [-90, 90] degrees, not {v:g}")
        if key == "photo_hover_s" and v < 0:
            raise ProfileError(f"{where}{key} must be >= 0, not {v:g}")
        vals[key] = float(v)
    if mount == "gimbal" and vals["gimbal_pitch_min_deg"] > vals["gimbal_pitch_max_deg"]:
        raise ProfileError(f"{where}gimbal_pitch_min_deg exceeds gimbal_pitch_max_deg")
    return CameraSpec(**vals)


@dataclass(frozen=True)
class Vehicle:
    """A profile flown on a body at an air density, with the mission's speed and altitude.

    Build one with :func:`make_vehicle`.
    """

    profile: VehicleProfile
    gravity_m_s2: float
    air_density_kg_m3: float
    cruise_speed_m_s: float
    cruise_altitude_agl_m: float

    @property
    def camera(self) -> CameraSpec:
        """The imaging camera."""
        return self.profile.camera

    @property
    def thrust_n(self) -> float:
        """Hover thrust, equal to weight."""
        return self.profile.mass_kg * self.gravity_m_s2

    @property
    def disk_area_m2(self) -> float:
        """Total rotor disk area."""
        return self.profile.rotor_count * math.pi * self.profile.rotor_radius_m ** 2

    @property
    def ideal_hover_power_w(self) -> float:
        """Momentum-theory hover power ``T^1.5 / sqrt(2 rho A)``."""
        return float(self.thrust_n ** 1.5 /
                     math.sqrt(2 * self.air_density_kg_m3 * self.disk_area_m2))

    @property
    def hover_power_w(self) -> float:
        """Electrical power in hover, avionics included."""
        return self.ideal_hover_power_w / self.profile.hover_efficiency + \
            self.profile.avionics_power_w

    def level_power_w(self, speed_m_s: ArrayLike) -> NDArray[np.float64]:
        """Electrical power in level flight at a ground speed (still air)."""
        p = self.profile
        v = np.asarray(speed_m_s, float)
        rotor = self.ideal_hover_power_w / p.hover_efficiency
        vh = math.sqrt(self.thrust_n / (2 * self.air_density_kg_m3 * self.disk_area_m2))
        vi = np.sqrt((-v ** 2 + np.sqrt(v ** 4 + 4 * vh ** 4)) / 2)
        tip = p.rotor_speed_rpm * 2 * math.pi / 60 * p.rotor_radius_m
        mu = v / tip
        induced = p.induced_power_fraction * rotor * vi / vh
        profile = (1 - p.induced_power_fraction) * rotor * (1 + 4.65 * mu ** 2)
        parasite = 0.5 * self.air_density_kg_m3 * p.flat_plate_area_m2 * v ** 3 / \
            p.hover_efficiency
        return np.asarray(induced + profile + parasite + p.avionics_power_w, dtype=np.float64)

    def climb_power_extra_w(self, rate_m_s: float) -> float:
        """Power on top of hover to climb at a rate."""
        return self.thrust_n * rate_m_s / self.profile.hover_efficiency

    def leg(self, distance_m: ArrayLike, climb_m: ArrayLike, descent_m: ArrayLike, *,
            stops: int = 2, speed_m_s: float | None = None) -> tuple[NDArray[np.float64],
                                                                      NDArray[np.float64]]:
        """Time (s) and energy (Wh) to fly legs.

        Parameters
        ----------
        distance_m
            Horizontal length of each leg.
        climb_m, descent_m
            Total height gained and lost along each leg (terrain following adds both).
        stops
            How many ends of the leg are stops (0, 1 or 2), which cost acceleration time.
        speed_m_s
            Cruise ground speed; the vehicle's by default.
        """
        p = self.profile
        v = self.cruise_speed_m_s if speed_m_s is None else speed_m_s
        d = np.asarray(distance_m, float)
        up = np.asarray(climb_m, float)
        down = np.asarray(descent_m, float)
        a = p.horizontal_accel_m_s2
        if stops == 0:
            t_h = d / v
        else:
            ramp = stops * v * v / (2 * a)  # distance spent accelerating and braking
            full = d / v + stops * v / (2 * a)
            short = (2 if stops == 2 else math.sqrt(2)) * np.sqrt(np.maximum(d, 0) / a)
            t_h = np.where(d >= ramp, full, short)
        t_v = up / p.climb_rate_m_s + down / p.descent_rate_m_s
        t = np.maximum(t_h, t_v)
        mean_v = np.where(t > 0, d / np.where(t > 0, t, 1), 0.0)
        e_j = self.level_power_w(mean_v) * t + self.thrust_n * up / p.hover_efficiency
        return np.asarray(t, dtype=np.float64), np.asarray(e_j / 3600.0, dtype=np.float64)

    def hover(self, seconds: float) -> float:
        """Energy (Wh) to hover for a time."""
        return self.hover_power_w * seconds / 3600.0

    def takeoff(self, height_m: float) -> tuple[float, float]:
        """Time and energy to spin up and climb vertically to a height above ground."""
        t = self.profile.takeoff_overhead_s + height_m / self.profile.climb_rate_m_s
        e = self.hover_power_w * t + self.thrust_n * height_m / self.profile.hover_efficiency
        return t, e / 3600.0

    def landing(self, height_m: float) -> tuple[float, float]:
        """Time and energy to descend vertically from a height above ground and land."""
        t = self.profile.landing_overhead_s + height_m / self.profile.descent_rate_m_s
        return t, self.hover_power_w * t / 3600.0

    def yaw(self, degrees: float) -> tuple[float, float]:
        """Time and energy to turn on the spot."""
        t = abs(degrees) / self.profile.yaw_rate_deg_s
        return t, self.hover(t)

    @property
    def hazard_limits(self) -> HazardLimits:
        """The profile's terrain limits, with the ramp-following limit at this speed and height.

        A vehicle with ``follow_terrain_at_speed`` holds its cruise speed over the ground: it
        follows a ramp if its vertical rate keeps up at that speed; a steeper ramp eats into its
        height band (down to the clearance when rising, up to the ceiling when falling), and one
        taller than that band cannot be followed. A vehicle without it slows along 3-D legs as
        needed (the time model charges for that), so ramps are no hazard to it.
        """
        p = self.profile
        if not p.follow_terrain_at_speed:
            return p.hazard_limits
        v = self.cruise_speed_m_s
        return replace(
            p.hazard_limits,
            follow_climb_slope_deg=math.degrees(math.atan2(p.climb_rate_m_s, v)),
            follow_climb_band_m=max(self.cruise_altitude_agl_m - p.min_clearance_m, 0.0),
            follow_descent_slope_deg=math.degrees(math.atan2(p.descent_rate_m_s, v)),
            follow_descent_band_m=max(p.max_altitude_agl_m - self.cruise_altitude_agl_m, 0.0))

    def endurance_s(self) -> float:
        """Hover time on the energy budget (usable less reserve), not counting the time limit."""
        return self.profile.budget_energy_wh * 3600.0 / self.hover_power_w


def make_vehicle(profile: VehicleProfile, body: Body, *, air_density_kg_m3: float | None = None,
                 speed_m_s: float | None = None, altitude_m: float | None = None) -> Vehicle:
    """Bind a profile to a body with optional overrides, checked against the profile's limits.

    Raises
    ------
    InputError
        A speed or altitude outside the profile's limits, a non-positive density, or a profile
        made for another body.
    """
    p = profile
    if p.body is not None and p.body != body.name:
        raise InputError(f"vehicle {p.name!r} is made for {p.body}; the mission is on "
                         f"{body.name} (choose another --vehicle)")
    rho = body.air_density_kg_m3 if air_density_kg_m3 is None else air_density_kg_m3
    if not (math.isfinite(rho) and rho > 0):
        raise InputError(f"air density must be a positive number, not {rho!r}")
    speed = p.cruise_speed_m_s if speed_m_s is None else speed_m_s
    if not (math.isfinite(speed) and 0 < speed <= p.max_speed_m_s):
        raise InputError(f"speed {speed:g} m/s is outside the {p.name} profile's limits "
                         f"(0, {p.max_speed_m_s:g}] m/s")
    alt = p.cruise_altitude_agl_m if altitude_m is None else altitude_m
    if not (math.isfinite(alt) and p.min_altitude_agl_m <= alt <= p.max_altitude_agl_m):
        raise InputError(f"altitude {alt:g} m above ground is outside the {p.name} profile's "
                         f"limits [{p.min_altitude_agl_m:g}, {p.max_altitude_agl_m:g}] m")
    return Vehicle(profile=p, gravity_m_s2=body.gravity_m_s2, air_density_kg_m3=rho,
                   cruise_speed_m_s=speed, cruise_altitude_agl_m=alt)


def with_budget(profile: VehicleProfile, *, usable_energy_wh: float | None = None,
                reserve_wh: float | None = None,
                max_flight_time_s: float | None = None) -> VehicleProfile:
    """A copy of a profile with other battery figures, validated like a profile file's."""
    for key, val in (("usable_energy_wh", usable_energy_wh), ("reserve_wh", reserve_wh),
                     ("max_flight_time_s", max_flight_time_s)):
        if val is not None and (not math.isfinite(val) or val < 0 or
                                (val == 0 and key != "reserve_wh")):
            raise InputError(f"--{key.replace('_', '-')} must be a positive number, not {val:g}")
    out = replace(
        profile,
        usable_energy_wh=profile.usable_energy_wh if usable_energy_wh is None
        else usable_energy_wh,
        reserve_wh=profile.reserve_wh if reserve_wh is None else reserve_wh,
        max_flight_time_s=profile.max_flight_time_s if max_flight_time_s is None
        else max_flight_time_s)
    if out.reserve_wh >= out.usable_energy_wh:
        raise InputError(f"the reserve ({out.reserve_wh:g} Wh) must be less than the usable "
                         f"energy ({out.usable_energy_wh:g} Wh)")
    return out
