"""``python -m bland_pools.testing``: run a Bland emulator until Ctrl-C.

    python -m bland_pools.testing --port 8765 --api-key KEY --samples --credentials UUID

Prints the URL (first line), the API key and the Twilio credentials its organizations own;
``--fault server_error=0.05`` adds random faults; ``--paths geospatial-dialing-pools`` serves
the resource under that name only (default: both); ``--rate-limit 5`` answers 429 past 5
requests per sliding second per key.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pools_core.testing._emulator import Settings, standalone_main

from . import SAMPLE_CREDENTIALS
from ._emulator import DEFAULT_API_KEY, RESOURCE_NAMES, BlandEmulator

PROG = "python -m bland_pools.testing"


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--api-key",
        action="append",
        metavar="KEY",
        help="an accepted API key, each its own organization (repeatable; default "
        f"{DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="answer 429 (with Retry-After) past N requests per sliding second per key "
        "(default: no limit)",
    )
    parser.add_argument(
        "--credentials",
        action="append",
        default=[],
        metavar="UUID",
        help="Twilio credentials (their UUID) every key's organization owns, so that a pool's "
        "encrypted_key may name them (repeatable; --samples adds "
        f"{SAMPLE_CREDENTIALS})",
    )
    parser.add_argument(
        "--paths",
        nargs="+",
        choices=RESOURCE_NAMES,
        default=list(RESOURCE_NAMES),
        metavar="NAME",
        help="the resource names served (default both: custom-dialing-pools "
        "geospatial-dialing-pools); the other's paths answer a plain 404",
    )


def _build(args: argparse.Namespace, **common: Any) -> tuple[BlandEmulator, Settings]:
    keys: list[str] = args.api_key or [DEFAULT_API_KEY]
    credentials: list[str] = list(args.credentials)
    if args.samples and SAMPLE_CREDENTIALS not in credentials:
        credentials.append(SAMPLE_CREDENTIALS)  # a sample pool uses them
    emulator = BlandEmulator(
        dict.fromkeys(keys, credentials), paths=args.paths, rate_limit=args.rate_limit, **common
    )

    def settings() -> list[tuple[str, str]]:
        lines = [
            ("API key" if len(keys) == 1 else "API keys", ", ".join(keys)),
            ("paths", ", ".join("/v1/" + name for name in emulator.paths)),
            ("credentials", ", ".join(credentials) or "none (add with --credentials UUID)"),
            ("shell", f"export BLAND_BASE_URL={emulator.url} BLAND_API_KEY={keys[0]}"),
        ]
        if args.rate_limit is not None:
            lines.append(("rate limit", f"{args.rate_limit} requests per second per key"))
        return lines

    return emulator, settings


main = standalone_main(
    PROG, "Bland emulator", "Run a local Bland pools emulator.", 8765, _options, _build
)

if __name__ == "__main__":
    sys.exit(main(None))
