"""What both command lines share: the command table, the parser built from it, output, error
handling and exit codes.

A command line is a :class:`CLI`: its options and a table of :class:`Command` entries (name,
arguments, the call, the output). The parser, its help, and the dispatch all come from the
table, so a new command is one entry.

Exit codes: 0 success, 1 the API (or the network) failed, 2 bad usage (argparse's own code),
including input the SDK refuses before sending and a missing credential; 130 on Ctrl-C, 143
on SIGTERM (what ``timeout``, ``kill``, docker and Kubernetes send), which stops the command
the way Ctrl-C does.

This module imports no network code: ``--help`` and ``--version`` answer without loading
aiohttp (the commands' own code imports the clients when it runs).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import signal
import sys
import textwrap
import threading
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO, TypeVar

from ._cli_errors import ErrorReport, Parser, ParserError, UsageError, print_error, wants_json
from ._text import display
from ._version import __version__

if TYPE_CHECKING:
    import asyncio  # imported when a command runs: --help needs no event loop machinery

_Client = TypeVar("_Client")

__all__ = [
    "ALL_COMMON",
    "CLI",
    "Arg",
    "Command",
    "UsageError",
    "all_or_nothing",
    "arg",
    "log_through",
    "one_line",
    "option",
    "print_json",
    "print_record",
    "print_table",
    "say",
]

#: Arguments shown with these metavars are file names (the shell completes them so).
PATH_METAVARS = frozenset({"FILE", "PATH"})
#: The loggers ``-v`` shows (never asyncio's own chatter).
SDK_LOGGERS = ("bland_pools", "ghl_pools", "pools_core")

#: The common options, by name; a command lists those it takes in ``Command.common``
#: ("credential" is ``--api-key`` or ``--token``).
ALL_COMMON: frozenset[str] = frozenset(
    {"credential", "base_url", "timeout", "max_retries", "json", "emulator", "verbose"}
)


class Arg(NamedTuple):
    """One ``add_argument`` call: its names and options; arguments with the same
    ``exclusive`` name are mutually exclusive."""

    names: tuple[str, ...]
    options: Mapping[str, Any]
    exclusive: str | None = None


def arg(*names: str, exclusive: str | None = None, **options: Any) -> Arg:
    return Arg(names, options, exclusive)


#: Opens the client a command runs with (the real API, or an embedded emulator).
Opener = Callable[[argparse.Namespace], contextlib.AbstractAsyncContextManager[Any]]


class Command(NamedTuple):
    """One subcommand.

    Attributes:
        name, summary: the command and its line in the command list.
        description: what ``COMMAND --help`` says first.
        examples: shown at the end of ``COMMAND --help``.
        args: the command's own arguments.
        run: ``await run(client, args)``: the call; its result goes to ``show``.
        show: prints the result (``args.json`` asks for JSON); returns an exit code or
            ``None`` (0).
        open: the client to run with, when not the command line's default.
        interrupted: said after "interrupted" when Ctrl-C stops this command.
        needs_credential: whether the command refuses to run without a credential.
        common: the common options (:data:`ALL_COMMON`) the command takes after its name
            and lists in its help: only those that do something there.
    """

    name: str
    summary: str
    description: str
    run: Callable[[Any, argparse.Namespace], Awaitable[Any]]
    show: Callable[[Any, argparse.Namespace], int | None]
    examples: tuple[str, ...] = ()
    args: tuple[Arg, ...] = ()
    open: Opener | None = None
    interrupted: str | None = None
    needs_credential: bool = True
    common: frozenset[str] = ALL_COMMON


class CLI(NamedTuple):
    """A command line: ``prog``, its credential option, and its command table."""

    prog: str
    description: str
    credential: str  # the client keyword: "api_key" or "token"
    credential_name: str  # "API key"
    credential_env: str  # "BLAND_API_KEY"
    base_url_env: str  # "BLAND_BASE_URL"
    commands: tuple[Command, ...]
    open: Opener  # the default client of every command
    # This command line's own client options (``--resource-path``), taken by the commands that
    # talk to the API; each one's ``dest`` is the client's keyword (client_settings passes it).
    options: tuple[Arg, ...] = ()
    emulator_note: str = ""  # what else --help says of --emulator (the credentials it knows)

    def parser(self, path_completion: Any = None) -> argparse.ArgumentParser:
        """The command line's parser; ``path_completion`` (shtab's ``FILE``, given by the
        ``completion`` command) marks each argument shown as FILE or PATH as a file name."""
        parser = Parser(
            prog=self.prog,
            description=self.description,
            epilog=f"Try it without an account: {self.prog} --emulator list\n"
            + (f"  ({self.emulator_note})\n" if self.emulator_note else "")
            + f"Help on one command: {self.prog} COMMAND --help",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        self._add_common_options(parser, ALL_COMMON)
        parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
        sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        for command in self.commands:
            examples = "\n".join(f"  {self.prog} {line}" for line in command.examples)
            one = sub.add_parser(
                command.name,
                help=command.summary,
                description=textwrap.fill(command.description, 79),
                epilog=f"examples:\n{examples}" if examples else None,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            self._add_common_options(one, command.common)
            groups: dict[str, Any] = {}
            for item in command.args:
                target: Any = one
                if item.exclusive is not None:
                    if item.exclusive not in groups:
                        groups[item.exclusive] = one.add_mutually_exclusive_group()
                    target = groups[item.exclusive]
                action = target.add_argument(*item.names, **item.options)
                if path_completion is not None and item.options.get("metavar") in PATH_METAVARS:
                    action.complete = path_completion  # read by shtab
        return parser

    def _add_common_options(self, parser: argparse.ArgumentParser, names: frozenset[str]) -> None:
        """Options accepted before or after the command (``--json list`` and ``list --json``);
        defaults are suppressed so the command's copy does not overwrite what came earlier.
        ``names``: which of :data:`ALL_COMMON` to add."""
        s = argparse.SUPPRESS
        flag = "--" + self.credential.replace("_", "-")
        if "credential" in names:
            parser.add_argument(
                flag,
                dest=self.credential,
                default=s,
                metavar="SECRET",
                help=f"credential (default: ${self.credential_env}); prefer the environment "
                "variable, since arguments are visible to other users of this machine",
            )
        if "base_url" in names:
            parser.add_argument(
                "--base-url", default=s, help=f"API base URL (default: ${self.base_url_env})"
            )
        if "timeout" in names:
            parser.add_argument("--timeout", type=float, default=s, help="seconds per attempt")
        if "max_retries" in names:
            parser.add_argument(
                "--max-retries", type=int, default=s, help="retries after a failure"
            )
        if "json" in names:
            parser.add_argument(
                "--json",
                action="store_true",
                default=s,
                help="print JSON (errors too: one JSON object on stderr)",
            )
        if "emulator" in names:
            parser.add_argument(
                "--emulator",
                action="store_true",
                default=s,
                help="run against an embedded emulator seeded with sample pools (no account "
                "needed; not with --base-url)",
            )
        if "verbose" in names:
            parser.add_argument(
                "-v",
                "--verbose",
                action="store_true",
                default=s,
                help="log each request to stderr",
            )
        if "credential" in names:  # a command that talks to the API
            for item in self.options:
                parser.add_argument(*item.names, **{**item.options, "default": s})

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Parse ``argv``, run the command, return the exit code."""
        argv = sys.argv[1:] if argv is None else list(argv)
        try:
            args = self.parser().parse_args(argv)
        except ParserError as exc:
            if wants_json(argv):
                hint = f"{exc.parser.prog} --help"
                print_error(
                    self.prog, ErrorReport("UsageError", exc.message, hint=hint), as_json=True
                )
            else:  # as argparse says it
                exc.parser.print_usage(sys.stderr)
                say(f"{exc.parser.prog}: error: {exc.message}", file=sys.stderr)
            return 2
        command = next(c for c in self.commands if c.name == args.command)
        args.client_options = {
            dest: getattr(args, dest) for dest in map(_dest, self.options) if hasattr(args, dest)
        }
        with _sdk_log_to_stderr(bool(option(args, "verbose"))):
            return self._run(command, args)

    def _fail(self, args: argparse.Namespace, error: ErrorReport) -> None:
        print_error(self.prog, error, as_json=json_errors(args))

    def _run(self, command: Command, args: argparse.Namespace) -> int:
        import asyncio  # here: --help and --version need no event loop machinery

        from ._exceptions import PoolsError

        for stream in (sys.stdout, sys.stderr):
            # Server text the console cannot encode (an emoji on cp1252, a lone surrogate) is
            # shown escaped rather than ending the command in a UnicodeEncodeError.
            if isinstance(stream, io.TextIOWrapper):
                stream.reconfigure(errors="backslashreplace")
        flag = "--" + self.credential.replace("_", "-")
        if option(args, "emulator") and option(args, "base_url"):
            message = "--emulator runs its own server: it cannot be used with --base-url"
            self._fail(args, ErrorReport("UsageError", message, hint="drop one of the two"))
            return 2
        if command.needs_credential and not (
            option(args, "emulator")
            or option(args, self.credential)
            or os.environ.get(self.credential_env)
        ):
            hint = f"pass {flag} or set {self.credential_env} (or try --emulator)"
            message = f"no {self.credential_name}: {hint}"
            self._fail(args, ErrorReport("ConfigurationError", message, hint=hint))
            return 2
        opener = command.open or self.open

        terminated = _Termination()

        async def go() -> int | None:
            terminated.task = asyncio.current_task()
            if terminated.received:  # before the loop ran: nothing was started
                raise asyncio.CancelledError
            async with opener(args) as client:
                result = await command.run(client, args)
            return command.show(result, args)

        try:
            with terminated.handled():
                code = asyncio.run(go())
        except (KeyboardInterrupt, asyncio.CancelledError) as exc:
            if not terminated.received and isinstance(exc, asyncio.CancelledError):
                raise
            # SIGTERM (what timeout, kill, docker and Kubernetes send) stops it as Ctrl-C does.
            said = "terminated (SIGTERM)" if terminated.received else "interrupted"
            exit_code = 143 if terminated.received else 130
            if json_errors(args):
                kind = "Terminated" if terminated.received else "Interrupted"
                self._fail(args, ErrorReport(kind, said, hint=command.interrupted))
                return exit_code
            say(f"{self.prog}: {said}", file=sys.stderr)
            if command.interrupted:
                say(f"{self.prog}: {command.interrupted}", file=sys.stderr)
            return exit_code
        except BrokenPipeError:
            return 0  # `... | head` closed the pipe: not an error
        except (UsageError, PoolsError) as exc:
            error, exit_code = self._described(exc, command)
            self._fail(args, error)
            return exit_code
        if terminated.received:  # the command settled and finished all the same
            say(f"{self.prog}: terminated (SIGTERM)", file=sys.stderr)
            return 143
        return code or 0

    def _described(self, exc: Exception, command: Command) -> tuple[ErrorReport, int]:
        """What to say of ``exc``, and the exit code."""
        from ._exceptions import (
            APIConnectionError,
            APIError,
            AuthenticationError,
            BadRequestError,
            ConfigurationError,
            NotFoundError,
            RateLimitError,
        )

        kind = type(exc).__name__
        if isinstance(exc, UsageError):
            usage = exc.hint or f"{self.prog} {command.name} --help"
            return ErrorReport("UsageError", exc.message, hint=usage), 2
        if isinstance(exc, ConfigurationError):
            return ErrorReport(kind, self._configuration_message(exc)), 2
        if isinstance(exc, APIError):
            hint: str | None = None
            if isinstance(exc, AuthenticationError):
                hint = f"check the {self.credential_name} (${self.credential_env})"
            elif isinstance(exc, RateLimitError):
                hint = "run it again later" + (
                    f" (the server asked for {exc.retry_after:g} s)" if exc.retry_after else ""
                )
            elif isinstance(exc, APIConnectionError):
                hint = "check the network and --base-url; --max-retries retries more"
            elif isinstance(exc, NotFoundError):
                hint = f"'{self.prog} list' shows what there is"
            report = ErrorReport(kind, one_line(exc), exc.code, exc.status, hint)
            # Refused before sending (status None, not a network error): the input was wrong.
            return report, 2 if exc.status is None and isinstance(exc, BadRequestError) else 1
        # Bad input the SDK read (a ValueError: a provisioning file) is a usage error.
        problems = [str(p) for p in getattr(exc, "problems", ())]
        report = ErrorReport(kind, _lines(exc), problems=problems)
        return report, 2 if isinstance(exc, ValueError) else 1

    def _configuration_message(self, exc: Exception) -> str:
        # The SDK says "api_key"; on the command line that is the option.
        flag = "--" + self.credential.replace("_", "-")
        return one_line(exc).replace(f"pass {self.credential}=...", f"pass {flag}")


class _Termination:
    """SIGTERM handled as ``asyncio.run`` handles Ctrl-C: the first cancels the command's
    task (it settles: a provisioning job records what finished, and what was in flight is
    settled by the next run), a second one stops at once."""

    def __init__(self) -> None:
        self.received = False
        self.task: asyncio.Task[Any] | None = None

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        if self.received:
            raise KeyboardInterrupt  # a second one: stop now (exit 143 all the same)
        self.received = True
        task = self.task
        if task is not None and not task.done():
            with contextlib.suppress(RuntimeError):  # its loop is closing: nothing to stop
                task.get_loop().call_soon_threadsafe(task.cancel)

    @contextlib.contextmanager
    def handled(self) -> Iterator[None]:
        """The handler, while the command runs; the previous one after. Only the main
        thread may set handlers, and an ignored SIGTERM stays ignored."""
        if (
            threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
        ):
            yield
            return
        previous = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            yield
        finally:  # None: a handler set outside Python, which cannot be put back; the default
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def option(args: argparse.Namespace, name: str, default: Any = None) -> Any:
    return getattr(args, name, default)


def json_errors(args: argparse.Namespace) -> bool:
    """Whether errors are JSON: with ``--json``, or ``--log-format json`` (a log of JSON
    objects stays one)."""
    return bool(option(args, "json")) or option(args, "log_format") == "json"


def client_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The client options the common options set (the SDK's defaults otherwise), the command
    line's own (:attr:`CLI.options`) included."""
    settings: dict[str, Any] = {"timeout": option(args, "timeout", 30.0)}
    if option(args, "max_retries") is not None:
        settings["max_retries"] = args.max_retries
    settings.update(option(args, "client_options") or {})
    return settings


def _dest(item: Arg) -> str:
    """Where argparse stores an option: its ``dest``, else its first long name."""
    if "dest" in item.options:
        return str(item.options["dest"])
    name = next((n for n in item.names if n.startswith("--")), item.names[0])
    return name.lstrip("-").replace("-", "_")


def client_from_options(
    cls: Callable[..., _Client], args: argparse.Namespace, credential: str, **settings: Any
) -> _Client:
    """The client the command line's options describe: its credential (``--api-key``,
    ``--token``), ``--base-url``, ``--timeout``, ``--max-retries``; ``settings`` override."""
    options = {credential: option(args, credential), "base_url": option(args, "base_url")}
    return cls(**options, **(client_settings(args) | settings))


@contextlib.asynccontextmanager
async def announced(
    emulator: Any, seeds: Iterable[tuple[Any, ...]] = ((),), note: str = ""
) -> AsyncIterator[Any]:
    """Run ``emulator``, seeded with samples (``seed_samples(*seed)`` for each of ``seeds``),
    and say where (and ``note``), on stderr."""
    async with emulator:
        for seed in seeds:
            emulator.seed_samples(*seed)
        said = f"; {note}" if note else ""
        say(f"(emulator at {emulator.url}, seeded with sample pools{said})", file=sys.stderr)
        yield emulator


class _StderrHandler(logging.Handler):
    """Writes each record with ``write``; by default to whatever ``sys.stderr`` is when a
    record comes (not the stream of the moment it was made)."""

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        self.write = write or (lambda text: sys.stderr.write(text + "\n"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(display(self.format(record)))  # a key in a record cannot forge a line
        except Exception:
            self.handleError(record)


def log_through(write: Callable[[str], None]) -> contextlib.AbstractContextManager[None]:
    """For the block, the ``--verbose`` log lines go through ``write`` (a progress bar's
    ``tqdm.write``, so as not to tear it): a handler installed in place of the stderr one,
    removed after. Without ``--verbose``, nothing."""
    loggers = [logging.getLogger(name) for name in SDK_LOGGERS]
    verbose = [lg for lg in loggers if any(isinstance(h, _StderrHandler) for h in lg.handlers)]
    return _installed(_StderrHandler(write), verbose)


def _sdk_log_to_stderr(verbose: bool) -> contextlib.AbstractContextManager[None]:
    """``-v``: the SDK's log on stderr for the command (removed after it, so a process that
    runs several commands, a test session, does not keep it)."""
    loggers = [logging.getLogger(name) for name in SDK_LOGGERS if verbose]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    return _installed(_StderrHandler(), loggers)


@contextlib.contextmanager
def _installed(handler: logging.Handler, loggers: list[logging.Logger]) -> Iterator[None]:
    """``handler`` on ``loggers`` for the block, in place of their stderr handlers."""
    before = {logger: logger.handlers for logger in loggers}  # new lists below: these stay
    for logger in loggers:
        logger.handlers = [h for h in logger.handlers if not isinstance(h, _StderrHandler)]
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger, handlers in before.items():
            logger.handlers = handlers


@contextlib.contextmanager
def all_or_nothing() -> Iterator[TextIO]:
    """A buffer for a command's whole output, written to standard output only when the
    block ends without an error: a half file piped on would be taken for the whole."""
    buffer = io.StringIO()
    yield buffer
    sys.stdout.write(buffer.getvalue())
    sys.stdout.flush()


def print_json(value: Any, out: TextIO | None = None) -> None:
    # ASCII with \u escapes: valid JSON on any console encoding (Windows' cp1252 too), and a
    # lone surrogate the server sent stays an escape instead of failing to encode.
    json.dump(value, out or sys.stdout, indent=2, ensure_ascii=True)
    (out or sys.stdout).write("\n")


def say(text: str, *, file: TextIO | None = None, flush: bool = False) -> None:
    """Print one line of human output with every control character shown escaped
    (:func:`~pools_core._text.display`), a newline too: server or input text in it cannot move
    the cursor, write the clipboard or forge another line. Every human line of the command
    lines goes through here, :func:`print_table`, :func:`print_record` or (errors)
    :func:`~pools_core._cli_errors.print_error`."""
    print(display(text), file=file or sys.stdout, flush=flush)


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO | None = None
) -> None:
    """A plain, aligned text table (no colors: output is often piped); cells escaped with
    :func:`~pools_core._text.display`."""
    out = out or sys.stdout
    headers = [display(cell) for cell in headers]
    rows = [[display(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    for line in (headers, *rows):
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        out.write("\n")


def print_record(fields: Sequence[tuple[str, str]], out: TextIO | None = None) -> None:
    """One object as aligned ``name: value`` lines, values escaped with
    :func:`~pools_core._text.display`."""
    out = out or sys.stdout
    width = max(len(name) for name, _ in fields)
    for name, value in fields:
        out.write(f"{(name + ':').ljust(width + 1)} {display(value)}\n")


def one_line(error: BaseException) -> str:
    """An error's message on one line (its whitespace runs made one space)."""
    return " ".join(str(error).split())


def _lines(error: BaseException) -> str:
    """A message of several lines (every problem of an input) kept as lines."""
    text = str(error)
    return text if "\n" in text else one_line(error)
