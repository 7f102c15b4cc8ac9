"""The ``coverage`` command of ``ghl-pools``: the numbers of a location's pools (or of the
pools ``--pool`` names) against a call list; the rest is shared with ``bland-pools coverage``
(``pools_core/_cli_coverage.py``)."""

from __future__ import annotations

import argparse
import functools
from typing import Any, Final

from pools_core import _cli_coverage as shared
from pools_core._cli import Command, arg
from pools_core._text import display

__all__ = ["COVERAGE"]

PROG: Final = "ghl-pools"


async def _coverage(ghl: Any, args: argparse.Namespace) -> shared.Report:
    shared.check_options(args)
    calls = shared.read_calls(args.calls, strict=args.strict)  # before anything is sent
    kwargs: dict[str, Any] = {}
    if args.location is not None:
        kwargs["location_id"] = args.location
    page = await ghl.pools.list(**kwargs)
    wanted = list(dict.fromkeys(args.pool or []))
    pools = list(page)
    if wanted:
        known = {pool.id for pool in pools}
        missing = [pool_id for pool_id in wanted if pool_id not in known]
        if missing:
            raise shared.CoverageInputError(
                f"--pool: no pool {', '.join(map(repr, map(display, missing)))} in the location"
            )
        pools = [pool for pool in pools if pool.id in wanted]
    numbers = [n.phone_number for pool in pools for n in pool.numbers if n.phone_number]
    return shared.report(calls, list(dict.fromkeys(numbers)), args.suggest)


COVERAGE: Final = Command(
    name="coverage",
    summary="how many calls a location's pools reach locally, and which area codes to add",
    description=shared.description("the location's pools (or of the pools --pool names)")
    + " The platforms do not publish how a pool picks its caller ID: this "
    "measures geographic closeness. Output, --json, --csv, --plot and the reading of CALLS "
    "are those of bland-pools coverage.",
    examples=(
        "coverage calls.csv --location ve9EPM428h8vShlRW1KT --suggest 5",
        "coverage calls.csv --location ve9EPM428h8vShlRW1KT --pool POOL_ID --json",
    ),
    args=(
        *shared.COMMON_ARGS,
        arg(
            "--location",
            metavar="LOCATION_ID",
            help="the location (default: $GHL_LOCATION_ID, else the token's own)",
        ),
        arg("--pool", action="append", metavar="ID", help="only this pool (repeatable)"),
    ),
    run=_coverage,
    show=functools.partial(shared.show, PROG),
)
