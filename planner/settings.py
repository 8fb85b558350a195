"""Flight settings, and which one wins: command line, plan file, mission file, profile.

Every layer speaks the same field names (:class:`Settings`); :func:`resolve` merges layers field by
field and remembers where each value came from, so an error can name the command-line option or
the file's field that set it. :func:`configure_vehicle` binds a profile to the body with the
winning settings and checks them against the profile's limits and physics.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from planner.errors import COMMAND_LINE, ProfileError, SettingError
from planner.frames import Body
from planner.profiles import Capture, VehicleProfile, is_profile_path, load_profile
from planner.values import number
from planner.vehicle import Vehicle
from planner.wind import Wind

DEFAULT_VEHICLE = {"mars": "ingenuity", "earth": "mavic3"}
"""The vehicle a mission flies when no layer names one."""


@dataclass(frozen=True)
class Settings:
    """Mission-wide flight settings; ``None`` means "not set here"."""

    body: str | None = None
    vehicle: str | None = None
    altitude_m: float | None = None
    speed_m_s: float | None = None
    air_density_kg_m3: float | None = None
    usable_energy_wh: float | None = None
    reserve_wh: float | None = None
    max_flight_time_s: float | None = None
    wind: Wind | None = None
    """The steady wind at flight height (:class:`planner.wind.Wind`); ``None`` is still air."""
    survey_capture: str | None = None
    """How survey strips' images are taken (:class:`planner.profiles.Capture`): ``"stop"``
    makes a vehicle that could fly its strips through stop and shoot; ``"distance"`` needs the
    profile's camera figures for it (``exposure_s``, ``min_trigger_interval_s``)."""


SETTING_FIELDS = tuple(f.name for f in fields(Settings))
MISSION_SETTING_FIELDS = ("body", "vehicle", "altitude_m", "speed_m_s", "air_density_kg_m3",
                          "wind", "survey_capture")
"""The settings a mission file's ``plan_flight`` member may hold."""


@dataclass(frozen=True)
class PlanOptions(Settings):
    """Everything a caller (the command line) can set for one run.

    The flight settings it inherits from :class:`Settings` (``None`` = not given) win over the
    mission file's; the rest steer the run itself: the terrain (``dem``, its vertical precision
    ``dem_precision_m``, an orthoimage ``image``, the built-in terrain's ``terrain_seed``, the
    grid's ``resolution_m`` and the ``margin_m`` around the mission), and the route search
    (``seed``, ``time_limit_s``, ``stations_per_target``).
    """

    dem: str | None = None
    image: str | None = None
    dem_precision_m: float | None = None
    terrain_seed: int = 0
    resolution_m: float | None = None
    margin_m: float = 150.0
    seed: int = 0
    time_limit_s: float = 20.0
    stations_per_target: int | None = None
    flights: int | None = None
    """Flights of a campaign (``--flights``); ``None``: the mission's, else one."""

    @property
    def settings(self) -> Settings:
        """The flight settings these options give."""
        return Settings(**{k: getattr(self, k) for k in SETTING_FIELDS})


DEFAULT_OPTIONS = PlanOptions()
"""Options with nothing given: every setting from the mission file or the profile."""


@dataclass(frozen=True)
class Resolved:
    """Merged settings, and for each field set, where its value came from."""

    settings: Settings
    origins: dict[str, str]

    def origin(self, field: str) -> str | None:
        """Where a field's value came from (``None``: nobody set it; the profile's applies)."""
        return self.origins.get(field)


def resolve(*layers: tuple[str, Settings]) -> Resolved:
    """Merge settings field by field: the first layer that sets a field wins.

    Parameters
    ----------
    layers
        ``(origin, settings)`` pairs, most important first: ``("command line", ...)``, then a
        plan file's recorded settings, then the mission file's ``plan_flight``.

    Examples
    --------
    >>> r = resolve(("command line", Settings(speed_m_s=5.0)),
    ...             ("mission.geojson", Settings(speed_m_s=3.0, altitude_m=8.0)))
    >>> r.settings.speed_m_s, r.settings.altitude_m, r.origin("altitude_m")
    (5.0, 8.0, 'mission.geojson')
    """
    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for origin, layer in layers:
        for name in SETTING_FIELDS:
            val = getattr(layer, name)
            if val is not None and name not in values:
                values[name] = val
                origins[name] = origin
    return Resolved(settings=Settings(**values), origins=origins)  # type: ignore[arg-type]


def vehicle_name(resolved: Resolved, body: Body) -> str:
    """The vehicle the settings name, or the body's default."""
    return resolved.settings.vehicle or DEFAULT_VEHICLE[body.name]


def _check(resolved: Resolved, field: str, value: float, *, note: str = "",
           **bounds: float | bool) -> float:
    try:
        return number(value, **bounds)  # type: ignore[arg-type]
    except ValueError as exc:
        text = str(exc)
        if "finite" not in text:  # "not nan m/s (the profile's limits)" says nothing
            text += note
        raise SettingError(text, field=field, value=value,
                           origin=resolved.origin(field)) from None


def apply_budget(profile: VehicleProfile, resolved: Resolved) -> VehicleProfile:
    """A copy of a profile with the battery figures the settings give, validated."""
    s = resolved.settings
    def given(field: str, val: float | None, default: float) -> float:
        if val is None:
            return default
        return _check(resolved, field, val, minimum=0.0, exclusive_minimum=field != "reserve_wh")

    out = replace(
        profile,
        usable_energy_wh=given("usable_energy_wh", s.usable_energy_wh, profile.usable_energy_wh),
        reserve_wh=given("reserve_wh", s.reserve_wh, profile.reserve_wh),
        max_flight_time_s=given("max_flight_time_s", s.max_flight_time_s,
                                profile.max_flight_time_s))
    if out.reserve_wh >= out.usable_energy_wh:
        field = "reserve_wh" if s.reserve_wh is not None else "usable_energy_wh"
        raise SettingError(f"the reserve ({out.reserve_wh:g} Wh) must be less than the usable "
                           f"energy ({out.usable_energy_wh:g} Wh)", field=field,
                           value=getattr(out, field), origin=resolved.origin(field))
    return out


def apply_survey_capture(profile: VehicleProfile, resolved: Resolved) -> VehicleProfile:
    """A copy of a profile whose camera takes survey images as the settings say.

    Raises
    ------
    SettingError
        An unknown mode, or ``"distance"`` for a camera whose profile gives no exposure time or
        least trigger interval (what the speed along a strip flown through is held to).
    """
    mode = resolved.settings.survey_capture
    if mode is None:
        return profile
    origin = resolved.origin("survey_capture")
    kinds = tuple(c.value for c in Capture)
    if mode not in kinds:
        raise SettingError(f"must be one of {', '.join(map(repr, kinds))}, not {mode!r}",
                           field="survey_capture", value=mode, origin=origin)
    cam = profile.camera
    if mode != Capture.STOP and (cam.exposure_s is None or cam.min_trigger_interval_s is None):
        raise SettingError(f"the {profile.name} profile's camera gives no exposure_s and "
                           f"min_trigger_interval_s, which flying a strip through needs",
                           field="survey_capture", value=mode, origin=origin)
    return replace(profile, camera=replace(cam, survey_capture=Capture(mode)))


def configure_vehicle(profile: VehicleProfile, body: Body, resolved: Resolved) -> Vehicle:
    """Bind a profile to a body with the winning settings, checked against the profile's limits.

    The air density (the setting's, or the body's) must lie where the rotors can hover with
    their control margin (:meth:`planner.vehicle.Vehicle.density_problem`), and there the
    motors must give the profile's climb rate.

    Raises
    ------
    SettingError
        A profile made for another body, a budget, speed, altitude or air density that the
        vehicle cannot fly; the error names the setting and where its value came from.
    """
    p = apply_survey_capture(apply_budget(profile, resolved), resolved)
    s = resolved.settings
    if p.body is not None and p.body != body.name:
        # A mission file without a crs member is on Earth (RFC 7946): with a Mars vehicle the
        # likelier mistake is the mission's body, so both fixes are named.
        raise SettingError(f"vehicle {p.name!r} is made for {p.body}; the mission is on "
                           f"{body.name}: for a {p.body} mission pass --body {p.body} or give "
                           f"the mission file a {p.body} crs member, else choose another "
                           f"vehicle", field="vehicle",
                           value=s.vehicle or p.name, origin=resolved.origin("vehicle"))
    rho = body.air_density_kg_m3
    if s.air_density_kg_m3 is not None:
        rho = _check(resolved, "air_density_kg_m3", s.air_density_kg_m3, minimum=0.0,
                     exclusive_minimum=True)
        lo, hi = body.air_density_range_kg_m3
        if not lo <= rho <= hi:  # air of another body: a mistake before any vehicle's limit
            raise SettingError(f"air on {body.name.capitalize()} is {lo:g} to {hi:g} kg/m³ "
                               f"near the surface, not {rho:g}", field="air_density_kg_m3",
                               value=rho, origin=resolved.origin("air_density_kg_m3"))
    limits = f" (the {p.name} profile's limits)"
    speed = p.cruise_speed_m_s
    if s.speed_m_s is not None:
        speed = _check(resolved, "speed_m_s", s.speed_m_s, note=" m/s" + limits, minimum=0.0,
                       exclusive_minimum=True, maximum=p.max_speed_m_s)
    alt = p.cruise_altitude_agl_m
    if s.altitude_m is not None:
        alt = _check(resolved, "altitude_m", s.altitude_m, note=" m above ground" + limits,
                     minimum=p.min_altitude_agl_m, maximum=p.max_altitude_agl_m)
    vehicle = Vehicle(profile=p, gravity_m_s2=body.gravity_m_s2, air_density_kg_m3=rho,
                      cruise_speed_m_s=speed, cruise_altitude_agl_m=alt)
    problem = vehicle.density_problem()
    if problem is None and p.climb_rate_m_s > vehicle.max_climb_rate_m_s:
        problem = (f"in air of {rho:g} kg/m³ the {p.name}'s motors climb at most "
                   f"{vehicle.max_climb_rate_m_s:.2g} m/s, below its climb rate "
                   f"{p.climb_rate_m_s:g} m/s")
    if problem is not None:
        raise SettingError(problem, field="air_density_kg_m3", value=rho,
                           origin=resolved.origin("air_density_kg_m3"))
    check_wind(vehicle, s.wind, origin=resolved.origin("wind"))
    return vehicle


def check_wind(vehicle: Vehicle, wind: Wind | None, *, origin: str | None = None) -> None:
    """Refuse a wind the vehicle cannot fly in: its gust (or mean) above the profile's limit.

    Parameters
    ----------
    vehicle
        The configured vehicle.
    wind
        The mission's wind (``None``: still air).
    origin
        Where the wind came from (``"command line"``, a mission file), for the message.

    Raises
    ------
    SettingError
        ``field="wind"``, naming the wind, the vehicle's limit and its source.

    Examples
    --------
    >>> from planner.frames import MARS
    >>> from planner.wind import parse_wind
    >>> v = make_vehicle(load_profile("ingenuity"), MARS)
    >>> check_wind(v, parse_wind("7@any"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    planner.errors.SettingError: wind = 7 m/s from any direction: a 7 m/s wind exceeds the ...
    """
    if wind is None:
        return
    p = vehicle.profile
    if wind.peak_m_s > p.max_wind_m_s:
        what = "wind" if wind.gust_m_s is None else "gust"
        raise SettingError(f"a {wind.peak_m_s:g} m/s {what} exceeds the {p.name}'s wind limit of "
                           f"{p.max_wind_m_s:g} m/s (max_wind_m_s; its airspeed limit is "
                           f"{p.max_airspeed_m_s:g} m/s)", field="wind", value=str(wind),
                           origin=origin)


def make_vehicle(profile: VehicleProfile, body: Body, **settings: float | str | None) -> Vehicle:
    """:func:`configure_vehicle` with settings given directly by a program (no file, no option).

    Examples
    --------
    >>> from planner.frames import MARS
    >>> v = make_vehicle(load_profile("ingenuity"), MARS, speed_m_s=3.0, altitude_m=8.0)
    >>> v.cruise_speed_m_s, v.cruise_altitude_agl_m
    (3.0, 8.0)
    """
    layer = Settings(**settings)  # type: ignore[arg-type]
    return configure_vehicle(profile, body, resolve(("", layer)))


def vehicle_for(body: Body, resolved: Resolved) -> Vehicle:
    """Load the vehicle the settings name and configure it (see :func:`configure_vehicle`)."""
    name = vehicle_name(resolved, body)
    origin = resolved.origin("vehicle")
    try:
        profile = load_profile(name)
    except ProfileError as exc:
        if origin and origin != COMMAND_LINE and not is_profile_path(name):
            # A misspelt name in a mission file: say which file and field.
            raise SettingError(str(exc), field="vehicle", value=name, origin=origin) from None
        raise
    return configure_vehicle(profile, body, resolved)


__all__ = ["COMMAND_LINE", "DEFAULT_OPTIONS", "DEFAULT_VEHICLE", "MISSION_SETTING_FIELDS",
           "SETTING_FIELDS", "PlanOptions", "Resolved", "Settings", "apply_budget",
           "apply_survey_capture", "check_wind",
           "configure_vehicle", "make_vehicle", "resolve", "vehicle_for", "vehicle_name"]
