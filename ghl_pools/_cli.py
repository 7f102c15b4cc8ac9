"""``ghl-pools``: GoHighLevel number pools from the command line.

    ghl-pools list [--location LOCATION_ID]

The token comes from ``--token`` or ``GHL_ACCESS_TOKEN``, the location from ``--location`` or
``GHL_LOCATION_ID``; ``--emulator`` runs against an embedded emulator with sample pools.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any

from pools_core._cli import (
    announce_emulator,
    client_settings,
    new_parser,
    option,
    print_json,
    print_table,
    run_command,
)

from ._client import AsyncGHLClient
from ._models import NumberPool

__all__ = ["main"]

PROG = "ghl-pools"
_EMULATOR_TOKEN = "ghl-cli-emulator-token"
_EMULATOR_LOCATION = "ve9EPM428h8vShlRW1KT"  # the docs' example location


def _parser() -> argparse.ArgumentParser:
    parser, commands, common = new_parser(
        PROG, "List GoHighLevel number pools.", credential="token", env="GHL_ACCESS_TOKEN"
    )
    listing = commands.add_parser("list", parents=[common], help="list a location's pools")
    listing.add_argument(
        "--location",
        metavar="LOCATION_ID",
        help="the location (default: $GHL_LOCATION_ID, else the token's own)",
    )
    listing.add_argument(
        "--api-version", metavar="VERSION", help="the Version header (default: 2021-07-28)"
    )
    return parser


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[AsyncGHLClient]:
    settings = client_settings(args)
    if option(args, "api_version"):
        settings["version"] = args.api_version
    if not option(args, "emulator"):
        async with AsyncGHLClient(
            token=option(args, "token"), base_url=option(args, "base_url"), **settings
        ) as ghl:
            yield ghl
        return
    from .testing import GHLEmulator  # only here: the emulator needs aiohttp.web

    async with GHLEmulator(tokens={_EMULATOR_TOKEN: [_EMULATOR_LOCATION]}) as emu:
        emu.seed_samples()
        announce_emulator(emu.url)
        # The location too: a real $GHL_LOCATION_ID is not one the emulator knows.
        async with AsyncGHLClient(
            token=_EMULATOR_TOKEN,
            base_url=emu.url,
            location_id=_EMULATOR_LOCATION,
            **settings,
        ) as ghl:
            yield ghl


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _row(pool: NumberPool) -> list[str]:
    numbers = ", ".join(n.phone_number or "?" for n in pool.numbers[:3])
    if len(pool.numbers) > 3:
        numbers += f" (+{len(pool.numbers) - 3} more)"
    service = pool.inbound_call_service
    inbound = f"{service.type}:{service.value}" if service is not None else "-"
    return [
        pool.id or "-",
        pool.name or "-",
        _yes_no(pool.is_active),
        pool.forwarding_number or "-",
        inbound,
        numbers or "-",
    ]


async def _run(args: argparse.Namespace) -> None:
    async with _client(args) as ghl:
        kwargs: dict[str, Any] = {}
        if args.location is not None:
            kwargs["location_id"] = args.location
        page = await ghl.pools.list(**kwargs)
    if option(args, "json"):
        print_json(page.raw)
        return
    print_table(
        ["ID", "NAME", "ACTIVE", "FORWARDING", "INBOUND", "NUMBERS"], [_row(p) for p in page]
    )
    print(f"{len(page)} pools shown, total {page.total}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ghl-pools``; returns the exit code."""
    args = _parser().parse_args(argv)
    return run_command(PROG, args, _run)


if __name__ == "__main__":  # pragma: no cover - python -m ghl_pools._cli
    sys.exit(main())
