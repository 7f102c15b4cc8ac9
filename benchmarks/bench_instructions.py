"""The SDK's overhead in CPU instructions per request: a measure that noise cannot move.

Usage (from the repository root, with the package installed and valgrind on the PATH)::

    python benchmarks/bench_instructions.py [--requests N] [--concurrency C]

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

# Run as a script, this folder is on sys.path: the clients are bench_overhead's own.
from bench_overhead import POOL_ID, raw_call, run_requests, running_server, sdk_call

import bland_pools

__all__ = ["main"]

WARMUP: Final = 300
_COLLECTED = re.compile(r"Collected : (\d+)")


async def _client_work(side: str, url: str, requests: int, concurrency: int) -> None:
    """What runs under valgrind: warm up, then ``requests`` calls of one side."""
    async with (
        aiohttp.ClientSession() as session,
        bland_pools.AsyncBlandClient(api_key="bench-key", base_url=url) as client,
    ):
        call = (
            raw_call(session, f"{url}/v1/custom-dialing-pools/{POOL_ID}")
            if side == "raw"
            else sdk_call(client)
        )
        await run_requests(call, WARMUP, concurrency)
        if requests:
            await run_requests(call, requests, concurrency)


def _instructions(side: str, url: str, requests: int, concurrency: int, out: Path) -> int:
    """Instructions the client executed for one run (callgrind's total)."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            side,
            url,
            str(requests),
            str(concurrency),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"valgrind run failed ({done.returncode}): {done.stderr[-500:]}")
    return int(found.group(1))


def measure(requests: int, concurrency: int) -> dict[str, float]:
    """Instructions per request of each side (the four runs go two at a time)."""
    with running_server(pin=False) as server, tempfile.TemporaryDirectory() as tmp:
        runs = [(side, n) for side in ("raw", "sdk") for n in (0, requests)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = list(
                pool.map(
                    lambda run: _instructions(
                        run[0], server.base_url, run[1], concurrency, Path(tmp) / f"{run}.out"
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
        side, url, requests, concurrency = args[1:5]
        asyncio.run(_client_work(side, url, int(requests), int(concurrency)))
        return 0
    parser = argparse.ArgumentParser(description="SDK overhead in instructions per request")
    parser.add_argument("--requests", type=int, default=1000, help="requests per side")
    parser.add_argument("--concurrency", type=int, default=64, help="worker tasks")
    options = parser.parse_args(args)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt install valgrind)", file=sys.stderr)
        return 1
    try:
        per_request = measure(options.requests, options.concurrency)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    raw, sdk = per_request["raw"], per_request["sdk"]
    print(f"instructions per request, {options.concurrency} concurrent:")
    print(f"  raw aiohttp  {raw:10,.0f}")
    print(f"  SDK          {sdk:10,.0f}  (+{sdk - raw:,.0f}, +{(sdk / raw - 1) * 100:.1f}%)")
    print(f"  raw/SDK      {raw / sdk:10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
