"""A ``GHLEmulator`` in its own process, for the ``ghl_export`` measure.

    python benchmarks/_ghl_emulator.py --token T --location A --location B \\
        [--rate-limit 100] [--rate-interval 10] [--log-limit 10000]

Each location gets the emulator's three sample pools (the first is the docs' example). Prints
``LISTENING <port>`` once it accepts connections (as ``_server.py`` does), then serves until
terminated; the request log, with every answer's status, is at ``/_emulator/requests``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from ghl_pools.testing import GHLEmulator


async def serve(args: argparse.Namespace) -> None:
    emulator = GHLEmulator(
        {args.token: args.location},
        rate_limit=args.rate_limit,
        rate_interval=args.rate_interval,
        log_limit=args.log_limit,
    )
    for location in args.location:
        emulator.seed_samples(location)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with emulator:
        port = emulator.url.rsplit(":", 1)[1].rstrip("/")
        sys.stdout.write(f"LISTENING {port}\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A GoHighLevel emulator for the benchmarks.")
    parser.add_argument("--token", required=True)
    parser.add_argument("--location", action="append", required=True)
    parser.add_argument("--rate-limit", type=int, default=100)
    parser.add_argument("--rate-interval", type=float, default=10.0)
    parser.add_argument("--log-limit", type=int, default=10_000)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
