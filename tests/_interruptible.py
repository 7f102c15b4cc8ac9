"""Start child processes that Ctrl-C (SIGINT) reaches, even when the test run ignores it.

A test run in a background job, or on some CI runners, starts with SIGINT ignored, and a child
inherits that: a test that interrupts its child would wait in vain. The child is started
through a one-line trampoline that restores SIGINT's default before it execs the real program.
(``tests/`` is on ``sys.path``: its conftest is the root one.)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

_TRAMPOLINE = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def interruptible(argv: Sequence[str]) -> list[str]:
    """``argv`` (the program first, as an absolute path) run so that SIGINT reaches it."""
    return [sys.executable, "-c", _TRAMPOLINE, *argv]
