"""What both command lines share: common options, table output, error handling, exit codes.

Exit codes: 0 success, 1 the API (or the network) failed, 2 bad usage (argparse's own code),
including input the SDK refuses before sending and a missing API key; 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TextIO

from ._exceptions import APIError, BadRequestError, ConfigurationError, PoolsError
from ._version import __version__

__all__ = [
    "add_common_options",
    "announce_emulator",
    "client_settings",
    "new_parser",
    "print_json",
    "print_record",
    "print_table",
    "run_command",
]


def add_common_options(parser: argparse.ArgumentParser, *, credential: str, env: str) -> None:
    """Options accepted before or after the subcommand (``--json list`` and ``list --json``).

    Defaults are suppressed so a subcommand's copy does not overwrite what was given earlier.
    """
    s = argparse.SUPPRESS
    parser.add_argument(
        f"--{credential.replace('_', '-')}",
        dest=credential,
        default=s,
        metavar="SECRET",
        help=f"credential (default: ${env}); prefer the environment variable, "
        "since arguments are visible to other users of this machine",
    )
    parser.add_argument("--base-url", default=s, help="API base URL (default: $..._BASE_URL)")
    parser.add_argument("--timeout", type=float, default=s, help="seconds per attempt")
    parser.add_argument("--max-retries", type=int, default=s, help="retries after a failure")
    parser.add_argument("--json", action="store_true", default=s, help="print JSON for scripts")
    parser.add_argument(
        "--emulator",
        action="store_true",
        default=s,
        help="run against an embedded emulator seeded with sample pools (no account needed)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=s, help="log each request to stderr"
    )


def option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def new_parser(
    prog: str, description: str, *, credential: str, env: str
) -> tuple[argparse.ArgumentParser, Any, argparse.ArgumentParser]:
    """A command line's parser, its subcommands, and the common options to give each
    subcommand as a parent (``commands.add_parser(name, parents=[common], ...)``)."""
    common = argparse.ArgumentParser(add_help=False)
    add_common_options(common, credential=credential, env=env)
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        parents=[common],
        epilog=f"Try it without an account: {prog} --emulator list",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    return parser, commands, common


def client_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The client options the common options set (the SDK's defaults otherwise)."""
    return {
        "timeout": option(args, "timeout", 30.0),
        "max_retries": option(args, "max_retries", 2),
    }


def announce_emulator(url: str) -> None:
    print(f"(emulator at {url}, seeded with sample pools)", file=sys.stderr)


def print_json(value: Any, out: TextIO | None = None) -> None:
    # ASCII with \u escapes: valid JSON on any console encoding (Windows' cp1252 too), and a
    # lone surrogate the server sent stays an escape instead of failing to encode.
    json.dump(value, out or sys.stdout, indent=2, ensure_ascii=True, default=str)
    (out or sys.stdout).write("\n")


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO | None = None
) -> None:
    """A plain, aligned text table (no colors: output is often piped)."""
    out = out or sys.stdout
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for line in (headers, *rows):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        out.write("\n")


def print_record(fields: Sequence[tuple[str, str]], out: TextIO | None = None) -> None:
    """One object as aligned ``name: value`` lines."""
    out = out or sys.stdout
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        out.write(f"{(name + ':').ljust(width + 1)} {value}\n")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def run_command(
    prog: str,
    args: argparse.Namespace,
    command: Callable[[argparse.Namespace], Coroutine[Any, Any, None]],
) -> int:
    """Run ``command(args)`` on a new event loop; turn expected failures into one line on
    stderr and an exit code, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        # Server text the console cannot encode (an emoji on cp1252, a lone surrogate) is
        # shown escaped rather than ending the command in a UnicodeEncodeError.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    if option(args, "verbose"):
        logging.basicConfig(
            level=logging.DEBUG, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )
    try:
        asyncio.run(command(args))
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except ConfigurationError as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except APIError as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        # Refused before sending (status None, not a network error): the input was wrong.
        return 2 if exc.status is None and isinstance(exc, BadRequestError) else 1
    except PoolsError as exc:
        print(f"{prog}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0  # `... | head` closed the pipe: not an error
    return 0
