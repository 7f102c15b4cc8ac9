"""A ``BlandEmulator`` in its own process, for the ``rate_limited`` measure.

    python benchmarks/_bland_emulator.py --api-key KEY --rate-limit 5 [--log-limit 10000]

Prints ``LISTENING <port>`` once it accepts connections (as ``_server.py`` does), then serves
until terminated; the request log, with every answer's status, is at ``/_emulator/requests``
and ``POST /_emulator/reset`` forgets the pools and the log between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence

from bland_pools.testing import BlandEmulator


async def serve(args: argparse.Namespace) -> None:
    emulator = BlandEmulator([args.api_key], rate_limit=args.rate_limit, log_limit=args.log_limit)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with emulator:
        port = emulator.url.rsplit(":", 1)[1].rstrip("/")
        sys.stdout.write(f"LISTENING {port}\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A Bland emulator for the benchmarks.")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--rate-limit", type=int, required=True)
    parser.add_argument("--log-limit", type=int, default=10_000)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
