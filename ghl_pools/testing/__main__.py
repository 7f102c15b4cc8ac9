"""``python -m ghl_pools.testing``: run a GoHighLevel emulator until Ctrl-C.

    python -m ghl_pools.testing --port 8766 --token T --location L --samples

Prints the URL (first line), the token and its locations; ``--fault rate_limited=0.1`` adds
random faults.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pools_core.testing._emulator import Settings, standalone_main

from ._emulator import DEFAULT_LOCATION_ID, DEFAULT_TOKEN, GHLEmulator

PROG = "python -m ghl_pools.testing"


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="accepted token (%(default)s)")
    parser.add_argument(
        "--location",
        action="append",
        metavar="ID",
        help="a location the token may see; the first is its own (repeatable; default "
        f"{DEFAULT_LOCATION_ID})",
    )
    parser.add_argument("--rate-limit", type=int, default=100, help="requests per interval")
    parser.add_argument("--rate-interval", type=float, default=10.0, help="interval seconds")


def _build(args: argparse.Namespace, **common: Any) -> tuple[GHLEmulator, Settings]:
    token: str = args.token
    locations: list[str] = args.location or [DEFAULT_LOCATION_ID]
    emulator = GHLEmulator(
        {token: locations}, rate_limit=args.rate_limit, rate_interval=args.rate_interval, **common
    )

    def settings() -> list[tuple[str, str]]:
        return [
            ("token", token),
            ("locations" if len(locations) > 1 else "location", ", ".join(locations)),
            (
                "shell",
                f"export GHL_BASE_URL={emulator.url} GHL_ACCESS_TOKEN={token} "
                f"GHL_LOCATION_ID={locations[0]}",
            ),
        ]

    return emulator, settings


main = standalone_main(
    PROG, "GoHighLevel emulator", "Run a local GoHighLevel emulator.", 8766, _options, _build
)

if __name__ == "__main__":
    sys.exit(main(None))
