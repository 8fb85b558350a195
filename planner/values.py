"""Checks of plain values shared by every reader: mission files, profiles, settings, plan files.

One rule for numbers everywhere: a number is a finite ``int`` or ``float`` and never a ``bool``
(JSON ``true`` and TOML ``true`` are not 1). Each check raises :class:`ValueError` with a phrase
that says what is wanted ("must be a number > 0, not -5"); the caller adds where the value came
from (file, feature, field).
"""

from __future__ import annotations

import math


def _bound(minimum: float | None, maximum: float | None, exclusive_minimum: bool,
           exclusive_maximum: bool) -> str:
    lo = "(" if exclusive_minimum else "["
    hi = ")" if exclusive_maximum else "]"
    if minimum is not None and maximum is not None:
        return f" in {lo}{minimum:g}, {maximum:g}{hi}"
    if minimum is not None:
        return f" {'>' if exclusive_minimum else '>='} {minimum:g}"
    if maximum is not None:
        return f" {'<' if exclusive_maximum else '<='} {maximum:g}"
    return ""


def number(value: object, *, minimum: float | None = None, maximum: float | None = None,
           exclusive_minimum: bool = False, exclusive_maximum: bool = False,
           whole: bool = False) -> float:
    """The value as a float, if it is a finite number (not a bool) within the bounds.

    Parameters
    ----------
    value
        What the file or the caller gave.
    minimum, maximum
        Bounds, inclusive unless ``exclusive_minimum`` / ``exclusive_maximum``.
    whole
        Require a whole number (an ``int``, or a float with no fractional part).

    Raises
    ------
    ValueError
        Naming what is wanted and what was given.

    Examples
    --------
    >>> number(3)
    3.0
    >>> number(True)
    Traceback (most recent call last):
    ...
    ValueError: must be a finite number, not True
    >>> number(-5, minimum=0, exclusive_minimum=True)
    Traceback (most recent call last):
    ...
    ValueError: must be a number > 0, not -5
    >>> number(400, minimum=0, maximum=360)
    Traceback (most recent call last):
    ...
    ValueError: must be a number in [0, 360], not 400
    """
    kind = "whole number" if whole else "number"
    wanted = f"a {kind}{_bound(minimum, maximum, exclusive_minimum, exclusive_maximum)}"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be {'a finite number' if not whole else wanted}, "
                         f"not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {value!r}")
    if whole and float(value) != int(value):
        raise ValueError(f"must be {wanted}, not {value!r}")
    low_bad = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    high_bad = maximum is not None and (value >= maximum if exclusive_maximum else value > maximum)
    if low_bad or high_bad:
        raise ValueError(f"must be {wanted}, not {value:g}")
    return float(value)


def boolean(value: object) -> bool:
    """The value if it is ``true`` or ``false``.

    Examples
    --------
    >>> boolean("yes")
    Traceback (most recent call last):
    ...
    ValueError: must be true or false, not 'yes'
    """
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {value!r}")
    return value
