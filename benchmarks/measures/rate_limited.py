"""``rate_limited``: the bulk engine against a server that enforces a rate limit.

A ``BlandEmulator(rate_limit=N)`` (``benchmarks/_emulator.py bland``, in its own process)
answers 429 with ``Retry-After`` (whole seconds until a slot frees) past N requests per
sliding second. The engine provisions ``sizes.limited_pools`` new pools through it,
``bland_pools.provision.provision(mapping, manifest=<fresh file>, client=AsyncBlandClient(
max_rate=..., max_retries=5), concurrency=8)`` (the engine's own default client), for each N
of ``sizes.limited_rates``, twice:

* ``auto``: no rate (``max_rate=math.inf``, what ``bland-pools provision`` does without
  ``--rate``): the client learns the limit from the 429s;
* ``rate``: ``max_rate=N`` (``--rate N``): sends booked on a sliding second.

The theoretical minimum of the accepted requests (the list, then one create per pool) is
``floor((requests - 1) / N)`` seconds: the first N go at once, the (k N + 1)-th after k
seconds (501 requests: 100 s at N=5, 5 s at N=100; the issue's ``requests / N`` is a hundredth
of a second to a fifth more). Figures per run: wall time / minimum (targets: at most 1.05 for
``auto``, 1.02 for ``rate``) and the 429 answers in the emulator's log (at most 5; none).

``stray_429``: ``sizes.stray_pools`` pools against an emulator without a limit, once with one
429 staged on the first create (``Retry-After: 1``) and once without; the figure is the extra
wall time (target: at most the ``Retry-After`` plus a second, 2 s).
"""

from __future__ import annotations

import asyncio
import collections
import math
from pathlib import Path
from typing import Any, Final

import aiohttp

from benchmarks._harness import CpuWatch, Outcome, Sizes, log
from benchmarks.bench_overhead import BenchmarkError, Server, can_pin, running_script
from benchmarks.measures.bulk import desired_pools, engine_seconds

TITLE: Final = "Bulk provisioning against a server's rate limit"
AUTO_TARGET: Final = 1.05
RATE_TARGET: Final = 1.02
AUTO_MAX_429: Final = 5
STRAY_TARGET: Final = 2.0  # seconds: the staged Retry-After (1 s) plus a second
API_KEY: Final = "bench-limited-key-0000000000"
EMULATOR_SCRIPT: Final = str(Path(__file__).resolve().parent.parent / "_emulator.py")
NO_LIMIT: Final = 1_000_000


def minimum_seconds(requests: int, limit: int) -> float:
    """The least time ``requests`` take at ``limit`` per sliding second if each took no
    time: the first ``limit`` at once, the (k * limit + 1)-th after k seconds."""
    return float((requests - 1) // limit)


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(
        TITLE,
        sizes.describe("limited_pools", "limited_rates", "limited_concurrency", "stray_pools"),
    )
    desired = desired_pools(sizes.limited_pools)
    for limit in sizes.limited_rates:
        with running_script(_args(limit, sizes.limited_pools), pin=can_pin()) as emulator:
            for mode in ("auto", "rate"):
                with CpuWatch(emulator.pid) as watch:
                    seconds = asyncio.run(_provision(emulator, desired, limit, mode, sizes))
                outcome.watch(watch)
                statuses = asyncio.run(_statuses(emulator))
                _record(outcome, limit, mode, seconds, statuses, len(desired))
    _stray(outcome, sizes)
    return outcome


def _args(limit: int, pools: int) -> list[str]:
    return [
        EMULATOR_SCRIPT,
        "bland",
        "--api-key",
        API_KEY,
        "--rate-limit",
        str(limit),
        "--log-limit",
        str(pools * 4 + 100),
    ]


def _record(
    outcome: Outcome,
    limit: int,
    mode: str,
    seconds: float,
    statuses: collections.Counter[str],
    pools: int,
) -> None:
    refused = statuses.get("429", 0)
    accepted = sum(statuses.values()) - refused
    minimum = minimum_seconds(accepted, limit)
    ratio = seconds / minimum
    how = "no rate" if mode == "auto" else f"rate={limit}"
    log(
        f"  rate_limited N={limit} {how}: {seconds:.2f} s vs {minimum:.2f} s minimum "
        f"({ratio:.3f}), answers {dict(statuses)}"
    )
    where = f"{pools} pools, server N={limit}/s, {how}"
    outcome.add(
        f"n{limit}_{mode}",
        f"{where}: time/theoretical minimum",
        ratio,
        target=AUTO_TARGET if mode == "auto" else RATE_TARGET,
        compare="<=",
        measured={
            "seconds": round(seconds, 3),
            "minimum_seconds": round(minimum, 3),
            "accepted_requests": accepted,
            "statuses": dict(statuses),
        },
        summary=f"{seconds:.2f} s vs {minimum:.2f} s minimum",
    )
    outcome.add(
        f"n{limit}_{mode}_429",
        f"{where}: 429 answers",
        float(refused),
        unit="count",
        target=AUTO_MAX_429 if mode == "auto" else 0,
        compare="<=",
        measured={"statuses": dict(statuses)},
        summary=f"{accepted + refused} requests, {refused} answered 429",
    )


async def _provision(
    server: Server, desired: dict[str, list[str]], limit: int, mode: str, sizes: Sizes
) -> float:
    """Seconds the engine takes to create every pool, on a fresh manifest and emulator."""
    await _post(server, "/_emulator/reset", {})  # its rate window too
    rate = math.inf if mode == "auto" else float(limit)
    return await _engine(server, desired, rate, sizes.limited_concurrency)


async def _engine(
    server: Server, desired: dict[str, list[str]], rate: float, concurrency: int
) -> float:
    return await engine_seconds(
        server.base_url, API_KEY, desired, concurrency, max_rate=rate, max_retries=5
    )


def _stray(outcome: Outcome, sizes: Sizes) -> None:
    """One early 429 against a server without a limit: what it costs the run."""
    desired = desired_pools(sizes.stray_pools)
    with running_script(_args(NO_LIMIT, sizes.stray_pools), pin=can_pin()) as emulator:

        async def both() -> tuple[float, float, collections.Counter[str]]:
            await _post(emulator, "/_emulator/reset", {})
            clean = await _engine(emulator, desired, math.inf, sizes.limited_concurrency)
            await _post(emulator, "/_emulator/reset", {})
            fault = {"fault": "rate_limited", "times": 1, "method": "POST", "retry_after": 1}
            await _post(emulator, "/_emulator/faults", fault)
            stray = await _engine(emulator, desired, math.inf, sizes.limited_concurrency)
            return clean, stray, await _statuses(emulator)

        with CpuWatch(emulator.pid) as watch:
            clean, stray, statuses = asyncio.run(both())
        outcome.watch(watch)
    extra = round(stray - clean, 2)
    log(
        f"  rate_limited stray 429: {stray:.2f} s vs {clean:.2f} s without it "
        f"(+{extra:.2f} s), answers {dict(statuses)}"
    )
    outcome.add(
        "stray_429",
        f"{sizes.stray_pools} pools, no limit, one 429 (Retry-After 1): extra seconds",
        extra,
        unit="s",
        target=STRAY_TARGET,
        compare="<=",
        measured={
            "seconds_with_429": round(stray, 3),
            "seconds_without": round(clean, 3),
            "statuses": dict(statuses),
        },
        summary=f"{stray:.2f} s vs {clean:.2f} s without the 429",
    )


async def _post(server: Server, path: str, body: dict[str, Any]) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.base_url}{path}", json=body) as resp,
    ):
        if resp.status != 200:
            raise BenchmarkError(f"{path}: {resp.status} {await resp.text()}")


async def _statuses(server: Server) -> collections.Counter[str]:
    """The statuses of the API requests in the emulator's log."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/_emulator/requests") as resp,
    ):
        entries: list[dict[str, Any]] = await resp.json()
    return collections.Counter(str(e.get("status")) for e in entries)
