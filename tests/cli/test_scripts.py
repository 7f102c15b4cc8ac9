"""The installed console scripts, run as a user would: ``bland-pools`` and ``ghl-pools`` next
to this Python, in a subprocess, against their embedded emulators."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _interruptible import interruptible
from aiohttp import web

import pools_core
from bland_pools.testing import BlandEmulator, Fault
from ghl_pools.testing import GHLEmulator

from ._support import KEY, LOCATION, SAMPLE_CREDENTIALS, SAMPLE_POOL_ID, ghl_list_json, table

BIN = Path(sys.executable).parent
# The embedded GoHighLevel emulator's token (ghl_pools._cli); its sample ids derive from the
# location only, so an emulator that never started shows the very same samples.
GHL_CLI_TOKEN = "ghl-cli-emulator-token"


def script(name: str, *argv: str) -> subprocess.CompletedProcess[str]:
    path = BIN / name
    assert path.exists(), f"{name} is not installed next to {sys.executable}"
    return subprocess.run(
        [str(path), *argv], capture_output=True, text=True, timeout=60, check=False
    )


def test_bland_pools_emulator_list() -> None:
    done = script("bland-pools", "--emulator", "list")

    assert done.returncode == 0, done.stderr
    rows = table(done.stdout)
    assert rows[0] == ["ID", "CREATED", "ENCRYPTED KEY", "NUMBERS"]
    assert len(rows) == 4
    assert rows[1] == [
        SAMPLE_POOL_ID,
        "2024-01-15 10:30",
        SAMPLE_CREDENTIALS,
        "+12345678901, +19876543210, +15551234567",
    ]
    assert done.stderr.startswith("(emulator at http://127.0.0.1:")
    assert "Traceback" not in done.stderr


def test_ghl_pools_emulator_list_json() -> None:
    done = script("ghl-pools", "--emulator", "list", "--json")

    assert done.returncode == 0, done.stderr
    expected = GHLEmulator(tokens={GHL_CLI_TOKEN: [LOCATION]}).seed_samples(LOCATION)
    assert json.loads(done.stdout) == ghl_list_json(expected)
    (banner,) = done.stderr.splitlines()  # JSON mode adds no summary line
    assert banner.startswith("(emulator at http://127.0.0.1:")


@pytest.mark.parametrize("name", ["bland-pools", "ghl-pools"])
def test_version(name: str) -> None:
    done = script(name, "--version")

    assert (done.returncode, done.stdout) == (0, f"{name} {pools_core.__version__}\n")


@pytest.mark.parametrize("name", ["bland-pools", "ghl-pools"])
def test_a_usage_error_exits_2(name: str) -> None:
    done = script(name, "--emulator", "frobnicate")

    assert done.returncode == 2
    assert done.stdout == ""
    assert f"{name}: error: argument COMMAND: invalid choice: 'frobnicate'" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_api_error_exits_1() -> None:
    done = script("bland-pools", "--emulator", "get", SAMPLE_POOL_ID.replace("0001", "0009"))

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines()[-1].startswith("bland-pools: error: [POOL_NOT_FOUND]")


class AnnouncingEmulator(BlandEmulator):
    """Sets ``listed`` when a list request reaches the handler."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listed = asyncio.Event()

    async def _list(self, request: web.Request) -> web.Response:
        self.listed.set()
        return await super()._list(request)


async def interrupted_list(*options: str) -> tuple[int | None, bytes, bytes]:
    """``bland-pools [options] list`` (the installed script) interrupted with SIGINT while its
    request is in flight: the exit code, standard output and standard error."""
    async with AnnouncingEmulator(api_keys=[KEY]) as emu:
        emu.inject(Fault.SLOW, slow_seconds=30)
        argv = [str(BIN / "bland-pools"), "--api-key", KEY, "--base-url", emu.url, *options]
        process = await asyncio.create_subprocess_exec(
            *interruptible([*argv, "list"]),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        await asyncio.wait_for(emu.listed.wait(), 20)  # in flight, its answer 30 s away
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    return process.returncode, out, err


async def test_ctrl_c_while_waiting_exits_130_without_a_traceback() -> None:
    code, out, err = await interrupted_list()

    assert code == 130
    assert (out, err) == (b"", b"bland-pools: interrupted\n")


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
async def test_text_the_console_cannot_encode_is_escaped_not_a_traceback(as_json: bool) -> None:
    token = "cp1252-console-token"
    async with GHLEmulator(tokens={token: [LOCATION]}) as emu:
        emu.add_pool(LOCATION, name="Sales \U0001f4de", pool_id="pool-with-an-emoji")
        emu.add_pool(LOCATION, name="broken \ud800 text", pool_id="pool-with-a-surrogate")
        process = await asyncio.create_subprocess_exec(
            str(BIN / "ghl-pools"),
            *("--token", token, "--base-url", emu.url, "list", "--location", LOCATION),
            *(["--json"] if as_json else []),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # Windows' default for redirected output: no emoji in it.
            env={**os.environ, "PYTHONIOENCODING": "cp1252"},
        )
        out, err = await asyncio.wait_for(process.communicate(), 30)

    assert process.returncode == 0, err.decode(errors="replace")
    assert b"Traceback" not in err
    text = out.decode("cp1252")
    if as_json:
        names = [pool["name"] for pool in json.loads(text)["pools"]]
        assert names == ["Sales \U0001f4de", "broken \ud800 text"]  # exact, via \u escapes
    else:
        assert "Sales \\U0001f4de" in text
        assert "broken \\ud800 text" in text
