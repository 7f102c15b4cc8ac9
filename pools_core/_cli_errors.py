"""How the command lines report an error: one ``prog: error: ...`` line (several for every
problem of an input file), or with ``--json`` one JSON object on stderr::

    {"error": {"type": "PoolNotFoundError", "message": "...", "code": "POOL_NOT_FOUND",
               "status": 404, "hint": "..."}}

``type`` is the exception's class name (``UsageError`` for bad usage, argparse's own errors
included; ``Interrupted`` for Ctrl-C, ``Terminated`` for SIGTERM), ``code`` and ``status``
the server's (``null`` when no answer came or nothing was sent), ``hint`` what to try, or
``null``. An input file's problems are also listed one per entry in ``problems``. Exit codes
do not depend on ``--json``.

Imports no network code (``--help`` stays fast).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from itertools import pairwise
from typing import IO, Any, NamedTuple, NoReturn

from ._text import display

__all__ = ["ErrorReport", "Parser", "ParserError", "UsageError", "print_error", "wants_json"]


class UsageError(Exception):
    """Bad usage a command found itself (a file it cannot read, options that do not go
    together): exit 2. ``hint`` says what to do instead."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ParserError(Exception):
    """argparse refused the arguments; raised instead of exiting so that ``--json`` can
    report it as JSON."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors raise :class:`ParserError` (its subparsers
    are of this class too: argparse makes them with the parent's class)."""

    def error(self, message: str) -> NoReturn:
        raise ParserError(self, message)


class ErrorReport(NamedTuple):
    """One error as the command line shows it."""

    type: str
    message: str
    code: str | None = None
    status: int | None = None
    hint: str | None = None
    problems: Sequence[str] = ()

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "type": self.type,
            "message": self.message,
            "code": self.code,
            "status": self.status,
            "hint": self.hint,
        }
        if self.problems:
            fields["problems"] = list(self.problems)
        return {"error": fields}


def print_error(
    prog: str, error: ErrorReport, *, as_json: bool, stream: IO[str] | None = None
) -> None:
    """``error`` on stderr: a ``prog: error:`` line (the message says what to do; the hint
    is for programs), or one JSON object."""
    out = stream or sys.stderr
    if as_json:
        out.write(json.dumps(error.to_dict(), ensure_ascii=True) + "\n")
    else:
        lines = "\n".join(display(line) for line in error.message.split("\n"))
        out.write(f"{prog}: error: {lines}\n")


def wants_json(argv: Sequence[str]) -> bool:
    """Whether ``--json`` (or ``--log-format json``) is among the options, for an error
    argparse found before it finished parsing."""
    options = list(argv)
    if "--" in options:
        options = options[: options.index("--")]
    logs_json = "--log-format=json" in options or ("--log-format", "json") in pairwise(options)
    return "--json" in options or logs_json
