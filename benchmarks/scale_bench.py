"""Missions of thousands of targets through the command line, each in a fresh process.

Earth, a DJI Mavic 3 at 40 m and 10 m/s, built-in terrain, targets spread uniformly over
2 km x 2 km around home (priorities 1 to 3, GSD 2 cm), eight square keep-out zones of 40 to
160 m with a 10 m buffer (none over home); all from fixed seeds. Scenarios:

- 1000 and 5000 targets, planned with ``plan-flight MISSION --quiet``;
- the 1000-target mission plus one required target 70 km away, which must be refused (exit 3).

For each it prints the CPU time (user + system) and wall time of the process, its peak memory
(max RSS), the exit code, the lines ``--quiet`` printed, and the plan's figures. On a shared
machine the CPU time is the steadier figure. The issue's goals: 1000 targets in <= 10 s and
<= 1 GB; 5000 in <= 60 s and <= 2 GB.

With ``--stages`` it prints instead, for each size, the CPU time (``time.process_time``) of
each stage of ``planner.pipeline.plan_mission`` in a fresh process, and how much of it the route
core's search took: the wall clock of ``--progress`` is distorted on a shared machine, the CPU
time much less. ``PYTHONPATH=/other/checkout`` measures another checkout's planner.

Usage: python benchmarks/scale_bench.py [--sizes 1000 5000] [--keep DIR] [--stages]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LON0, LAT0 = 8.54, 47.37
M_LON = 1 / (111_320 * np.cos(np.radians(LAT0)))  # degrees per metre east
M_LAT = 1 / 110_540  # degrees per metre north


def mission(n: int, *, seed: int = 0, far_required: bool = False,
            half_m: float = 1000.0) -> dict:
    """``n`` targets on 2 km x 2 km around home, eight keep-outs, optionally a far target.

    ``half_m`` widens (or narrows) the targets' square: they lie within that many metres of
    home east and north; the keep-outs stay within the central 1.8 km.
    """
    rng = np.random.default_rng(seed)
    feats = [{"type": "Feature", "properties": {"role": "home", "name": "home"},
              "geometry": {"type": "Point", "coordinates": [LON0, LAT0]}}]
    keeps = []
    while len(keeps) < 8:
        e, nn = rng.uniform(-900, 900, 2)
        h = rng.uniform(20, 80)
        if abs(e) < h + 60 and abs(nn) < h + 60:  # not over home
            continue
        keeps.append((e, nn, h))
    for k, (e, nn, h) in enumerate(keeps):
        ring = [[LON0 + (e + dx) * M_LON, LAT0 + (nn + dy) * M_LAT]
                for dx, dy in [(-h, -h), (h, -h), (h, h), (-h, h), (-h, -h)]]
        feats.append({"type": "Feature", "properties": {"role": "keep_out", "name": f"k{k}",
                                                        "buffer_m": 10},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    xy = rng.uniform(-half_m, half_m, (n, 2))
    prio = rng.integers(1, 4, n)
    for i in range(n):
        feats.append({"type": "Feature", "properties": {
            "name": f"t{i}", "priority": int(prio[i]), "gsd_cm": 2.0},
            "geometry": {"type": "Point", "coordinates": [LON0 + xy[i, 0] * M_LON,
                                                          LAT0 + xy[i, 1] * M_LAT]}})
    if far_required:
        feats.append({"type": "Feature", "properties": {"name": "far", "required": True},
                      "geometry": {"type": "Point",
                                   "coordinates": [LON0 + 70_000 * M_LON, LAT0]}})
    return {"type": "FeatureCollection", "features": feats,
            "plan_flight": {"vehicle": "mavic3", "altitude_m": 40, "speed_m_s": 10}}


def run(path: Path, *extra: str) -> tuple[int, float, float, float, str, str]:
    """Run plan-flight on ``path`` in a fresh process.

    Returns its exit code, cpu s, wall s, peak MB, stdout and stderr.
    """
    exe = Path(sys.executable).with_name("plan-flight")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(exe), str(path), *extra], stdout=out, stderr=err,
                                env={**os.environ, "COLUMNS": "80"})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, usage.ru_utime + usage.ru_stime, wall,
                usage.ru_maxrss / 1024, out.read().decode(), err.read().decode())


def stages_child(path: str) -> None:
    """Plan ``path`` in this process and print each stage's CPU time (run by ``--stages``)."""
    t0 = time.process_time()
    from planner import route
    from planner.pipeline import plan_mission

    searched = [0.0]  # cpu time inside the route core's solve, however often it is called
    solve = route.solve

    def timed_solve(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.process_time()
        try:
            return solve(*args, **kwargs)
        finally:
            searched[0] += time.process_time() - start

    route.solve = timed_solve
    marks: list[tuple[float, str]] = [(time.process_time(), "imports")]
    plan, _ = plan_mission(path, progress=lambda text: marks.append((time.process_time(), text)))
    marks.append((time.process_time(), ""))
    print(f"  {marks[0][0] - t0:6.2f} s cpu  importing the planner")
    for (t, text), (t_next, _) in itertools.pairwise(marks[1:]):
        print(f"  {t_next - t:6.2f} s cpu  {text}")
    print(f"  {marks[-1][0] - t0:6.2f} s cpu in all; {len(plan.photos)} photos, priority "
          f"{plan.priority_collected:g}; of it the route search (planner.route.solve) "
          f"{searched[0]:.2f} s")


def stage_times(folder: Path, sizes: list[int]) -> None:
    """CPU time of each stage, each size in a fresh process."""
    print("CPU time (time.process_time) of each stage of plan_mission, in a fresh process")
    for n in sizes:
        path = folder / f"{n}.geojson"
        path.write_text(json.dumps(mission(n)))
        print(f"\n{n} targets:")
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--child", str(path)], check=True)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        stages_child(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--keep", type=Path, help="write the mission files here and keep them")
    ap.add_argument("--stages", action="store_true",
                    help="print each stage's CPU time instead (in-process plan_mission)")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="scale_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    print("command: python benchmarks/scale_bench.py " + " ".join(sys.argv[1:]))
    if args.stages:
        stage_times(folder, args.sizes)
        cases = []
    else:
        cases = None
    print("Earth, Mavic 3 (40 m, 10 m/s), 2 km x 2 km, 8 keep-outs; plan-flight MISSION --quiet")
    if cases is None:
        cases = [(f"{n} targets", mission(n)) for n in args.sizes]
        cases.append((f"{args.sizes[0]} + a required one 70 km away",
                      mission(args.sizes[0], far_required=True)))
    for label, doc in cases:
        path = folder / (label.split()[0] + ("-far" if "away" in label else "") + ".geojson")
        path.write_text(json.dumps(doc))
        code, cpu, wall, mb, out, err = run(path, "--quiet", "--progress")
        print(f"\n{label}: exit {code}, cpu {cpu:.1f} s, wall {wall:.1f} s, "
              f"peak {mb:,.0f} MB, --quiet printed {len(out.splitlines())} lines")
        summary = [ln.strip() for ln in out.splitlines()
                   if ln.strip().startswith(("Targets", "Priority", "Duration", "Energy",
                                             "Route search"))]
        for ln in summary:
            print(f"  {ln}")
        skipped = out[out.find("Skipped targets"):] if "Skipped targets" in out else ""
        for ln in skipped.splitlines():
            print(f"  | {ln}")
        print_stages(code, err)
    if args.keep is None:
        remove(folder)


def print_stages(code: int, err: str) -> None:
    """The ``--progress`` stage lines of a run's stderr, and its last line if it failed."""
    for ln in err.splitlines():
        if ln.startswith("plan-flight: ") and " s  " in ln:
            print(f"  {ln[len('plan-flight: '):]}")
    if code != 0:
        print(f"  stderr: {err.strip().splitlines()[-1] if err.strip() else ''}")


def remove(folder: Path) -> None:
    """Remove the benchmark's folder of generated missions."""
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
