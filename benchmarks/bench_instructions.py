"""The SDK's overhead in CPU instructions per request: a measure that noise cannot move.

Usage (from the repository root, with the package installed and valgrind on the PATH)::

    python benchmarks/bench_instructions.py [--requests N] [--concurrency C] [--api bland|ghl]

Wall-clock ratios on a shared machine swing by 5-10% from run to run. This script runs the
same client work as ``bench_overhead.py`` (raw aiohttp ``GET`` + ``resp.json()`` versus
``client.pools.get``) under ``valgrind --tool=callgrind``, which counts the instructions the
client executes, against the same fast server in another process (not under valgrind). Each
side runs twice, with a warm-up only and with warm-up plus ``N`` requests; the difference
divided by ``N`` is the instructions per request, free of start-up costs. The ratio raw/SDK
is the throughput ratio the SDK would reach if every instruction cost the same time.

It takes about a minute (valgrind runs the client some 50 times slower). Exit status: 0, or
1 when valgrind is missing or a run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

import aiohttp

import bland_pools
import ghl_pools

if not __package__:  # run as a script (also valgrind's child): make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The clients are bench_overhead's own.
from benchmarks.bench_overhead import (
    POOL_ID,
    Call,
    raw_call,
    run_requests,
    running_server,
    sdk_call,
)

__all__ = ["main"]

WARMUP: Final = 300
_COLLECTED = re.compile(r"Collected : (\d+)")


GHL_LOCATION: Final = "ve9EPM428h8vShlRW1KT"


def ghl_raw_call(session: aiohttp.ClientSession, url: str) -> Call:
    """GoHighLevel's list through bare aiohttp: the docs' cURL headers, then the JSON."""
    headers = {"Authorization": "Bearer bench-token", "Version": "2021-07-28"}
    target = f"{url}/phone-system/number-pools?locationId={GHL_LOCATION}"

    async def call() -> None:
        async with session.get(target, headers=headers) as resp:
            await resp.json()

    return call


def ghl_sdk_call(client: ghl_pools.AsyncGHLClient) -> Call:
    """GoHighLevel's list through the SDK: ``client.pools.list(location_id=...)``."""
    pools = client.pools

    async def call() -> None:
        await pools.list(location_id=GHL_LOCATION)

    return call


async def _client_work(
    api: str, side: str, url: str, requests: int, concurrency: int, warmup: int = WARMUP
) -> None:
    """What runs under valgrind: warm up, then ``requests`` calls of one side."""
    async with (
        aiohttp.ClientSession() as session,
        bland_pools.AsyncBlandClient(api_key="bench-key", base_url=url) as bland,
        ghl_pools.AsyncGHLClient(token="bench-token", base_url=url) as ghl,
    ):
        if api == "ghl":
            call = ghl_raw_call(session, url) if side == "raw" else ghl_sdk_call(ghl)
        elif side == "raw":
            call = raw_call(session, f"{url}/v1/custom-dialing-pools/{POOL_ID}")
        else:
            call = sdk_call(bland)
        await run_requests(call, warmup, concurrency)
        if requests:
            await run_requests(call, requests, concurrency)


def _instructions(
    api: str, side: str, url: str, requests: int, concurrency: int, warmup: int, out: Path
) -> int:
    """Instructions the client executed for one run (callgrind's total)."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            api,
            side,
            url,
            str(requests),
            str(concurrency),
            str(warmup),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run failed ({done.returncode}): {done.stderr[-500:]}")
    return int(found.group(1))


def measure(
    requests: int, concurrency: int, api: str = "bland", warmup: int = WARMUP
) -> dict[str, float]:
    """Instructions per request of each side (the four runs go two at a time)."""
    with running_server(pin=False) as server, tempfile.TemporaryDirectory() as tmp:
        runs = [(side, n) for side in ("raw", "sdk") for n in (0, requests)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = list(
                pool.map(
                    lambda run: _instructions(
                        api,
                        run[0],
                        server.base_url,
                        run[1],
                        concurrency,
                        warmup,
                        Path(tmp) / f"{run[0]}-{run[1]}.out",
                    ),
                    runs,
                )
            )
    total = dict(zip(runs, counts, strict=True))
    return {
        side: (total[(side, requests)] - total[(side, 0)]) / requests for side in ("raw", "sdk")
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--child"]:
        api, side, url, requests, concurrency, warmup = args[1:7]
        asyncio.run(_client_work(api, side, url, int(requests), int(concurrency), int(warmup)))
        return 0
    parser = argparse.ArgumentParser(description="SDK overhead in instructions per request")
    parser.add_argument("--requests", type=int, default=1000, help="requests per side")
    parser.add_argument("--concurrency", type=int, default=64, help="worker tasks")
    parser.add_argument("--api", choices=["bland", "ghl"], default="bland", help="which call")
    options = parser.parse_args(args)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 1
    try:
        per_request = measure(options.requests, options.concurrency, options.api)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    raw, sdk = per_request["raw"], per_request["sdk"]
    print(f"{options.api}: instructions per request, {options.concurrency} concurrent:")
    print(f"  raw aiohttp  {raw:10,.0f}")
    print(f"  SDK          {sdk:10,.0f}  (+{sdk - raw:,.0f}, +{(sdk / raw - 1) * 100:.1f}%)")
    print(f"  raw/SDK      {raw / sdk:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
