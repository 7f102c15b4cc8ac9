"""``python -m bland_pools.testing`` and ``python -m ghl_pools.testing``: start, print the URL
and credentials, serve, and stop cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import Sequence

import aiohttp
import pytest
from _interruptible import interruptible

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

URL = re.compile(r"listening on (http://127\.0\.0\.1:\d+)$")


async def _start(module: str, *args: str) -> tuple[asyncio.subprocess.Process, str, list[str]]:
    proc = await asyncio.create_subprocess_exec(
        *interruptible([sys.executable, "-m", module, "--port", "0", *args]),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            if not line:
                break
            lines.append(line.decode().rstrip())
        match = URL.search(lines[0]) if lines else None
        assert match is not None, lines
    except BaseException:
        proc.kill()
        await proc.communicate()
        raise
    return proc, match.group(1), lines


async def _stop(proc: asyncio.subprocess.Process, sig: signal.Signals) -> tuple[int, str]:
    proc.send_signal(sig)
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, stderr.decode()


def _value(lines: Sequence[str], name: str) -> str:
    for line in lines:
        if line.strip().startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name!r} in {lines}")


async def test_bland_standalone_serves_until_ctrl_c() -> None:
    proc, url, lines = await _start(
        "bland_pools.testing", "--api-key", "cli-key", "--samples", "--fault", "slow=0.0"
    )
    try:
        assert _value(lines, "API key") == "cli-key"
        assert f"BLAND_BASE_URL={url}" in _value(lines, "shell")
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                url + "/v1/custom-dialing-pools", headers={"authorization": "cli-key"}
            ) as resp,
        ):
            assert resp.status == 200
            body = await resp.json()
        assert body["status"] == "success"
        assert len(body["data"]) == 3
    finally:
        code, stderr = await _stop(proc, signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr
    assert "stopped" in stderr


async def test_bland_standalone_serves_one_name_with_paths() -> None:
    proc, url, lines = await _start(
        "bland_pools.testing", "--api-key", "cli-key", "--paths", "geospatial-dialing-pools"
    )
    try:
        assert _value(lines, "paths") == "/v1/geospatial-dialing-pools"
        statuses = {}
        async with aiohttp.ClientSession(headers={"authorization": "cli-key"}) as http:
            for name in ("custom-dialing-pools", "geospatial-dialing-pools"):
                async with http.get(f"{url}/v1/{name}") as resp:
                    statuses[name] = (resp.status, await resp.text())
        assert statuses["custom-dialing-pools"] == (404, "404: Not Found")
        assert statuses["geospatial-dialing-pools"][0] == 200
    finally:
        code, stderr = await _stop(proc, signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr


async def test_bland_standalone_refuses_an_unknown_name_in_paths() -> None:
    proc = await asyncio.create_subprocess_exec(
        *interruptible([sys.executable, "-m", "bland_pools.testing", "--paths", "geospatial"]),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)

    assert proc.returncode == 2
    assert "argument --paths: invalid choice: 'geospatial'" in stderr.decode()


async def test_ghl_standalone_serves_until_sigterm() -> None:
    proc, url, lines = await _start(
        "ghl_pools.testing",
        "--token",
        "cli-token",
        "--location",
        "cliLoc",
        "--fault",
        "server_error=0.5",
        "--seed",
        "3",
    )
    try:
        assert _value(lines, "token") == "cli-token"
        assert _value(lines, "location") == "cliLoc"
        assert "server_error=0.5" in _value(lines, "faults")
        headers = {"Authorization": "Bearer cli-token", "Version": "2021-07-28"}
        async with aiohttp.ClientSession() as http:
            statuses = []
            for _ in range(10):
                async with http.get(url + "/phone-system/number-pools", headers=headers) as resp:
                    statuses.append(resp.status)
        assert 200 in statuses
        assert set(statuses) - {200}  # the plan staged some server errors
    finally:
        code, stderr = await _stop(proc, signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in stderr


async def test_standalone_refuses_bad_options() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bland_pools.testing",
        "--fault",
        "meteor=0.5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert b"KIND=SHARE" in stderr


async def test_standalone_reports_a_busy_port() -> None:
    proc, url, _ = await _start("ghl_pools.testing")
    try:
        port = url.rsplit(":", 1)[1]
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "ghl_pools.testing",
            "--port",
            port,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 1
        assert b"cannot listen" in stderr
        assert b"Traceback" not in stderr
    finally:
        await _stop(proc, signal.SIGINT)


@pytest.mark.parametrize("module", ["bland_pools.testing", "ghl_pools.testing"])
@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_standalone_refuses_a_port_out_of_range_naming_it(module: str, port: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert f"a port is a whole number from 0 to 65535, got '{port}'" in done.stderr
    assert "Traceback" not in done.stderr
