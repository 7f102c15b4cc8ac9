"""The ``coverage`` command of ``bland-pools``: the pool numbers come from ``--numbers``,
pools fetched by id (``--pool``), a provisioning input file (``--input``, its pools or those
``--key`` names) or every pool a manifest holds (``--manifest``); the rest is shared
(``pools_core/_cli_coverage.py``)."""

from __future__ import annotations

import argparse
import contextlib
import functools
from collections.abc import AsyncIterator
from typing import Any, Final

from pools_core import _cli_coverage as shared
from pools_core._cli import Command, arg, client_from_options, client_settings, option
from pools_core._text import display

from ._cli_provision import EMULATOR_KEY

__all__ = ["COVERAGE"]

PROG: Final = "bland-pools"


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[Any]:
    """A client only when ``--pool`` needs one: numbers, files and manifests need no key."""
    shared.check_options(args)
    if not args.pool:
        yield None
        return
    from ._client import AsyncBlandClient

    if not option(args, "emulator"):
        async with client_from_options(AsyncBlandClient, args, "api_key") as bland:
            yield bland
        return
    from pools_core._cli import announced

    from .testing import BlandEmulator

    async with (
        announced(BlandEmulator(api_keys=[EMULATOR_KEY])) as emu,
        AsyncBlandClient(api_key=EMULATOR_KEY, base_url=emu.url, **client_settings(args)) as bland,
    ):
        yield bland


async def _pool_numbers(bland: Any, args: argparse.Namespace) -> list[str]:
    numbers = shared.parse_numbers(args.numbers or [])
    for pool_id in dict.fromkeys(args.pool or []):  # one request at a time: a few ids
        pool = await bland.pools.get(pool_id)
        numbers += pool.phone_numbers
    if args.input:
        numbers += _from_input(args.input, args.key or [])
    elif args.key:
        raise shared.CoverageInputError("--key names pools of an --input file: give --input")
    if args.manifest:
        numbers += _from_manifest(args.manifest)
    return list(dict.fromkeys(numbers))


def _from_input(path: str, keys: list[str]) -> list[str]:
    from .provision import read_desired

    pools = {pool.key: pool for pool in read_desired(path)}
    missing = [key for key in keys if key not in pools]
    if missing:
        raise shared.CoverageInputError(
            f"--key: no pool {', '.join(map(repr, map(display, missing)))} in {display(path)}"
        )
    chosen = [pools[key] for key in dict.fromkeys(keys)] if keys else list(pools.values())
    return [number for pool in chosen for number in pool.phone_numbers]


def _from_manifest(path: str) -> list[str]:
    import os

    from .provision import SQLiteManifest

    if not os.path.exists(path):  # read_only would not make it, but say so plainly
        raise shared.CoverageInputError(f"--manifest {display(path)}: no such file")
    with SQLiteManifest(path, read_only=True) as store:
        return [number for entry in store.entries() for number in entry.numbers or ()]


async def _coverage(bland: Any, args: argparse.Namespace) -> shared.Report:
    if not (args.numbers or args.pool or args.input or args.manifest):
        raise shared.CoverageInputError(
            "name the pool's numbers: --numbers, --pool, --input or --manifest"
        )
    if args.calls == "-" and args.input == "-":
        raise shared.CoverageInputError(
            "CALLS and --input cannot both be standard input: give one of them as a file"
        )
    calls = shared.read_calls(args.calls, strict=args.strict)  # before anything is sent
    return shared.report(calls, await _pool_numbers(bland, args), args.suggest)


COVERAGE: Final = Command(
    name="coverage",
    summary="how many calls a pool's numbers reach locally, and which area codes to add",
    description=shared.description("the pool")
    + " Bland's own choice of caller ID is not public: this measures geographic closeness, "
    "not what Bland will dial. The pool's numbers come from --numbers, --pool (fetched; "
    "needs the API key), "
    "--input (a provision file, --key to pick pools) or --manifest (every pool it holds). "
    'With --json: {"calls", "unknown", "levels", "by_state", "by_time_zone", '
    '"suggestions"}; with --csv: one row per scope and name. Rows of CALLS that are not '
    "phone numbers are counted and shown, not fatal unless --strict (exit 2).",
    examples=(
        "coverage calls.csv --numbers +12125550100,+14155550100 --suggest 5",
        "coverage calls.csv --pool 550e8400-e29b-41d4-a716-446655440001 --json",
        "coverage calls.csv --input pools.csv --key sales-west --plot coverage.png",
        "coverage - --manifest pools.db --csv < calls.txt",
    ),
    args=(
        *shared.COMMON_ARGS,
        arg(
            "--numbers",
            action="append",
            metavar="N[,N...]",
            help="pool numbers, comma-separated (repeatable)",
        ),
        arg("--pool", action="append", metavar="ID", help="a pool to fetch (repeatable)"),
        arg("--input", metavar="FILE", help="a provision input file (CSV or JSON Lines)"),
        arg("--key", action="append", metavar="K", help="only this pool of --input (repeatable)"),
        arg("--manifest", metavar="M", help="every pool of a provisioning manifest"),
    ),
    run=_coverage,
    show=functools.partial(shared.show, PROG),
    open=_client,
    needs_credential=False,
)
