"""The plan-flight error hierarchy.

Every error the planner raises on purpose derives from :class:`PlanFlightError`. The command line
turns them into one line on stderr and an exit code: 2 for bad input, 3 for a mission that has no
feasible plan, 4 for a plan the verifier rejects (a bug in the planner, never a user mistake).
"""

from __future__ import annotations

from terrain.errors import TerrainError


class PlanFlightError(Exception):
    """Base of every error plan-flight raises on purpose."""

    exit_code = 2


class InputError(PlanFlightError, ValueError):
    """Bad input: a file, an option or a value the planner cannot use."""


def feature_label(index: int) -> str:
    """How messages name a feature of a mission file: ``feature #N``, counted from 1.

    One rule for every format: N is the feature's place in the file (in its layer, for a file
    of several layers), the first being #1, as a GIS's attribute table lists them in file
    order; files GDAL reads add the feature id as GDAL gives it (``fid``), which starts at 0
    or 1 by format.

    >>> feature_label(0)
    'feature #1'
    """
    return f"feature #{index + 1}"


class MissionError(InputError):
    """A mission file that cannot be read, or a feature or field in it that is wrong.

    Parameters
    ----------
    message
        What is wrong.
    source
        The file it came from.
    feature
        The feature's index (0-based, named ``feature #N`` from 1 by :func:`feature_label`),
        a label that locates it in a file of several layers (``"layer 'targets' feature #3
        (fid 3)"``), or ``None`` for the whole file.
    name
        The feature's name, when it has one.
    field
        The property or member at fault, when there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        feature: int | str | None = None,
        name: str | None = None,
        field: str | None = None,
    ) -> None:
        self.detail = message
        self.source = source
        self.feature = feature
        self.name = name
        self.field = field
        parts = []
        if source:
            parts.append(source)
        if feature is not None:
            where = feature if isinstance(feature, str) else feature_label(feature)
            parts.append(where + (f" ({name!r})" if name else ""))
        if field:
            parts.append(f"field {field!r}")
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ProfileError(InputError):
    """A vehicle profile that cannot be loaded, or a field in it that is wrong."""


class SettingError(InputError):
    """A flight setting that the vehicle, its profile or physics cannot honour.

    Core modules name the setting by its field (``speed_m_s``, ``max_flight_time_s``), never by a
    command-line option; the command line turns the field into its option's name when the value
    came from there.

    Parameters
    ----------
    message
        What is wrong, without the setting's name (e.g. "outside the profile's limits").
    field
        The setting's field name, as in :class:`planner.settings.Settings`.
    value
        The value given.
    origin
        Where the value came from: ``"command line"``, a file's path (its ``plan_flight``
        member), or ``None`` or ``""`` when a program set it or it is the profile's own.
    """

    def __init__(self, message: str, *, field: str, value: object,
                 origin: str | None = None) -> None:
        self.message = message
        self.field = field
        self.value = value
        self.origin = origin
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        where = f"{origin}: field 'plan_flight.{field}'" if origin and origin != COMMAND_LINE \
            else f"{field} = {shown}"
        super().__init__(f"{where}: {message}")


COMMAND_LINE = "command line"
"""The origin of a setting given as a command-line option."""


class DEMError(InputError, OSError):
    """A terrain file that the planner cannot use for this mission."""


class InfeasibleMissionError(PlanFlightError):
    """The mission is well formed but no plan can satisfy it (a required target, a budget).

    Parameters
    ----------
    message
        Why, as printed.
    target, reason
        When one required target is the cause: its name and why it cannot be in the plan (for
        the refusal's JSON document, where each target is listed with its own reason).
    """

    exit_code = 3

    def __init__(self, message: str, *, target: str | None = None,
                 reason: str | None = None) -> None:
        self.target = target
        self.reason = reason
        super().__init__(message)


class VerificationError(PlanFlightError, AssertionError):
    """The independent verifier found a flight-rule violation.

    In a plan the planner just made this is a bug in the planner, never a user error, and the
    plan is not printed; in a plan re-checked with ``--check`` it is the check's finding.
    """

    exit_code = 4


__all__ = [
    "COMMAND_LINE",
    "DEMError",
    "InfeasibleMissionError",
    "InputError",
    "MissionError",
    "PlanFlightError",
    "ProfileError",
    "SettingError",
    "TerrainError",
    "VerificationError",
]
