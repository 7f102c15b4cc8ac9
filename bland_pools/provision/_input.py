"""What a provisioning job wants: pools keyed by the user's own names, read from CSV, JSON
Lines or Python objects, every row checked before anything is sent.

Bland pools have no name, so the key is the user's (``sales-west``); the manifest ties it to
the pool's id. Every problem of the input is collected, each with its file and line, and
reported together in one :class:`InputError`: nothing is sent until the input is clean.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Literal, TextIO

import attrs

from bland_pools._exceptions import BlandError
from bland_pools._validation import is_uuid, normalize_phone_number

__all__ = [
    "DesiredPool",
    "InputError",
    "InputProblem",
    "desired_from",
    "read_csv",
    "read_desired",
    "read_jsonl",
]

#: The CSV columns: one row per number; ``encrypted_key`` may be left out or blank.
CSV_COLUMNS: Final = ("pool", "phone_number", "encrypted_key")
_JSONL_FIELDS: Final = frozenset({"pool", "phone_numbers", "encrypted_key"})
#: Files and standard input are decoded with ``surrogateescape``: a byte that is not UTF-8
#: becomes a lone surrogate, found per line and reported with it (not a traceback).
_NOT_UTF8: Final = re.compile("[\udc80-\udcff]")
_SAVE_AS_UTF8: Final = "save the file as UTF-8"


def _not_utf8(text: str) -> str | None:
    """The problem of a line holding bytes that are not UTF-8, if it does."""
    bad = _NOT_UTF8.search(text)
    if bad is None:
        return None
    byte = ord(bad.group()) - 0xDC00
    return f"byte 0x{byte:02x} is not UTF-8 (at character {bad.start() + 1}); {_SAVE_AS_UTF8}"


@attrs.frozen
class DesiredPool:
    """One pool a job wants: the user's ``key``, its numbers (``+1`` and ten digits, sorted,
    each once) and its Twilio credentials (or ``None``). ``source`` says where it was
    defined (``"pools.csv:3"``)."""

    key: str
    phone_numbers: tuple[str, ...]
    encrypted_key: str | None = None
    source: str = ""


@attrs.frozen
class InputProblem:
    """One thing wrong with the input, where it is."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.message}"


class InputError(BlandError, ValueError):
    """The input has problems; nothing was sent. ``problems`` lists every one of them."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{len(problems)} problem(s) in the input; nothing was sent:\n{shown}{more}"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (InputError, (self.problems,))


class _Pool:
    """One pool as the rows build it: its key (the first row's string), first line, numbers."""

    __slots__ = ("key", "line", "numbers")

    def __init__(self, key: str, line: int) -> None:
        self.key = key
        self.line = line
        self.numbers: list[str] = []  # each once


class _Collector:
    """Gathers (line, key, numbers, credentials) facts and checks them across rows.

    Kept small, as a large input's peak memory is mostly this: one :class:`_Pool` per key,
    and per number only a reference to its pool (a conflict names where the other pool
    starts, not the other row)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[InputProblem] = []
        self._pools: dict[str, _Pool] = {}
        self._keys: dict[str, tuple[str, int]] = {}  # key -> (encrypted_key, line)
        self._owner: dict[str, _Pool] = {}  # number -> its pool

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(InputProblem(self.source, line, message))

    def add(self, line: int, key: object, numbers: Iterable[object], encrypted_key: object) -> None:
        if not isinstance(key, str) or not key.strip():
            self.problem(line, f"no pool key (got {key!r:.40})")
            return
        key = key.strip()
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = _Pool(key, line)
        if encrypted_key is not None:
            self._credentials(line, pool.key, encrypted_key)
        for raw in numbers:
            self._number(line, pool, raw)

    def _credentials(self, line: int, key: str, encrypted_key: object) -> None:
        if encrypted_key is None or (isinstance(encrypted_key, str) and not encrypted_key.strip()):
            return  # left blank: the pool's credentials are whatever other rows say (or none)
        if not isinstance(encrypted_key, str) or not is_uuid(encrypted_key.strip()):
            self.problem(line, f"encrypted_key {encrypted_key!r:.60} is not a UUID")
            return
        value = encrypted_key.strip()
        seen = self._keys.setdefault(key, (value, line))
        if seen[0].lower() != value.lower():
            self.problem(
                line,
                f"pool {key!r} has encrypted_key {value} here but {seen[0]} at line {seen[1]}",
            )

    def _number(self, line: int, pool: _Pool, raw: object) -> None:
        try:
            number = normalize_phone_number(raw)
        except ValueError as exc:
            self.problem(line, str(exc))
            return
        owner = self._owner.get(number)
        if owner is None:
            self._owner[number] = pool
            pool.numbers.append(number)
        elif owner is not pool:
            self.problem(
                line,
                f"{number} is in pool {pool.key!r} and pool {owner.key!r} (which starts at "
                f"line {owner.line})",
            )
        # else written twice for one pool (say "(555) 123-4567" and "+15551234567"): once

    def result(self) -> list[DesiredPool]:
        for pool in self._pools.values():
            if not pool.numbers and not any(p.line == pool.line for p in self.problems):
                self.problem(pool.line, f"pool {pool.key!r} has no phone numbers")
        if self.problems:
            raise InputError(self.problems)
        self._owner.clear()  # not needed any more: a large input's peak is lower without it
        keys, source = self._keys, self.source
        return [
            DesiredPool(
                key,
                tuple(sorted(pool.numbers)),
                keys[key][0] if key in keys else None,
                f"{source}:{pool.line}",
            )
            for key, pool in self._pools.items()
        ]


def read_csv(file: str | Path | TextIO, *, name: str | None = None) -> list[DesiredPool]:
    """Pools from CSV: a header row with ``pool`` and ``phone_number`` (and optionally
    ``encrypted_key``), then one row per number. ``"-"`` reads standard input.

    Raises:
        InputError: every problem, each with its line number; nothing else happened.
    """
    with _opened(file) as (text, source):
        return _read_csv(text, name or source)


def _rows(reader: Any, collector: _Collector) -> Iterator[list[str]]:
    """The reader's rows; a row it cannot read (a cell over the csv module's limit, a NUL
    byte) is a problem of its line, and the end of the reading (the rest of the file is
    not trusted to be read right after it)."""
    while True:
        try:
            row: list[str] = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            limit = csv.field_size_limit()
            detail = (
                f"a cell is longer than {limit:,} characters: is it a CSV file? (a quote "
                "left open makes the rest of the file one cell)"
                if "field larger than field limit" in str(exc)
                else f"not readable as CSV ({exc})"
            )
            collector.problem(reader.line_num, detail)
            raise InputError(collector.problems) from None
        yield row


def _read_csv(text: TextIO, source: str) -> list[DesiredPool]:
    collector = _Collector(source)
    reader = csv.reader(text)
    header = next(_rows(reader, collector), None)
    columns = [c.strip().lower().lstrip("\ufeff") for c in header or []]
    missing = [c for c in CSV_COLUMNS[:2] if c not in columns]
    problem = _not_utf8("".join(columns))
    if problem is not None:
        collector.problem(1, problem)
        raise InputError(collector.problems)
    if missing:
        collector.problem(
            1,
            f"the header row must name the columns {', '.join(CSV_COLUMNS)} (the last one "
            f"optional); missing: {', '.join(missing)}{_delimiter_hint(header or [])}",
        )
        raise InputError(collector.problems)
    pool_at, number_at = columns.index("pool"), columns.index("phone_number")
    key_at = columns.index("encrypted_key") if "encrypted_key" in columns else None
    for row in _rows(reader, collector):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        line = reader.line_num
        problem = _not_utf8("".join(row))
        if problem is not None:
            collector.problem(line, problem)
            continue
        if len(row) < len(columns):
            row = row + [""] * (len(columns) - len(row))
        number = row[number_at]
        if not number.strip():
            collector.problem(line, f"no phone number for pool {row[pool_at].strip()!r}")
            continue
        key = row[key_at] if key_at is not None else None
        collector.add(line, row[pool_at], [number], key)
    return collector.result()


def _delimiter_hint(header: list[str]) -> str:
    """A hint when the header is one cell holding the columns with another delimiter
    between them (a spreadsheet's semicolon CSV, or tabs): not guessed, since a comma file
    may hold semicolons in its values."""
    if len(header) != 1:
        return ""
    cell = header[0]
    for delimiter, name in ((";", "semicolons"), ("\t", "tabs")):
        names = {c.strip().lower().lstrip("\ufeff") for c in cell.split(delimiter)}
        if {"pool", "phone_number"} <= names:
            return (
                f" (the columns seem to be separated by {name}: the file must use commas; "
                "save it from the spreadsheet as comma-separated CSV)"
            )
    return ""


def read_jsonl(file: str | Path | TextIO, *, name: str | None = None) -> list[DesiredPool]:
    """Pools from JSON Lines: one object per line, ``{"pool": ..., "phone_numbers": [...],
    "encrypted_key": ...}`` (the last optional). ``"-"`` reads standard input.

    Raises:
        InputError: every problem, each with its line number; nothing else happened.
    """
    with _opened(file) as (text, source):
        return _read_jsonl(text, name or source)


def _read_jsonl(text: TextIO, source: str) -> list[DesiredPool]:
    collector = _Collector(source)
    seen: dict[str, int] = {}
    for line, raw in enumerate(text, start=1):
        if not raw.strip():
            continue
        problem = _not_utf8(raw)
        if problem is not None:
            collector.problem(line, problem)
            continue
        try:
            item = json.loads(raw)
        except ValueError as exc:
            collector.problem(line, f"not JSON ({exc})")
            continue
        except RecursionError:
            collector.problem(line, "nested too deeply to read: each line must be one pool object")
            continue
        if not isinstance(item, dict):
            collector.problem(line, f"expected a JSON object, got {type(item).__name__}")
            continue
        unknown = sorted(set(item) - _JSONL_FIELDS)
        if unknown:
            collector.problem(line, f"unknown field(s) {', '.join(map(repr, unknown))}")
        numbers = item.get("phone_numbers")
        if not isinstance(numbers, list) or not numbers:
            collector.problem(line, f"phone_numbers must be a non-empty list, got {numbers!r:.60}")
            numbers = []
        key = item.get("pool")
        if isinstance(key, str) and key.strip() in seen:
            collector.problem(
                line, f"pool {key.strip()!r} is defined again (line {seen[key.strip()]})"
            )
            continue
        if isinstance(key, str) and key.strip():
            seen[key.strip()] = line
        collector.add(line, key, numbers, item.get("encrypted_key"))
    return collector.result()


def read_desired(
    file: str | Path | TextIO,
    *,
    format: Literal["csv", "jsonl"] | None = None,
    name: str | None = None,
) -> list[DesiredPool]:
    """:func:`read_csv` or :func:`read_jsonl`, by ``format``, else by the file's suffix
    (``.jsonl``, ``.ndjson``), else by its first character (``{``: JSON Lines)."""
    with _opened(file) as (text, source):
        if format is None:
            suffix = Path(source).suffix.lower()
            if suffix in (".jsonl", ".ndjson"):
                format = "jsonl"
            elif suffix == ".csv":
                format = "csv"
            else:
                content = text.read()
                format = "jsonl" if content.lstrip().startswith("{") else "csv"
                text = io.StringIO(content)
        read = _read_jsonl if format == "jsonl" else _read_csv
        return read(text, name or source)


def desired_from(
    pools: Mapping[str, Iterable[str]] | Iterable[DesiredPool | Mapping[str, Any]],
    *,
    source: str = "<objects>",
) -> list[DesiredPool]:
    """Pools from Python objects: a mapping of key to numbers, or an iterable of
    :class:`DesiredPool` or of dicts shaped like a JSON Lines row. Checked like a file (the
    "line" is the item's position, from 1).

    Raises:
        InputError: every problem; nothing else happened.
    """
    collector = _Collector(source)
    if isinstance(pools, Mapping):
        for line, (key, numbers) in enumerate(pools.items(), start=1):
            collector.add(line, key, _numbers_of(numbers), None)
        return collector.result()
    for line, item in enumerate(pools, start=1):
        if isinstance(item, DesiredPool):
            collector.add(line, item.key, item.phone_numbers, item.encrypted_key)
        elif isinstance(item, Mapping) and isinstance(item.get("phone_numbers"), str | bytes):
            value = item["phone_numbers"]
            collector.problem(line, f"phone_numbers must be a list, not one string: {value!r:.60}")
        elif isinstance(item, Mapping):
            collector.add(
                line,
                item.get("pool"),
                _numbers_of(item.get("phone_numbers")),
                item.get("encrypted_key"),
            )
        else:
            collector.problem(
                line, f"expected a DesiredPool or a mapping, got {type(item).__name__}"
            )
    return collector.result()


def _numbers_of(value: object) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]  # reported as one bad number, not split into characters
    return list(value)


class _opened:
    """A text stream for a path, ``"-"`` (standard input) or an open file, and its name."""

    def __init__(self, file: str | Path | TextIO) -> None:
        self._file = file
        self._close = False

    def __enter__(self) -> tuple[TextIO, str]:
        file = self._file
        self._stdin: io.TextIOWrapper | None = None
        if file == "-":
            raw = getattr(sys.stdin, "buffer", None)
            if raw is None:  # replaced by a text stream (an embedding program, a test)
                return sys.stdin, "<stdin>"
            # Read as files are (UTF-8, a byte-order mark dropped, bad bytes reported per
            # line), whatever the console's encoding; detached after, not closed.
            self._stdin = io.TextIOWrapper(
                raw, encoding="utf-8-sig", errors="surrogateescape", newline=""
            )
            return self._stdin, "<stdin>"
        if isinstance(file, str | Path):
            try:
                self._stream: TextIO = open(
                    file, encoding="utf-8-sig", errors="surrogateescape", newline=""
                )
            except OSError as exc:
                problem = InputProblem(str(file), None, f"cannot read it: {exc.strerror or exc}")
                raise InputError([problem]) from None
            self._close = True
            return self._stream, str(file)
        return file, getattr(file, "name", "<stream>")

    def __exit__(self, *exc: object) -> None:
        if self._close:
            self._stream.close()
        if self._stdin is not None:
            self._stdin.detach()
