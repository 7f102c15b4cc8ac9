"""The ``provision`` and ``manifest`` commands of ``bland-pools`` (entries of its command
table). Imports of the engine and the clients happen when a command runs."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from pools_core._cli import (
    Command,
    UsageError,
    arg,
    client_from_options,
    client_settings,
    json_errors,
    option,
    print_json,
    print_table,
    say,
)
from pools_core._cli_errors import ErrorReport, print_error
from pools_core._text import csv_writer

from .testing import SAMPLE_CREDENTIALS  # a constant: the emulator itself is not loaded

if TYPE_CHECKING:
    from .provision import Report

__all__ = ["MANIFEST", "PROVISION"]

PROG: Final = "bland-pools"
EMULATOR_KEY: Final = "bland-cli-emulator-key"  # the --emulator runs' API key
#: What the --emulator runs say about the Twilio credentials their emulator knows.
EMULATOR_NOTE: Final = f"its Twilio credentials: {SAMPLE_CREDENTIALS}"


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
    from .provision import manifest_path
    from .provision._engine import PoolsMissingError
    from .testing import BlandEmulator, FaultPlan

    manifest_path(args.manifest)  # refused before the emulator's state is kept beside it

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
    # It knows the docs' sample Twilio credentials (examples/pools.csv uses them). Every change
    # is in the state file before its answer is sent: the pools survive any kill of this run.
    try:
        emu = BlandEmulator(
            api_keys={EMULATOR_KEY: [SAMPLE_CREDENTIALS]}, faults=faults, state_file=state
        )
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"the emulator cannot use {state}: {exc}", hint=f"move {state} away to start afresh"
        ) from None
    async with emu:
        say(
            f"(emulator at {emu.url}, faults on; {EMULATOR_NOTE}; its pools are kept in {state})",
            file=sys.stderr,
        )
        try:
            async with AsyncBlandClient(
                api_key=EMULATOR_KEY, base_url=emu.url, **settings
            ) as bland:
                yield bland
        except PoolsMissingError as exc:
            raise PoolsMissingError(
                f"{exc}; with --emulator, the pools are the ones kept in {state}: was that "
                "file deleted, or replaced by another run's?"
            ) from None
        finally:
            faulted = sum(1 for r in emu.requests if r.fault)
            say(
                f"(emulator: {len(emu.requests)} requests, {faulted} of them faults, "
                f"{len(emu.pools())} pools stored)",
                file=sys.stderr,
            )


async def _provision(bland: Any, args: argparse.Namespace) -> Report:
    from ._cli_progress import Display
    from .provision import provision

    display = Display(as_json=_json(args), log_format=args.log_format, every=args.progress_every)
    try:
        report = await provision(
            args.file,
            manifest=args.manifest,
            client=bland,
            concurrency=args.concurrency,
            prune=args.prune,
            max_delete=args.max_delete,
            retry_failed=args.retry_failed,
            dry_run=args.dry_run,
            on_plan=display.plan,
            on_progress=display.progress,
        )
    finally:
        display.close()
    display.summary(report)
    return report


def _show_report(report: Report, args: argparse.Namespace) -> int:
    code = 0
    if args.report:
        try:
            Path(args.report).write_text(json.dumps(report.to_dict(), indent=2) + "\n")
        except OSError as exc:
            message = f"cannot write --report {args.report}: {exc}"
            print_error(PROG, ErrorReport(type(exc).__name__, message), as_json=json_errors(args))
            code = 1
    if option(args, "json"):
        print_json(report.to_dict())
        return code or (0 if report.ok else 1)
    for note in report.settled:
        say(f"settled: {note}")
    if report.dry_run:
        say("Dry run: nothing was sent but reads, nothing was written.")
        return code
    if not report.plan.changes:
        say("Nothing to do: every pool is as the file says.")
        return code
    counts = report.to_dict()["counts"]
    rows = [[name, str(counts[name])] for name in _DONE_ROWS]
    rows += [["failed", str(counts["failed"])]]
    rows += [["  retryable", str(counts["failed_retryable"])]]
    rows += [["  permanent", str(counts["failed_permanent"])]]
    rows += [["skipped", str(counts["skipped"])]]
    print_table(["OUTCOME", "POOLS"], rows)
    say(f"{len(report.results)} pools in {report.seconds:.1f} s")
    if args.log_format == "json":  # stderr is a log of JSON objects: failures are in it
        return code or (0 if report.ok else 1)
    _show_failures(report)
    return code or (0 if report.ok else 1)


_DONE_ROWS: Final = ("created", "adopted", "updated", "unchanged", "deleted")


def _show_failures(report: Report) -> None:
    """Each failure with its class, the fix of each permanent code, and a rerun advised
    only for what a rerun may get done. (On stderr, each line escaped by ``say``.)"""

    def tell(text: str) -> None:
        say(text, file=sys.stderr)

    for kind, failed in (("retryable", report.retryable), ("permanent", report.permanent)):
        for result in failed[:20]:
            tell(f"failed ({kind}): {result.key}: {result.error}")
        if len(failed) > 20:
            tell(f"failed ({kind}): ... and {len(failed) - 20} more (see --report)")
    refused = report.permanent + report.skipped
    fixes: dict[str, tuple[str, int]] = {}
    for result in refused:
        code = result.code or "refused"
        fixes[code] = (result.fix or "", fixes.get(code, ("", 0))[1] + 1)
    for code, (fix, count) in fixes.items():
        tell(f"fix {code} ({count} pool{'' if count == 1 else 's'}): {fix}")
    if report.skipped:
        tell(
            f"{PROG}: {len(report.skipped)} skipped: they failed permanently before with the "
            "same input and were not sent again; correct their rows, or pass --retry-failed "
            "to send them as they are"
        )
    if report.permanent:
        tell(
            f"{PROG}: {len(report.permanent)} failed permanently: the server will refuse "
            "them again as they are, so a rerun skips them; fix them as said above"
        )
    if report.retryable:
        tell(
            f"{PROG}: {len(report.retryable)} failed on a server error, a timeout or the rate "
            "limit: run the same command again to retry them"
        )


@contextlib.asynccontextmanager
async def _no_client(args: argparse.Namespace) -> AsyncIterator[None]:
    yield None


async def _read_manifest(_: None, args: argparse.Namespace) -> list[Any]:
    from .provision import ManifestError, ManifestLockedError, SQLiteManifest

    try:
        with SQLiteManifest(args.path, read_only=True) as store:
            return list(store.entries())
    except ManifestLockedError:
        raise
    except ManifestError as exc:  # missing, or not a manifest: a bad file, exit 2
        raise UsageError(str(exc), hint="PATH is the --manifest of a provision run") from None


def _show_manifest(entries: list[Any], args: argparse.Namespace) -> None:
    import attrs

    if option(args, "json"):
        _print_entries_json(entries)
        return
    if args.csv:
        rows = [attrs.asdict(e) for e in entries]
        writer = csv_writer(sys.stdout)  # a key like "=HYPERLINK(...)" stays text
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
                    e.status + (f" ({e.intent or e.failure})" if e.intent or e.failure else ""),
                    str(len(e.numbers or e.intent_numbers or ())),
                    (e.last_error or "-")[:60],
                ]
                for e in entries
            ],
        )
        say(f"{len(entries)} pools in {args.path}", file=sys.stderr)


def _print_entries_json(entries: list[Any]) -> None:
    """``{"pools": [...], "total": N}``, one entry per line: the C encoder for each, as
    ``json.dump(indent=2)`` of the whole (pure Python) took 15 s for 100,000 entries."""
    import attrs

    from .provision import ManifestEntry

    names = [field.name for field in attrs.fields(ManifestEntry)]
    encode = json.JSONEncoder(ensure_ascii=True).encode  # tuples become arrays
    out = sys.stdout
    out.write('{\n  "pools": [')
    separator = "\n    "
    for entry in entries:
        out.write(separator)
        out.write(encode({name: getattr(entry, name) for name in names}))
        separator = ",\n    "
    out.write(f'\n  ],\n  "total": {len(entries)}\n}}\n')


def _json(args: argparse.Namespace) -> bool:
    return bool(option(args, "json"))


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


def _not_negative(text: str) -> float:
    return _at_least_zero(text, float, "a number of seconds, 0 or more")


def _count(text: str) -> int:
    return int(_at_least_zero(text, int, "a whole number from 0"))


def _at_least_zero(text: str, kind: type[float] | type[int], rule: str) -> float:
    try:
        value: float = kind(text)
    except ValueError:
        value = -1.0  # argparse would name the type function, not the option's rule
    if not value >= 0 or value == math.inf:
        raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
    return value


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
    "that already exist, and does only what is left. A pool that failed permanently (a 4xx) "
    "is not sent again with the same row unless --retry-failed. --prune is guarded: it never "
    "deletes more than --max-delete pools (default: 10, or 10 percent of the manifest's), nor "
    "anything for an input with no pools. Exit 0 when every pool is done, 1 if any failed "
    "or was skipped, 2 for bad input (a refused prune, an unusable manifest).",
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
            "--max-delete",
            type=_count,
            metavar="N",
            help="the most pools --prune may delete (default: up to 10, or 10%% of the "
            "manifest's pools); an input with no pools is never pruned",
        ),
        arg(
            "--retry-failed",
            action="store_true",
            help="send again the pools that failed permanently (a 4xx) with the same row "
            "(skipped otherwise)",
        ),
        arg(
            "--report",
            type=_report_path,
            metavar="PATH",
            help="write the full per-pool report as JSON",
        ),
        arg(
            "--log-format",
            choices=["text", "json"],
            default="text",
            help="progress on stderr: text (a bar on a terminal, else a line every few "
            "seconds) or json (one object per event: plan, each outcome, summary; errors "
            "too)",
        ),
        arg(
            "--progress-every",
            type=_not_negative,
            default=2.0,
            metavar="SECONDS",
            help="seconds between progress lines when stderr is not a terminal (2; 0: "
            "after each pool)",
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
    common=frozenset({"json"}),
)
