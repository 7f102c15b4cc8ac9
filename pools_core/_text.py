"""Text the server (or an input file) controls, made safe for where it is shown.

Two rules, one helper each, used by every writer of the project:

- :func:`display` for human output (tables, plan lines, progress, ``error:`` lines): control
  and other non-printable characters are shown escaped (``\\x1b``, ``\\n``, ``\\u202e``), as
  ``repr`` would, so a pool name cannot clear the screen, write the clipboard (OSC 52), draw a
  link (OSC 8) or forge extra lines. JSON output is escaped by ``json.dumps`` already.
- :func:`csv_cell` for every CSV cell: a cell a spreadsheet would run as a formula (it starts
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; OWASP's "CSV injection" rule)
  is prefixed with ``'``, except a plain number, so a phone number like ``+14155552671``
  round-trips unchanged. :func:`csv_writer` applies it to every cell a ``csv.writer`` writes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

__all__ = ["csv_cell", "csv_writer", "display"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def display(text: object) -> str:
    """``text`` as one line a terminal shows literally: each non-printable character
    (C0/C1 controls, DEL, line and paragraph separators, bidi overrides) is escaped the way
    ``repr`` escapes it. Printable text, non-ASCII letters included, is kept as it is."""
    value = text if isinstance(text, str) else str(text)
    if value.isprintable():
        return value
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in value)


def csv_cell(value: object) -> object:
    """One CSV cell, neutralized when a spreadsheet would run it as a formula. Non-strings
    (numbers, ``None``) are returned as they are."""
    if (
        isinstance(value, str)
        and value.startswith(_FORMULA_START)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class _SafeWriter:
    """A ``csv.writer`` whose every cell goes through :func:`csv_cell`."""

    __slots__ = ("_writer",)

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: Any, **options: Any) -> _SafeWriter:
    """``csv.writer(stream, lineterminator="\\n", **options)`` that neutralizes every cell."""
    options.setdefault("lineterminator", "\n")
    return _SafeWriter(csv.writer(stream, **options))
