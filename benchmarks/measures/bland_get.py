"""``bland_get``: Bland ``pools.get`` through the SDK versus raw aiohttp.

Raw aiohttp is ``session.get(url, headers={"Authorization": key})`` + ``resp.json()`` on one
``ClientSession``; the SDK is ``AsyncBlandClient(...).pools.get(POOL_ID)``. Both against the
fast server (``_server.py``, another process), sequential and at 64 concurrent (fixed worker
tasks), in rounds that alternate which side goes first; the figure is the median of the
per-round SDK/raw ratios of requests per second. Then instructions per request at 64
concurrent (callgrind), raw/SDK.
"""

from __future__ import annotations

import asyncio
import statistics
from typing import Final

import aiohttp

import bland_pools
from benchmarks._harness import (
    CpuWatch,
    Outcome,
    Sizes,
    add_instructions,
    compare_calls,
    median_ratio,
    rps,
)
from benchmarks.bench_overhead import (
    API_KEY,
    POOL_ID,
    Server,
    can_pin,
    check_answers,
    raw_call,
    running_server,
    sdk_call,
)

TITLE: Final = "Bland pools.get: SDK vs raw aiohttp"
TARGET: Final = 0.92  # at 64 concurrent, in throughput and in instructions


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(
        TITLE,
        sizes.describe(
            "requests", "rounds", "warmup", "concurrency", "instr_requests", "instr_warmup"
        ),
    )
    with running_server(pin=can_pin()) as server:
        asyncio.run(_throughput(server, sizes, outcome))
    add_instructions(
        outcome,
        api="bland",
        key="instructions",
        label=f"Bland get x{sizes.concurrency}: raw/SDK instructions",
        sizes=sizes,
        target=TARGET,
    )
    return outcome


async def _throughput(server: Server, sizes: Sizes, outcome: Outcome) -> None:
    url = f"{server.base_url}/v1/custom-dialing-pools/{POOL_ID}"
    async with (
        aiohttp.ClientSession() as session,
        bland_pools.AsyncBlandClient(api_key=API_KEY, base_url=server.base_url) as client,
    ):
        await check_answers(session, url, client)
        sides = {"raw": raw_call(session, url), "sdk": sdk_call(client)}
        scenarios = (
            ("sequential", 1, None, "Bland get sequential: SDK/raw req/s"),
            (
                "concurrent",
                sizes.concurrency,
                TARGET,
                f"Bland get x{sizes.concurrency}: SDK/raw req/s",
            ),
        )
        for key, concurrency, target, label in scenarios:
            with CpuWatch(server.pid) as watch:
                rounds = await compare_calls(
                    sides,
                    requests={"raw": sizes.requests, "sdk": sizes.requests},
                    concurrency=concurrency,
                    rounds=sizes.rounds,
                    warmup=sizes.warmup,
                    label=f"bland_get {key}",
                )
            outcome.watch(watch)
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
                summary=f"SDK {statistics.median(sdk):,.0f} vs raw "
                f"{statistics.median(raw):,.0f} req/s",
            )
