"""``python -m benchmarks``: run the measures, print the table, write ``results.json`` and draw
``results.png``.

Usage (from the repository root, with ``pip install -e ".[bench]"``)::

    python -m benchmarks                     # every measure, full sizes (about eight minutes)
    python -m benchmarks --smoke --out DIR   # tiny sizes: the code runs, the figures mean nothing
    python -m benchmarks --only ghl_list     # one measure (repeatable)

Exit status: 0 when every measure ran (whether or not its targets are met: this is a
measurement, not a test), 1 if a measure could not run, 2 for bad options.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from benchmarks._harness import (
    FULL,
    NOISY_OTHERS,
    SMOKE,
    Figure,
    MeasureResult,
    Outcome,
    Sizes,
    log,
    machine,
)
from benchmarks.measures import NAMES

__all__ = ["main", "render_table"]

BENCH_DIR: Final = Path(__file__).resolve().parent
RESULTS: Final = "results.json"
CHART: Final = "results.png"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="The SDK's benchmarks: every figure a ratio against a baseline measured "
        "in the same run.",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes: every measure runs in a few seconds, the figures mean nothing "
        "(without --out, written to a temporary directory)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=NAMES,
        metavar="NAME",
        help=f"run this measure only (repeatable): {', '.join(NAMES)}",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"where to write {RESULTS} and {CHART} (default: benchmarks/)",
    )
    return parser.parse_args(argv)


def run_measure(name: str, sizes: Sizes) -> MeasureResult:
    """Run one measure; a failure is recorded (``error``), not raised."""
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"benchmarks.measures.{name}")
        run: Callable[[Sizes], Outcome] = module.run
        outcome = run(sizes)
    except Exception as exc:
        traceback.print_exc()
        failed = Outcome(name)
        return failed.result(time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")
    return outcome.result(time.perf_counter() - started)


# -- the table ------------------------------------------------------------------------------


def _value(figure: Figure) -> str:
    value = figure["value"]
    if value is None:
        return "-"
    if figure["unit"] == "ratio":
        return f"{value:.3f}"
    if figure["unit"] == "count":
        return f"{value:.0f}"
    return f"{value:,.1f} {figure['unit']}"


def _target(figure: Figure) -> str:
    target = figure["target"]
    if target is None or figure["compare"] is None:
        return "-"
    unit = "" if figure["unit"] in ("ratio", "count") else f" {figure['unit']}"
    return f"{figure['compare']} {target:g}{unit}"


def _verdict(figure: Figure) -> str:
    if figure["value"] is None:
        return "skipped"
    if figure["met"] is None:
        return "ref."
    return "met" if figure["met"] else "MISSED"


def render_table(document: Mapping[str, Any], names: Sequence[str]) -> str:
    """One row per figure: the measure, what it compares, the ratio, its target and result."""
    header = ("measure", "figure", "measured", "ratio", "target", "result")
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for name in names:
        result: MeasureResult | None = document.get(name)
        if result is None:
            continue
        if result["error"] is not None:
            rows.append((name, "(could not run)", result["error"][:60], "-", "-", "ERROR"))
        for figure in result["figures"].values():
            rows.append(
                (
                    name,
                    figure["label"],
                    figure["summary"] or "",
                    _value(figure),
                    _target(figure),
                    _verdict(figure),
                )
            )
        notes += [f"{name}: {note}" for note in result["notes"]]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    right = {3, 4}

    def line(row: Sequence[str]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(cells).rstrip()

    info = document["machine"]
    run = document["run"]
    kind = "SMOKE run (figures meaningless)" if run["smoke"] else "full run"
    out = [
        f"{info['cpu_model']}, {info['cores']} cores; Python {info['python']}, "
        f"aiohttp {info['aiohttp']}; {kind}",
        "",
        line(header),
        line(tuple("-" * w for w in widths)),
        *(line(row) for row in rows),
        "",
        "ratio: the median of per-round ratios, both sides against the same local server in "
        "the same run; ref. = no target.",
        "time per measure: "
        + ", ".join(f"{n} {document[n]['seconds']:.0f} s" for n in names if n in document)
        + f"; total {run['seconds']:.0f} s",
    ]
    if notes:
        out += ["", "notes:", *(f"  - {note}" for note in notes)]
    return "\n".join(out)


# -- the files --------------------------------------------------------------------------------


def _load_previous(path: Path, smoke: bool) -> dict[str, Any]:
    """The measures of an earlier run of the same kind in ``path``, kept when ``--only``
    reruns some of them."""
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(previous, dict) or previous.get("run", {}).get("smoke") != smoke:
        return {}
    return {name: previous[name] for name in NAMES if name in previous}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    names: list[str] = [n for n in NAMES if n in args.only] if args.only else list(NAMES)
    out_dir: Path
    if args.out is not None:
        out_dir = args.out
    elif args.smoke:  # never overwrite a real run's results with meaningless figures
        out_dir = Path(tempfile.mkdtemp(prefix="benchmarks-smoke-"))
    else:
        out_dir = BENCH_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    started_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    results: dict[str, MeasureResult] = {}
    for name in names:
        log(f"== {name}{' (smoke)' if sizes.smoke else ''}")
        results[name] = run_measure(name, sizes)
        log(f"== {name}: {results[name]['seconds']:.1f} s")
    seconds = time.perf_counter() - started
    document: dict[str, Any] = {
        "machine": machine(),
        "run": {
            "started": started_at,
            "seconds": round(seconds, 1),
            "smoke": sizes.smoke,
            "measures": names,
            "command": " ".join(["python -m benchmarks", *(argv or sys.argv[1:])]),
            "noisy_above_other_cpu_percent": NOISY_OTHERS,
        },
    }
    if args.only:
        document |= _load_previous(out_dir / RESULTS, sizes.smoke)
    document |= results
    (out_dir / RESULTS).write_text(json.dumps(document, indent=2) + "\n")
    from benchmarks._chart import draw

    try:
        draw(document, out_dir / CHART)
        chart = f"chart: {out_dir / CHART}"
    except ImportError as exc:  # matplotlib is a benchmark-only extra
        chart = f"no chart ({exc}; pip install -e '.[bench]')"
    print(render_table(document, names))
    print(f"\nresults: {out_dir / RESULTS}\n{chart}")
    return 1 if any(r["error"] is not None for r in results.values()) else 0
