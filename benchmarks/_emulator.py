"""An SDK emulator in its own process: ``bland`` (a ``BlandEmulator``, for the
``rate_limited`` measure) or ``ghl`` (a ``GHLEmulator``, for ``ghl_export``).

    python benchmarks/_emulator.py bland --api-key KEY --rate-limit 5 [--log-limit 10000]
    python benchmarks/_emulator.py ghl --token T --location A --location B \\
        [--rate-limit 100] [--rate-interval 10] [--log-limit 10000]

A GoHighLevel location gets the emulator's three sample pools (the first is the docs'
example). Prints ``LISTENING <port>`` once it accepts connections (as ``_server.py`` does),
then serves until terminated; the request log, with every answer's status, is at
``/_emulator/requests`` and ``POST /_emulator/reset`` forgets the pools and the log between
runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator


def build(args: argparse.Namespace) -> BlandEmulator | GHLEmulator:
    if args.api == "bland":
        return BlandEmulator([args.api_key], rate_limit=args.rate_limit, log_limit=args.log_limit)
    emulator = GHLEmulator(
        {args.token: args.location},
        rate_limit=args.rate_limit,
        rate_interval=args.rate_interval,
        log_limit=args.log_limit,
    )
    for location in args.location:
        emulator.seed_samples(location)
    return emulator


async def serve(emulator: BlandEmulator | GHLEmulator) -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with emulator:
        port = emulator.url.rsplit(":", 1)[1].rstrip("/")
        sys.stdout.write(f"LISTENING {port}\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="An SDK emulator for the benchmarks.")
    apis = parser.add_subparsers(dest="api", required=True)
    bland = apis.add_parser("bland", help="a BlandEmulator")
    bland.add_argument("--api-key", required=True)
    bland.add_argument("--rate-limit", type=int, required=True)
    ghl = apis.add_parser("ghl", help="a GHLEmulator")
    ghl.add_argument("--token", required=True)
    ghl.add_argument("--location", action="append", required=True)
    ghl.add_argument("--rate-limit", type=int, default=100)
    ghl.add_argument("--rate-interval", type=float, default=10.0)
    for api in (bland, ghl):
        api.add_argument("--log-limit", type=int, default=10_000)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(build(args)))


if __name__ == "__main__":
    main()
