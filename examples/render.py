"""Render the README's examples: each one's command, what it prints, and its map.

For a maintainer, after a change that moves the plans (it is not part of the tests or CI: it
plans every example: 60 to 80 s of CPU, 1.5 to 4 minutes of wall time on the shared 2-core
machine). It lives beside the examples it renders: it is a tool for them, not a benchmark or a
test. It needs Pillow, which matplotlib already installs. For each
block of README.md between the markers

    <!-- example:NAME [OPTIONS] -->
    ...
    <!-- /example -->

it runs ``plan-flight examples/NAME/targets.geojson [OPTIONS] --plot ...`` in a fresh process
at ``COLUMNS=80`` (a terminal's default width: the tables stack to fit it), and writes between
the markers the command and what it printed on stdout (its lines trimmed of trailing spaces;
the tables are plain text, as when stdout is a file), then the map, saved as
``examples/NAME/map.png`` reduced for the page (see :func:`reduce_png`). Everything outside the
markers is left as it is: each example's description is written by hand above its block.

Every ``examples/*/targets.geojson`` must have a block and every block an example; otherwise
the script names the one missing and exits 2 without writing. README.md and the maps are
written together, all or none (``planner.export.files.write_together``).

``--check`` writes nothing: it exits 1, naming each stale block or map, when the README or a
map differs from what the examples give now (maps are compared pixel by pixel, so a different
matplotlib, Pillow or FreeType may show differences that are only in the drawing), else 0.

Usage: python examples/render.py [--check] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PIL import Image

from planner.errors import InputError
from planner.export.files import write_bytes, write_together

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
MISSION = "targets.geojson"
MAP = "map.png"

# A terminal's default width (the VT100's, still every emulator's default): what a new user's
# console shows, and the width the README's other blocks are printed at.
COLUMNS = 80

# GitHub's README column is about 900 px wide (its content box is 1012 px less padding):
# a wider image is only shrunk by the browser, so it is shrunk here once, with a good filter.
MAX_WIDTH_PX = 900

# A palette PNG holds at most 256 colours; the maps are a grey hillshade under a few flat
# colours, so 256 with error diffusion (no banding in the hillshade) keeps them legible at a
# third to a half of the bytes of full colour.
PALETTE_COLOURS = 256

# An output longer than this many lines is folded under <details> (a click opens it), so that
# the examples section stays a page a reader can scroll through.
FOLD_LINES = 120

MARKER = re.compile(r"<!-- example:(?P<name>[\w.-]+)(?P<args>[^>]*?) -->\n"
                    r"(?P<body>.*?)<!-- /example -->", re.DOTALL)


@dataclass(frozen=True)
class Block:
    """One example's marker in the README: its name and the options it is run with."""

    name: str
    args: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Rendered:
    """What one example gives: the README text between its markers and its map."""

    block: Block
    text: str
    png: bytes
    wall_s: float
    cpu_s: float


def blocks(readme: str) -> list[Block]:
    r"""The example markers of the README, in order.

    Examples
    --------
    >>> text = "a\n<!-- example:flight3 --quiet -->\nold\n<!-- /example -->\nb\n"
    >>> [(b.name, b.args) for b in blocks(text)]
    [('flight3', ('--quiet',))]
    """
    found = []
    for m in MARKER.finditer(readme):
        found.append(Block(m.group("name"), tuple(shlex.split(m.group("args"))),
                           m.start("body"), m.end("body")))
    return found


def check_examples(found: list[Block]) -> None:
    """Every example folder has one block, and every block an example folder.

    Raises
    ------
    InputError
        Naming the example or the block that has no counterpart.
    """
    names = [b.name for b in found]
    on_disk = sorted(p.parent.name for p in EXAMPLES.glob(f"*/{MISSION}"))
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"{README.name}: example {name!r} has {names.count(name)} blocks; "
                             f"keep one")
        if name not in on_disk:
            raise InputError(f"{README.name}: block <!-- example:{name} --> names no "
                             f"examples/{name}/{MISSION}")
    for name in on_disk:
        if name not in names:
            raise InputError(f"examples/{name}/{MISSION}: no <!-- example:{name} --> block in "
                             f"{README.name}; add one where the example belongs")


def trimmed(out: str) -> str:
    r"""The printed text with each line's trailing spaces and the trailing blank lines removed.

    Examples
    --------
    >>> trimmed("Flight plan   \n a  b \n\n\n")
    'Flight plan\n a  b'
    """
    return "\n".join(line.rstrip() for line in out.splitlines()).rstrip("\n")


def reduce_png(raw: bytes) -> bytes:
    """The map at most :data:`MAX_WIDTH_PX` wide (Lanczos), in a palette of 256 colours.

    Examples
    --------
    >>> big = Image.new("RGB", (1800, 900), (200, 100, 50))
    >>> buf = io.BytesIO(); big.save(buf, format="PNG")
    >>> small = Image.open(io.BytesIO(reduce_png(buf.getvalue())))
    >>> small.size, small.mode
    ((900, 450), 'P')
    """
    image = Image.open(io.BytesIO(raw)).convert("RGB")
    if image.width > MAX_WIDTH_PX:
        height = round(image.height * MAX_WIDTH_PX / image.width)
        image = image.resize((MAX_WIDTH_PX, height), Image.Resampling.LANCZOS)
    palette = image.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    # Pillow applies the dither only when quantizing to a given palette.
    paletted = image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG)
    out = io.BytesIO()
    paletted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def command(block: Block) -> str:
    """The command a user types for the example (without the map's path)."""
    words = ["plan-flight", f"examples/{block.name}/{MISSION}", *block.args]
    return " ".join(shlex.quote(w) for w in words)


def body(block: Block, printed: str, title: str) -> str:
    """The README text between the block's markers."""
    lines = printed.count("\n") + 1
    fence = f"```\n$ {command(block)}\n{printed}\n```\n"
    if lines > FOLD_LINES:
        fence = (f"<details><summary>What it prints ({lines} lines)</summary>\n\n{fence}\n"
                 f"</details>\n")
    else:
        fence = f"What it prints:\n\n{fence}"
    return (f"{fence}\nThe map (`--plot map.png`; reduced for this page):\n\n"
            f"![Map of the {block.name} example: {title}](examples/{block.name}/{MAP})\n")


def mission_title(name: str) -> str:
    """The mission's own name (the map's title), for the image's alt text."""
    data = json.loads((EXAMPLES / name / MISSION).read_text(encoding="utf-8"))
    title = data.get("name") or name
    return str(title).replace("[", "(").replace("]", ")")


def render(block: Block, scratch: Path) -> Rendered:
    """Plan one example in a fresh process and build its README text and map.

    Raises
    ------
    InputError
        When plan-flight fails on the example, with the last line it printed on stderr.
    """
    png = scratch / f"{block.name}.png"
    argv = [sys.executable, "-m", "planner", f"examples/{block.name}/{MISSION}", *block.args,
            "--plot", str(png)]
    env = {**os.environ, "COLUMNS": str(COLUMNS)}
    env.pop("PLAN_FLIGHT_DEBUG", None)
    before = os.times()
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user
           + after.children_system - before.children_system)
    if done.returncode != 0 or not png.is_file():
        last = (done.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        raise InputError(f"examples/{block.name}/{MISSION}: plan-flight exited "
                         f"{done.returncode}: {last}")
    text = body(block, trimmed(done.stdout), mission_title(block.name))
    return Rendered(block, text, reduce_png(png.read_bytes()), wall, cpu)


def same_pixels(a: bytes, b: bytes) -> bool:
    """Whether two PNGs show the same pixels (whatever their encoding)."""
    ia, ib = Image.open(io.BytesIO(a)).convert("RGB"), Image.open(io.BytesIO(b)).convert("RGB")
    return ia.size == ib.size and ia.tobytes() == ib.tobytes()


def main(argv: list[str] | None = None) -> int:
    """Render (or with ``--check`` compare) the README's examples; the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the README or a map is stale")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=None,
                        help="render only these examples (the other blocks are kept)")
    opts = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    try:
        found = blocks(readme)
        check_examples(found)
        if opts.only:
            unknown = sorted(set(opts.only) - {b.name for b in found})
            if unknown:
                raise InputError(f"--only: no example {', '.join(map(repr, unknown))}")
        chosen = [b for b in found if not opts.only or b.name in opts.only]
        results = []
        with tempfile.TemporaryDirectory(prefix="render-") as scratch:
            for block in chosen:
                r = render(block, Path(scratch))
                print(f"{block.name:16s} {r.wall_s:6.1f} s wall {r.cpu_s:6.1f} s cpu "
                      f"{len(r.png) // 1024:4d} KB", file=sys.stderr)
                results.append(r)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    new = readme
    for r in sorted(results, key=lambda r: r.block.start, reverse=True):
        new = new[:r.block.start] + r.text + new[r.block.end:]
    wall = sum(r.wall_s for r in results)
    cpu = sum(r.cpu_s for r in results)
    print(f"{'all':16s} {wall:6.1f} s wall {cpu:6.1f} s cpu", file=sys.stderr)
    if opts.check:
        stale = [f"{README.name}: example {r.block.name}" for r in results
                 if readme[r.block.start:r.block.end] != r.text]
        for r in results:
            path = EXAMPLES / r.block.name / MAP
            if not path.is_file() or not same_pixels(path.read_bytes(), r.png):
                stale.append(f"{path.relative_to(ROOT)}")
        for line in stale:
            print(f"stale: {line}")
        if stale:
            print("run: python examples/render.py")
            return 1
        print("the README's examples and maps are up to date")
        return 0
    # A map whose pixels are unchanged is left alone (no churn from another PNG encoder).
    items = [(path, partial(write_bytes, r.png)) for r in results
             if not (path := EXAMPLES / r.block.name / MAP).is_file()
             or not same_pixels(path.read_bytes(), r.png)]
    items.append((README, partial(write_bytes, new.encode("utf-8"))))
    try:
        write_together(items)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {README.name} and {len(items) - 1} maps "
          f"({len(results) - len(items) + 1} unchanged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
