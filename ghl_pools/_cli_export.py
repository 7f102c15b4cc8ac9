"""The ``export`` command of ``ghl-pools``: the pools of many locations, listed concurrently
(each within its location's rate limit), as CSV, JSON Lines, JSON, or the provisioning CSV of
``bland-pools provision``.

GoHighLevel's public API lists number pools but cannot create or change them, so the bridge to
Bland runs one way::

    set -o pipefail
    ghl-pools export --location A --location B --format provision | \\
        bland-pools provision - --manifest pools.db --prune

The output is all or nothing: a location that failed to list would otherwise look emptied, and
``--prune`` would delete its pools in Bland (``--partial`` writes what succeeded).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, TextIO

from pools_core._cli import (
    Command,
    UsageError,
    announced,
    arg,
    client_from_options,
    client_settings,
    json_errors,
    one_line,
    option,
    print_json,
    say,
)
from pools_core._cli_errors import ErrorReport, print_error
from pools_core._text import csv_writer

if TYPE_CHECKING:
    from ._models import NumberPool, NumberPoolPage

__all__ = ["EXPORT"]

PROG: Final = "ghl-pools"
EMULATOR_TOKEN: Final = "ghl-cli-emulator-token"  # the --emulator runs' token
# What provision takes: +1 and ten ASCII digits, as Bland documents it.
_BLAND_NUMBER: Final = re.compile(r"\+1[0-9]{10}")

Listing = tuple[str, "NumberPoolPage | Exception"]


def _locations(args: argparse.Namespace) -> list[str]:
    """``--location`` values, then the lines of ``--locations-file`` (``#`` starts a
    comment), each once, in order. Read once per run (standard input cannot be read twice)."""
    known: list[str] | None = getattr(args, "locations_read", None)
    if known is not None:
        return known
    from ._exceptions import BadRequestError
    from ._protocol import check_location_id

    found = [(location, "--location") for location in args.location or []]
    if args.locations_file:
        name = args.locations_file
        shown = "standard input" if name == "-" else name
        try:
            data = _stdin_bytes() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            _usage(f"cannot read --locations-file {name}: {exc.strerror or exc}")
        for number, line in enumerate(_decoded(data, shown).splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if line:
                found.append((line, f"{shown}:{number}"))
    if not found:
        _usage("name locations with --location or --locations-file")
    for location, where in found:  # every one checked before anything is sent
        try:
            check_location_id(location)
        except BadRequestError as exc:
            _usage(f"{where}: {exc}")
    args.locations_read = list(dict.fromkeys(location for location, _ in found))
    return list(args.locations_read)


def _stdin_bytes() -> bytes:
    raw = getattr(sys.stdin, "buffer", None)  # None: a text stream put in its place
    if raw is not None:
        return bytes(raw.read())
    return str(sys.stdin.read()).encode("utf-8", "surrogateescape")


def _decoded(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        _usage(
            f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the locations file as UTF-8"
        )


def _usage(message: str) -> NoReturn:
    raise UsageError(message)


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[Any]:
    from ._client import AsyncGHLClient

    if not option(args, "emulator"):
        async with client_from_options(AsyncGHLClient, args, "token") as ghl:
            yield ghl
        return
    from .testing import GHLEmulator

    locations = _locations(args)
    async with (
        announced(
            GHLEmulator(tokens={EMULATOR_TOKEN: locations}), [(loc,) for loc in locations]
        ) as emu,
        AsyncGHLClient(token=EMULATOR_TOKEN, base_url=emu.url, **client_settings(args)) as ghl,
    ):
        yield ghl


async def _export(ghl: Any, args: argparse.Namespace) -> list[Listing]:
    """Every location's page, or the error it got: one location failing stops no other."""
    import asyncio

    from ._exceptions import GHLError

    locations = _locations(args)
    found: dict[str, NumberPoolPage | Exception] = {}
    todo = iter(locations)

    async def worker() -> None:
        for location in todo:  # a shared iterator: a fixed set of workers, never a task each
            try:
                found[location] = await ghl.pools.list(location_id=location)
            except GHLError as exc:
                found[location] = exc

    async with asyncio.TaskGroup() as group:
        for _ in range(min(args.concurrency, len(locations))):
            group.create_task(worker())
    return [(location, found[location]) for location in locations]


def _show(listings: list[Listing], args: argparse.Namespace) -> int:
    """All or nothing: when a location failed, standard output stays empty (a pipe into
    ``provision --prune`` would otherwise delete the failed location's pools) unless
    ``--partial`` asks for what succeeded."""
    pages = [(loc, page) for loc, page in listings if not isinstance(page, Exception)]
    failed = [(loc, exc) for loc, exc in listings if isinstance(exc, Exception)]
    for location, exc in failed:
        said = f"location {location}: {one_line(exc)}"
        code, status = getattr(exc, "code", None), getattr(exc, "status", None)
        error = ErrorReport(type(exc).__name__, said, code, status)
        print_error(PROG, error, as_json=json_errors(args))  # (escapes control characters)
    if failed and not args.partial:
        if not json_errors(args):
            say(
                f"{PROG}: nothing written: {len(failed)} of {len(listings)} locations failed "
                "(--partial writes the others)",
                file=sys.stderr,
            )
        return 1
    out = io.StringIO()  # written at once, when complete
    _write(out, pages, failed, args)
    sys.stdout.write(out.getvalue())
    return 1 if failed else 0


def _write(
    out: TextIO,
    pages: list[tuple[str, NumberPoolPage]],
    failed: list[tuple[str, Exception]],
    args: argparse.Namespace,
) -> None:
    fmt = "json" if option(args, "json") else args.format
    if fmt == "json":
        print_json(
            {
                "locations": [{"location_id": loc, **page.to_dict()} for loc, page in pages],
                "errors": [{"location_id": loc, "error": str(exc)} for loc, exc in failed],
            },
            out,
        )
    elif fmt == "jsonl":
        import json

        for location, page in pages:
            for pool in page:
                row = pool.to_dict()
                row["location_id"] = row["location_id"] or location
                out.write(json.dumps(row, ensure_ascii=True) + "\n")
    elif fmt == "provision":
        _provision_csv(out, pages)
    else:
        # Pool and number names are typed by sub-account users: no cell runs as a formula.
        writer = csv_writer(out)
        writer.writerow(
            ["location_id", "pool_id", "pool_name", "phone_number", "friendly_name", "is_active"]
        )
        for location, page in pages:
            for pool in page:
                active = "" if pool.is_active is None else str(pool.is_active).lower()
                numbers = pool.numbers or (None,)
                for number in numbers:
                    writer.writerow(
                        [
                            pool.location_id or location,
                            pool.id or "",
                            pool.name or "",
                            number.phone_number if number else "",
                            (number.friendly_name if number else "") or "",
                            active,
                        ]
                    )


def _provision_csv(out: TextIO, pages: Sequence[tuple[str, NumberPoolPage]]) -> None:
    """``pool,phone_number`` rows for ``bland-pools provision``: the pool key is
    ``<location>:<pool id>``. Numbers Bland cannot take (not ``+1`` and ten digits), a number
    already in another pool, and pools left without numbers are skipped and reported on
    stderr: the output is always input provision accepts."""
    writer = csv_writer(out)  # "+1..." numbers are kept: provision reads them back
    writer.writerow(["pool", "phone_number"])
    owner: dict[str, str] = {}
    for location, page in pages:
        for pool in page:
            key = f"{location}:{pool.id}"
            if not pool.id:
                _skip(f"a pool without an id in location {location} ({pool.name!r})")
                continue
            kept = _numbers(pool, key, owner)
            if not kept:
                _skip(f"pool {key} ({pool.name!r}): no number Bland can take")
                continue
            for number in kept:
                writer.writerow([key, number])


def _numbers(pool: NumberPool, key: str, owner: dict[str, str]) -> list[str]:
    kept = []
    for entry in pool.numbers:
        number = entry.phone_number or ""
        if not _BLAND_NUMBER.fullmatch(number):
            _skip(f"{number!r} of pool {key}: not a +1 number with ten digits")
        elif owner.setdefault(number, key) != key:
            _skip(f"{number} of pool {key}: already in pool {owner[number]}")
        elif number not in kept:
            kept.append(number)
    return kept


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _skip(what: str) -> None:
    say(f"{PROG}: skipped {what}", file=sys.stderr)


EXPORT: Final = Command(
    name="export",
    summary="list the pools of many locations (CSV, JSON Lines, JSON, or provision input)",
    description="List the number pools of every location given, concurrently, each within its "
    "location's rate limit, to standard output. --format csv: one row per number; jsonl: one "
    "pool per line (the SDK's field names); json: "
    '{"locations": [{"location_id", "pools", "total"}], "errors": [...]}; provision: the CSV '
    "bland-pools provision takes, pool key '<location>:<pool id>', numbers that are not +1 "
    "and ten digits skipped and reported on stderr. A location that fails is reported on "
    "stderr and nothing is written to standard output (exit 1), so that a pipe into "
    "bland-pools provision --prune cannot take the missing pools for deleted ones; "
    "--partial writes the locations that succeeded.",
    examples=(
        "export --location ve9EPM428h8vShlRW1KT --location loc123 --format jsonl",
        "export --locations-file locations.txt --format csv > pools.csv",
        "export --location ve9EPM428h8vShlRW1KT --format provision | "
        "bland-pools provision - --manifest pools.db",
    ),
    args=(
        arg("--location", action="append", metavar="LOCATION_ID", help="a location (repeat)"),
        arg("--locations-file", metavar="FILE", help="locations, one per line (- for stdin)"),
        arg(
            "--format",
            choices=["csv", "jsonl", "json", "provision"],
            default="csv",
            help="the output (default csv)",
        ),
        arg("--concurrency", type=_positive, default=8, help="locations listed at a time (8)"),
        arg(
            "--partial",
            action="store_true",
            help="when a location fails, write the others all the same (still exit 1)",
        ),
    ),
    run=_export,
    show=_show,
    open=_client,
)
