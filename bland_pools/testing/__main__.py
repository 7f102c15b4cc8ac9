"""``python -m bland_pools.testing``: run a Bland emulator until Ctrl-C.

    python -m bland_pools.testing --port 8765 --api-key KEY --samples

Prints the URL (first line) and the API key; ``--fault server_error=0.05`` adds random faults,
``--rate-limit 5`` answers 429 past 5 requests per sliding second per key.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pools_core.testing._emulator import (
    add_standalone_options,
    fault_plan_from_args,
    run_standalone,
)

from ._emulator import DEFAULT_API_KEY, BlandEmulator

PROG = "python -m bland_pools.testing"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description="Run a local Bland pools emulator.")
    add_standalone_options(parser, default_port=8765)
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
    args = parser.parse_args(argv)
    keys: list[str] = args.api_key or [DEFAULT_API_KEY]
    plan = fault_plan_from_args(parser, args)
    try:
        emulator = BlandEmulator(
            keys, host=args.host, port=args.port, faults=plan, rate_limit=args.rate_limit
        )
    except ValueError as exc:
        parser.error(str(exc))
    if args.samples:
        emulator.seed_samples()

    def settings() -> list[tuple[str, str]]:
        lines = [
            ("API key" if len(keys) == 1 else "API keys", ", ".join(keys)),
            ("shell", f"export BLAND_BASE_URL={emulator.url} BLAND_API_KEY={keys[0]}"),
        ]
        if args.rate_limit is not None:
            lines.append(("rate limit", f"{args.rate_limit} requests per second per key"))
        return lines

    return run_standalone(emulator, "Bland emulator", settings, prog=PROG)


if __name__ == "__main__":
    sys.exit(main())
