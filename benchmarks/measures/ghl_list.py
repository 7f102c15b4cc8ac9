"""``ghl_list``: GoHighLevel ``pools.list(location_id=...)`` through the SDK, versus raw aiohttp
and versus the official SDK (``gohighlevel-api-client``).

All three ask the fast server (``_server.py``, another process) for the GoHighLevel docs'
example page (two pools; ``X-RateLimit-*`` headers far above the pace, so no limiter ever
waits: 10,000 per 100 ms, as the SDK caps a stated limit at 10,000 per interval; the figures
it learned are in ``params``), sequential and at 64 concurrent (fixed worker tasks), in rounds
whose order rotates:

* raw aiohttp: ``session.get(url?locationId=..., headers={"Authorization": "Bearer ...",
  "Version": "2021-07-28"})`` + ``resp.json()`` on one ``ClientSession``;
* the SDK: ``AsyncGHLClient(token=..., base_url=...).pools.list(location_id=...)``;
* the official SDK: one ``highlevel.HighLevel(private_integration_token=...)`` reused for
  every call, its httpx client pointed at the server, and
  ``phone_system.get_number_pool_list(location_id=...)`` (it sends ``Version: v3`` and returns
  the parsed JSON). Its httpx pool keeps up to 20 idle connections; at 64 workers it never
  had more than about 15 open against this server, so its defaults are left alone.

Figures: SDK/raw requests per second (median of the per-round ratios), official/SDK the same
way, and raw/SDK instructions per request at 64 concurrent (callgrind).
"""

from __future__ import annotations

import asyncio
import importlib
import statistics
from typing import Any, Final

import aiohttp

import ghl_pools
from benchmarks._harness import (
    CpuWatch,
    Outcome,
    Sizes,
    add_instructions,
    add_sdk_vs_raw,
    compare_watched,
    median_ratio,
    rps,
)
from benchmarks.bench_instructions import GHL_LOCATION, ghl_raw_call, ghl_sdk_call
from benchmarks.bench_overhead import BenchmarkError, Call, Measure, Server, can_pin, running_server

TITLE: Final = "GoHighLevel pools.list: SDK vs raw aiohttp, and the official SDK vs the SDK"
TARGET: Final = 0.80  # at 64 concurrent, in throughput and in instructions
TOKEN: Final = "bench-token"


def run(sizes: Sizes) -> Outcome:
    outcome = Outcome(
        TITLE,
        sizes.describe(
            "requests",
            "official_requests",
            "rounds",
            "warmup",
            "concurrency",
            "instr_requests",
            "instr_warmup",
        ),
    )
    with running_server(pin=can_pin()) as server:
        asyncio.run(_throughput(server, sizes, outcome))
    add_instructions(
        outcome,
        api="ghl",
        key="instructions",
        label=f"GHL list x{sizes.concurrency}: raw/SDK instructions",
        sizes=sizes,
        target=TARGET,
    )
    return outcome


def official_client(base_url: str) -> Any:
    """The official SDK's client, pointed at ``base_url``, or ``None`` if not installed.

    ``HighLevel`` takes no base URL: it builds its ``httpx.AsyncClient`` from the class
    attribute ``BASE_URL`` in ``__init__`` and its services keep that client, so the client's
    ``base_url`` is set after construction (every request path is relative). A private
    integration token goes in ``Authorization: Bearer``.
    """
    try:
        highlevel = importlib.import_module("highlevel")
    except ImportError:
        return None
    client = highlevel.HighLevel(private_integration_token=TOKEN)
    client.http_client.base_url = base_url
    return client


def official_call(client: Any) -> Call:
    """``phone_system.get_number_pool_list(location_id=...)`` on one reused client."""
    phone_system = client.phone_system

    async def call() -> None:
        await phone_system.get_number_pool_list(location_id=GHL_LOCATION)

    return call


async def _check(
    session: aiohttp.ClientSession, base_url: str, sdk: ghl_pools.AsyncGHLClient, official: Any
) -> None:
    """Every side gets the docs' page (two pools) before anything is measured."""
    async with session.get(
        f"{base_url}/phone-system/number-pools",
        params={"locationId": GHL_LOCATION},
        headers={"Authorization": f"Bearer {TOKEN}", "Version": "2021-07-28"},
    ) as resp:
        payload = await resp.json()
    if resp.status != 200 or len(payload.get("data", [])) != 2:
        raise BenchmarkError(f"raw aiohttp got a wrong answer: {resp.status} {payload!r:.200}")
    page = await sdk.pools.list(location_id=GHL_LOCATION)
    if len(page) != 2 or page[0].name != "Sales Team Pool":
        raise BenchmarkError(f"the SDK got a wrong page: {page!r:.200}")
    if official is not None:
        answer = await official.phone_system.get_number_pool_list(location_id=GHL_LOCATION)
        if len(answer.get("data", [])) != 2:
            raise BenchmarkError(f"the official SDK got a wrong answer: {answer!r:.200}")


async def _throughput(server: Server, sizes: Sizes, outcome: Outcome) -> None:
    base_url = server.base_url
    official = official_client(base_url)
    if official is None:
        outcome.note(
            "gohighlevel-api-client is not installed (pip install -e '.[bench]'): "
            "the official SDK's figures are skipped"
        )
    try:
        async with (
            aiohttp.ClientSession() as session,
            ghl_pools.AsyncGHLClient(token=TOKEN, base_url=base_url) as sdk,
        ):
            await _check(session, base_url, sdk, official)
            sides = {"raw": ghl_raw_call(session, base_url), "sdk": ghl_sdk_call(sdk)}
            requests = {"raw": sizes.requests, "sdk": sizes.requests}
            if official is not None:
                sides["official"] = official_call(official)
                requests["official"] = sizes.official_requests
            learned = sdk.rate_limit  # what the SDK's limiter took from the server's headers
            if learned is not None:
                outcome.params["sdk_rate_limit"] = f"{learned.limit} per {learned.interval} s"
            for key, concurrency in (("sequential", 1), ("concurrent", sizes.concurrency)):
                rounds, watch = await compare_watched(
                    outcome,
                    server.pid,
                    sides,
                    requests=requests,
                    concurrency=concurrency,
                    sizes=sizes,
                    label=f"ghl_list {key}",
                )
                _record(outcome, key, concurrency, rounds, sizes, watch)
    finally:
        if official is not None:
            await official.close()


def _record(
    outcome: Outcome,
    key: str,
    concurrency: int,
    rounds: dict[str, list[Measure]],
    sizes: Sizes,
    watch: CpuWatch,
) -> None:
    where = "sequential" if concurrency == 1 else f"x{concurrency}"
    target = None if concurrency == 1 else TARGET
    label = f"GHL list {where}: SDK/raw req/s"
    sdk = add_sdk_vs_raw(
        outcome, key, label, rounds, concurrency=concurrency, target=target, watch=watch
    )
    if "official" not in rounds:
        return
    official = rps(rounds["official"])
    ratio = median_ratio(official, sdk)
    outcome.add(
        f"official_{key}",
        f"GHL list {where}: official SDK/SDK req/s",
        ratio,
        measured={
            "concurrency": concurrency,
            "official_rps": round(statistics.median(official)),
            "sdk_rps": round(statistics.median(sdk)),
            "sdk_times_faster": round(1 / ratio, 2),
            "official_cpu_us": round(statistics.median(m.cpu_us for m in rounds["official"]), 1),
            "official_requests_per_round": sizes.official_requests,
            "rounds": {"official_rps": official, "sdk_rps": sdk},
        },
        summary=f"official {statistics.median(official):,.0f} vs SDK "
        f"{statistics.median(sdk):,.0f} req/s (SDK {1 / ratio:.1f}x)",
        note=f"the SDK is {1 / ratio:.1f}x as fast as the official SDK",
    )
