"""The ``export`` command of ``bland-pools``: the organization's pools as a file (CSV, JSON
Lines, JSON, or the provisioning CSV), so that an organization can be brought under a
manifest the way Terraform imports what exists::

    bland-pools export --format provision > org.csv
    bland-pools provision org.csv --manifest org.db     # adopts every pool, sends no write

With ``--format provision`` each pool's key is its own id, its numbers and credentials as
they are: the first provision run finds every pool identical to its row and adopts it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Final, TextIO

from pools_core._cli import Command, all_or_nothing, arg, option, print_json, say
from pools_core._text import csv_writer

if TYPE_CHECKING:
    from ._client import AsyncBlandClient
    from ._models import DialingPool

__all__ = ["EXPORT"]

PROG: Final = "bland-pools"
FORMATS: Final = ("csv", "jsonl", "json", "provision")


async def _export(bland: AsyncBlandClient, args: argparse.Namespace) -> list[DialingPool]:
    return await bland.pools.list()


def _show(pools: list[DialingPool], args: argparse.Namespace) -> None:
    fmt = "json" if option(args, "json") else args.format
    # The listing succeeded (a failure raised before this); the output is written whole.
    with all_or_nothing() as out:
        if fmt == "json":
            print_json({"pools": [p.to_dict() for p in pools], "total": len(pools)}, out)
        elif fmt == "jsonl":
            for pool in pools:
                out.write(json.dumps(pool.to_dict(), ensure_ascii=True) + "\n")
        elif fmt == "provision":
            _provision_csv(pools, out)
        else:
            _csv(pools, out)


def _csv(pools: list[DialingPool], out: TextIO) -> None:
    """One row per number; a pool without numbers is one row with the number blank."""
    writer = csv_writer(out)
    writer.writerow(["pool_id", "phone_number", "encrypted_key", "created_at", "owner_id"])
    for pool in pools:
        for number in pool.phone_numbers or ("",):
            writer.writerow(
                [
                    pool.id,
                    number,
                    pool.encrypted_key or "",
                    pool.created_at.isoformat(),
                    pool.owner_id,
                ]
            )


def _provision_csv(pools: list[DialingPool], out: TextIO) -> None:
    """``pool,phone_number,encrypted_key`` rows, the pool's id as its key. A pool the input
    format cannot hold exactly as it is (see :func:`_unfit`) is skipped whole and reported on
    stderr, never changed: a row that differed from its pool would make provision update it."""
    writer = csv_writer(out)
    writer.writerow(["pool", "phone_number", "encrypted_key"])
    taken: dict[str, str] = {}  # number -> the exported pool that holds it
    skipped = 0
    for pool in pools:
        why = _unfit(pool, taken)
        if why:
            say(f"{PROG}: skipped pool {pool.id}: {why}", file=sys.stderr)
            skipped += 1
            continue
        for number in pool.phone_numbers:
            taken[number] = pool.id
            writer.writerow([pool.id, number, pool.encrypted_key or ""])
    if skipped:
        say(
            f"{PROG}: {len(pools) - skipped} of {len(pools)} pools exported; the {skipped} "
            "skipped stay as they are, outside the manifest",
            file=sys.stderr,
        )


def _unfit(pool: DialingPool, taken: dict[str, str]) -> str:
    """Why provision could not take ``pool`` exactly as it is, or ``""``: no numbers, a
    number not in Bland's form or listed twice, credentials that are not a UUID (provision
    would refuse the whole file), or a number an earlier pool (in the listing's order, oldest
    first) holds, since in the input each number belongs to one key."""
    from ._validation import is_phone_number, is_uuid

    if not pool.phone_numbers:
        return "it has no numbers"
    if pool.encrypted_key and not is_uuid(pool.encrypted_key):
        return f"its encrypted_key {pool.encrypted_key!r:.60} is not a UUID"
    odd = [n for n in pool.phone_numbers if not is_phone_number(n)]
    if odd:
        return f"{odd[0]!r} is not +1 and ten digits"
    if len(set(pool.phone_numbers)) != len(pool.phone_numbers):
        return "it lists a number twice"
    shared = [n for n in pool.phone_numbers if n in taken]
    if shared:
        return f"{shared[0]} is also in pool {taken[shared[0]]}"
    return ""


EXPORT: Final = Command(
    name="export",
    summary="write the organization's pools as a file (CSV, JSON Lines, JSON, provision input)",
    description="Write every pool of the organization to standard output, nothing at all if "
    "the listing fails. --format csv: one row per number (pool_id, phone_number, "
    "encrypted_key, created_at, owner_id); jsonl: one pool per line; json (or --json): "
    '{"pools": [...], "total": N}; provision: the CSV bland-pools provision takes, each '
    "pool's id as its key with its numbers and credentials as they are, so that provisioning "
    "it into a new manifest adopts every pool and sends no write (as Terraform's import "
    "does). A pool provision cannot take as it is (no numbers, credentials that are not a "
    "UUID, a number also in another pool) is skipped and reported on stderr.",
    examples=(
        "export --format provision > org.csv",
        "export --format jsonl > pools.jsonl",
        "--emulator export --format csv",
    ),
    args=(arg("--format", choices=FORMATS, default="csv", help="the output (default csv)"),),
    run=_export,
    show=_show,
)
