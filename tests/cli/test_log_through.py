"""``-v`` log lines while a progress bar runs: the display installs a handler that writes
them through the bar (``tqdm.write``: the bar is cleared first, so no line is torn) and
removes it after; the ``-v`` handler itself lives as long as its command. No module global
of another module is written for either."""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from bland_pools._cli import main as bland_main
from bland_pools.testing import BlandEmulator

from ._support import KEY, run

BIN = Path(sys.executable).parent
LOG_LINE = re.compile(
    rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} bland_pools DEBUG \w+ /v1/[^\r\n]* -> "
)


def test_log_lines_go_through_the_bar_once_each_never_torn(tmp_path: Path) -> None:
    source = tmp_path / "pools.csv"
    rows = [f"p{n},+1312555{n:04d}," for n in range(6)]
    source.write_text("pool,phone_number,encrypted_key\n" + "\n".join(rows) + "\n")
    emulator = BlandEmulator(api_keys=[KEY]).in_thread()  # no faults: one line a request
    with emulator as emu:
        connect = ["-v", "--api-key", KEY, "--base-url", emu.url, "provision", str(source)]
        err = _run_on_terminal([*connect, "--manifest", str(tmp_path / "m.db")])
    lines = list(LOG_LINE.finditer(err))
    assert b"pool/s" in err  # the bar ran
    assert len(lines) == len(emu.requests) > 6  # each once: not also written to plain stderr
    for match in lines:
        assert err[match.start() - 1 : match.start()] in (b"", b"\r", b"\n"), match.group()


def _run_on_terminal(argv: list[str]) -> bytes:
    """``bland-pools argv``'s stderr, written to an 80-column pseudo-terminal."""
    leader, follower = pty.openpty()
    # 80 columns: a new pseudo-terminal has none, and tqdm would draw an empty bar.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with subprocess.Popen(
        [str(BIN / "bland-pools"), *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    ) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process (Linux)
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.stdout is not None
        proc.stdout.read()
    os.close(leader)
    assert proc.returncode == 0
    return b"".join(chunks)


async def test_the_verbose_handler_goes_with_its_command(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["-v", "--api-key", KEY, "--base-url", bland_emu.url, "list"]
    assert await asyncio.to_thread(run, bland_main, argv) == 0
    assert "bland_pools DEBUG GET /v1/" in capsys.readouterr().err
    logging.getLogger("bland_pools").warning("after the command")
    assert "after the command" not in capsys.readouterr().err
