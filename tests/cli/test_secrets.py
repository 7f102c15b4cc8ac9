"""The secret given on the command line never appears in any output: not in tables or JSON,
not in error lines, not in the debug log that ``-v`` turns on."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from pathlib import Path

import pytest

from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator

from ._support import KEY, LOCATION, OTHER_LOCATION, TOKEN, bland, ghl

BIN = Path(sys.executable).parent
WRONG_KEY = "sk-cli-wrong-secret-31f0c9e2"
WRONG_TOKEN = "pit-cli-wrong-secret-8e2d7a"


async def test_bland_secret_never_shown_in_process_with_debug_logging(
    bland_emu: BlandEmulator,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    connect = ["-v", "--api-key", KEY, "--base-url", bland_emu.url]
    pool = bland_emu.add_pool(KEY, ["+13125550100"])

    codes = [
        await bland(*connect, "list"),
        await bland(*connect, "--json", "get", pool["id"]),
        await bland(*connect, "create", "+13125550101"),
        await bland(*connect, "update", pool["id"], "+13125550102"),
        await bland(*connect, "get", str(uuid.uuid4())),
        await bland("-v", "--api-key", WRONG_KEY, "--base-url", bland_emu.url, "list"),
    ]

    out, err = capsys.readouterr()
    assert codes == [0, 0, 0, 0, 1, 1]
    assert "GET /v1/custom-dialing-pools -> 200" in caplog.text  # debug logging was on
    for text in (out, err, caplog.text):
        assert KEY not in text
        assert WRONG_KEY not in text


async def test_ghl_secret_never_shown_in_process_with_debug_logging(
    ghl_emu: GHLEmulator,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    connect = ["-v", "--token", TOKEN, "--base-url", ghl_emu.url]

    codes = [
        await ghl(*connect, "list", "--location", LOCATION),
        await ghl(*connect, "list", "--json"),
        await ghl(*connect, "list", "--location", OTHER_LOCATION),
        await ghl("-v", "--token", WRONG_TOKEN, "--base-url", ghl_emu.url, "list"),
    ]

    out, err = capsys.readouterr()
    assert codes == [0, 0, 1, 1]
    assert "GET /phone-system/number-pools -> 200" in caplog.text
    for text in (out, err, caplog.text):
        assert TOKEN not in text
        assert WRONG_TOKEN not in text


async def run_script(name: str, *argv: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLAND_", "GHL_"))}
    process = await asyncio.create_subprocess_exec(
        str(BIN / name),
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_bland_script_with_verbose_logging_never_shows_the_key(
    bland_emu: BlandEmulator,
) -> None:
    bland_emu.add_pool(KEY, ["+13125550100"])
    connect = ["--api-key", KEY, "--base-url", bland_emu.url]

    listed = await run_script("bland-pools", "-v", *connect, "list", "--json")
    missing = await run_script("bland-pools", *connect, "get", str(uuid.uuid4()), "-v")
    wrong = await run_script(
        "bland-pools", "-v", "--api-key", WRONG_KEY, "--base-url", bland_emu.url, "list"
    )

    assert [r[0] for r in (listed, missing, wrong)] == [0, 1, 1]
    assert "bland_pools DEBUG GET /v1/custom-dialing-pools -> 200" in listed[2]
    assert "[POOL_NOT_FOUND]" in missing[2]
    assert "[UNAUTHORIZED]" in wrong[2]
    for _, out, err in (listed, missing, wrong):
        assert KEY not in out + err
        assert WRONG_KEY not in out + err


async def test_ghl_script_with_verbose_logging_never_shows_the_token(
    ghl_emu: GHLEmulator,
) -> None:
    connect = ["--token", TOKEN, "--base-url", ghl_emu.url]

    listed = await run_script("ghl-pools", "-v", *connect, "list", "--json")
    denied = await run_script("ghl-pools", *connect, "list", "-v", "--location", OTHER_LOCATION)

    assert [r[0] for r in (listed, denied)] == [0, 1]
    assert "ghl_pools DEBUG GET /phone-system/number-pools -> 200" in listed[2]
    for _, out, err in (listed, denied):
        assert TOKEN not in out + err
