"""Route-core benchmark at scale: orienteering instances of 100 to 400 nodes.

Instances (start = end = the depot, node 0), all built deterministically from committed files or
seeds:

- generated: 100, 200 and 400 points with integer coordinates in 0..1000, uniform or clustered
  (n / 25 centres, normal spread of 40), TSPLIB ``EUC_2D`` distances; scores by the generations of
  Fischetti, Salazar-González and Toth (1998) as OPLib uses them: gen1 all 1, gen2
  pseudo-random, gen3 growing with the distance from the depot, each with the budget at half a
  TSP tour; gen4 is gen2's scores with a tighter budget, a quarter of the tour. The tour is the
  best of PyVRP (10 s) and our core visiting every node, cached in the reference file;
- OPLib (Kobeaga, Merino, Lozano 2018; files in ``benchmarks/oplib/``, verbatim from the
  repository bcamath-ds/OPLib, folder gen1): eil101, pr264 and rd400 with the four OPLib
  generations (gen1-3 at half the optimal tour, gen4 = gen2 scores at OPLib's alpha*).

Each is solved by

- ours: ``planner.route.solve`` with its default (deterministic) iteration count, 10 s cap;
- PyVRP (if installed): its prize-collecting model with a maximum distance, 3 s, as a black box;

against a reference cached in ``op_scale_reference.json``: the best of long runs of ours (twice
the default iterations, seeds 1 and 2), PyVRP for 10 s, and, up to 101 nodes, the MIP of
``op_exact.py`` (HiGHS, 30 s: at 100 nodes it proves nothing in that time, but gives an upper
bound), and any better prize a later run of this script finds (kept in the file).
``--recompute`` rebuilds them (about 25 minutes of one core).

Usage: python benchmarks/route_scale_bench.py [--recompute] [--no-pyvrp] [--only TEXT]
       [--ablation] [--grouped] [--save FILE | --load FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from planner.instances import oplib_budget, oplib_scores, read_oplib, tsplib_distances
from planner.route import SearchSettings, default_iterations, path_cost, solve

HERE = Path(__file__).resolve().parent
REF = HERE / "op_scale_reference.json"
SIZES = (100, 200, 400)
LAYOUTS = ("uniform", "clustered")
GENS = (1, 2, 3, 4)
#: OPLib's generation-4 budgets (alpha*), from the file names in bcamath-ds/OPLib/gen4.
OPLIB = {"eil101": 0.65, "pr264": 0.70, "rd400": 0.95}
#: Wall-clock cap for our runs: the iteration count bounds the work; the cap of solve (10 s) is
#: raised so that a busy shared machine does not cut runs short (cpu time is the one-core time).
CAP_S = 120.0


@dataclass(frozen=True, eq=False)
class Instance:
    key: str
    n: int
    cost: np.ndarray
    prize: np.ndarray
    budget: float


def generated_points(n: int, layout: str) -> np.ndarray:
    rng = np.random.default_rng(10_000 + n + (0 if layout == "uniform" else 1))
    if layout == "uniform":
        return rng.integers(0, 1001, (n, 2)).astype(float)
    centres = rng.uniform(100, 900, (max(3, n // 25), 2))
    xy = centres[rng.integers(0, len(centres), n)] + rng.normal(0, 40, (n, 2))
    xy[0] = rng.uniform(0, 1000, 2)  # the depot anywhere
    return np.clip(np.round(xy), 0, 1000)


def tsp_length(cost: np.ndarray) -> float:
    """A short tour through every node: the best of PyVRP (10 s) and our core."""
    n = len(cost)
    ones = np.ones(n)
    ours = solve(cost, ones, start=0, end=0, budget=float(cost.sum()), method="search",
                 iterations=200, time_limit_s=600).cost
    best = ours
    try:
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime

        m = Model()
        locs = [m.add_location(x=0, y=0) for _ in range(n)]
        depot = m.add_depot(locs[0])
        for i in range(1, n):
            m.add_client(locs[i])
        m.add_vehicle_type(num_available=1, start_depot=depot, end_depot=depot)
        for i in range(n):
            for j in range(n):
                if i != j:
                    m.add_edge(locs[i], locs[j], distance=int(cost[i, j]))
        res = m.solve(stop=MaxRuntime(10.0), seed=0, display=False)
        if res.is_feasible():
            best = min(best, float(res.cost()))
    except ImportError:
        pass
    return best


def instances(refs: dict[str, dict[str, float]]) -> list[Instance]:
    out = []
    for n in SIZES:
        for layout in LAYOUTS:
            xy = generated_points(n, layout)
            cost = tsplib_distances(xy, "EUC_2D")
            tkey = f"tsp-{layout}{n}"
            if tkey not in refs:
                refs[tkey] = {"tour": tsp_length(cost)}
                REF.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")
            tour = refs[tkey]["tour"]
            for gen in GENS:
                prize = oplib_scores(gen, cost, 0)
                budget = oplib_budget(tour, 0.25 if gen == 4 else 0.5)
                out.append(Instance(f"{layout}{n}-gen{gen}", n, cost, prize, budget))
    for name, alpha in OPLIB.items():
        inst = read_oplib(str(HERE / "oplib" / f"{name}-gen1-50.oplib"))
        assert inst.tsp_length is not None
        for gen in GENS:
            budget = inst.budget if gen < 4 else oplib_budget(inst.tsp_length, alpha)
            out.append(Instance(f"{name}-gen{gen}", len(inst.prize), inst.cost,
                                oplib_scores(gen, inst.cost, inst.depot), budget))
    return out


def pyvrp_solve(inst: Instance, seconds: float) -> float | None:
    try:
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime
    except ImportError:
        return None
    import warnings

    warnings.filterwarnings("ignore", message=".*penalty parameter has reached")
    n = inst.n
    m = Model()
    locs = [m.add_location(x=0, y=0) for _ in range(n)]
    depot = m.add_depot(locs[0])
    # Each unit of prize must outweigh any route's length, so that PyVRP's objective (distance
    # minus prizes) ranks routes by prize first, as the orienteering problem does.
    unit = int(np.ceil(inst.budget)) + 1
    for i in range(1, n):
        m.add_client(locs[i], prize=int(inst.prize[i]) * unit, required=False)
    m.add_vehicle_type(num_available=1, start_depot=depot, end_depot=depot,
                       max_distance=int(inst.budget))
    for i in range(n):
        for j in range(n):
            if i != j:
                m.add_edge(locs[i], locs[j], distance=int(inst.cost[i, j]))
    res = m.solve(stop=MaxRuntime(seconds), seed=0, display=False)
    if not res.is_feasible():
        return 0.0
    routes = res.best.routes()
    assert all(r.distance() <= inst.budget for r in routes)
    return float(sum(r.prizes() for r in routes) / unit)


def ours(inst: Instance, **kw: object) -> tuple[float, float, float, bool]:
    t0, c0 = time.perf_counter(), time.process_time()
    sol = solve(inst.cost, inst.prize, start=0, end=0, budget=inst.budget, method="search",
                **kw)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert path_cost(inst.cost, sol.order) <= inst.budget + 1e-9
    assert sol.order[0] == 0
    assert sol.order[-1] == 0
    assert len(set(sol.order[1:-1])) == len(sol.order) - 2
    return sol.prize, wall, cpu, sol.stopped_by_time


def references(insts: list[Instance], refs: dict[str, dict[str, float]],
               recompute: bool) -> None:
    for inst in insts:
        if inst.key in refs and not recompute:
            continue
        entry = refs.get(inst.key, {})
        best = float(entry.get("best", 0.0))
        its = 2 * default_iterations(inst.n - 1)
        for seed in (1, 2):
            best = max(best, ours(inst, seed=seed, iterations=its, time_limit_s=900)[0])
        pv = pyvrp_solve(inst, 10.0)
        best = max(best, pv or 0.0)
        entry.update(best=best, long_ours=best, pyvrp10=pv or 0.0)
        if inst.n <= 101:
            from op_exact import solve_exact

            ex = solve_exact(inst.cost, inst.prize, start=0, end=0, budget=inst.budget,
                             time_limit_s=30.0)
            entry.update(mip=max(ex.prize, 0.0), proven=bool(ex.optimal))
            if np.isfinite(ex.bound) and ex.bound >= max(best, ex.prize):
                entry["bound"] = ex.bound
            best = max(best, ex.prize)
            entry["best"] = best
            entry["proven"] = bool(ex.optimal and abs(ex.prize - best) < 1e-9)
        refs[inst.key] = entry
        print(f"  reference {inst.key}: {best:g}", flush=True)
        REF.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")


Row = tuple[float, float, float, bool, float | None]  # ours, wall s, cpu s, capped, PyVRP


def run_all(insts: list[Instance], *, pyvrp: bool) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for inst in insts:
        prize, wall, cpu, stopped = ours(inst, time_limit_s=CAP_S)
        pv = pyvrp_solve(inst, 3.0) if pyvrp else None
        rows[inst.key] = (prize, wall, cpu, stopped, pv)
        print(f"  {inst.key}: {prize:g} in {cpu:.2f} s cpu, PyVRP {pv}", flush=True)
    return rows


def table(insts: list[Instance], refs: dict[str, dict[str, float]],
          rows: dict[str, Row]) -> None:
    print(f"{'instance':<18}{'n':>4}{'ref':>8}{'bound':>8}{'ours':>8}{'gap%':>7}{'wall s':>8}"
          f"{'cpu s':>7}{'pyvrp':>8}{'gap%':>7}")
    gaps, pgaps, walls, cpus = [], [], {}, {}
    for inst in insts:
        prize, wall, cpu, stopped, pv = rows[inst.key]
        entry = refs[inst.key]
        if prize > entry["best"] + 1e-9 or (pv or 0.0) > entry["best"] + 1e-9:
            entry["best"] = max(prize, pv or 0.0)
            REF.write_text(json.dumps(refs, indent=1, sort_keys=True) + "\n")
        ref = entry["best"]
        gap = 100 * (ref - prize) / ref
        gaps.append(gap)
        size = 100 if inst.n <= 101 else 200 if inst.n <= 264 else 400
        walls.setdefault(size, []).append(wall)
        cpus.setdefault(size, []).append(cpu)
        pcol = ""
        if pv is not None:
            pgaps.append(100 * (ref - pv) / ref)
            pcol = f"{pv:>8g}{pgaps[-1]:>7.2f}"
        bound = format(entry["bound"], "8.0f") if "bound" in entry else f"{'':>8}"
        print(f"{inst.key:<18}{inst.n:>4}{ref:>8g}{bound}{prize:>8g}{gap:>7.2f}{wall:>8.2f}"
              f"{cpu:>7.2f}{pcol}{'  (time cap)' if stopped else ''}")
    g = np.array(gaps)
    print(f"\nours: mean gap {g.mean():.2f} %, worst {g.max():.2f} % ({len(g)} instances)")
    for size in sorted(walls):
        print(f"  ~{size} nodes: cpu {np.mean(cpus[size]):.2f} s mean, {max(cpus[size]):.2f} s "
              f"max; wall {np.mean(walls[size]):.2f} s mean, {max(walls[size]):.2f} s max")
    if pgaps:
        pg = np.array(pgaps)
        print(f"PyVRP 0.14 prize-collecting, 3 s: mean gap {pg.mean():.2f} %, "
              f"worst {pg.max():.2f} %")


def memory(insts: list[Instance]) -> None:
    print("\npeak memory of one solve (tracemalloc, numpy's arrays included):")
    for n in (100, 200, 400):
        inst = next(i for i in insts if i.n == n)
        tracemalloc.start()
        ours(inst)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  {inst.key}: {peak / 2**20:.1f} MiB (cost matrix {inst.cost.nbytes / 2**20:.1f}"
              f" MiB)")


def grouped(scale: float = 10_000.0, cap: float = 600.0) -> None:
    """A mission-like problem: 1000 targets of 5 stations, asymmetric costs, start != end.

    Costs are shares of the budget (``budget=1.0``), as the mission planner gives them; at the
    default scale the budget flies about a 10 km route over the 2 km square, some 150 targets.
    """
    rng = np.random.default_rng(5)
    targets = rng.uniform(0, 2000, (1000, 2))
    stations = (targets[:, None, :] + rng.normal(0, 15, (1000, 5, 2))).reshape(-1, 2)
    xy = np.vstack([[[0.0, 0.0], [2000.0, 2000.0]], stations])
    n = len(xy)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    climb = np.maximum(xy[None, :, 1] - xy[:, None, 1], 0) * 0.2  # asymmetric: uphill costs
    cost = (d + climb) / scale
    groups = np.concatenate([[-1, -1], np.repeat(np.arange(1000), 5)])
    prize = np.concatenate([[0, 0], np.repeat(rng.integers(1, 11, 1000), 5)]).astype(float)
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    sol = solve(cost, prize, start=0, end=1, budget=1.0, groups=groups, time_limit_s=cap)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    visited = [groups[i] for i in sol.order[1:-1]]
    assert len(visited) == len(set(visited))
    assert sol.cost <= 1.0 + 1e-9
    print(f"\ngrouped, {n} nodes (1000 targets x 5 stations), budget {scale:g} m, asymmetric, "
          f"start != end: "
          f"{len(visited)} targets, prize {sol.prize:g}; {wall:.1f} s wall, {cpu:.1f} s cpu, "
          f"peak {peak / 2**20:.0f} MiB traced (cost matrix {cost.nbytes / 2**20:.0f} MiB), "
          f"time cap hit: {sol.stopped_by_time}")


#: The ablation runs on 4 of the instances (200 nodes, both layouts, gen2 and gen3): every
#: variant costs a full pass.
ABLATION_SET = tuple(f"{lay}200-gen{g}" for lay in LAYOUTS for g in (2, 3))
ABLATIONS = {
    "default": SearchSettings(),
    "no restarts": SearchSettings(restart_share=0.0),
    "full evaluation, no neighbour lists": SearchSettings(neighbours=0),
    "no drop-add (1-1 exchange in place)": SearchSettings(drop_add=False),
    "no or-opt (runs of 2-3)": SearchSettings(or_opt=False),
    "scattered ruin, not spatial": SearchSettings(spatial_ruin=False),
}


def ablation(insts: list[Instance], refs: dict[str, dict[str, float]]) -> None:
    """Each variant on every instance; gaps against the best of the reference and all runs."""
    got: dict[str, list[tuple[float, float]]] = {}
    for name, st in ABLATIONS.items():
        got[name] = []
        for inst in insts:
            prize, _, cpu, _ = ours(inst, settings=st, time_limit_s=600)
            got[name].append((prize, cpu))
            print(f"  {name:<40}{inst.key:<18}{prize:>8g}{cpu:>7.2f} s", flush=True)
    refs = json.loads(REF.read_text())  # references may have been added meanwhile
    best = [max([refs.get(i.key, {}).get("best", 0.0)] + [got[v][k][0] for v in got])
            for k, i in enumerate(insts)]
    print(f"\nablation on {len(insts)} instances ({', '.join(i.key for i in insts)}):")
    print(f"{'variant':<40}{'mean gap %':>11}{'worst %':>9}{'cpu s':>7}")
    for name, rows in got.items():
        g = [100 * (b - p) / b for (p, _), b in zip(rows, best, strict=True)]
        print(f"{name:<40}{np.mean(g):>11.2f}{max(g):>9.2f}{np.mean([c for _, c in rows]):>7.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recompute", action="store_true")
    ap.add_argument("--no-pyvrp", action="store_true")
    ap.add_argument("--only", default="", help="run the instances whose name holds this")
    ap.add_argument("--ablation", action="store_true", help="one table per search variant")
    ap.add_argument("--grouped", action="store_true", help="only the 5000-node grouped case")
    ap.add_argument("--save", help="also write our and PyVRP's results to this JSON file")
    ap.add_argument("--load", help="print the table from results saved with --save")
    a = ap.parse_args()
    print(f"command: python benchmarks/route_scale_bench.py {' '.join(sys.argv[1:])}")
    if a.grouped:
        grouped()
        return
    refs: dict[str, dict[str, float]] = json.loads(REF.read_text()) if REF.exists() else {}
    insts = [i for i in instances(refs) if a.only in i.key]
    if a.ablation:
        ablation([i for i in insts if a.only or i.key in ABLATION_SET], refs)
        return
    if a.load:
        rows: dict[str, Row] = {k: (v[0], v[1], v[2], v[3], v[4])
                                for k, v in json.loads(Path(a.load).read_text()).items()}
    else:
        rows = run_all(insts, pyvrp=not a.no_pyvrp)
        if a.save:
            Path(a.save).write_text(json.dumps(rows, indent=1) + "\n")
    references(insts, refs, a.recompute)
    table(insts, refs, rows)
    if not a.load:
        memory(insts)
        grouped()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\nprocess peak RSS {rss:.0f} MiB (PyVRP included)")


if __name__ == "__main__":
    main()
