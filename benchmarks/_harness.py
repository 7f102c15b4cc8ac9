"""What every measure of ``python -m benchmarks`` shares: the sizes of a full and a smoke run,
the figure records that go to ``results.json``, paired rounds that alternate which side goes
first, and the machine's description.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypedDict

from benchmarks.bench_overhead import (
    BenchmarkError,
    Call,
    Measure,
    can_pin,
    process_cpu_seconds,
    run_requests,
)

__all__ = [
    "FULL",
    "NOISY_OTHERS",
    "REPO_ROOT",
    "SMOKE",
    "CpuWatch",
    "Figure",
    "MeasureResult",
    "Outcome",
    "Sizes",
    "compare_calls",
    "log",
    "machine",
    "median_ratio",
    "orders",
]

REPO_ROOT: Final = Path(__file__).resolve().parent.parent
#: Percent of one CPU used by other processes above which a measure is flagged noisy.
NOISY_OTHERS: Final = 10.0

Compare = Literal[">=", "<=", "<"]


@dataclasses.dataclass(frozen=True)
class Sizes:
    """How much work each measure does (:data:`FULL` or :data:`SMOKE`)."""

    smoke: bool
    # bland_get, ghl_list: requests per side per round, rounds, warm-up requests per side
    requests: int
    official_requests: int  # ghl_list: the official SDK's requests per round (it is slower)
    rounds: int
    warmup: int
    concurrency: int
    # instruction counts (callgrind): measured requests and warm-up per run
    instr_requests: int
    instr_warmup: int
    # blocking: sequential calls per side per round
    blocking_calls: int
    blocking_rounds: int
    # bulk: pools per round, rounds, concurrency; bulk_memory: pools of the input file
    bulk_pools: int
    bulk_rounds: int
    bulk_concurrency: int
    memory_pools: int
    # ghl_export: locations, requests per location, the emulator's limit, workers per location
    export_locations: int
    export_requests: int
    export_rate_limit: int
    export_rate_interval: float
    export_workers: int
    # decode: pools per list, rounds
    decode_pools: int
    decode_rounds: int
    # rate_limited: pools per run, the emulator's limits (per sliding second), concurrency;
    # the pools of the stray-429 runs (no limit, one 429 staged or none)
    limited_pools: int
    limited_rates: tuple[int, ...]
    limited_concurrency: int
    stray_pools: int
    # coverage: calls analysed per round, rounds
    coverage_calls: int
    coverage_rounds: int

    def describe(self, *names: str) -> dict[str, Any]:
        """The named sizes, for a measure's ``params``."""
        return {name: getattr(self, name) for name in names}


FULL: Final = Sizes(
    smoke=False,
    requests=3000,
    official_requests=600,
    rounds=5,
    warmup=300,
    concurrency=64,
    instr_requests=1000,
    instr_warmup=300,
    blocking_calls=1000,
    blocking_rounds=5,
    bulk_pools=10_000,
    bulk_rounds=3,
    bulk_concurrency=32,
    memory_pools=100_000,
    export_locations=20,
    export_requests=150,
    export_rate_limit=100,
    export_rate_interval=10.0,
    export_workers=10,
    decode_pools=5000,
    decode_rounds=9,
    limited_pools=500,
    limited_rates=(5, 20, 100),
    limited_concurrency=8,
    stray_pools=1000,
    coverage_calls=1_000_000,
    coverage_rounds=5,
)

#: Tiny sizes: every code path runs, the figures mean nothing.
SMOKE: Final = Sizes(
    smoke=True,
    requests=60,
    official_requests=20,
    rounds=2,
    warmup=10,
    concurrency=8,
    instr_requests=10,
    instr_warmup=5,
    blocking_calls=20,
    blocking_rounds=2,
    bulk_pools=100,
    bulk_rounds=2,
    bulk_concurrency=8,
    memory_pools=300,
    export_locations=2,
    export_requests=12,
    export_rate_limit=10,
    export_rate_interval=0.5,
    export_workers=4,
    decode_pools=50,
    decode_rounds=2,
    limited_pools=100,
    limited_rates=(100,),
    limited_concurrency=8,
    stray_pools=50,
    coverage_calls=10_000,
    coverage_rounds=2,
)


def log(message: str) -> None:
    """Progress, on stderr (the table goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


# -- figures ------------------------------------------------------------------------------


class Figure(TypedDict):
    """One row of the table: a ratio (or a plain value), its target, and whether it is met.

    ``ratio`` is the figure when ``unit`` is ``"ratio"``, else ``None``; ``value`` is the
    figure whatever its unit. ``target`` and ``compare`` say what it should be
    (``value >= target``, ``value <= target``, ``value < target``), ``met`` whether it is
    (``None``: reported for reference, no target). ``measured`` holds what the figure was
    computed from (requests per second, instructions, seconds, every round), ``summary`` the
    same in a few words for the table.
    """

    label: str
    value: float | None
    unit: str
    ratio: float | None
    target: float | None
    compare: Compare | None
    met: bool | None
    measured: dict[str, Any]
    summary: str | None
    note: str | None


class MeasureResult(TypedDict):
    """One measure: its figures (by key), what it ran with, and the conditions it ran in."""

    title: str
    seconds: float
    params: dict[str, Any]
    figures: dict[str, Figure]
    met: bool | None
    notes: list[str]
    cpu: dict[str, float | None]
    error: str | None


def _met(value: float | None, target: float | None, compare: Compare | None) -> bool | None:
    if target is None or compare is None or value is None:  # no target, or not measured
        return None
    if compare == ">=":
        return value >= target
    if compare == "<=":
        return value <= target
    return value < target


class Outcome:
    """Collects a measure's figures, notes and conditions; :meth:`result` is the record."""

    def __init__(self, title: str, params: Mapping[str, Any] | None = None) -> None:
        self.title = title
        self.params: dict[str, Any] = dict(params or {})
        self.figures: dict[str, Figure] = {}
        self.notes: list[str] = []
        self.cpu: dict[str, float | None] = {}

    def add(
        self,
        key: str,
        label: str,
        value: float | None,
        *,
        unit: str = "ratio",
        target: float | None = None,
        compare: Compare | None = ">=",
        measured: Mapping[str, Any] | None = None,
        summary: str | None = None,
        note: str | None = None,
    ) -> Figure:
        """Record a figure (``compare`` is ignored without a ``target``)."""
        figure: Figure = {
            "label": label,
            "value": value,
            "unit": unit,
            "ratio": value if unit == "ratio" else None,
            "target": target,
            "compare": compare if target is not None else None,
            "met": _met(value, target, compare),
            "measured": dict(measured or {}),
            "summary": summary,
            "note": note,
        }
        self.figures[key] = figure
        return figure

    def note(self, text: str) -> None:
        self.notes.append(text)

    def watch(self, watch: CpuWatch) -> None:
        """Keep the CPU shares a :class:`CpuWatch` saw (the busiest of several)."""
        for name, value in (("server_percent", watch.server), ("other_percent", watch.others)):
            if value is None:
                continue
            known = self.cpu.get(name)
            self.cpu[name] = value if known is None else max(known, value)

    def result(self, seconds: float, error: str | None = None) -> MeasureResult:
        targeted = [f["met"] for f in self.figures.values() if f["met"] is not None]
        others = self.cpu.get("other_percent")
        if others is not None and others > NOISY_OTHERS:
            self.note(
                f"other processes used {others:.0f}% of a CPU meanwhile: wall-clock figures "
                "are unreliable (instruction counts are not affected)"
            )
        return {
            "title": self.title,
            "seconds": round(seconds, 2),
            "params": self.params,
            "figures": self.figures,
            "met": all(targeted) if targeted else None,
            "notes": self.notes,
            "cpu": self.cpu,
            "error": error,
        }


def status_kib(field: str) -> int:
    """A memory figure of this process's ``/proc/self/status`` (``VmRSS``, ``VmHWM``), KiB
    (Linux); the measures' child processes report their memory with it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise BenchmarkError(f"no {field} in /proc/self/status")


class CpuWatch:
    """The CPU use of the server processes (``server_pids``) and of everything else on the
    machine (not them, not this process) while the ``with`` block runs, in percent of one
    CPU. Linux only (``/proc``); ``None`` elsewhere."""

    def __init__(self, *server_pids: int) -> None:
        self._pids = server_pids
        self._before: tuple[float, float, float, float] | None = None
        self.server: float | None = None
        self.others: float | None = None

    def _snapshot(self) -> tuple[float, float, float, float] | None:
        try:
            servers = sum(process_cpu_seconds(pid) for pid in self._pids)
            client = process_cpu_seconds("self")
            with open("/proc/stat") as stat:
                ticks = [int(v) for v in stat.readline().split()[1:9]]
        except (OSError, ValueError, IndexError):
            return None
        busy = (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
        return servers, client, busy, time.perf_counter()

    def __enter__(self) -> CpuWatch:
        self._before = self._snapshot()
        return self

    def __exit__(self, *exc: object) -> None:
        after = self._snapshot()
        if self._before is None or after is None:
            return
        servers, client, busy, wall = (a - b for a, b in zip(after, self._before, strict=True))
        if wall <= 0:
            return
        self.server = servers / wall * 100 if self._pids else None
        self.others = max(0.0, busy - servers - client) / wall * 100


# -- paired rounds ------------------------------------------------------------------------


def orders(names: Sequence[str], rounds: int) -> Iterator[list[str]]:
    """The order of the sides in each round: rotated by one each round, so each side goes
    first equally often (two sides: they alternate)."""
    for index in range(rounds):
        k = index % len(names)
        yield [*names[k:], *names[:k]]


def median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """The median of the per-round ratios (each round's two sides ran back to back)."""
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


async def compare_calls(
    sides: Mapping[str, Call],
    *,
    requests: Mapping[str, int],
    concurrency: int,
    rounds: int,
    warmup: int,
    label: str,
) -> dict[str, list[Measure]]:
    """Warm every side up, then ``rounds`` rounds of ``requests[side]`` calls per side, at
    ``concurrency`` (fixed workers), in rotating order; every round's :class:`Measure`."""
    for call in sides.values():
        await run_requests(call, warmup, concurrency)
    results: dict[str, list[Measure]] = {name: [] for name in sides}
    for index, order in enumerate(orders(list(sides), rounds)):
        for name in order:
            results[name].append(await run_requests(sides[name], requests[name], concurrency))
        log(
            f"  {label} round {index + 1}/{rounds}: "
            + ", ".join(f"{name} {results[name][-1].rps:,.0f}/s" for name in sides)
        )
    return results


async def compare_watched(
    outcome: Outcome,
    server_pid: int,
    sides: Mapping[str, Call],
    *,
    requests: Mapping[str, int],
    concurrency: int,
    sizes: Sizes,
    label: str,
) -> tuple[dict[str, list[Measure]], CpuWatch]:
    """:func:`compare_calls` with ``sizes``' rounds and warm-up, under a :class:`CpuWatch` of
    the server that ``outcome`` records; the rounds and the watch."""
    with CpuWatch(server_pid) as watch:
        rounds = await compare_calls(
            sides,
            requests=requests,
            concurrency=concurrency,
            rounds=sizes.rounds,
            warmup=sizes.warmup,
            label=label,
        )
    outcome.watch(watch)
    return rounds, watch


def rps(measures: Sequence[Measure]) -> list[float]:
    return [m.rps for m in measures]


def add_sdk_vs_raw(
    outcome: Outcome,
    key: str,
    label: str,
    rounds: Mapping[str, Sequence[Measure]],
    *,
    concurrency: int,
    target: float | None,
    watch: CpuWatch,
) -> list[float]:
    """The SDK/raw requests-per-second figure of paired rounds (the median of the per-round
    ratios), with each side's median rate and CPU time per request; the SDK's rates."""
    raw, sdk = rps(rounds["raw"]), rps(rounds["sdk"])
    outcome.add(
        key,
        label,
        median_ratio(sdk, raw),
        target=target,
        measured={
            "concurrency": concurrency,
            "raw_rps": round(statistics.median(raw)),
            "sdk_rps": round(statistics.median(sdk)),
            "raw_cpu_us": round(statistics.median(m.cpu_us for m in rounds["raw"]), 1),
            "sdk_cpu_us": round(statistics.median(m.cpu_us for m in rounds["sdk"]), 1),
            "server_cpu_percent": watch.server,
            "rounds": {"raw_rps": raw, "sdk_rps": sdk},
        },
        summary=f"SDK {statistics.median(sdk):,.0f} vs raw {statistics.median(raw):,.0f} req/s",
    )
    return sdk


def timed(function: Callable[[], object]) -> float:
    """Seconds ``function()`` took."""
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


async def timed_async(awaitable: Awaitable[object]) -> float:
    """Seconds ``await awaitable`` took."""
    started = time.perf_counter()
    await awaitable
    return time.perf_counter() - started


# -- instruction counts -------------------------------------------------------------------


def add_instructions(
    outcome: Outcome,
    *,
    api: str,
    key: str,
    label: str,
    sizes: Sizes,
    target: float | None,
) -> None:
    """Instructions per request of raw aiohttp and of the SDK at ``sizes.concurrency``, from
    ``bench_instructions.measure`` (callgrind); the figure is raw/SDK. Without valgrind the
    figure is recorded as not measured, with a note."""
    if shutil.which("valgrind") is None:
        outcome.add(key, label, None, target=target, note="skipped: valgrind is not installed")
        outcome.note(f"{key}: valgrind is not installed (Debian: apt install valgrind); skipped")
        return
    from benchmarks import bench_instructions

    log(f"  {api} instructions: 4 callgrind runs of {sizes.instr_requests} requests ...")
    per_request = bench_instructions.measure(
        sizes.instr_requests, sizes.concurrency, api, warmup=sizes.instr_warmup
    )
    raw, sdk = per_request["raw"], per_request["sdk"]
    log(f"  {api} instructions per request: raw {raw:,.0f}, SDK {sdk:,.0f}")
    outcome.add(
        key,
        label,
        raw / sdk,
        target=target,
        measured={
            "raw_per_request": round(raw),
            "sdk_per_request": round(sdk),
            "requests": sizes.instr_requests,
            "warmup": sizes.instr_warmup,
            "concurrency": sizes.concurrency,
        },
        summary=f"raw {raw:,.0f} vs SDK {sdk:,.0f} instr/req",
    )


# -- the machine --------------------------------------------------------------------------


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _valgrind() -> str | None:
    if shutil.which("valgrind") is None:
        return None
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip() or None


def machine() -> dict[str, Any]:
    """The machine and the versions the figures belong to."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "aiohttp": _version("aiohttp"),
        "bland_ghl_pools": _version("bland-ghl-pools"),
        "valgrind": _valgrind(),
        # Wall-clock measures put their server on the last CPU and this process on the rest.
        "pinned": can_pin(),
        "libraries": {
            name: _version(name)
            for name in (
                "gohighlevel-api-client",
                "httpx",
                "requests",
                "pydantic",
                "cattrs",
                "attrs",
                "matplotlib",
            )
        },
    }
