"""Other processes opening a manifest, for the tests of its cross-process lock."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

_HOLDER = textwrap.dedent(
    """
    import sys
    from bland_pools.provision import SQLiteManifest
    store = SQLiteManifest(sys.argv[1])
    print("holding", flush=True)
    sys.stdin.read()  # until the test closes our stdin (or kills us)
    store.close()
    """
)
_OPENER = textwrap.dedent(
    """
    import sys
    from bland_pools.provision import SQLiteManifest
    try:
        SQLiteManifest(sys.argv[1]).close()
    except Exception as exc:
        print(type(exc).__name__)
    else:
        print("opened")
    """
)


def opened_by_another_process(path: Path | str) -> str:
    """``opened``, or the name of the error another process got opening ``path``."""
    done = subprocess.run(
        [sys.executable, "-c", _OPENER, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


@contextlib.contextmanager
def held_by_another_process(path: Path | str) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the manifest at ``path`` open (so its lock) until the block ends
    (its stdin is closed) or the test kills it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        if holder.stdin is not None:
            holder.stdin.close()
        try:
            holder.wait(timeout=120)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck holder
            holder.kill()
            holder.wait(timeout=60)
        if holder.stdout is not None:
            holder.stdout.close()
