"""The ``completion`` command both command lines have: a shell completion script generated
from the command line's own parser (by shtab), so it always knows every command and option."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from ._cli import Command, arg

if TYPE_CHECKING:
    from ._cli import CLI

__all__ = ["SHELLS", "completion_command"]

SHELLS = ("bash", "zsh", "fish")
#: Where each shell looks for a command's completion script (bash-completion 2, zsh's fpath,
#: fish): the command's examples, so ``completion --help`` says how to install it.
_INSTALL = {
    "bash": "~/.local/share/bash-completion/completions/{prog}",
    "zsh": "~/.zfunc/_{prog}",
    "fish": "~/.config/fish/completions/{prog}.fish",
}


@contextlib.asynccontextmanager
async def _no_client(args: argparse.Namespace) -> AsyncIterator[None]:
    yield None


def completion_command(prog: str, cli: Callable[[], CLI]) -> Command:
    """The ``completion SHELL`` entry of ``prog``'s command table; ``cli`` returns the command
    line (called when the command runs: the table is built before its CLI)."""

    async def run(_: None, args: argparse.Namespace) -> str:
        import shtab  # here: only this command needs it

        parser = cli().parser(path_completion=shtab.FILE)
        script: str = shtab.complete(parser, shell=args.shell)
        return script

    def show(script: Any, args: argparse.Namespace) -> None:
        sys.stdout.write(script if script.endswith("\n") else script + "\n")

    return Command(
        name="completion",
        summary="print a shell completion script (bash, zsh, fish)",
        description="Print the completion script of this command line for SHELL (bash, zsh "
        "or fish), made from its own commands and options. Save it where the shell looks for "
        "completions, as the examples do, then open a new shell. For zsh, ~/.zfunc must be in "
        "fpath before compinit runs: fpath=(~/.zfunc $fpath) in ~/.zshrc.",
        examples=tuple(
            f"completion {shell} > {path.format(prog=prog)}" for shell, path in _INSTALL.items()
        ),
        args=(arg("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish"),),
        run=run,
        show=show,
        open=_no_client,
        needs_credential=False,
        common=frozenset(),  # no common option does anything here
    )
