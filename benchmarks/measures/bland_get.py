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
from typing import Final

import aiohttp

import bland_pools
from benchmarks._harness import (
    Outcome,
    Sizes,
    add_instructions,
    add_sdk_vs_raw,
    compare_watched,
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
            rounds, watch = await compare_watched(
                outcome,
                server.pid,
                sides,
                requests={"raw": sizes.requests, "sdk": sizes.requests},
                concurrency=concurrency,
                sizes=sizes,
                label=f"bland_get {key}",
            )
            add_sdk_vs_raw(
                outcome, key, label, rounds, concurrency=concurrency, target=target, watch=watch
            )
