"""Vehicle profiles: the TOML schema, its validation, and the profiles shipped with plan-flight.

A profile describes a vehicle as built and as allowed to fly: airframe and rotor, battery and
budgets, flight limits, navigation and landing limits, and the imaging camera. Every field carries
its unit in its name; each shipped file gives a source or says "assumed" for every figure.
Physics (power, time, energy) lives in :mod:`planner.vehicle`; which setting wins over which
(command line, mission file, profile) in :mod:`planner.settings`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from planner.errors import ProfileError
from planner.values import number
from terrain.hazards import HazardLimits

SECTIONS = ("airframe", "battery", "flight", "navigation", "landing", "camera")
LANDING_SEARCH_MIN_M = 25.0
"""Least distance an unsafe landing site may move to a safe spot: a few rotor spans, close
enough that the spot is still the one the operator chose from the images."""
LANDING_SEARCH_CLEAR_RADII = 10.0
"""... or this many landing clear radii, if larger."""


class AltitudeReference(StrEnum):
    """What the vehicle holds its height against in flight."""

    GROUND = "ground"
    """The height above the ground under it (a laser or radar altimeter): legs follow the
    terrain at the commanded height, climbing and descending with it."""
    ABSOLUTE = "absolute"
    """An absolute height (GNSS and barometer, above take-off): legs are straight lines between
    waypoints, and the planner adds waypoints to follow the terrain."""


class RotorControl(StrEnum):
    """How the rotors vary their thrust, which decides how their profile power follows the air."""

    COLLECTIVE = "collective"
    """Blade pitch (collective) at a set rotor speed, as a helicopter: at that speed the blades'
    profile power grows in proportion to the air density, and the motors' power caps the
    densest air the rotor can turn in."""
    SPEED = "speed"
    """Fixed-pitch propellers whose speed sets the thrust, as a multirotor: thinner air needs a
    faster propeller, so profile power, like induced power, grows as ``rho^-1/2``."""


class Capture(StrEnum):
    """How the vehicle takes a survey's images along a strip (``camera.survey_capture``)."""

    STOP = "stop"
    """Stop and shoot: the vehicle stops, hovers ``photo_hover_s`` per image and shoots (a
    camera whose images are commanded one by one, as Ingenuity's: Balaram et al. 2018)."""
    DISTANCE = "distance"
    """Through the strip: the autopilot fires the camera every so many metres flown
    (MAVLink ``DO_SET_CAM_TRIGG_DIST``, ArduPilot and PX4 with a camera on their trigger
    output or a MAVLink camera), in motion, at a speed its exposure does not blur."""


class Mount(StrEnum):
    """How the imaging camera is mounted."""

    FIXED = "fixed"
    """Fixed to the airframe: aimed by yawing the vehicle, at the mount's pitch."""
    GIMBAL = "gimbal"
    """On a gimbal: pitched within its range; the vehicle yaws to the heading."""


@dataclass(frozen=True)
class CameraSpec:
    """An imaging camera and how it is mounted."""

    name: str
    image_width_px: int
    image_height_px: int
    hfov_deg: float
    vfov_deg: float
    mount: Mount
    fixed_pitch_deg: float = 0.0
    gimbal_pitch_min_deg: float = -90.0
    gimbal_pitch_max_deg: float = 0.0
    photo_hover_s: float = 2.0
    survey_capture: Capture = Capture.STOP
    exposure_s: float | None = None
    """How long the shutter is open (s), for the motion blur of images taken in motion."""
    min_trigger_interval_s: float | None = None
    """Least time between two images the camera can take (s): it caps the speed along a
    strip flown through (image spacing / interval)."""

    @property
    def flies_through(self) -> bool:
        """Whether survey strips are flown through, the camera triggered in motion."""
        return self.survey_capture != Capture.STOP

    @property
    def ifov_rad(self) -> float:
        """Angle subtended by one pixel (the coarser axis)."""
        return max(math.radians(self.hfov_deg) / self.image_width_px,
                   math.radians(self.vfov_deg) / self.image_height_px)


@dataclass(frozen=True)
class VehicleProfile:
    """A vehicle as described by its profile file; units are in the field names.

    The rotor's physics fields (``[airframe]``; see :mod:`planner.vehicle`):

    - ``reference_density_kg_m3``: the air density at which ``hover_efficiency``,
      ``induced_power_fraction``, ``rotor_speed_rpm`` and ``max_thrust_n`` are stated;
    - ``hover_efficiency``: ideal over electrical rotor power in hover (figure of merit times
      ``drive_efficiency``, the motors' and controllers' electrical-to-shaft efficiency, which
      also delivers the power to climb and to push the airframe through the air);
    - ``induced_power_fraction``: the induced share of hover power (``kappa`` times the figure of
      merit); the rest is blade profile power, which follows ``rotor_control``;
    - ``max_thrust_n``: the rotors' greatest thrust at the reference density (it grows in
      proportion to density) and ``control_margin``, the share of the weight it must exceed by:
      together the least density the vehicle can fly in;
    - ``max_air_density_kg_m3`` (optional): the densest air the vehicle is rated for.

    ``[flight]`` holds ``max_airspeed_m_s`` (at least ``max_speed_m_s``) and ``max_wind_m_s``
    (below ``max_airspeed_m_s``), the wind the vehicle is rated to fly in, gusts included.
    """

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
    rotor_control: RotorControl
    reference_density_kg_m3: float
    drive_efficiency: float
    max_thrust_n: float
    control_margin: float
    usable_energy_wh: float
    reserve_wh: float
    max_flight_time_s: float
    avionics_power_w: float
    cruise_altitude_agl_m: float
    min_altitude_agl_m: float
    max_altitude_agl_m: float
    cruise_speed_m_s: float
    max_speed_m_s: float
    max_airspeed_m_s: float
    max_wind_m_s: float
    climb_rate_m_s: float
    descent_rate_m_s: float
    horizontal_accel_m_s2: float
    yaw_rate_deg_s: float
    takeoff_overhead_s: float
    landing_overhead_s: float
    min_clearance_m: float
    altitude_reference: AltitudeReference
    agl_tolerance_m: float
    nav_margin_m: float
    nav_max_slope_deg: float
    nav_scale_m: float
    fly_over_nodata: bool
    nav_min_contrast: float
    landing_max_slope_deg: float
    landing_max_roughness_m: float
    landing_clear_radius_m: float
    camera: CameraSpec
    nav_camera_width_px: int | None = None
    nav_camera_height_px: int | None = None
    nav_camera_hfov_deg: float | None = None
    nav_camera_vfov_deg: float | None = None
    nav_tracker_patch_px: float | None = None
    nav_texture_view_fraction: float | None = None
    max_air_density_kg_m3: float | None = None
    flight_energy_per_recharge_wh: float | None = None
    """``[battery]``, optional: the energy one recharge where the vehicle landed makes
    available for the next flight (on Mars a sol's solar charge, less what heats the
    electronics through the night), the reserve kept on top. In a campaign recharged
    ``in_place`` it caps every flight's budget; absent, each flight has the battery's."""

    def hazard_limits(self, cruise_altitude_agl_m: float) -> HazardLimits:
        """The terrain limits this vehicle flies and lands within, at a cruise height.

        The texture the navigation camera tracks is judged at its scale at that height: features
        ``nav_tracker_patch_px`` of its nadir pixels across, in a window of
        ``nav_texture_view_fraction`` of its footprint's short side.
        """
        feature = window = 0.0
        if self.nav_min_contrast > 0:
            assert self.nav_camera_width_px is not None
            assert self.nav_camera_hfov_deg is not None
            assert self.nav_camera_vfov_deg is not None
            assert self.nav_tracker_patch_px is not None
            assert self.nav_texture_view_fraction is not None
            h = cruise_altitude_agl_m
            pixel = h * math.radians(self.nav_camera_hfov_deg) / self.nav_camera_width_px
            feature = self.nav_tracker_patch_px * pixel
            short = 2.0 * h * math.tan(math.radians(min(self.nav_camera_hfov_deg,
                                                        self.nav_camera_vfov_deg) / 2))
            window = self.nav_texture_view_fraction * short
        return HazardLimits(
            nav_max_slope_deg=self.nav_max_slope_deg, nav_scale_m=self.nav_scale_m,
            nav_min_contrast=self.nav_min_contrast, nav_texture_feature_m=feature,
            nav_texture_window_m=window if window > 0 else HazardLimits.nav_texture_window_m,
            fly_over_nodata=self.fly_over_nodata,
            landing_max_slope_deg=self.landing_max_slope_deg,
            landing_max_roughness_m=self.landing_max_roughness_m,
            landing_clear_radius_m=self.landing_clear_radius_m)

    @property
    def landing_search_radius_m(self) -> float:
        """How far an unsafe landing site may move to the nearest safe spot.

        At least :data:`LANDING_SEARCH_MIN_M`, or :data:`LANDING_SEARCH_CLEAR_RADII` clear radii.
        """
        return max(LANDING_SEARCH_MIN_M, LANDING_SEARCH_CLEAR_RADII * self.landing_clear_radius_m)

    @property
    def budget_energy_wh(self) -> float:
        """Energy the flight may use: usable energy less the reserve."""
        return self.usable_energy_wh - self.reserve_wh


# Fields that may be zero (the rest of the numbers must be positive), and fractions.
_NON_NEGATIVE = {"flat_plate_area_m2", "avionics_power_w", "takeoff_overhead_s", "control_margin",
                 "max_wind_m_s",
                 "landing_overhead_s", "nav_margin_m", "nav_min_contrast", "reserve_wh",
                 "min_clearance_m", "agl_tolerance_m"}
_FRACTIONS = {"hover_efficiency", "induced_power_fraction", "nav_min_contrast",
              "nav_texture_view_fraction", "drive_efficiency", "control_margin"}
_DESCRIPTIVE = ("name", "description", "body", "source", "camera")
_NAV_CAMERA = ("nav_camera_width_px", "nav_camera_height_px", "nav_camera_hfov_deg",
               "nav_camera_vfov_deg", "nav_tracker_patch_px", "nav_texture_view_fraction")
"""Fields a profile needs when its navigation needs ground texture (``nav_min_contrast`` > 0)."""
_ENUMS: dict[str, type[StrEnum]] = {"altitude_reference": AltitudeReference,
                                     "rotor_control": RotorControl}
_RETIRED = {
    "nav_min_texture_m": "texture is judged from images now: give navigation.nav_min_contrast "
                         "(an image contrast, e.g. 0.03) and the navigation camera's fields",
    "nav_texture_window_m": "the texture window follows from the navigation camera's footprint "
                            "(navigation.nav_camera_* and nav_texture_view_fraction)",
    "follow_terrain_at_speed": "give flight.altitude_reference ('ground' or 'absolute'); legs "
                               "over steep ground are flown slower, not refused",
}
"""Fields of earlier profile layouts, and what replaced them."""


def builtin_profiles() -> list[str]:
    """Names of the profiles shipped with plan-flight."""
    files = resources.files("planner").joinpath("profiles")
    return sorted(p.name.removesuffix(".toml") for p in files.iterdir()
                  if p.name.endswith(".toml"))


def builtin_profile_text(name: str) -> str:
    """The TOML text of a shipped profile (for users to copy and edit)."""
    if name not in builtin_profiles():
        raise ProfileError(f"unknown vehicle {name!r} (built in: "
                           f"{', '.join(builtin_profiles())}; or give a .toml path)")
    return resources.files("planner").joinpath("profiles", f"{name}.toml") \
        .read_text(encoding="utf-8")


def is_profile_path(name_or_path: str) -> bool:
    """Whether a vehicle argument names a file rather than a shipped profile."""
    return name_or_path.endswith(".toml") or "/" in name_or_path or "\\" in name_or_path


def load_profile(name_or_path: str) -> VehicleProfile:
    """Load a shipped profile by name, or a profile TOML file by path.

    Raises
    ------
    ProfileError
        Unknown name, unreadable file, or a missing or wrong field (named in the message).
    """
    if is_profile_path(name_or_path):
        path = Path(name_or_path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ProfileError(f"{path}: vehicle profile cannot be read "
                               f"({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise ProfileError(f"{path}: vehicle profile is not UTF-8 text") from None
        source = str(path)
    else:
        text = builtin_profile_text(name_or_path)
        source = f"built-in profile {name_or_path}"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: invalid TOML ({exc})") from None
    return parse_profile(doc, source=source)


def parse_profile(doc: dict[str, Any], *, source: str) -> VehicleProfile:
    """Validate a parsed profile document; see :func:`load_profile`."""
    flat: dict[str, Any] = {}
    for section in SECTIONS:
        sec = doc.get(section)
        if not isinstance(sec, dict):
            raise ProfileError(f"{source}: missing section [{section}]")
        if section != "camera":
            flat.update({k: (section, v) for k, v in sec.items()})
    known = {f.name: f for f in fields(VehicleProfile)}
    retired = sorted(k for k in flat if k in _RETIRED)
    if retired:
        section, _ = flat[retired[0]]
        raise ProfileError(f"{source}: field {section}.{retired[0]} is retired: "
                           f"{_RETIRED[retired[0]]}")
    unknown = sorted(k for k in flat if k not in known)
    if unknown:
        section, _ = flat[unknown[0]]
        raise ProfileError(f"{source}: unknown field {section}.{unknown[0]}")
    values: dict[str, Any] = {}
    for name, f in known.items():
        if name in _DESCRIPTIVE:
            continue
        optional = "None" in str(f.type)
        if name not in flat:
            if optional:
                continue
            raise ProfileError(f"{source}: missing field {name!r}")
        section, val = flat[name]
        where = f"{source}: field {section}.{name}"
        try:
            if f.type == "bool":
                if not isinstance(val, bool):
                    raise ValueError(f"must be true or false, not {val!r}")
                values[name] = val
                continue
            if name in _ENUMS:
                kinds = tuple(k.value for k in _ENUMS[name])
                if val not in kinds:
                    raise ValueError(f"must be one of {', '.join(map(repr, kinds))}, "
                                     f"not {val!r}")
                values[name] = _ENUMS[name](val)
                continue
            whole = str(f.type).startswith("int")
            num = number(val, minimum=0.0, exclusive_minimum=name not in _NON_NEGATIVE,
                         maximum=1.0 if name in _FRACTIONS else None, whole=whole)
        except ValueError as exc:
            raise ProfileError(f"{where} {exc}") from None
        values[name] = int(num) if whole else num
    if values["nav_min_contrast"] > 0:
        missing = [k for k in _NAV_CAMERA if k not in values]
        if missing:
            raise ProfileError(f"{source}: missing field navigation.{missing[0]} (a vehicle "
                               f"that needs ground texture, nav_min_contrast > 0, needs its "
                               f"navigation camera's)")
        if values["nav_camera_hfov_deg"] >= 180 or values["nav_camera_vfov_deg"] >= 180:
            raise ProfileError(f"{source}: field navigation.nav_camera_hfov_deg and "
                               f"nav_camera_vfov_deg must be below 180")
    p = values
    if p["reserve_wh"] >= p["usable_energy_wh"]:
        raise ProfileError(f"{source}: field battery.reserve_wh ({p['reserve_wh']:g} Wh) must be "
                           f"less than usable_energy_wh ({p['usable_energy_wh']:g} Wh)")
    per_charge = p.get("flight_energy_per_recharge_wh")
    if per_charge is not None and per_charge > p["usable_energy_wh"] - p["reserve_wh"]:
        raise ProfileError(f"{source}: field battery.flight_energy_per_recharge_wh "
                           f"({per_charge:g} Wh) exceeds what the battery holds for flight "
                           f"(usable_energy_wh less reserve_wh: "
                           f"{p['usable_energy_wh'] - p['reserve_wh']:g} Wh)")
    if not p["min_altitude_agl_m"] <= p["cruise_altitude_agl_m"] <= p["max_altitude_agl_m"]:
        raise ProfileError(f"{source}: field flight.cruise_altitude_agl_m must lie between "
                           f"min_altitude_agl_m and max_altitude_agl_m")
    if p["cruise_speed_m_s"] > p["max_speed_m_s"]:
        raise ProfileError(f"{source}: field flight.cruise_speed_m_s exceeds max_speed_m_s")
    if p["max_speed_m_s"] > p["max_airspeed_m_s"]:
        raise ProfileError(f"{source}: field flight.max_speed_m_s ({p['max_speed_m_s']:g} m/s) "
                           f"exceeds max_airspeed_m_s ({p['max_airspeed_m_s']:g} m/s): in still "
                           f"air the ground speed is the airspeed")
    if p["max_wind_m_s"] >= p["max_airspeed_m_s"]:
        raise ProfileError(f"{source}: field flight.max_wind_m_s ({p['max_wind_m_s']:g} m/s) must "
                           f"be below max_airspeed_m_s ({p['max_airspeed_m_s']:g} m/s), or the "
                           f"vehicle cannot hold its place in its own wind limit")
    if p["drive_efficiency"] < p["hover_efficiency"]:
        raise ProfileError(f"{source}: field airframe.drive_efficiency "
                           f"({p['drive_efficiency']:g}) must be at least hover_efficiency "
                           f"({p['hover_efficiency']:g}): the overall hover efficiency is the "
                           f"drive's times the rotor's figure of merit")
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
    if mount not in tuple(Mount):
        raise ProfileError(f"{where}mount must be 'fixed' or 'gimbal', not {mount!r}")
    vals: dict[str, Any] = {"name": str(sec.get("name", "camera")), "mount": Mount(mount)}
    pitch_keys = ("fixed_pitch_deg",) if mount == Mount.FIXED else (
        "gimbal_pitch_min_deg", "gimbal_pitch_max_deg")
    checks: dict[str, dict[str, Any]] = {
        "image_width_px": {"minimum": 0.0, "exclusive_minimum": True, "whole": True},
        "image_height_px": {"minimum": 0.0, "exclusive_minimum": True, "whole": True},
        "hfov_deg": {"minimum": 0.0, "maximum": 180.0, "exclusive_minimum": True,
                     "exclusive_maximum": True},
        "vfov_deg": {"minimum": 0.0, "maximum": 180.0, "exclusive_minimum": True,
                     "exclusive_maximum": True},
        **{k: {"minimum": -90.0, "maximum": 90.0} for k in pitch_keys},
        "photo_hover_s": {"minimum": 0.0},
    }
    capture = sec.get("survey_capture", Capture.STOP.value)
    if capture not in tuple(Capture):
        raise ProfileError(f"{where}survey_capture must be one of "
                           f"{', '.join(repr(c.value) for c in Capture)}, not {capture!r}")
    vals["survey_capture"] = Capture(capture)
    for key in ("exposure_s", "min_trigger_interval_s"):
        # A camera triggered in motion needs its exposure (motion blur) and its least interval
        # between images (the speed along the strip); both must be positive.
        if key not in sec and capture != Capture.STOP:
            raise ProfileError(f"{where}{key} is missing: a camera with survey_capture "
                               f"{capture!r} needs it")
        if key in sec:
            checks[key] = {"minimum": 0.0, "exclusive_minimum": True}
    for key, bounds in checks.items():
        try:
            v = number(sec.get(key), **bounds)
        except ValueError as exc:
            raise ProfileError(f"{where}{key} {exc}") from None
        vals[key] = int(v) if bounds.get("whole") else v
    unknown = sorted(set(sec) - {"name", "mount", "survey_capture", *checks})
    if unknown:
        raise ProfileError(f"{where}{unknown[0]} is not a field of a {mount} camera")
    if mount == Mount.GIMBAL and vals["gimbal_pitch_min_deg"] > vals["gimbal_pitch_max_deg"]:
        raise ProfileError(f"{where}gimbal_pitch_min_deg exceeds gimbal_pitch_max_deg")
    return CameraSpec(**vals)
