"""What the ``coverage`` commands of both command lines share: reading the call list, its
arguments, the output (table, ``--json``, ``--csv``) and ``--plot``. Where the pool's numbers
come from is each command line's own (``bland_pools/_cli_coverage.py``,
``ghl_pools/_cli_coverage.py``)."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, TextIO

import attrs

from ._cli import Arg, arg, json_errors, option, print_json, print_table, say
from ._cli_errors import ErrorReport, print_error
from ._exceptions import PoolsError
from ._phone import normalize_phone_number
from ._text import csv_writer, display

if TYPE_CHECKING:
    from ._coverage import Coverage, LevelCounts

__all__ = [
    "COMMON_ARGS",
    "CallList",
    "CoverageInputError",
    "Report",
    "check_options",
    "parse_numbers",
    "read_calls",
    "report",
    "show",
]

#: Unreadable rows shown on stderr (all of them are counted).
SHOWN_BAD_ROWS: Final = 5
PLOT_EXTRA: Final = "pip install 'bland-ghl-pools[plot]'"

# A cell that is a phone number at all: digits, separators, a leading "+". Such a cell that is
# not a North American number counts as "unknown"; anything else cannot be read.
_NUMBER_LIKE: Final = re.compile(
    r"\+?[0-9\s().\-\u2010-\u2013\u2212]*[0-9][0-9\s().\-\u2010-\u2013\u2212]*"
)


class CoverageInputError(PoolsError, ValueError):
    """The call list, a pool number or an option cannot be used (exit 2)."""


@attrs.frozen
class BadRow:
    line: int
    text: str


@attrs.frozen
class CallList:
    """The calls read from CALLS: the numbers (each in ``+1`` form where it could be
    normalized), and the rows that could not be read."""

    numbers: list[str]
    bad: list[BadRow]
    source: str


def read_calls(name: str, *, strict: bool = False) -> CallList:
    """CALLS: a CSV with a ``phone_number`` column (else its first column), or one number per
    line; ``-`` reads standard input. A first row whose first cell has no digit is a header.

    Raises:
        CoverageInputError: the file cannot be read; with ``strict``, any unreadable row.
    """
    source = "<stdin>" if name == "-" else name
    try:
        with _opened(name) as stream:
            result = _read(csv.reader(stream), source)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise CoverageInputError(f"cannot read {display(source)}: {reason}") from None
    if strict and result.bad:
        raise CoverageInputError(_bad_rows_message(result, "--strict: ") + "; nothing was sent")
    return result


@contextlib.contextmanager
def _opened(name: str) -> Iterator[TextIO]:
    # Standard input is read as files are, as provisioning reads them: UTF-8 whatever the
    # console's encoding, a byte-order mark dropped, and bytes that are not UTF-8 kept as
    # surrogates, so that such a row is one unreadable row, not the end of the reading.
    if name == "-":
        raw = getattr(sys.stdin, "buffer", None)
        if raw is None:  # replaced by a text stream (an embedding program, a test)
            yield sys.stdin
            return
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        try:
            yield stream
        finally:
            stream.detach()  # sys.stdin's buffer stays open
        return
    with open(name, encoding="utf-8-sig", errors="surrogateescape", newline="") as stream:
        yield stream


def _read(reader: Any, source: str) -> CallList:
    numbers: list[str] = []
    bad: list[BadRow] = []
    column: int | None = None
    normalize, number_like = normalize_phone_number, _NUMBER_LIKE.fullmatch
    for row in reader:
        line = reader.line_num
        if column is None:
            names = [cell.strip().lower().lstrip("\ufeff") for cell in row]
            _refuse_other_delimiters(names, source)
            column = names.index("phone_number") if "phone_number" in names else 0
            if "phone_number" in names or (row and not any(c.isdigit() for c in row[0])):
                continue  # a header row
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        cell = row[column] if column < len(row) else ""
        try:
            numbers.append(normalize(cell))
        except ValueError:
            if number_like(cell.strip()):
                numbers.append(cell)  # a number, not North American: counted as unknown
            else:
                bad.append(BadRow(line, cell if cell.strip() else ",".join(row)))
    return CallList(numbers, bad, source)


def _refuse_other_delimiters(header: list[str], source: str) -> None:
    """A header that is one cell naming phone_number between semicolons or tabs (a
    spreadsheet's export): every row would be unreadable, so say why, as provisioning does.
    Not guessed: a comma file may hold semicolons in its values."""
    if len(header) != 1:
        return
    for delimiter, name in ((";", "semicolons"), ("\t", "tabs")):
        cells = header[0].split(delimiter)
        if len(cells) > 1 and "phone_number" in (cell.strip() for cell in cells):
            raise CoverageInputError(
                f"{display(source)}: the columns seem to be separated by {name}: the file "
                "must use commas; save it from the spreadsheet as comma-separated CSV"
            )


def _bad_rows_message(calls: CallList, prefix: str = "") -> str:
    shown = ", ".join(
        f"line {row.line}: {display(repr(row.text[:40]))}" for row in calls.bad[:SHOWN_BAD_ROWS]
    )
    more = f" and {len(calls.bad) - SHOWN_BAD_ROWS} more" if len(calls.bad) > SHOWN_BAD_ROWS else ""
    return (
        f"{prefix}{len(calls.bad)} row(s) of {display(calls.source)} are not phone numbers "
        f"({shown}{more})"
    )


def parse_numbers(values: Iterable[str]) -> list[str]:
    """``--numbers`` values (each may hold several, comma-separated), normalized.

    Raises:
        CoverageInputError: naming every number that is not a North American one.
    """
    numbers: list[str] = []
    problems: list[str] = []
    for value in values:
        for text in value.split(","):
            if not text.strip():
                continue
            try:
                numbers.append(normalize_phone_number(text))
            except ValueError as exc:
                problems.append(display(str(exc)))
    if problems:
        raise CoverageInputError("--numbers: " + "; ".join(problems))
    return numbers


def _suggest_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more, got {text!r}")
    return value


COMMON_ARGS: Final[tuple[Arg, ...]] = (
    arg(
        "calls",
        metavar="CALLS",
        help="the callees: a CSV with a phone_number column (else its first column), or one "
        "number per line; - for standard input",
    ),
    arg("--suggest", type=_suggest_count, default=0, metavar="K", help="suggest K area codes"),
    arg("--csv", action="store_true", help="print CSV"),
    arg("--plot", metavar="FILE.png", help="draw a map of the states (needs the [plot] extra)"),
    arg("--strict", action="store_true", help="rows that are not phone numbers are fatal"),
)


def check_options(args: argparse.Namespace) -> None:
    """Refuse what cannot work before anything is read or sent."""
    if option(args, "json") and args.csv:
        raise CoverageInputError("--json and --csv: choose one")
    if args.plot:
        try:
            import matplotlib  # noqa: F401  (only checked here: the plot imports it)
        except ImportError:
            raise CoverageInputError(f"--plot needs matplotlib: {PLOT_EXTRA}") from None


@attrs.frozen
class Report:
    """What a coverage command prints: the analysis and the notes on its input."""

    coverage: Coverage
    calls: CallList
    notes: tuple[str, ...] = ()


def report(
    calls: CallList, pool_numbers: Sequence[str], suggest: int, notes: Sequence[str] = ()
) -> Report:
    from ._coverage import analyze

    if not pool_numbers:
        raise CoverageInputError("the pools named hold no numbers: nothing to compare with")
    coverage = analyze(calls.numbers, pool_numbers, suggest=suggest)
    found = list(notes)
    if coverage.unknown_pool_numbers:
        shown = ", ".join(display(n) for n in coverage.unknown_pool_numbers[:SHOWN_BAD_ROWS])
        found.append(
            f"{len(coverage.unknown_pool_numbers)} pool number(s) have no area code in service "
            f"and were left out: {shown}"
        )
    return Report(coverage, calls, tuple(found))


def description(whose: str) -> str:
    """The first part of both coverage commands' help: what each call is measured against."""
    return (
        f"For each call in CALLS (the callees' numbers), the closest a number of {whose} gets: "
        "area_code (the same area code or an overlay of it), state, time_zone, or none; "
        "numbers that are not North American ones of an area code in service count as "
        "unknown. Shown per state and per time zone, the worst-covered first; --suggest K "
        "adds the K area codes that would lift the most calls to area_code level."
    )


def show(prog: str, result: Report, args: argparse.Namespace) -> int:
    coverage = result.coverage
    for note in result.notes:
        say(f"{prog}: {note}", file=sys.stderr)
    if result.calls.bad:
        say(f"{prog}: {_bad_rows_message(result.calls)}: not counted", file=sys.stderr)
    if option(args, "json"):
        print_json(coverage.to_dict())
    elif args.csv:
        _write_csv(coverage)
    else:
        _print_tables(coverage)
    if args.plot:
        from ._coverage_plot import draw

        try:
            draw(coverage, args.plot)
        except OSError as exc:
            message = f"cannot write --plot {args.plot}: {exc.strerror or exc}"
            error = ErrorReport(type(exc).__name__, message, hint="check the --plot path")
            print_error(prog, error, as_json=json_errors(args))  # one JSON object with --json
            return 1
        say(f"{prog}: map written to {args.plot}", file=sys.stderr)
    return 0


def _percent(counts: LevelCounts, level: Any) -> str:
    return f"{100 * counts.share(level):.1f}%"


def _worst_first(groups: dict[str, LevelCounts]) -> list[tuple[str, LevelCounts]]:
    # By the share reaching each level, best level first: a state whose calls get nothing
    # near them is worse covered than one whose calls share a time zone.
    return sorted(
        groups.items(),
        key=lambda item: (
            item[1].share("area_code"),
            item[1].share("state"),
            item[1].share("time_zone"),
            -item[1].calls,
        ),
    )


def _print_tables(coverage: Coverage) -> None:
    from ._coverage import LEVELS

    pools = ", ".join(coverage.pool_area_codes)
    say(
        f"{coverage.calls:,} calls ({coverage.unknown:,} unknown numbers not counted); "
        f"pool area codes: {pools or '-'}"
    )
    say("")
    print_table(
        ["LEVEL", "CALLS", "SHARE"],
        [[lv, f"{coverage.levels.count(lv):,}", _percent(coverage.levels, lv)] for lv in LEVELS],
    )
    for title, groups in (("STATE", coverage.by_state), ("TIME ZONE", coverage.by_time_zone)):
        say("")
        print_table(
            [title, "CALLS", "AREA CODE", "STATE", "TIME ZONE", "NONE"],
            [
                [display(name), f"{counts.calls:,}", *(_percent(counts, lv) for lv in LEVELS)]
                for name, counts in _worst_first(dict(groups))
            ],
        )
    if coverage.suggestions:
        say("")
        print_table(
            ["ADD AREA CODE", "STATE", "CALLS GAINED", "ALSO TO STATE"],
            [
                [s.area_code, s.state, f"{s.calls_gained:,}", f"{s.state_gained:,}"]
                for s in coverage.suggestions
            ],
        )


def _write_csv(coverage: Coverage) -> None:
    from ._coverage import LEVELS

    writer = csv_writer(sys.stdout)
    writer.writerow(["scope", "name", "calls", *LEVELS])
    writer.writerow(["total", "all", *coverage.levels.to_dict().values()])
    writer.writerow(["unknown", "all", coverage.unknown, "", "", "", ""])
    for scope, groups in (("state", coverage.by_state), ("time_zone", coverage.by_time_zone)):
        for name, counts in groups.items():
            writer.writerow([scope, name, *counts.to_dict().values()])
    for s in coverage.suggestions:  # calls: the calls it lifts to area_code level
        writer.writerow(["suggestion", f"{s.area_code} {s.state}", s.calls_gained, "", "", "", ""])
