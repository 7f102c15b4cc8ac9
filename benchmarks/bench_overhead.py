"""Per-request overhead of the SDK versus raw aiohttp, against a fast local server.

Usage (from the repository root, with the package installed)::

    python benchmarks/bench_overhead.py [--requests N] [--rounds R] [--concurrency C]
                                        [--warmup W] [--pin] [--json]

What it measures: ``await client.pools.get(POOL_ID)`` through
``bland_pools.AsyncBlandClient(api_key=..., base_url=<local server>)`` versus raw aiohttp on
one ``aiohttp.ClientSession``::

    async with session.get(url, headers={"Authorization": key}) as resp:
        await resp.json()

Both run against the same server (``benchmarks/_server.py``), started in another process and
killed at the end. That server is a bare ``asyncio.Protocol`` that answers from pre-built bytes,
so the client process is the bottleneck and the ratio shows the SDK's own cost (the table shows
the server's CPU use to confirm it). With two CPUs the OS puts the two processes on separate
CPUs by itself; ``--pin`` forces it with ``sched_setaffinity`` (Linux).

Two scenarios:

* ``sequential``: one request at a time;
* ``concurrent``: ``--concurrency`` worker tasks (64 by default), each looping until the
  round's ``--requests`` are used up (bounded: no gather over one task per request).

Each scenario first warms both sides up (``--warmup`` requests each, which also opens the
connections), then runs ``--rounds`` rounds; a round runs ``--requests`` requests raw and
``--requests`` through the SDK, alternating which side goes first. The table shows the median
requests/s of each side and the median of the per-round SDK/raw ratios, against the goals
(>= 0.85 sequential, >= 0.90 concurrent). ``--json`` prints the same as one JSON object,
with every round.

Options:
    --requests N     requests per side per round (default 5000)
    --rounds R       rounds per scenario (default 5)
    --concurrency C  worker tasks of the concurrent scenario (default 64)
    --warmup W       warm-up requests per side per scenario (default: N/10, at least 200)
    --pin            pin the server and the client to separate CPUs (Linux)
    --json           machine-readable output

Exit status: 0 whether or not the goals are met (this is a measurement, not a test); 1 only
if the benchmark could not run (the server did not start, or an answer was wrong); 2 for bad
options.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple, TypedDict

import aiohttp

import bland_pools

__all__ = ["main"]

POOL_ID: Final = "550e8400-e29b-41d4-a716-446655440001"
API_KEY: Final = "bench-key-0000000000000000"
SERVER_SCRIPT: Final = Path(__file__).resolve().with_name("_server.py")
GOALS: Final = {"sequential": 0.85, "concurrent": 0.90}
SERVER_START_TIMEOUT: Final = 15.0
#: Percent of one CPU used by other processes above which the figures are flagged unreliable.
NOISY_OTHERS: Final = 10.0

#: One request; returns nothing, raises if the answer is wrong.
Call = Callable[[], Awaitable[None]]


class BenchmarkError(Exception):
    """The benchmark could not run (server did not start, wrong answer)."""


class RoundResult(TypedDict):
    """One round: requests/s and client CPU microseconds per request of each side."""

    raw_rps: float
    sdk_rps: float
    ratio: float
    raw_cpu_us: float
    sdk_cpu_us: float


class ScenarioResult(TypedDict):
    """One scenario: medians over the rounds, the goal, and every round."""

    name: str
    concurrency: int
    requests: int
    raw_rps: float
    sdk_rps: float
    ratio: float
    overhead_cpu_us: float
    server_cpu_percent: float | None
    other_cpu_percent: float | None
    goal: float
    meets_goal: bool
    rounds: list[RoundResult]


# -- the server process ---------------------------------------------------------------------


def can_pin() -> bool:
    """Whether this OS lets us pin processes and gives us at least two CPUs."""
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


class Server(NamedTuple):
    """The running server process."""

    base_url: str
    pid: int


class CpuSnapshot(NamedTuple):
    """CPU seconds used so far by the server, by this process and by the whole machine."""

    server: float
    client: float
    machine: float
    wall: float


def process_cpu_seconds(pid: int | str) -> float:
    """User + system CPU seconds of a process, from ``/proc/<pid>/stat``."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server_pid: int) -> CpuSnapshot | None:
    """The CPU use so far; ``None`` where ``/proc`` is not available (not Linux)."""
    try:
        server = process_cpu_seconds(server_pid)
        client = process_cpu_seconds("self")
        with open("/proc/stat") as stat:
            # user nice system idle iowait irq softirq steal ...: busy is all but idle, iowait.
            ticks = [int(v) for v in stat.readline().split()[1:9]]
    except (OSError, ValueError, IndexError):
        return None
    busy = sum(ticks) - ticks[3] - ticks[4]
    return CpuSnapshot(server, client, busy / os.sysconf("SC_CLK_TCK"), time.perf_counter())


def cpu_shares(
    before: CpuSnapshot | None, after: CpuSnapshot | None
) -> tuple[float | None, float | None]:
    """The server's CPU use and everything else's (not the client, not the server) between
    two snapshots, in percent of one CPU."""
    if before is None or after is None:
        return None, None
    wall = after.wall - before.wall
    server = after.server - before.server
    others = (after.machine - before.machine) - server - (after.client - before.client)
    return server / wall * 100, max(0.0, others) / wall * 100


@contextlib.contextmanager
def running_server(pin: bool) -> Iterator[Server]:
    """Start ``_server.py`` in another process; yield where it listens; kill it on exit.

    With ``pin``, the server runs on the last CPU this process may use and this process keeps
    the others.
    """
    with running_script(
        [str(SERVER_SCRIPT), "--host", "127.0.0.1", "--port", "0"], pin=pin
    ) as server:
        yield server


@contextlib.contextmanager
def running_script(args: Sequence[str], *, pin: bool = False) -> Iterator[Server]:
    """Run ``python <args>`` (a server that prints ``LISTENING <port>`` once it listens on
    127.0.0.1); yield where it listens; stop it on exit."""
    cpus = sorted(os.sched_getaffinity(0)) if pin else []
    proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, text=True)
    try:
        if pin:
            os.sched_setaffinity(proc.pid, {cpus[-1]})
            os.sched_setaffinity(0, set(cpus[:-1]))
        port = _wait_listening(proc)
        yield Server(f"http://127.0.0.1:{port}", proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        if pin:
            os.sched_setaffinity(0, set(cpus))


def _wait_listening(proc: subprocess.Popen[str]) -> int:
    """The port the server announced (it prints ``LISTENING <port>`` once it listens)."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], SERVER_START_TIMEOUT)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("LISTENING "):
        code = proc.poll()
        raise BenchmarkError(f"the server did not start (exit code {code}, said {line!r})")
    return int(line.split()[1])


# -- the two clients ------------------------------------------------------------------------


def raw_call(session: aiohttp.ClientSession, url: str) -> Call:
    """A request through bare aiohttp: GET with the key, then parse the JSON body."""
    headers = {"Authorization": API_KEY}

    async def call() -> None:
        async with session.get(url, headers=headers) as resp:
            await resp.json()

    return call


def sdk_call(client: bland_pools.AsyncBlandClient) -> Call:
    """A request through the SDK: ``client.pools.get(POOL_ID)``."""
    pools = client.pools

    async def call() -> None:
        await pools.get(POOL_ID)

    return call


async def check_answers(
    session: aiohttp.ClientSession, url: str, client: bland_pools.AsyncBlandClient
) -> None:
    """Make sure both sides get the pool before measuring anything."""
    async with session.get(url, headers={"Authorization": API_KEY}) as resp:
        payload = await resp.json()
    if resp.status != 200 or payload.get("data", {}).get("id") != POOL_ID:
        raise BenchmarkError(f"raw aiohttp got a wrong answer: {resp.status} {payload!r:.200}")
    pool = await client.pools.get(POOL_ID)
    if pool.id != POOL_ID:
        raise BenchmarkError(f"the SDK got a wrong pool: {pool!r:.200}")


# -- running a scenario ---------------------------------------------------------------------


class Measure(NamedTuple):
    """Requests per second (wall clock) and client CPU microseconds per request."""

    rps: float
    cpu_us: float


async def run_requests(call: Call, requests: int, concurrency: int) -> Measure:
    """Run ``requests`` calls with ``concurrency`` workers, measuring time and client CPU."""
    if concurrency <= 1:
        cpu, started = time.process_time(), time.perf_counter()
        for _ in range(requests):
            await call()
        return _measure(requests, started, cpu)

    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    workers = min(concurrency, requests)
    cpu, started = time.process_time(), time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(worker())
    return _measure(requests, started, cpu)


def _measure(requests: int, started: float, cpu: float) -> Measure:
    """The :class:`Measure` of ``requests`` calls begun at ``started`` (wall) and ``cpu``."""
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return Measure(requests / elapsed, used / requests * 1e6)


async def run_scenario(
    server: Server,
    name: str,
    *,
    concurrency: int,
    requests: int,
    rounds: int,
    warmup: int,
    progress: Callable[[str], None],
) -> ScenarioResult:
    """Warm up, then ``rounds`` alternating raw/SDK rounds; medians of the results."""
    base_url = server.base_url
    url = f"{base_url}/v1/custom-dialing-pools/{POOL_ID}"
    async with (
        aiohttp.ClientSession() as session,
        bland_pools.AsyncBlandClient(api_key=API_KEY, base_url=base_url) as client,
    ):
        await check_answers(session, url, client)
        raw, sdk = raw_call(session, url), sdk_call(client)
        await run_requests(raw, warmup, concurrency)
        await run_requests(sdk, warmup, concurrency)
        results: list[RoundResult] = []
        before = cpu_snapshot(server.pid)
        for index in range(rounds):
            if index % 2 == 0:
                r = await run_requests(raw, requests, concurrency)
                s = await run_requests(sdk, requests, concurrency)
            else:
                s = await run_requests(sdk, requests, concurrency)
                r = await run_requests(raw, requests, concurrency)
            results.append(
                {
                    "raw_rps": r.rps,
                    "sdk_rps": s.rps,
                    "ratio": s.rps / r.rps,
                    "raw_cpu_us": r.cpu_us,
                    "sdk_cpu_us": s.cpu_us,
                }
            )
            progress(
                f"  {name} round {index + 1}/{rounds}: raw {r.rps:,.0f}/s "
                f"({r.cpu_us:.0f} us CPU/req), sdk {s.rps:,.0f}/s ({s.cpu_us:.0f} us CPU/req), "
                f"ratio {s.rps / r.rps:.3f}"
            )
        server_percent, other_percent = cpu_shares(before, cpu_snapshot(server.pid))
    goal = GOALS[name]
    ratio = statistics.median(r["ratio"] for r in results)
    return {
        "name": name,
        "concurrency": concurrency,
        "requests": requests,
        "raw_rps": statistics.median(r["raw_rps"] for r in results),
        "sdk_rps": statistics.median(r["sdk_rps"] for r in results),
        "ratio": ratio,
        "overhead_cpu_us": statistics.median(r["sdk_cpu_us"] - r["raw_cpu_us"] for r in results),
        "server_cpu_percent": server_percent,
        "other_cpu_percent": other_percent,
        "goal": goal,
        "meets_goal": ratio >= goal,
        "rounds": results,
    }


# -- output ---------------------------------------------------------------------------------


def environment(pinned: bool) -> dict[str, Any]:
    """The versions and the machine the figures belong to."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "aiohttp": aiohttp.__version__,
        "bland_pools": bland_pools.__version__,
        "cpus": os.cpu_count(),
        "pinned": pinned,
        "platform": platform.platform(),
    }


def _percent(value: float | None) -> str:
    """A percentage for the table."""
    return "n/a" if value is None else f"{value:.0f}%"


def render_table(env: dict[str, Any], scenarios: Sequence[ScenarioResult]) -> str:
    """The human-readable report."""
    lines = [
        f"Python {env['implementation']} {env['python']}, aiohttp {env['aiohttp']}, "
        f"bland_pools {env['bland_pools']}, {env['cpus']} CPUs"
        f"{', server and client pinned to separate CPUs' if env['pinned'] else ''}",
        "",
        f"{'scenario':<16}{'raw req/s':>11}{'SDK req/s':>11}{'SDK/raw':>9}{'goal':>9}"
        f"{'result':>8}{'+CPU us/req':>13}{'server CPU':>12}{'other CPU':>11}",
    ]
    for s in scenarios:
        label = s["name"] if s["concurrency"] <= 1 else f"{s['name']} x{s['concurrency']}"
        lines.append(
            f"{label:<16}{s['raw_rps']:>11,.0f}{s['sdk_rps']:>11,.0f}{s['ratio']:>9.3f}"
            f"{'>= ' + format(s['goal'], '.2f'):>9}{'ok' if s['meets_goal'] else 'BELOW':>8}"
            f"{s['overhead_cpu_us']:>13.1f}{_percent(s['server_cpu_percent']):>12}"
            f"{_percent(s['other_cpu_percent']):>11}"
        )
    if scenarios:
        first = scenarios[0]
        lines += [
            "",
            f"{first['requests']} requests per side per round; medians of "
            f"{len(first['rounds'])} rounds (SDK/raw: median of the per-round ratios).",
            "+CPU us/req: the client's CPU time per request, SDK minus raw.",
            "server CPU: the server's CPU use (well under 100%: the client is the bottleneck).",
            "other CPU: what other processes used meanwhile (percent of one CPU).",
        ]
        busy = [s["name"] for s in scenarios if (s["other_cpu_percent"] or 0.0) > NOISY_OTHERS]
        if busy:
            lines.append(
                f"WARNING: other processes were busy during {', '.join(busy)}; "
                "the figures are unreliable, run again on a quiet machine."
            )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line options (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description="Per-request overhead of bland_pools versus raw aiohttp."
    )
    parser.add_argument("--requests", type=int, default=5000, metavar="N")
    parser.add_argument("--rounds", type=int, default=5, metavar="R")
    parser.add_argument("--concurrency", type=int, default=64, metavar="C")
    parser.add_argument("--warmup", type=int, default=None, metavar="W")
    parser.add_argument("--pin", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    for option in ("requests", "rounds", "concurrency"):
        if getattr(args, option) < 1:
            parser.error(f"--{option} must be at least 1")
    if args.warmup is None:
        args.warmup = max(200, args.requests // 10)
    return args


async def run_all(server: Server, args: argparse.Namespace) -> list[ScenarioResult]:
    """Both scenarios, sequential first."""

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    scenarios = []
    for name, concurrency in (("sequential", 1), ("concurrent", args.concurrency)):
        scenarios.append(
            await run_scenario(
                server,
                name,
                concurrency=concurrency,
                requests=args.requests,
                rounds=args.rounds,
                warmup=args.warmup,
                progress=progress,
            )
        )
    return scenarios


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table (or JSON); the exit status for the shell."""
    args = parse_args(argv)
    pin = args.pin and can_pin()
    env = environment(pin)
    try:
        with running_server(pin) as server:
            scenarios = asyncio.run(run_all(server, args))
    except BenchmarkError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"environment": env, "scenarios": scenarios}, indent=2))
    else:
        print(render_table(env, scenarios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
