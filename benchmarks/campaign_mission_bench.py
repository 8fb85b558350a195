"""A whole campaign through the command line: 3 flights over 100 targets, in a fresh process.

Earth, a DJI Mavic 3 at 40 m and 10 m/s on built-in terrain, the targets and keep-outs of
``scale_bench.py`` (fixed seed; priorities 1 to 3, GSD 2 cm, eight square keep-outs with a
10 m buffer) but spread over 4 km x 4 km around home, so that one 40-minute battery does not
hold them all; planned with ``plan-flight MISSION --flights 3 --quiet --progress`` (battery
swaps at home, Earth's default): preparing the ground, the camera stations, one roadmap over
every mission point, the campaign core, assembling and verifying each flight, printing. The
same mission as one flight (``--flights 1``) is timed beside it.

It prints the process's CPU time (user + system), wall time and peak memory (max RSS), the
campaign table and the stage times ``--progress`` reports. On a shared machine CPU time is the
steadier figure. The issue's goal: a 3-flight, 100-target campaign in <= 20 s.

Usage: python benchmarks/campaign_mission_bench.py [--targets 100] [--flights 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale_bench import mission, print_stages, remove, run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=100)
    ap.add_argument("--flights", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the mission file here and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="campaign_mission_bench_"))
    folder.mkdir(parents=True, exist_ok=True)
    print("command: python benchmarks/campaign_mission_bench.py " + " ".join(sys.argv[1:]))
    print(f"Earth, Mavic 3 (40 m, 10 m/s), {args.targets} targets on 4 km x 4 km, 8 keep-outs")
    path = folder / f"campaign-{args.targets}.geojson"
    path.write_text(json.dumps(mission(args.targets, half_m=2000.0)))
    for flights in (args.flights, 1):
        code, cpu, wall, mb, out, err = run(path, "--flights", str(flights), "--quiet",
                                            "--progress")
        print(f"\n--flights {flights}: exit {code}, cpu {cpu:.1f} s, wall {wall:.1f} s, "
              f"peak {mb:,.0f} MB")
        lines = out.splitlines()
        if flights > 1 and "Campaign" in out:
            start = next(i for i, ln in enumerate(lines) if ln.startswith("Campaign"))
            stop = next((i for i, ln in enumerate(lines) if ln.startswith("Flight 1 of")),
                        len(lines))
            for ln in lines[start:stop]:
                if ln.strip():
                    print(f"  | {ln.rstrip()}")
        else:
            for ln in lines:
                if ln.strip().startswith(("Targets", "Duration", "Energy", "Route search")):
                    print(f"  | {ln.strip()}")
        print_stages(code, err)
    if args.keep is None:
        remove(folder)


if __name__ == "__main__":
    main()
