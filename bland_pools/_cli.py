"""``bland-pools``: Bland custom dialing pools from the command line.

    bland-pools list
    bland-pools get POOL_ID
    bland-pools create NUMBER... [--encrypted-key KEY]
    bland-pools update POOL_ID NUMBER... [--encrypted-key KEY | --remove-credentials]
    bland-pools delete POOL_ID
    bland-pools export [--format csv|jsonl|json|provision]
    bland-pools provision FILE --manifest PATH [--dry-run] [--prune] [--report PATH]
    bland-pools manifest PATH [--json | --csv]
    bland-pools coverage CALLS [--numbers N,...] [--pool ID] [--input FILE [--key K]]
                         [--manifest M] [--suggest K] [--json | --csv] [--plot FILE.png]
    bland-pools completion bash|zsh|fish

The API key comes from ``--api-key`` or ``BLAND_API_KEY``; ``--emulator`` runs the command
against an embedded emulator seeded with sample pools instead. Every command is one entry of
:data:`COMMANDS`; the parser, help and dispatch come from that table.
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
    print_record,
    print_table,
    say,
)
from pools_core._cli_completion import completion_command

from ._cli_coverage import COVERAGE
from ._cli_export import EXPORT
from ._cli_provision import EMULATOR_KEY, EMULATOR_NOTE, MANIFEST, PROVISION
from ._validation import RESOURCE_NAMES

if TYPE_CHECKING:
    from ._client import AsyncBlandClient
    from ._models import DialingPool

__all__ = ["COMMANDS", "main"]

PROG = "bland-pools"

#: ``--resource-path``, an option of every command that talks to the API (the client's
#: ``resource_path``): pins the client to one name of the resource.
RESOURCE_PATH = arg(
    "--resource-path",
    choices=RESOURCE_NAMES,
    metavar="NAME",
    help="use only this name of the resource: custom-dialing-pools or "
    "geospatial-dialing-pools (default: $BLAND_RESOURCE_PATH, else custom-dialing-pools, "
    "switching once to the other name if the server has no such route)",
)


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[AsyncBlandClient]:
    from ._client import AsyncBlandClient  # here: --help and --version need no aiohttp

    if not option(args, "emulator"):
        async with client_from_options(AsyncBlandClient, args, "api_key") as bland:
            yield bland
        return
    from .testing import BlandEmulator

    async with (
        announced(BlandEmulator(api_keys=[EMULATOR_KEY]), note=EMULATOR_NOTE) as emu,
        AsyncBlandClient(api_key=EMULATOR_KEY, base_url=emu.url, **client_settings(args)) as bland,
    ):
        yield bland


def _numbers(values: Sequence[str]) -> list[str]:
    """The numbers as typed, in Bland's form (``(555) 123-4567`` -> ``+15551234567``)."""
    from ._exceptions import InvalidPhoneNumbersError
    from ._validation import normalize_phone_number

    try:
        return [normalize_phone_number(value) for value in values]
    except ValueError as exc:
        raise InvalidPhoneNumbersError(str(exc), code="INVALID_PHONE_NUMBERS") from None


def _row(pool: DialingPool) -> list[str]:
    numbers = ", ".join(pool.phone_numbers[:3])
    if len(pool.phone_numbers) > 3:
        numbers += f" (+{len(pool.phone_numbers) - 3} more)"
    return [pool.id, pool.created_at.strftime("%Y-%m-%d %H:%M"), pool.encrypted_key or "-", numbers]


def _show_pools(pools: list[DialingPool], args: argparse.Namespace) -> None:
    if option(args, "json"):
        print_json({"pools": [p.to_dict() for p in pools], "total": len(pools)})
        return
    print_table(["ID", "CREATED", "ENCRYPTED KEY", "NUMBERS"], [_row(p) for p in pools])


def _show_pool(pool: DialingPool, args: argparse.Namespace) -> None:
    if option(args, "json"):
        print_json(pool.to_dict())
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


async def _list(bland: AsyncBlandClient, args: argparse.Namespace) -> Any:
    return await bland.pools.list()


async def _get(bland: AsyncBlandClient, args: argparse.Namespace) -> Any:
    return await bland.pools.get(args.pool_id)


async def _create(bland: AsyncBlandClient, args: argparse.Namespace) -> Any:
    numbers, key = _numbers(args.numbers), args.encrypted_key
    if args.if_absent:
        return await bland.pools.ensure(numbers, encrypted_key=key)
    return await bland.pools.create(numbers, encrypted_key=key)


def _show_created(result: Any, args: argparse.Namespace) -> None:
    from ._client import Ensured

    if not isinstance(result, Ensured):
        _show_pool(result, args)
        return
    pool, created = result
    if option(args, "json"):
        print_json({"pool": pool.to_dict(), "created": created})
        return
    _show_pool(pool, args)
    said = "created" if created else "already there: nothing was created"
    say(f"{PROG}: {said}", file=sys.stderr)


async def _update(bland: AsyncBlandClient, args: argparse.Namespace) -> Any:
    from pools_core._types import NOT_GIVEN, NotGivenOr

    key: NotGivenOr[str | None] = NOT_GIVEN
    if args.remove_credentials:
        key = None
    elif args.encrypted_key is not None:
        key = args.encrypted_key
    return await bland.pools.update(args.pool_id, _numbers(args.numbers), encrypted_key=key)


async def _delete(bland: AsyncBlandClient, args: argparse.Namespace) -> Any:
    await bland.pools.delete(args.pool_id)
    return args.pool_id


def _show_deleted(pool_id: str, args: argparse.Namespace) -> None:
    if option(args, "json"):
        print_json({"deleted_pool_id": pool_id})
    else:
        say(f"deleted {pool_id}")


_POOL_ID = arg("pool_id", metavar="POOL_ID", help="the pool's UUID")
_NUMBERS = arg(
    "numbers",
    nargs="+",
    metavar="NUMBER",
    help="US numbers: +15551234567, 555-123-4567 or (555) 123-4567",
)

COMMANDS: tuple[Command, ...] = (
    Command(
        name="list",
        summary="list the organization's pools",
        description="List every custom dialing pool of the organization. With --json: "
        '{"pools": [...], "total": N}.',
        examples=("list", "list --json"),
        run=_list,
        show=_show_pools,
    ),
    Command(
        name="get",
        summary="show one pool",
        description="Show one pool by its UUID. With --json: the pool object.",
        examples=("get 550e8400-e29b-41d4-a716-446655440001",),
        args=(_POOL_ID,),
        run=_get,
        show=_show_pool,
    ),
    Command(
        name="create",
        summary="create a pool",
        description="Create a pool of the given numbers, optionally tied to Twilio credentials "
        "(BYOT). Numbers in everyday US formats are turned into +1 and ten digits. With "
        "--if-absent, an existing pool with exactly these numbers (in any order) and "
        "credentials is shown instead of making a second one: safe to run again after a "
        "crash or Ctrl-C. With --json: the pool object (with --if-absent: "
        '{"pool": {...}, "created": true|false}).',
        examples=(
            "create +12345678901 +19876543210",
            "create '(555) 123-4567' --encrypted-key 550e8400-e29b-41d4-a716-446655440000",
            "create +12345678901 +19876543210 --if-absent",
        ),
        args=(
            _NUMBERS,
            arg("--encrypted-key", metavar="KEY", help="UUID of Twilio credentials"),
            arg(
                "--if-absent",
                action="store_true",
                help="keep an existing identical pool instead of making another",
            ),
        ),
        run=_create,
        show=_show_created,
        interrupted="the pool may have been created all the same: check with "
        f"'{PROG} list', or run the same command with --if-absent, which creates it only if "
        "it is not there",
    ),
    Command(
        name="update",
        summary="replace a pool's numbers (and credentials)",
        description="Replace all the numbers of a pool (numbers left out are removed). The "
        "pool's credentials stay unless --encrypted-key sets others or --remove-credentials "
        "removes them. With --json: the pool object.",
        examples=(
            "update 550e8400-e29b-41d4-a716-446655440001 +12345678901 +15551234567",
            "update 550e8400-e29b-41d4-a716-446655440001 +12345678901 --remove-credentials",
        ),
        args=(
            _POOL_ID,
            _NUMBERS,
            arg(
                "--encrypted-key",
                metavar="KEY",
                help="set these Twilio credentials",
                exclusive="credentials",
            ),
            arg(
                "--remove-credentials",
                action="store_true",
                help="remove the credentials",
                exclusive="credentials",
            ),
        ),
        run=_update,
        show=_show_pool,
    ),
    Command(
        name="delete",
        summary="delete a pool",
        description="Delete a pool by its UUID. A delete whose answer was lost and that is "
        "sent again finds the pool gone: that counts as deleted. With --json: "
        '{"deleted_pool_id": "..."}.',
        examples=("delete 550e8400-e29b-41d4-a716-446655440001",),
        args=(_POOL_ID,),
        run=_delete,
        show=_show_deleted,
    ),
)

COMMANDS += (EXPORT, PROVISION, MANIFEST, COVERAGE, completion_command(PROG, lambda: BLAND_CLI))

BLAND_CLI: CLI = CLI(
    prog=PROG,
    description="Manage Bland AI custom dialing pools.",
    credential="api_key",
    credential_name="API key",
    credential_env="BLAND_API_KEY",
    base_url_env="BLAND_BASE_URL",
    commands=COMMANDS,
    open=_client,
    options=(RESOURCE_PATH,),
    emulator_note=f"{EMULATOR_NOTE}, for --encrypted-key",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bland-pools``; returns the exit code."""
    return BLAND_CLI.main(argv)


if __name__ == "__main__":  # pragma: no cover - python -m bland_pools._cli
    sys.exit(main())
