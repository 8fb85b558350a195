"""Orienteering benchmark instances: file readers and the published generation rules.

Nothing here is used to plan a flight; it lets the route core (:mod:`planner.route`) be run on
the published orienteering sets and on instances built the same way.

- :func:`read_instance`: the plain-text files of Tsiligirides (1984) and Chao et al. (1996).
- :func:`read_oplib`: TSPLIB-style orienteering files (the OPLib collection of Kobeaga, Merino
  and Lozano 2018): TSPLIB headers with ``COST_LIMIT``, ``NODE_COORD_SECTION``,
  ``NODE_SCORE_SECTION`` and ``DEPOT_SECTION``; distances as TSPLIB defines them (``EUC_2D``
  rounded to the nearest integer).
- :func:`read_ophs`: the orienteering problem with hotel selection (Divsalar, Vansteenwegen
  and Cattrysse 2013), for the campaign core (:mod:`planner.campaign`).
- :func:`oplib_scores` and :func:`oplib_budget`: the score generations of Fischetti,
  Salazar-González and Toth (1998) and the budget as a share of a TSP tour, as OPLib uses them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: Distance functions of TSPLIB (Reinelt 1991) that :func:`tsplib_distances` computes.
DistanceKind = Literal["EUC_2D", "CEIL_2D", "MAN_2D", "MAX_2D", "ATT", "GEO"]


def read_instance(path: str, *, start: int = 0, end: int | None = None,
                  ) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    r"""Read an orienteering instance in the common plain-text forms: Euclidean points.

    Two header styles are understood: a first line ``Tmax P`` (the Tsiligirides and Chao et
    al. orienteering files) or lines ``n N``, ``m M``, ``tmax T`` (their team-orienteering
    files); then one ``x y score`` line per point. Returns ``(cost, prize, budget)`` with the
    start and end points' prizes set to zero. Which points are the start and the end differs
    between collections; say so with ``start`` and ``end`` (default: the first and the last).

    Examples
    --------
    >>> import tempfile, os
    >>> f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
    >>> _ = f.write("15 1\n0 0 0\n3 4 10\n6 0 0\n")
    >>> f.close()
    >>> cost, prize, budget = read_instance(f.name)
    >>> budget, prize.tolist(), float(cost[0, 1])
    (15.0, [0.0, 10.0, 0.0], 5.0)
    >>> os.unlink(f.name)
    """
    budget: float | None = None
    pts: list[tuple[float, float, float]] = []
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            parts = raw.split()
            if not parts:
                continue
            key = parts[0].lower()
            if key in ("n", "m"):
                continue
            if key == "tmax":
                budget = float(parts[1])
                continue
            if budget is None and len(parts) == 2:
                budget = float(parts[0])
                continue
            if len(parts) < 3:
                raise ValueError(f"{path}: cannot read the line {raw.strip()!r}")
            pts.append((float(parts[0]), float(parts[1]), float(parts[2])))
    if budget is None or len(pts) < 2:
        raise ValueError(f"{path}: no budget line or fewer than two points")
    xy = np.array([p[:2] for p in pts])
    prize = np.array([p[2] for p in pts])
    end_i = len(pts) - 1 if end is None else end
    prize[[start, end_i]] = 0.0
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return cost, prize, budget


@dataclass(frozen=True, eq=False)
class OPHSInstance:
    """An orienteering instance with hotel selection, as :func:`read_ophs` reads it.

    Nodes are numbered in the file's order: 0 the start hotel, 1 the end hotel, 2 .. H + 1 the
    extra hotels, then the vertices. ``airfields`` holds every hotel (0 .. H + 1); ``budgets``
    the D trip lengths; ``total`` the file's total tour length.
    """

    name: str
    cost: NDArray[np.float64]
    prize: NDArray[np.float64]
    xy: NDArray[np.float64]
    start: int
    end: int
    airfields: tuple[int, ...]
    budgets: tuple[float, ...]
    total: float


def read_ophs(path: str) -> OPHSInstance:
    r"""Read an OPHS instance file (Divsalar, Vansteenwegen and Cattrysse 2013).

    First line ``N H D`` (N: the vertices plus 2, H: the extra hotels, D: the trips), second
    line the total tour length, third line the D trip lengths, then ``x y score`` lines: the
    start hotel, the end hotel, the H extra hotels, then the N - 2 vertices. Distances are
    Euclidean; the hotels' scores are set to zero. The published files separate their fields by
    tabs and end with a line of dashes, where reading stops.

    Examples
    --------
    >>> import tempfile, os
    >>> text = "3 1 2\n20\n10 10\n0 0 0\n8 0 0\n4 0 0\n2 1 5\n"
    >>> with tempfile.NamedTemporaryFile("w", suffix=".ophs", delete=False) as f:
    ...     _ = f.write(text)
    >>> inst = read_ophs(f.name)
    >>> inst.airfields, inst.budgets, inst.prize.tolist(), float(inst.cost[0, 2])
    ((0, 1, 2), (10.0, 10.0), [0.0, 0.0, 0.0, 5.0], 4.0)
    >>> os.unlink(f.name)
    """
    lines: list[list[str]] = []
    with open(path, encoding="utf-8") as fh:
        for ln in fh:
            if set(ln.strip()) == {"-"}:
                break
            if ln.strip():
                lines.append(ln.split())
    try:
        n_v, n_h, n_d = (int(x) for x in lines[0][:3])
        total = float(lines[1][0])
        budgets = tuple(float(x) for x in lines[2][:n_d])
        rows = [(float(r[0]), float(r[1]), float(r[2])) for r in lines[3:]]
    except (IndexError, ValueError) as exc:
        raise ValueError(f"{path}: not an OPHS instance ({exc})") from exc
    if n_d < 1 or n_h < 0 or n_v < 2 or len(budgets) != n_d:
        raise ValueError(f"{path}: the header must give N >= 2, H >= 0, D >= 1 and D lengths")
    if len(rows) != n_v + n_h:
        raise ValueError(f"{path}: {len(rows)} points, expected N + H = {n_v + n_h}")
    xy = np.array([r[:2] for r in rows])
    prize = np.array([r[2] for r in rows])
    prize[: n_h + 2] = 0.0
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    return OPHSInstance(name=path, cost=cost, prize=prize, xy=xy, start=0, end=1,
                        airfields=tuple(range(n_h + 2)), budgets=budgets, total=total)


def write_ophs(path: str, xy: ArrayLike, prize: ArrayLike, *, hotels: int,
               budgets: ArrayLike) -> None:
    """Write an OPHS instance file that :func:`read_ophs` reads back.

    ``xy`` and ``prize`` in the file's order (start hotel, end hotel, ``hotels`` extra hotels,
    vertices); the total length is the sum of the budgets.
    """
    pts = np.asarray(xy, dtype=float)
    pz = np.asarray(prize, dtype=float)
    b = np.asarray(budgets, dtype=float)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{len(pts) - hotels} {hotels} {len(b)}\n{float(b.sum())!r}\n")
        fh.write(" ".join(repr(float(x)) for x in b) + "\n")
        for (x, y), s in zip(pts, pz, strict=True):
            fh.write(f"{float(x)!r} {float(y)!r} {float(s)!r}\n")


@dataclass(frozen=True, eq=False)
class OPInstance:
    """An orienteering instance read from a TSPLIB-style file.

    ``cost`` is the full distance matrix, ``prize`` the score per node (the depot's included as
    the file gives it: :func:`planner.route.solve` ignores the start's and end's prizes), and
    ``depot`` the 0-based index of the node the tour starts and ends at.
    """

    name: str
    cost: NDArray[np.float64]
    prize: NDArray[np.float64]
    budget: float
    depot: int
    xy: NDArray[np.float64]
    tsp_length: float | None = None
    header: dict[str, str] = field(default_factory=dict)


def tsplib_distances(xy: ArrayLike, kind: str = "EUC_2D") -> NDArray[np.float64]:
    """Distance matrix of points by one of TSPLIB's distance functions.

    ``EUC_2D`` rounds the Euclidean distance to the nearest integer, ``CEIL_2D`` rounds it up,
    ``MAN_2D`` and ``MAX_2D`` round the L1 and L-infinity distances; ``ATT`` is the
    pseudo-Euclidean distance of att48 and att532, and ``GEO`` the great-circle distance in
    kilometres on TSPLIB's idealised sphere with coordinates given as DDD.MM.

    Examples
    --------
    >>> tsplib_distances([[0, 0], [3, 4.6], [1, 1]]).tolist()
    [[0.0, 5.0, 1.0], [5.0, 0.0, 4.0], [1.0, 4.0, 0.0]]
    >>> tsplib_distances([[0, 0], [1, 1]], "CEIL_2D")[0, 1]
    np.float64(2.0)
    """
    p = np.asarray(xy, dtype=float)
    dx = p[:, None, 0] - p[None, :, 0]
    dy = p[:, None, 1] - p[None, :, 1]
    if kind == "EUC_2D":
        d = np.floor(np.sqrt(dx * dx + dy * dy) + 0.5)
    elif kind == "CEIL_2D":
        d = np.ceil(np.sqrt(dx * dx + dy * dy))
    elif kind == "MAN_2D":
        d = np.floor(np.abs(dx) + np.abs(dy) + 0.5)
    elif kind == "MAX_2D":
        d = np.floor(np.maximum(np.abs(dx), np.abs(dy)) + 0.5)
    elif kind == "ATT":
        r = np.sqrt((dx * dx + dy * dy) / 10.0)
        t = np.floor(r)
        d = np.where(t < r, t + 1.0, t)
    elif kind == "GEO":
        deg = np.trunc(p)
        rad = math.pi * (deg + 5.0 * (p - deg) / 3.0) / 180.0
        lat, lon = rad[:, 0], rad[:, 1]
        q1 = np.cos(lon[:, None] - lon[None, :])
        q2 = np.cos(lat[:, None] - lat[None, :])
        q3 = np.cos(lat[:, None] + lat[None, :])
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        d = np.floor(6378.388 * np.arccos(arg) + 1.0)
    else:
        raise ValueError(f"unsupported EDGE_WEIGHT_TYPE {kind!r}")
    out: NDArray[np.float64] = np.asarray(d, dtype=np.float64)
    np.fill_diagonal(out, 0.0)
    return out



def read_oplib(path: str) -> OPInstance:
    """Read a TSPLIB-style orienteering file (the OPLib format).

    Header lines ``KEY : value`` (``NAME``, ``DIMENSION``, ``COST_LIMIT``, ``EDGE_WEIGHT_TYPE``,
    ``TSP_SOLUTION``, ...), then ``NODE_COORD_SECTION`` (``i x y``), ``NODE_SCORE_SECTION``
    (``i score``) and ``DEPOT_SECTION`` (node numbers ended by ``-1``; the first is the depot),
    and an optional ``EOF``. Node numbers in the file are 1-based; the instance's are 0-based.

    Examples
    --------
    >>> import tempfile, os
    >>> text = '''NAME : tiny
    ... TYPE : OP
    ... DIMENSION : 3
    ... COST_LIMIT : 12
    ... EDGE_WEIGHT_TYPE : EUC_2D
    ... NODE_COORD_SECTION
    ... 1 0 0
    ... 2 3 4.4
    ... 3 6 0
    ... NODE_SCORE_SECTION
    ... 1 0
    ... 2 5
    ... 3 7
    ... DEPOT_SECTION
    ... 1
    ... -1
    ... EOF
    ... '''
    >>> with tempfile.NamedTemporaryFile("w", suffix=".oplib", delete=False) as f:
    ...     _ = f.write(text)
    >>> inst = read_oplib(f.name)
    >>> inst.budget, inst.prize.tolist(), inst.cost[0].tolist(), inst.depot
    (12.0, [0.0, 5.0, 7.0], [0.0, 5.0, 6.0], 0)
    >>> os.unlink(f.name)
    """
    header: dict[str, str] = {}
    coords: dict[int, tuple[float, float]] = {}
    scores: dict[int, float] = {}
    depots: list[int] = []
    section = ""
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line:
                continue
            word = line.split()[0].rstrip(":").upper()
            if word == "EOF":
                break
            if word in ("NODE_COORD_SECTION", "NODE_SCORE_SECTION", "DEPOT_SECTION"):
                section = word
                continue
            if ":" in line and not section:
                key, value = line.split(":", 1)
                header[key.strip().upper()] = value.strip()
                continue
            parts = line.split()
            try:
                if section == "NODE_COORD_SECTION":
                    coords[int(parts[0])] = (float(parts[1]), float(parts[2]))
                elif section == "NODE_SCORE_SECTION":
                    scores[int(parts[0])] = float(parts[1])
                elif section == "DEPOT_SECTION":
                    depots.extend(int(x) for x in parts if int(x) >= 0)
                else:
                    raise ValueError(f"{path}: unexpected line {line!r}")
            except (IndexError, ValueError) as exc:
                raise ValueError(f"{path}: cannot read the line {line!r}") from exc
    if "DIMENSION" not in header or "COST_LIMIT" not in header:
        raise ValueError(f"{path}: DIMENSION and COST_LIMIT are required")
    n = int(header["DIMENSION"])
    if sorted(coords) != list(range(1, n + 1)):
        raise ValueError(f"{path}: NODE_COORD_SECTION must give nodes 1..{n}")
    if sorted(scores) != list(range(1, n + 1)):
        raise ValueError(f"{path}: NODE_SCORE_SECTION must give nodes 1..{n}")
    xy = np.array([coords[i] for i in range(1, n + 1)], dtype=float)
    cost = tsplib_distances(xy, header.get("EDGE_WEIGHT_TYPE", "EUC_2D").upper())
    prize = np.array([scores[i] for i in range(1, n + 1)], dtype=float)
    depot = (depots[0] if depots else 1) - 1
    if not 0 <= depot < n:
        raise ValueError(f"{path}: depot {depot + 1} is not a node")
    tsp = float(header["TSP_SOLUTION"]) if "TSP_SOLUTION" in header else None
    return OPInstance(name=header.get("NAME", path), cost=cost, prize=prize,
                      budget=float(header["COST_LIMIT"]), depot=depot, xy=xy,
                      tsp_length=tsp, header=header)


def oplib_scores(generation: int, cost: NDArray[np.float64], depot: int = 0,
                 ) -> NDArray[np.float64]:
    """Node scores by the generations of Fischetti, Salazar-González and Toth (1998).

    1: every node scores 1; 2 (and OPLib's 4): pseudo-random, ``1 + (7141 i + 73) mod 100``
    for the 0-based node index i; 3: growing with the distance from the depot,
    ``1 + floor(99 d(depot, i) / max_j d(depot, j))``. The depot's own score is left as the rule
    gives it (OPLib's generation-3 files write 0 there); solvers ignore it.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.array([[0, 2, 4], [2, 0, 3], [4, 3, 0]], float)
    >>> oplib_scores(2, c).tolist(), oplib_scores(3, c).tolist()
    ([74.0, 15.0, 56.0], [1.0, 50.0, 100.0])
    """
    n = cost.shape[0]
    out: NDArray[np.floating[Any]]
    if generation == 1:
        out = np.ones(n)
    elif generation in (2, 4):
        out = 1.0 + (7141 * np.arange(n) + 73) % 100
    elif generation == 3:
        d = cost[depot]
        out = 1.0 + np.floor(99.0 * d / d.max())
    else:
        raise ValueError(f"unknown score generation {generation}")
    return np.asarray(out, dtype=np.float64)


def oplib_budget(tsp_length: float, alpha: float) -> float:
    """The cost limit as OPLib sets it: ``ceil(alpha * tsp_length)``.

    Examples
    --------
    >>> oplib_budget(629, 0.5), oplib_budget(629, 0.65), oplib_budget(49135, 0.7)
    (315.0, 409.0, 34395.0)
    """
    return float(math.ceil(round(alpha * tsp_length, 6)))
