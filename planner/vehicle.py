"""Rotor physics: the power, time and energy of every part of a flight, in still air or wind.

Power is electrical power, from momentum theory with the body's gravity and the air density,
split into the parts that follow the air differently (see the profile files and the README):

- hover at the profile's reference density ``rho0``: ``P_h0 = (m g)^1.5 / sqrt(2 rho0 A) / eta``
  for the rotors, plus the avionics; a share ``k`` (``induced_power_fraction``) is induced power,
  the rest blade profile power;
- induced power grows as ``rho^-1/2`` (momentum theory);
- profile power ``sigma Cd0 / 8 rho A (Omega R)^3`` grows as ``rho`` at a set rotor speed
  (a helicopter's collective-pitch rotor) and as ``rho^-1/2`` for fixed-pitch propellers, whose
  speed rises as ``(T / rho)^1/2`` to hold the thrust;
- forward flight at airspeed ``V``: induced power falls as the induced velocity ``v_i`` does
  (``v_i^4 + V^2 v_i^2 = v_h^4``), profile power grows as ``1 + 4.65 mu^2`` with the advance
  ratio ``mu = V / (Omega R)``, and the fuselage's parasite power ``0.5 rho f V^3`` is delivered
  through the drive (motors and their controllers, ``drive_efficiency``);
- climbing at ``w`` adds ``m g w`` through the drive; descending is costed at the power of
  level flight (saves little);
- take-off and landing: overhead seconds on the ground at hover power, plus the vertical leg;
  yaw turns and photos hover in place.

Wind (:class:`planner.wind.Wind`) is steady: the vehicle flies each leg at its planned ground
speed along the leg, its airspeed is the ground velocity less the wind's, and its power is that
of level flight at that airspeed, so hovering in wind is flight at the wind's speed. Where the
airspeed limit would be passed (at the gust speed) the ground speed drops and the leg takes
longer. For an uncertain direction the worst of :meth:`planner.wind.Wind.directions` is taken,
leg by leg. Still air, or no wind given, costs exactly what the still-air model does.

Limits: the rotors' greatest thrust (``max_thrust_n`` at ``rho0``) grows in proportion to the
air density, so the vehicle can hover, with its ``control_margin`` of thrust above its weight kept
for control, only down to :attr:`Vehicle.min_air_density_kg_m3`; a collective-pitch rotor at its
set speed is also capped by its motors' power as profile power grows in denser air
(:attr:`Vehicle.max_air_density_kg_m3`).

Times use a trapezoidal speed profile with the profile's acceleration, and vertical rates.
A :class:`Vehicle` is a profile (:mod:`planner.profiles`) bound to a body, an air density and the
mission's cruise settings; :func:`planner.settings.configure_vehicle` makes one from the settings
that win and checks them against these limits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planner.profiles import CameraSpec, RotorControl, VehicleProfile
from planner.wind import Wind, wind_vectors
from terrain.hazards import HazardLimits

PROFILE_POWER_K = 4.65
"""Growth of blade profile power with advance ratio, ``1 + K mu^2``: K = 4.65 accounts for the
radial and yawed flow over the blades in forward flight (the energy method of forward-flight
performance, Leishman, *Principles of Helicopter Aerodynamics*, 2nd ed., 2006)."""

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class LegCosts:
    """What flying legs costs, leg by leg (arrays of one shape).

    Attributes
    ----------
    time_s, energy_wh
        Time and energy of each leg.
    ground_speed_m_s
        The cruise ground speed flown: the commanded one, or less where the airspeed limit binds.
    airspeed_m_s
        Mean airspeed over the leg (the power's argument).
    tailwind_m_s
        The mean wind's component along the leg (+ tail wind, - head wind); 0 in still air.
    from_deg
        The wind direction costed (the worst of an uncertain one); NaN in still air.
    """

    time_s: Floats
    energy_wh: Floats
    ground_speed_m_s: Floats
    airspeed_m_s: Floats
    tailwind_m_s: Floats
    from_deg: Floats


@dataclass(frozen=True)
class Vehicle:
    """A profile flown on a body at an air density, with the mission's speed and altitude.

    Build one with :func:`planner.settings.configure_vehicle`.
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

    def _ideal(self, rho: float, thrust_n: float | None = None) -> float:
        t = self.thrust_n if thrust_n is None else thrust_n
        return float(t ** 1.5 / math.sqrt(2 * rho * self.disk_area_m2))

    @property
    def ideal_hover_power_w(self) -> float:
        """Momentum-theory hover power ``T^1.5 / sqrt(2 rho A)``."""
        return self._ideal(self.air_density_kg_m3)

    @property
    def _rotor_hover_ref_w(self) -> float:
        """Electrical rotor power in hover at the profile's reference density."""
        return self._ideal(self.profile.reference_density_kg_m3) / self.profile.hover_efficiency

    def _profile_scale(self, rho: float) -> float:
        """Profile power at ``rho`` relative to the reference density's (hover thrust)."""
        ratio = rho / self.profile.reference_density_kg_m3
        if self.profile.rotor_control == RotorControl.COLLECTIVE:
            return ratio
        return 1.0 / math.sqrt(ratio)

    def _rotor_hover_w(self, rho: float, thrust_n: float | None = None) -> float:
        """Electrical rotor power to hover at a density (with a thrust, weight by default)."""
        p = self.profile
        induced = p.induced_power_fraction * self._ideal(rho, thrust_n) / p.hover_efficiency
        return induced + (1 - p.induced_power_fraction) * self._rotor_hover_ref_w * \
            self._profile_scale(rho)

    @property
    def induced_hover_power_w(self) -> float:
        """Electrical induced power in hover at this density (grows as ``rho^-1/2``)."""
        p = self.profile
        return p.induced_power_fraction * self.ideal_hover_power_w / p.hover_efficiency

    @property
    def profile_hover_power_w(self) -> float:
        """Electrical blade profile power in hover at this density."""
        return (1 - self.profile.induced_power_fraction) * self._rotor_hover_ref_w * \
            self._profile_scale(self.air_density_kg_m3)

    @property
    def hover_power_w(self) -> float:
        """Electrical power in hover, avionics included."""
        return self.induced_hover_power_w + self.profile_hover_power_w + \
            self.profile.avionics_power_w

    @property
    def rotor_speed_rpm(self) -> float:
        """Rotor speed in hover at this density (a fixed-pitch propeller's rises in thin air)."""
        p = self.profile
        if p.rotor_control == RotorControl.COLLECTIVE:
            return p.rotor_speed_rpm
        return p.rotor_speed_rpm * math.sqrt(p.reference_density_kg_m3 / self.air_density_kg_m3)

    def level_power_w(self, airspeed_m_s: ArrayLike) -> Floats:
        """Electrical power in level flight at an airspeed (the ground speed in still air)."""
        p = self.profile
        v = np.asarray(airspeed_m_s, float)
        rho = self.air_density_kg_m3
        vh = math.sqrt(self.thrust_n / (2 * rho * self.disk_area_m2))
        vi = np.sqrt((-v ** 2 + np.sqrt(v ** 4 + 4 * vh ** 4)) / 2)
        tip = self.rotor_speed_rpm * 2 * math.pi / 60 * p.rotor_radius_m
        mu = v / tip
        induced = self.induced_hover_power_w * vi / vh
        profile = self.profile_hover_power_w * (1 + PROFILE_POWER_K * mu ** 2)
        parasite = 0.5 * rho * p.flat_plate_area_m2 * v ** 3 / p.drive_efficiency
        return np.asarray(induced + profile + parasite + p.avionics_power_w, dtype=np.float64)

    def climb_power_extra_w(self, rate_m_s: float) -> float:
        """Power on top of level flight to climb at a rate (the work against gravity)."""
        return self.thrust_n * rate_m_s / self.profile.drive_efficiency

    def hover_power_in_w(self, wind: Wind | None = None) -> float:
        """Electrical power to hold a place in a wind: level flight at the mean wind's speed."""
        if wind is None or wind.calm:
            return self.hover_power_w
        return float(self.level_power_w(wind.speed_m_s))

    # --- legs -------------------------------------------------------------------------------

    def leg(self, distance_m: ArrayLike, climb_m: ArrayLike, descent_m: ArrayLike, *,
            stops: int = 2, speed_m_s: ArrayLike | None = None,
            heading_deg: ArrayLike | None = None,
            wind: Wind | None = None) -> tuple[Floats, Floats]:
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
            Commanded cruise ground speed (one, or one per leg); the vehicle's by default.
        heading_deg
            Each leg's track, a compass bearing (needed with a wind).
        wind
            A steady wind (see :meth:`leg_costs`); ``None`` or a calm wind is still air.
        """
        if wind is None or wind.calm:
            return self._still_leg(distance_m, climb_m, descent_m, stops=stops,
                                   speed_m_s=speed_m_s)
        c = self.leg_costs(distance_m, climb_m, descent_m, stops=stops, speed_m_s=speed_m_s,
                           heading_deg=heading_deg, wind=wind)
        return c.time_s, c.energy_wh

    def _trapezoid(self, d: Floats, v: Floats | float, stops: int) -> Floats:
        a = self.profile.horizontal_accel_m_s2
        if stops == 0:
            return np.asarray(d / v, dtype=np.float64)
        ramp = stops * v * v / (2 * a)  # distance spent accelerating and braking
        full = d / v + stops * v / (2 * a)
        short = (2 if stops == 2 else math.sqrt(2)) * np.sqrt(np.maximum(d, 0) / a)
        return np.asarray(np.where(d >= ramp, full, short), dtype=np.float64)

    def _still_leg(self, distance_m: ArrayLike, climb_m: ArrayLike, descent_m: ArrayLike, *,
                   stops: int, speed_m_s: ArrayLike | None) -> tuple[Floats, Floats]:
        p = self.profile
        v = self.cruise_speed_m_s if speed_m_s is None else np.asarray(speed_m_s, float)
        d = np.asarray(distance_m, float)
        up = np.asarray(climb_m, float)
        down = np.asarray(descent_m, float)
        t_h = self._trapezoid(d, v, stops)
        t_v = up / p.climb_rate_m_s + down / p.descent_rate_m_s
        t = np.maximum(t_h, t_v)
        mean_v = np.where(t > 0, d / np.where(t > 0, t, 1), 0.0)
        e_j = self.level_power_w(mean_v) * t + self.thrust_n * up / p.drive_efficiency
        return np.asarray(t, dtype=np.float64), np.asarray(e_j / 3600.0, dtype=np.float64)

    def leg_costs(self, distance_m: ArrayLike, climb_m: ArrayLike, descent_m: ArrayLike, *,
                  stops: int = 2, speed_m_s: ArrayLike | None = None,
                  heading_deg: ArrayLike | None = None,
                  wind: Wind | None = None) -> LegCosts:
        """Time, energy, ground speed, airspeed and along-track wind of legs (vectorised).

        Each leg is flown along its track at the commanded ground speed; the airspeed is the
        ground velocity less the wind's. Where the airspeed at the gust speed
        (:attr:`planner.wind.Wind.peak_m_s`) would pass ``max_airspeed_m_s`` the ground speed is
        lowered to hold it; energy is at the mean wind. Over acceleration and braking the mean
        ground velocity is used. With an uncertain direction each leg is costed at its own
        worst direction (the greatest energy; time is the greatest too, which may come from
        another direction): a bound on any one wind; to cost a whole flight in the same wind,
        cost it once for each of :meth:`planner.wind.Wind.candidates` and keep the worst.

        Parameters are those of :meth:`leg`.

        Raises
        ------
        ValueError
            A wind with no ``heading_deg``, or a wind whose gust reaches the airspeed limit
            (check it first with :func:`planner.settings.check_wind`).
        """
        p = self.profile
        d = np.asarray(distance_m, float)
        up = np.asarray(climb_m, float)
        down = np.asarray(descent_m, float)
        shape = np.broadcast(d, up, down).shape
        if wind is None or wind.calm:
            t, e = self._still_leg(d, up, down, stops=stops, speed_m_s=speed_m_s)
            v_cmd = self.cruise_speed_m_s if speed_m_s is None else np.asarray(speed_m_s, float)
            mean_v = np.where(t > 0, d / np.where(t > 0, t, 1), 0.0)
            zero = np.zeros(shape)
            return LegCosts(time_s=t, energy_wh=e,
                            ground_speed_m_s=np.broadcast_to(np.asarray(v_cmd, float),
                                                             shape).astype(float),
                            airspeed_m_s=np.asarray(mean_v, float), tailwind_m_s=zero,
                            from_deg=np.full(shape, np.nan))
        if heading_deg is None:
            raise ValueError("legs in wind need their headings (heading_deg)")
        if wind.peak_m_s >= p.max_airspeed_m_s:
            raise ValueError(f"wind {wind.peak_m_s:g} m/s reaches the {p.name}'s airspeed limit "
                             f"{p.max_airspeed_m_s:g} m/s")
        track = np.radians(np.broadcast_to(np.asarray(heading_deg, float), shape))
        ux, uy = np.sin(track), np.cos(track)
        v_cmd = np.broadcast_to(np.asarray(
            self.cruise_speed_m_s if speed_m_s is None else speed_m_s, float), shape)
        t_v = up / p.climb_rate_m_s + down / p.descent_rate_m_s
        directions = wind.directions()
        best: LegCosts | None = None
        for from_deg in directions:
            wx, wy = wind_vectors(float(from_deg), wind.speed_m_s)
            gx, gy = wind_vectors(float(from_deg), wind.peak_m_s)
            tail = wx * ux + wy * uy
            tail_g = gx * ux + gy * uy
            cross_g = gx * uy - gy * ux
            # The fastest ground speed along the track that keeps the airspeed at the limit.
            v_lim = tail_g + np.sqrt(np.maximum(p.max_airspeed_m_s ** 2 - cross_g ** 2, 0.0))
            v = np.minimum(v_cmd, v_lim)
            t = np.maximum(self._trapezoid(d, v, stops), t_v)
            mean_g = np.where(t > 0, d / np.where(t > 0, t, 1), 0.0)
            air = np.hypot(mean_g * ux - wx, mean_g * uy - wy)
            e = (self.level_power_w(air) * t + self.thrust_n * up / p.drive_efficiency) / 3600.0
            here = LegCosts(time_s=np.asarray(t, float), energy_wh=np.asarray(e, float),
                            ground_speed_m_s=np.asarray(v, float),
                            airspeed_m_s=np.asarray(air, float),
                            tailwind_m_s=np.asarray(np.broadcast_to(tail, shape), float),
                            from_deg=np.full(shape, float(from_deg)))
            best = here if best is None else _worse(best, here)
        assert best is not None
        return best

    def hover(self, seconds: float, wind: Wind | None = None) -> float:
        """Energy (Wh) to hover for a time (in a wind: holding the place against it)."""
        if wind is None or wind.calm:
            return self.hover_power_w * seconds / 3600.0
        return self.hover_power_in_w(wind) * seconds / 3600.0

    def takeoff(self, height_m: float, wind: Wind | None = None) -> tuple[float, float]:
        """Time and energy to spin up and climb vertically to a height above ground.

        The overhead (spin-up and checks on the ground) is at still-air hover power; the climb
        holds the place against the wind.
        """
        p = self.profile
        climb_s = height_m / p.climb_rate_m_s
        t = p.takeoff_overhead_s + climb_s
        work = self.thrust_n * height_m / p.drive_efficiency
        if wind is None or wind.calm:
            e = self.hover_power_w * t + work
        else:
            e = self.hover_power_w * p.takeoff_overhead_s + self.hover_power_in_w(wind) * \
                climb_s + work
        return t, e / 3600.0

    def landing(self, height_m: float, wind: Wind | None = None) -> tuple[float, float]:
        """Time and energy to descend vertically from a height above ground and land.

        The descent holds the place against the wind; the overhead (settling and spin-down near
        the ground) is at still-air hover power.
        """
        p = self.profile
        descent_s = height_m / p.descent_rate_m_s
        t = p.landing_overhead_s + descent_s
        if wind is None or wind.calm:
            return t, self.hover_power_w * t / 3600.0
        e = self.hover_power_w * p.landing_overhead_s + self.hover_power_in_w(wind) * descent_s
        return t, e / 3600.0

    def yaw(self, degrees: float, wind: Wind | None = None) -> tuple[float, float]:
        """Time and energy to turn on the spot (in a wind: holding the place against it)."""
        t = abs(degrees) / self.profile.yaw_rate_deg_s
        return t, self.hover(t, wind)

    @property
    def hazard_limits(self) -> HazardLimits:
        """The profile's terrain limits at this vehicle's cruise height."""
        return self.profile.hazard_limits(self.cruise_altitude_agl_m)

    def endurance_s(self) -> float:
        """Hover time on the energy budget (usable less reserve), not counting the time limit."""
        return self.profile.budget_energy_wh * 3600.0 / self.hover_power_w

    # --- limits of the rotor ----------------------------------------------------------------

    @property
    def max_thrust_n(self) -> float:
        """The rotors' greatest thrust at this density (it grows in proportion to density)."""
        p = self.profile
        return p.max_thrust_n * self.air_density_kg_m3 / p.reference_density_kg_m3

    @property
    def thrust_margin(self) -> float:
        """Greatest thrust over weight, less one, at this density."""
        return self.max_thrust_n / self.thrust_n - 1.0

    @property
    def reference_thrust_margin(self) -> float:
        """The thrust margin at the profile's reference density."""
        return self.profile.max_thrust_n / self.thrust_n - 1.0

    @property
    def min_air_density_kg_m3(self) -> float:
        """Least density in which the rotors lift the weight with the control margin to spare."""
        p = self.profile
        return p.reference_density_kg_m3 * (1 + p.control_margin) * self.thrust_n / \
            p.max_thrust_n

    @property
    def max_rotor_power_w(self) -> float | None:
        """The motors' greatest power a collective-pitch rotor may draw (``None`` otherwise).

        Taken as what the rotors draw at their greatest thrust at the reference density: induced
        power at that thrust (``T^1.5``) and the profile power of the reference density (the
        added blade drag of the higher collective is left out, so this is a lower bound).
        """
        p = self.profile
        if p.rotor_control != RotorControl.COLLECTIVE:
            return None
        return self._rotor_hover_w(p.reference_density_kg_m3, p.max_thrust_n)

    @property
    def max_air_density_kg_m3(self) -> float:
        """Densest air the vehicle may fly in (``inf`` when nothing limits it).

        For a collective-pitch rotor at its set speed, profile power grows with density: the
        densest air in which hovering with the control margin's thrust stays within
        :attr:`max_rotor_power_w`; never above the profile's ``max_air_density_kg_m3``.
        """
        p = self.profile
        stated = math.inf if p.max_air_density_kg_m3 is None else p.max_air_density_kg_m3
        limit = self.max_rotor_power_w
        if limit is None:
            return stated
        thrust = (1 + p.control_margin) * self.thrust_n
        rho0 = p.reference_density_kg_m3

        def excess(rho: float) -> float:
            return self._rotor_hover_w(rho, thrust) - limit

        if excess(rho0) >= 0:
            return min(stated, rho0)  # no density above the reference; min_air_density decides
        lo, hi = rho0, 2 * rho0
        while excess(hi) < 0:
            lo, hi = hi, 2 * hi
        # Bisection to a billionth of rho0 (about 30 steps), keeping the side within the motors'
        # power: the same root a bracketing solver finds, without importing scipy.optimize
        # (0.4 s of cpu) on the path of every refusal before planning.
        while hi - lo > rho0 * 1e-9:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if excess(mid) < 0 else (lo, mid)
        return min(stated, lo)

    def density_problem(self) -> str | None:
        """Why this vehicle cannot hover in its air density, or ``None`` if it can."""
        p = self.profile
        rho = self.air_density_kg_m3
        lo = self.min_air_density_kg_m3
        if rho < lo:
            return (f"air density {rho:g} kg/m³ is below the {lo:#.3g} kg/m³ {p.name}'s rotor can "
                    f"hover in (thrust margin {self.reference_thrust_margin:.0%} at "
                    f"{p.reference_density_kg_m3:g} kg/m³, {self.thrust_margin:.0%} here; "
                    f"{p.control_margin:.0%} is kept for control)")
        hi = self.max_air_density_kg_m3
        if rho > hi:
            limit = self.max_rotor_power_w
            if limit is not None and p.max_air_density_kg_m3 != hi:
                need = self._rotor_hover_w(rho, (1 + p.control_margin) * self.thrust_n)
                return (f"air density {rho:g} kg/m³ is above the {hi:#.3g} kg/m³ {p.name}'s rotor "
                        f"can hover in at {p.rotor_speed_rpm:g} rpm (blade profile power grows "
                        f"with density: hovering with the {p.control_margin:.0%} control margin "
                        f"there needs {need:.0f} W against the motors' {limit:.0f} W)")
            return (f"air density {rho:g} kg/m³ is above the {hi:g} kg/m³ the {p.name} profile "
                    f"is rated for (max_air_density_kg_m3)")
        return None

    @property
    def max_climb_rate_m_s(self) -> float:
        """Fastest climb the motors' power allows at this density (``inf`` when not capped)."""
        limit = self.max_rotor_power_w
        if limit is None:
            return math.inf
        spare = limit - self._rotor_hover_w(self.air_density_kg_m3)
        return max(spare, 0.0) * self.profile.drive_efficiency / self.thrust_n


def _worse(a: LegCosts, b: LegCosts) -> LegCosts:
    """Leg by leg, the costs of the direction that takes more energy; the longer time of both."""
    pick = b.energy_wh > a.energy_wh
    return LegCosts(time_s=np.maximum(a.time_s, b.time_s),
                    energy_wh=np.where(pick, b.energy_wh, a.energy_wh),
                    ground_speed_m_s=np.where(pick, b.ground_speed_m_s, a.ground_speed_m_s),
                    airspeed_m_s=np.where(pick, b.airspeed_m_s, a.airspeed_m_s),
                    tailwind_m_s=np.where(pick, b.tailwind_m_s, a.tailwind_m_s),
                    from_deg=np.where(pick, b.from_deg, a.from_deg))


__all__ = ["PROFILE_POWER_K", "LegCosts", "Vehicle"]
