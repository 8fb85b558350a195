"""Rotor physics: the power, time and energy of every part of a flight.

Power comes from momentum theory with the body's gravity and air density, and an overall
efficiency calibrated to published figures (see the profile files and the README):

- hover: ``P_h = (m g)^1.5 / sqrt(2 rho A) / eta + P_avionics``;
- level flight at speed ``V``: induced power falls as the induced velocity ``v_i`` does
  (``v_i^4 + V^2 v_i^2 = v_h^4``), blade profile power grows as ``1 + 4.65 mu^2`` with the advance
  ratio ``mu = V / (Omega R)``, and parasite power ``0.5 rho f V^3`` is added;
- climbing at ``w`` adds ``m g w / eta``; descending is costed at hover power (saves little);
- take-off and landing: overhead seconds plus the vertical leg; yaw turns and photos at hover.

Times use a trapezoidal speed profile with the profile's acceleration, and vertical rates.
A :class:`Vehicle` is a profile (:mod:`planner.profiles`) bound to a body, an air density and the
mission's cruise settings; :func:`planner.settings.configure_vehicle` makes one from the settings
that win.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from planner.profiles import CameraSpec, VehicleProfile
from terrain.hazards import HazardLimits


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
        """The profile's terrain limits at this vehicle's cruise height."""
        return self.profile.hazard_limits(self.cruise_altitude_agl_m)

    def endurance_s(self) -> float:
        """Hover time on the energy budget (usable less reserve), not counting the time limit."""
        return self.profile.budget_energy_wh * 3600.0 / self.hover_power_w
