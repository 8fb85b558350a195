from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner.instances import (
    oplib_budget,
    oplib_scores,
    read_instance,
    read_oplib,
    tsplib_distances,
)
from planner.route import solve

OPLIB = Path(__file__).resolve().parents[2] / "benchmarks" / "oplib"


def test_read_instance_in_both_header_styles(tmp_path) -> None:
    op = tmp_path / "op.txt"
    op.write_text("40 1\n0 0 0\n10 0 5\n10 10 7\n0 10 0\n")
    cost, prize, budget = read_instance(str(op))
    assert budget == 40.0
    assert prize.tolist() == [0.0, 5.0, 7.0, 0.0]
    sol = solve(cost, prize, start=0, end=3, budget=budget)
    assert sol.prize == 12.0 and sol.cost == pytest.approx(30.0)
    top = tmp_path / "top.txt"
    top.write_text("n 4\nm 1\ntmax 25\n0 0 0\n10 0 5\n10 10 7\n0 10 0\n")
    cost, prize, budget = read_instance(str(top), start=0, end=3)
    assert budget == 25.0
    assert solve(cost, prize, start=0, end=3, budget=budget).prize == 7.0  # 0-2-3 is 24.1
    (tmp_path / "bad.txt").write_text("1 2 3\n")
    with pytest.raises(ValueError, match="budget"):
        read_instance(str(tmp_path / "bad.txt"))


def oplib_text(n: int = 4, *, limit: str = "COST_LIMIT : 30", kind: str = "EUC_2D") -> str:
    coords = "\n".join(f"{i + 1} {10 * i} {0.6 * i}" for i in range(n))
    scores = "\n".join(f"{i + 1} {i % 3}" for i in range(n))
    return (f"NAME : t{n}\nTYPE : OP\nDIMENSION : {n}\nTSP_SOLUTION : 61\n{limit}\n"
            f"EDGE_WEIGHT_TYPE : {kind}\nNODE_COORD_SECTION\n{coords}\n"
            f"NODE_SCORE_SECTION\n{scores}\nDEPOT_SECTION\n2\n-1\nEOF\n")


def test_read_oplib_fields_and_tsplib_rounding(tmp_path) -> None:
    f = tmp_path / "t.oplib"
    f.write_text(oplib_text())
    inst = read_oplib(str(f))
    assert (inst.name, inst.budget, inst.depot, inst.tsp_length) == ("t4", 30.0, 1, 61.0)
    assert inst.prize.tolist() == [0.0, 1.0, 2.0, 0.0]
    # EUC_2D: sqrt(10^2 + 0.6^2) = 10.018 -> 10; sqrt(20^2 + 1.2^2) = 20.036 -> 20
    assert inst.cost[0].tolist() == [0.0, 10.0, 20.0, 30.0]
    assert np.array_equal(inst.cost, inst.cost.T)
    sol = solve(inst.cost, inst.prize, start=inst.depot, end=inst.depot, budget=inst.budget)
    assert sol.order[0] == sol.order[-1] == 1 and sol.cost <= 30


@pytest.mark.parametrize(("text", "match"), [
    (oplib_text(limit=""), "COST_LIMIT"),
    (oplib_text().replace("3 20 1.2\n", ""), "nodes 1..4"),
    (oplib_text().replace("SECTION\n1 0", "SECTION\n1 x"), "cannot read"),
    (oplib_text(kind="XRAY1"), "EDGE_WEIGHT_TYPE"),
])
def test_read_oplib_refuses_bad_files(tmp_path, text: str, match: str) -> None:
    f = tmp_path / "bad.oplib"
    f.write_text(text)
    with pytest.raises(ValueError, match=match):
        read_oplib(str(f))


def test_tsplib_distance_kinds() -> None:
    xy = [[0.0, 0.0], [3.0, 4.4]]
    assert tsplib_distances(xy, "EUC_2D")[0, 1] == 5.0
    assert tsplib_distances(xy, "CEIL_2D")[0, 1] == 6.0
    assert tsplib_distances(xy, "MAN_2D")[0, 1] == 7.0
    assert tsplib_distances(xy, "MAX_2D")[0, 1] == 4.0
    assert tsplib_distances([[0, 0], [30, 40]], "ATT")[0, 1] == 16.0  # sqrt(2500/10) = 15.8
    # GEO: one degree of latitude on TSPLIB's sphere, 111.3 km, + 1 and truncated
    assert tsplib_distances([[0.0, 0.0], [1.0, 0.0]], "GEO")[0, 1] == 112.0


def test_committed_oplib_file_and_the_published_generations() -> None:
    inst = read_oplib(str(OPLIB / "eil101-gen1-50.oplib"))
    assert (len(inst.prize), inst.depot, inst.budget, inst.tsp_length) == (101, 0, 315, 629)
    assert inst.budget == oplib_budget(629, 0.5)
    # OPLib's gen2 and gen3 files for eil101 hold these scores (nodes 1-5 and 41-45).
    assert oplib_scores(2, inst.cost)[:5].tolist() == [74, 15, 56, 97, 38]
    assert oplib_scores(3, inst.cost)[40:45].tolist() == [73, 72, 86, 80, 65]
    assert oplib_budget(629, 0.65) == 409  # OPLib's eil101-gen4-65
    with pytest.raises(ValueError, match="generation"):
        oplib_scores(5, inst.cost)
