"""Checks of plain values shared by every reader: mission files, profiles, settings, plan files.

One rule for numbers everywhere: a number is a finite ``int`` or ``float`` and never a ``bool``
(JSON ``true`` and TOML ``true`` are not 1). Each check raises :class:`ValueError` with a phrase
that says what is wanted ("must be a number > 0, not -5"); the caller adds where the value came
from (file, feature, field).
"""

from __future__ import annotations

import math
from collections.abc import Iterable


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


UNIT_SUFFIXES = ("_kg_m3", "_m_s", "_deg", "_cm", "_wh", "_m", "_s")
"""Unit suffixes of field names; a key without its unit (``gsd`` for ``gsd_cm``) looks misspelt."""
SPELLING_CUTOFF = 0.8
"""How alike (difflib's ratio) an unknown key must be to a known one to be taken for a typo:
``altitdue_m``, ``priorty`` and ``photo`` are (0.9 and more); the extras GIS tools add
(``stroke``, ``marker-color``, ``id``, ``description``, ``fid``) are far below."""


def _plain(key: str) -> str:
    return key.strip().lower().replace("-", "_").replace(" ", "_")


def misspelt(key: str, known: Iterable[str]) -> str | None:
    """The known key that ``key`` looks like a misspelling of, or ``None``.

    A key looks misspelt when it differs from a known key only in letter case, in ``-`` or a
    space for ``_``, or by a missing unit suffix, or when it is close to one
    (:data:`SPELLING_CUTOFF`). Whether that known key is given too does not matter: a second
    spelling beside the right one (``BUFFER_M`` beside ``buffer_m``, ``requird`` beside
    ``required``) says two things of one field, and which the user meant cannot be told; the
    caller refuses it, naming both keys.

    Examples
    --------
    >>> known = ("altitude_m", "speed_m_s", "gsd_cm", "name")
    >>> misspelt("altitdue_m", known), misspelt("gsd", known), misspelt("Name", known)
    ('altitude_m', 'gsd_cm', 'name')
    >>> misspelt("stroke", known), misspelt("description", known)
    (None, None)
    """
    import difflib

    candidates = [k for k in known if k != key]
    plain = _plain(key)
    for k in candidates:
        stems = {k, *(k.removesuffix(u) for u in UNIT_SUFFIXES if k.endswith(u))}
        if plain in stems:
            return k
    close = difflib.get_close_matches(plain, candidates, n=1, cutoff=SPELLING_CUTOFF)
    return close[0] if close else None
