"""With ``--json`` (or ``--log-format json``) every error of both command lines is one JSON
object on stderr, ``{"error": {"type", "message", "code", "status", "hint"}}``, with the
exit code it has without ``--json``: an API error, no answer, a missing credential, input
refused before sending, a bad provisioning file (its problems listed), argparse's own usage
errors, options that do not go together, a missing manifest or locations file."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from bland_pools._cli import main as bland_main
from bland_pools.testing import BlandEmulator
from ghl_pools._cli import main as ghl_main
from ghl_pools.testing import GHLEmulator

from ._support import KEY, LOCATION, OTHER_LOCATION, TOKEN, run

MISSING_POOL = "550e8400-e29b-41d4-a716-446655440009"
FIELDS = {"type", "message", "code", "status", "hint"}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def shown_error(err: str) -> dict[str, Any]:
    """The one JSON object stderr holds (an emulator's own note aside)."""
    lines = [line for line in err.splitlines() if not line.startswith("(emulator")]
    assert len(lines) == 1, err
    shown = json.loads(lines[0])
    assert set(shown) == {"error"}
    assert set(shown["error"]) >= FIELDS
    assert isinstance(shown["error"]["message"], str)
    assert shown["error"]["message"]
    result: dict[str, Any] = shown["error"]
    return result


Case = tuple[Callable[[Sequence[str]], int], list[str], int, str]


def cases(tmp: Path, bland_url: str, ghl_url: str) -> dict[str, Case]:
    bad_file = tmp / "bad.csv"
    bad_file.write_text("pool,phone_number\na,555-1234\nb,+1312555010\n", encoding="utf-8")
    bland = ["--api-key", KEY, "--base-url", bland_url]
    ghl = ["--token", TOKEN, "--base-url", ghl_url]
    nowhere = closed_port_url()
    return {
        "api error": (bland_main, [*bland, "get", MISSING_POOL], 1, "PoolNotFoundError"),
        "no answer": (
            bland_main,
            ["--api-key", KEY, "--base-url", nowhere, "--max-retries", "0", "list"],
            1,
            "APIConnectionError",
        ),
        "refused before sending": (
            bland_main,
            [*bland, "create", "555-1234"],
            2,
            "InvalidPhoneNumbersError",
        ),
        "bad provisioning file": (
            bland_main,
            [*bland, "provision", str(bad_file), "--manifest", str(tmp / "m.db")],
            2,
            "InputError",
        ),
        "argparse": (bland_main, [*bland, "export", "--format", "xml"], 2, "UsageError"),
        "argparse, no command": (bland_main, [], 2, "UsageError"),
        "emulator with base url": (
            bland_main,
            ["--emulator", "--base-url", bland_url, "list"],
            2,
            "UsageError",
        ),
        "missing manifest": (bland_main, ["manifest", str(tmp / "none.db")], 2, "UsageError"),
        "ghl api error": (
            ghl_main,
            ["--token", "pit-unknown", "--base-url", ghl_url, "list", "--location", LOCATION],
            1,
            "AuthenticationError",
        ),
        "ghl missing locations file": (
            ghl_main,
            [*ghl, "export", "--locations-file", str(tmp / "none.txt")],
            2,
            "UsageError",
        ),
        "ghl argparse": (ghl_main, [*ghl, "list", "--location"], 2, "UsageError"),
    }


CASE_NAMES = [
    "api error",
    "no answer",
    "refused before sending",
    "bad provisioning file",
    "argparse",
    "argparse, no command",
    "emulator with base url",
    "missing manifest",
    "ghl api error",
    "ghl missing locations file",
    "ghl argparse",
]


@pytest.mark.parametrize("name", CASE_NAMES)
async def test_every_error_is_one_json_object_with_the_same_exit_code(
    name: str,
    bland_emu: BlandEmulator,
    ghl_emu: GHLEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    table = cases(tmp_path, bland_emu.url, ghl_emu.url)
    assert list(table) == CASE_NAMES
    main, argv, code, kind = table[name]

    # Without --json: the same exit code, a plain line.
    assert await asyncio.to_thread(run, main, argv) == code
    out, err = capsys.readouterr()
    assert out == ""
    assert ": error: " in err
    assert not err.lstrip().startswith("{")

    assert await asyncio.to_thread(run, main, [*argv, "--json"]) == code

    out, err = capsys.readouterr()
    assert out == ""
    error = shown_error(err)
    assert error["type"] == kind
    assert "Traceback" not in err


async def test_an_api_error_carries_the_servers_code_and_status_and_a_hint(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "--json", "get", MISSING_POOL]

    assert await asyncio.to_thread(run, bland_main, argv) == 1

    error = shown_error(capsys.readouterr().err)
    assert (error["code"], error["status"]) == ("POOL_NOT_FOUND", 404)
    assert MISSING_POOL in error["message"]
    assert "bland-pools list" in error["hint"]


def test_a_missing_credential_says_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BLAND_API_KEY", raising=False)

    assert run(bland_main, ["list", "--json"]) == 2

    error = shown_error(capsys.readouterr().err)
    assert error["type"] == "ConfigurationError"
    assert (error["code"], error["status"]) == (None, None)
    assert "--api-key" in error["hint"]
    assert "BLAND_API_KEY" in error["hint"]


async def test_a_bad_file_lists_every_problem(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    source.write_text("pool,phone_number\na,555-1234\nb,+1312555010\n", encoding="utf-8")
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "--json", "provision", str(source)]

    assert await asyncio.to_thread(run, bland_main, [*argv, "--manifest", str(tmp_path / "m")]) == 2

    error = shown_error(capsys.readouterr().err)
    assert [p.split(": ")[0] for p in error["problems"]] == [f"{source}:2", f"{source}:3"]
    assert bland_emu.requests == []


async def test_log_format_json_makes_errors_json_too(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    source.write_text("pool,phone_number\na,555-1234\n", encoding="utf-8")
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source)]

    code = await asyncio.to_thread(
        run, bland_main, [*argv, "--manifest", str(tmp_path / "m"), "--log-format", "json"]
    )

    assert code == 2
    assert shown_error(capsys.readouterr().err)["type"] == "InputError"


async def test_ctrl_c_under_json_is_an_interrupted_object_and_exit_130() -> None:
    from .test_scripts import interrupted_list

    code, out, err = await interrupted_list("--json")

    assert code == 130
    assert out == b""
    error = shown_error(err.decode())
    assert (error["type"], error["message"]) == ("Interrupted", "interrupted")


async def test_ghl_export_reports_each_failed_location_as_a_json_object(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ghl_emu.seed_samples(LOCATION)
    # --partial: without it nothing is written (tests/cli/test_export_all_or_nothing.py).
    argv = ["--token", TOKEN, "--base-url", ghl_emu.url, "export", "--json", "--partial"]

    code = await asyncio.to_thread(
        run, ghl_main, [*argv, "--location", LOCATION, "--location", OTHER_LOCATION]
    )

    out, err = capsys.readouterr()
    assert code == 1
    error = shown_error(err)
    assert error["message"].startswith(f"location {OTHER_LOCATION}: ")
    assert error["status"] in (401, 403)
    shown = json.loads(out)
    assert [loc["location_id"] for loc in shown["locations"]] == [LOCATION]
