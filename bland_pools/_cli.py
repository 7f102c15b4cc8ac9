"""``bland-pools``: Bland custom dialing pools from the command line.

    bland-pools list
    bland-pools get POOL_ID
    bland-pools create NUMBER... [--encrypted-key KEY]
    bland-pools update POOL_ID NUMBER... [--encrypted-key KEY | --remove-credentials]

The API key comes from ``--api-key`` or ``BLAND_API_KEY``; ``--emulator`` runs the command
against an embedded emulator seeded with sample pools instead.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Sequence

from pools_core._cli import (
    announce_emulator,
    client_settings,
    new_parser,
    option,
    print_json,
    print_record,
    print_table,
    run_command,
)
from pools_core._types import NOT_GIVEN, NotGivenOr

from ._client import AsyncBlandClient
from ._models import DialingPool

__all__ = ["main"]

PROG = "bland-pools"
_EMULATOR_KEY = "bland-cli-emulator-key"


def _parser() -> argparse.ArgumentParser:
    parser, commands, common = new_parser(
        PROG,
        "Manage Bland AI custom dialing pools.",
        credential="api_key",
        env="BLAND_API_KEY",
    )
    commands.add_parser("list", parents=[common], help="list the organization's pools")
    get = commands.add_parser("get", parents=[common], help="show one pool")
    get.add_argument("pool_id", metavar="POOL_ID")
    create = commands.add_parser("create", parents=[common], help="create a pool")
    create.add_argument("numbers", nargs="+", metavar="NUMBER", help="+1 and ten digits")
    create.add_argument("--encrypted-key", metavar="KEY", help="UUID of Twilio credentials")
    update = commands.add_parser(
        "update", parents=[common], help="replace a pool's numbers (and credentials)"
    )
    update.add_argument("pool_id", metavar="POOL_ID")
    update.add_argument("numbers", nargs="+", metavar="NUMBER", help="the pool's new numbers")
    creds = update.add_mutually_exclusive_group()
    creds.add_argument("--encrypted-key", metavar="KEY", help="set these Twilio credentials")
    creds.add_argument(
        "--remove-credentials", action="store_true", help="remove the pool's credentials"
    )
    return parser


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[AsyncBlandClient]:
    settings = client_settings(args)
    if not option(args, "emulator"):
        async with AsyncBlandClient(
            api_key=option(args, "api_key"), base_url=option(args, "base_url"), **settings
        ) as bland:
            yield bland
        return
    from .testing import BlandEmulator  # only here: the emulator needs aiohttp.web

    async with BlandEmulator(api_keys=[_EMULATOR_KEY]) as emu:
        emu.seed_samples()
        announce_emulator(emu.url)
        async with AsyncBlandClient(api_key=_EMULATOR_KEY, base_url=emu.url, **settings) as bland:
            yield bland


def _row(pool: DialingPool) -> list[str]:
    numbers = ", ".join(pool.phone_numbers[:3])
    if len(pool.phone_numbers) > 3:
        numbers += f" (+{len(pool.phone_numbers) - 3} more)"
    return [pool.id, pool.created_at.strftime("%Y-%m-%d %H:%M"), pool.encrypted_key or "-", numbers]


def _show(pool: DialingPool, as_json: bool) -> None:
    if as_json:
        print_json(pool.raw)
        return
    print_record(
        [
            ("id", pool.id),
            ("owner_id", pool.owner_id),
            ("created_at", pool.created_at.isoformat()),
            ("encrypted_key", pool.encrypted_key or "-"),
            ("phone_numbers", " ".join(pool.phone_numbers)),
        ]
    )


async def _run(args: argparse.Namespace) -> None:
    as_json = bool(option(args, "json"))
    async with _client(args) as bland:
        if args.command == "list":
            pools = await bland.pools.list()
            if as_json:
                print_json([p.raw for p in pools])
            else:
                print_table(["ID", "CREATED", "ENCRYPTED KEY", "NUMBERS"], [_row(p) for p in pools])
        elif args.command == "get":
            _show(await bland.pools.get(args.pool_id), as_json)
        elif args.command == "create":
            pool = await bland.pools.create(args.numbers, encrypted_key=args.encrypted_key)
            _show(pool, as_json)
        else:
            key: NotGivenOr[str | None] = NOT_GIVEN
            if args.remove_credentials:
                key = None
            elif args.encrypted_key is not None:
                key = args.encrypted_key
            _show(await bland.pools.update(args.pool_id, args.numbers, encrypted_key=key), as_json)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bland-pools``; returns the exit code."""
    args = _parser().parse_args(argv)
    return run_command(PROG, args, _run)


if __name__ == "__main__":  # pragma: no cover - python -m bland_pools._cli
    sys.exit(main())
