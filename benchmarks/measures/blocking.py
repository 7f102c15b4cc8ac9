"""``blocking``: the blocking ``BlandClient`` against the async client and against what a
plain script would write with ``requests``.

Four sides, each making ``sizes.blocking_calls`` sequential ``GET /v1/custom-dialing-pools/<id>``
calls against the fast server (``_server.py``, another process), in rounds whose order
rotates:

* ``blocking``: ``BlandClient(...).pools.get(POOL_ID)`` (one client: its loop thread and
  connection pool reused);
* ``async``: ``await AsyncBlandClient(...).pools.get(POOL_ID)``, one at a time, on one loop;
* ``docs``: Bland's docs' own pattern, ``requests.get(url, headers=...)`` + ``.json()`` per
  call: a new session, so a new TCP connection, every time;
* ``session``: one ``requests.Session`` reused, ``session.get(...)`` + ``.json()``.

Figures: the median of the per-round ratios of calls per second, blocking/async,
blocking/docs and blocking/session.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Final

import requests

import bland_pools
from benchmarks._harness import CpuWatch, Outcome, Sizes, log, median_ratio, orders
from benchmarks.bench_overhead import (
    API_KEY,
    POOL_ID,
    BenchmarkError,
    can_pin,
    run_requests,
    running_server,
    sdk_call,
)

TITLE: Final = "Blocking BlandClient vs the async client and requests"
ASYNC_TARGET: Final = 0.9
DOCS_TARGET: Final = 4.0

#: A side: make ``n`` sequential calls; returns the seconds they took.
Side = Callable[[int], float]


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(TITLE, sizes.describe("blocking_calls", "blocking_rounds"))
    with (
        running_server(pin=can_pin()) as server,
        asyncio.Runner() as runner,
        requests.Session() as session,
        bland_pools.BlandClient(api_key=API_KEY, base_url=server.base_url) as blocking,
    ):
        url = f"{server.base_url}/v1/custom-dialing-pools/{POOL_ID}"
        headers = {"Authorization": API_KEY}
        async_client = runner.run(_async_client(server.base_url))
        try:
            sides = _sides(runner, async_client, blocking, session, url, headers)
            for name, side in sides.items():  # checks the answers, opens connections
                side(max(5, sizes.blocking_calls // 10))
                log(f"  blocking: {name} warmed up")
            seconds: dict[str, list[float]] = {name: [] for name in sides}
            with CpuWatch(server.pid) as watch:
                for index, order in enumerate(orders(list(sides), sizes.blocking_rounds)):
                    for name in order:
                        seconds[name].append(sides[name](sizes.blocking_calls))
                    log(
                        f"  blocking round {index + 1}/{sizes.blocking_rounds}: "
                        + ", ".join(
                            f"{name} {sizes.blocking_calls / s[-1]:,.0f}/s"
                            for name, s in seconds.items()
                        )
                    )
            outcome.watch(watch)
        finally:
            runner.run(async_client.close())
    rates = {name: [sizes.blocking_calls / s for s in values] for name, values in seconds.items()}
    medians = {f"{name}_per_s": round(statistics.median(r)) for name, r in rates.items()}
    for key, other, label, target in (
        ("vs_async", "async", "blocking/async client, sequential", ASYNC_TARGET),
        ("vs_docs", "docs", "blocking/requests.get per call (docs)", DOCS_TARGET),
        ("vs_session", "session", "blocking/requests.Session", None),
    ):
        outcome.add(
            key,
            f"Bland get {label}",
            median_ratio(rates["blocking"], rates[other]),
            target=target,
            measured={
                "blocking_per_s": medians["blocking_per_s"],
                f"{other}_per_s": medians[f"{other}_per_s"],
                "calls": sizes.blocking_calls,
                "rounds": {"blocking_per_s": rates["blocking"], f"{other}_per_s": rates[other]},
            },
            summary=f"blocking {medians['blocking_per_s']:,} vs {other} "
            f"{medians[f'{other}_per_s']:,} calls/s",
        )
    return outcome


async def _async_client(base_url: str) -> bland_pools.AsyncBlandClient:
    """The async client, made on the runner's loop (where it will open its session)."""
    return bland_pools.AsyncBlandClient(api_key=API_KEY, base_url=base_url)


def _sides(
    runner: asyncio.Runner,
    async_client: bland_pools.AsyncBlandClient,
    blocking: bland_pools.BlandClient,
    session: requests.Session,
    url: str,
    headers: dict[str, str],
) -> dict[str, Side]:
    get = blocking.pools.get
    call = sdk_call(async_client)

    def with_blocking(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            get(POOL_ID)
        return time.perf_counter() - started

    def with_async(n: int) -> float:
        return n / runner.run(run_requests(call, n, 1)).rps

    def with_docs(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            requests.get(url, headers=headers).json()
        return time.perf_counter() - started

    def with_session(n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            session.get(url, headers=headers).json()
        return time.perf_counter() - started

    if get(POOL_ID).id != POOL_ID:
        raise BenchmarkError("the blocking client got a wrong pool")
    if requests.get(url, headers=headers).json()["data"]["id"] != POOL_ID:
        raise BenchmarkError("requests got a wrong answer")
    return {
        "blocking": with_blocking,
        "async": with_async,
        "docs": with_docs,
        "session": with_session,
    }
