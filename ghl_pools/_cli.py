"""``ghl-pools``: GoHighLevel number pools from the command line.

    ghl-pools list [--location LOCATION_ID]
    ghl-pools export --location A --location B [--format csv|jsonl|json|provision]
    ghl-pools coverage CALLS [--location L] [--pool ID] [--suggest K] [--json | --csv]
    ghl-pools completion bash|zsh|fish

The token comes from ``--token`` or ``GHL_ACCESS_TOKEN``, the location from ``--location`` or
``GHL_LOCATION_ID``; ``--emulator`` runs against an embedded emulator with sample pools.
Every command is one entry of :data:`COMMANDS`; the parser, help and dispatch come from it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

from pools_core._cli import (
    CLI,
    Command,
    announced,
    arg,
    client_from_options,
    client_settings,
    option,
    print_json,
    print_table,
    say,
)
from pools_core._cli_completion import completion_command

from ._cli_coverage import COVERAGE
from ._cli_export import EMULATOR_TOKEN, EXPORT

if TYPE_CHECKING:
    from ._client import AsyncGHLClient
    from ._models import NumberPool, NumberPoolPage

__all__ = ["COMMANDS", "main"]

PROG = "ghl-pools"
_EMULATOR_LOCATION = "ve9EPM428h8vShlRW1KT"  # the docs' example location


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[AsyncGHLClient]:
    from ._client import AsyncGHLClient  # here: --help and --version need no aiohttp

    settings = client_settings(args)
    if option(args, "api_version"):
        settings["version"] = args.api_version
    if not option(args, "emulator"):
        async with client_from_options(AsyncGHLClient, args, "token", **settings) as ghl:
            yield ghl
        return
    from .testing import GHLEmulator

    # The location too: a real $GHL_LOCATION_ID is not one the emulator knows.
    async with (
        announced(GHLEmulator(tokens={EMULATOR_TOKEN: [_EMULATOR_LOCATION]})) as emu,
        AsyncGHLClient(
            token=EMULATOR_TOKEN, base_url=emu.url, location_id=_EMULATOR_LOCATION, **settings
        ) as ghl,
    ):
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


async def _list(ghl: AsyncGHLClient, args: argparse.Namespace) -> Any:
    kwargs: dict[str, Any] = {}
    if args.location is not None:
        kwargs["location_id"] = args.location
    return await ghl.pools.list(**kwargs)


def _show_page(page: NumberPoolPage, args: argparse.Namespace) -> None:
    if option(args, "json"):
        print_json(page.to_dict())
        return
    print_table(
        ["ID", "NAME", "ACTIVE", "FORWARDING", "INBOUND", "NUMBERS"], [_row(p) for p in page]
    )
    say(f"{len(page)} pools shown, total {page.total}", file=sys.stderr)


_API_VERSION = arg(
    "--api-version", metavar="VERSION", help="the Version header (default: 2021-07-28)"
)

COMMANDS: tuple[Command, ...] = (
    Command(
        name="list",
        summary="list a location's pools",
        description="List the number pools of one location. With --json: "
        '{"pools": [...], "total": N} (total as GoHighLevel states it).',
        examples=("list --location ve9EPM428h8vShlRW1KT", "list --json"),
        args=(
            arg(
                "--location",
                metavar="LOCATION_ID",
                help="the location (default: $GHL_LOCATION_ID, else the token's own)",
            ),
            _API_VERSION,
        ),
        run=_list,
        show=_show_page,
    ),
)

COMMANDS += (EXPORT, COVERAGE, completion_command(PROG, lambda: GHL_CLI))

GHL_CLI: CLI = CLI(
    prog=PROG,
    description="List GoHighLevel number pools, and export them (to Bland, for one).",
    credential="token",
    credential_name="access token",
    credential_env="GHL_ACCESS_TOKEN",
    base_url_env="GHL_BASE_URL",
    commands=COMMANDS,
    open=_client,
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ghl-pools``; returns the exit code."""
    return GHL_CLI.main(argv)


if __name__ == "__main__":  # pragma: no cover - python -m ghl_pools._cli
    sys.exit(main())
