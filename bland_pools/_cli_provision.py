"""The ``provision`` and ``manifest`` commands of ``bland-pools`` (entries of its command
table). Imports of the engine and the clients happen when a command runs."""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pools_core import _cli
from pools_core._cli import (
    Command,
    arg,
    client_from_options,
    client_settings,
    option,
    print_json,
    print_table,
)

if TYPE_CHECKING:
    from .provision import Plan, Progress, Report

__all__ = ["MANIFEST", "PROVISION"]

PROG: Final = "bland-pools"
EMULATOR_KEY: Final = "bland-cli-emulator-key"  # the --emulator runs' API key
_PLAIN_EVERY: Final = 2.0  # seconds between progress lines when stderr is not a terminal


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[Any]:
    """A client paced for a bulk job: ``--rate`` (else the pace learned from the server's
    429s), five retries unless ``--max-retries`` says otherwise."""
    from ._client import AsyncBlandClient

    settings = client_settings(args) | {
        "max_retries": option(args, "max_retries", 5),
        "max_rate": args.rate if args.rate is not None else math.inf,
    }
    if not option(args, "emulator"):
        async with client_from_options(AsyncBlandClient, args, "api_key", **settings) as bland:
            yield bland
        return
    from .testing import BlandEmulator, FaultPlan
    from .testing._emulator import SAMPLE_CREDENTIALS

    # Faults on, as a real network has them; the pools are kept next to the manifest so that
    # the next run sees what this one made.
    faults = FaultPlan(
        seed=int(time.time()),
        server_error=0.04,
        html_error=0.02,
        drop_before=0.02,
        drop_after=0.04,
        rate_limited=0.01,
        retry_after=0.2,
    )
    state = Path(f"{args.manifest}.emulator.json")
    # It knows the docs' sample Twilio credentials (examples/pools.csv uses them).
    emu = BlandEmulator(api_keys={EMULATOR_KEY: [SAMPLE_CREDENTIALS]}, faults=faults)
    import asyncio

    await asyncio.to_thread(_load, emu, state)
    async with emu:
        print(
            f"(emulator at {emu.url}, faults on; its pools are kept in {state})",
            file=sys.stderr,
        )
        try:
            async with AsyncBlandClient(
                api_key=EMULATOR_KEY, base_url=emu.url, **settings
            ) as bland:
                yield bland
        finally:
            await asyncio.to_thread(emu.save, state)  # (asyncio: imported above, when run)
            faulted = sum(1 for r in emu.requests if r.fault)
            print(
                f"(emulator: {len(emu.requests)} requests, {faulted} of them faults, "
                f"{len(emu.pools())} pools stored)",
                file=sys.stderr,
            )


def _load(emu: Any, state: Path) -> None:
    if state.exists():
        emu.load(state)


class _Display:
    """The plan on stdout, then a progress bar on stderr (tqdm; plain lines every few
    seconds when stderr is not a terminal)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.bar: Any = None
        self.last_line = 0.0

    def plan(self, plan: Plan) -> None:
        if not self.as_json:
            for line in plan.lines():
                print(line)
            print(plan.summary(), flush=True)
        if not plan.changes:
            return
        from tqdm import tqdm

        self.bar = tqdm(
            total=len(plan.actions), unit="pool", file=sys.stderr, disable=None, leave=False
        )
        if not self.bar.disable:
            _cli.write_stderr = lambda text: self.bar.write(text, file=sys.stderr)

    def progress(self, progress: Progress) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        now = time.monotonic()
        if self.bar.disable and (
            now - self.last_line >= _PLAIN_EVERY or progress.done == progress.total
        ):
            self.last_line = now
            print(f"{PROG}: {progress.done}/{progress.total} pools done", file=sys.stderr)

    def close(self) -> None:
        _cli.write_stderr = None
        if self.bar is not None:
            self.bar.close()


async def _provision(bland: Any, args: argparse.Namespace) -> Report:
    from .provision import provision

    display = _Display(bool(option(args, "json")))
    try:
        return await provision(
            args.file,
            manifest=args.manifest,
            client=bland,
            concurrency=args.concurrency,
            prune=args.prune,
            dry_run=args.dry_run,
            on_plan=display.plan,
            on_progress=display.progress,
        )
    finally:
        display.close()


def _show_report(report: Report, args: argparse.Namespace) -> int:
    code = 0
    if args.report:
        try:
            Path(args.report).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        except OSError as exc:
            print(f"{PROG}: error: cannot write --report {args.report}: {exc}", file=sys.stderr)
            code = 1
    if option(args, "json"):
        print_json(report.to_dict())
        return code or (0 if report.ok else 1)
    for note in report.settled:
        print(f"settled: {note}")
    if report.dry_run:
        print("Dry run: nothing was sent but reads, nothing was written.")
        return code
    if not report.plan.changes:
        print("Nothing to do: every pool is as the file says.")
        return code
    counts = report.to_dict()["counts"]
    print_table(["OUTCOME", "POOLS"], [[name, str(count)] for name, count in counts.items()])
    print(f"{len(report.results)} pools in {report.seconds:.1f} s")
    for failed in report.failed[:20]:
        print(f"failed: {failed.key}: {failed.error}", file=sys.stderr)
    if len(report.failed) > 20:
        print(f"failed: ... and {len(report.failed) - 20} more (see --report)", file=sys.stderr)
    if report.failed:
        print(f"{PROG}: run the same command again to retry what failed", file=sys.stderr)
    return code or (0 if report.ok else 1)


@contextlib.asynccontextmanager
async def _no_client(args: argparse.Namespace) -> AsyncIterator[None]:
    yield None


async def _read_manifest(_: None, args: argparse.Namespace) -> list[Any]:
    from .provision import SQLiteManifest

    with SQLiteManifest(args.path, read_only=True) as store:
        return list(store.entries())


def _show_manifest(entries: list[Any], args: argparse.Namespace) -> None:
    import attrs

    rows = [attrs.asdict(e) for e in entries]
    if option(args, "json"):
        print_json({"pools": rows, "total": len(rows)})
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        columns = list(rows[0]) if rows else ["key", "pool_id", "status"]
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in columns])
    else:
        print_table(
            ["KEY", "POOL ID", "STATUS", "NUMBERS", "LAST ERROR"],
            [
                [
                    e.key,
                    e.pool_id or "-",
                    e.status + (f" ({e.intent})" if e.intent else ""),
                    str(len(e.numbers or e.intent_numbers or ())),
                    (e.last_error or "-")[:60],
                ]
                for e in entries
            ],
        )
        print(f"{len(entries)} pools in {args.path}", file=sys.stderr)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return " ".join(map(str, value))
    return str(value)


def _report_path(text: str) -> str:
    """Checked before the job runs: a report that cannot be written is refused up front."""
    if not os.path.isdir(os.path.dirname(os.path.abspath(text))):
        raise argparse.ArgumentTypeError(f"{text}: its directory does not exist")
    return text


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        value = kind(text)
        if not value > 0 or value != value or value == math.inf:
            raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
        return value

    return parse


PROVISION: Final = Command(
    name="provision",
    summary="create and update pools from a file (delete with --prune), resumably",
    description="Make the organization's pools exactly what FILE says: a CSV with the columns "
    "pool,phone_number[,encrypted_key] (one row per number; the pool column is your own key "
    'for it), or JSON Lines {"pool": ..., "phone_numbers": [...], "encrypted_key": ...}. '
    "Every row is checked first (numbers normalized); bad rows are all reported with their "
    "line and nothing is sent. The manifest (a SQLite file) ties each key to its pool: kill "
    "the job at any moment and run it again, it settles what was in flight, adopts pools "
    "that already exist, and does only what is left. Exit 0 when every pool is done, 1 if "
    "any failed, 2 for bad input.",
    examples=(
        "provision pools.csv --manifest pools.db --dry-run",
        "provision pools.csv --manifest pools.db --concurrency 8 --rate 5",
        "provision pools.jsonl --manifest pools.db --prune --report report.json",
        "--emulator provision examples/pools.csv --manifest /tmp/pools.db",
    ),
    args=(
        arg("file", metavar="FILE", help="CSV or JSON Lines; - for standard input"),
        arg("--manifest", required=True, metavar="PATH", help="the manifest (made if missing)"),
        arg("--concurrency", type=_positive(int), default=8, help="requests at a time (8)"),
        arg(
            "--rate",
            type=_positive(float),
            help="requests in any second (default: learned from the server's 429s)",
        ),
        arg("--dry-run", action="store_true", help="show the plan; send nothing but reads"),
        arg("--prune", action="store_true", help="delete the manifest's pools not in FILE"),
        arg(
            "--report",
            type=_report_path,
            metavar="PATH",
            help="write the full per-pool report as JSON",
        ),
    ),
    run=_provision,
    show=_show_report,
    open=_client,
    interrupted="run the same command again to continue: the manifest keeps what was done, "
    "and what was in flight is settled first",
)

MANIFEST: Final = Command(
    name="manifest",
    summary="show what a provisioning manifest holds",
    description="Show each pool key of a manifest: its pool, status (done, failed, pending "
    'with an open intent), numbers and last error. With --json: {"pools": [...], "total": '
    "N}; with --csv: one row per key. Reads only; needs no API key.",
    examples=("manifest pools.db", "manifest pools.db --csv > pools-manifest.csv"),
    args=(
        arg("path", metavar="PATH", help="the manifest file"),
        arg("--csv", action="store_true", help="print CSV"),
    ),
    run=_read_manifest,
    show=_show_manifest,
    open=_no_client,
    needs_credential=False,
)
