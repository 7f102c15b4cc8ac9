"""Exit codes of both command lines: 0 success, 1 the API or the network failed, 2 bad usage
(argparse's, input the SDK refuses before sending, a missing credential, a bad option value).
A failure is reported as one ``prog: error: ...`` line on stderr, never a traceback."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

import pools_core
from bland_pools._cli import main as bland_main
from bland_pools.testing import BlandEmulator
from ghl_pools._cli import main as ghl_main
from ghl_pools.testing import GHLEmulator

from ._support import (
    KEY,
    LOCATION,
    OTHER_LOCATION,
    SAMPLE_POOL_ID,
    TOKEN,
    Main,
    error_lines,
    run,
)

UPDATE = ["update", SAMPLE_POOL_ID, "+13125550100"]


def assert_one_error_line(err: str, prog: str, *, usage: bool = False) -> str:
    """Exactly one error line, no traceback; with ``usage``, argparse's usage synopsis may
    come first (and nothing else). Returns the error message."""
    assert "Traceback" not in err
    (line,) = error_lines(err, prog)
    other = [x for x in err.splitlines() if x != line]
    if usage:
        assert other
        assert other[0].startswith("usage: ")
        assert all(x.startswith(" ") for x in other[1:])
    else:
        assert other == [] or (len(other) == 1 and other[0].startswith("(emulator at "))
    return line.split("error: ", 1)[1]


async def cli(main: Main, *argv: str) -> int:
    return await asyncio.to_thread(run, main, argv)


# -- 0 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("main", "prog"), [(bland_main, "bland-pools"), (ghl_main, "ghl-pools")])
def test_version_prints_the_package_version_and_exits_0(
    main: Main, prog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["--version"]) == 0

    assert capsys.readouterr().out == f"{prog} {pools_core.__version__}\n"


@pytest.mark.parametrize(("main", "prog"), [(bland_main, "bland-pools"), (ghl_main, "ghl-pools")])
def test_help_exits_0(main: Main, prog: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(main, ["--help"]) == 0

    out = capsys.readouterr().out
    assert out.startswith(f"usage: {prog}")
    assert f"{prog} --emulator list" in out  # the epilog shows how to try it


# -- 1: the API said no, or nobody answered ---------------------------------------------------


async def test_pool_not_found_exits_1(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(uuid.uuid4())

    code = await cli(bland_main, "--api-key", KEY, "--base-url", bland_emu.url, "get", missing)

    assert code == 1
    message = assert_one_error_line(capsys.readouterr().err, "bland-pools")
    assert message == (
        "[POOL_NOT_FOUND] Geospatial dialing pool not found (HTTP 404) "
        f"on GET {bland_emu.url}/v1/custom-dialing-pools/{missing}"
    )


def test_pool_not_found_with_the_emulator_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(bland_main, ["--emulator", "get", SAMPLE_POOL_ID.replace("0001", "0009")]) == 1

    message = assert_one_error_line(capsys.readouterr().err, "bland-pools")
    assert message.startswith("[POOL_NOT_FOUND]")


async def test_unknown_credentials_refused_by_the_server_exit_1(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "create", "+13125550100"]

    code = await cli(bland_main, *argv, "--encrypted-key", str(uuid.uuid4()))

    assert code == 1
    message = assert_one_error_line(capsys.readouterr().err, "bland-pools")
    assert message.startswith("[INVALID_CREDENTIALS] ")
    assert "(HTTP 400)" in message


async def test_a_wrong_api_key_exits_1(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await cli(bland_main, "--api-key", "sk-wrong", "--base-url", bland_emu.url, "list")

    assert code == 1
    assert "[UNAUTHORIZED]" in assert_one_error_line(capsys.readouterr().err, "bland-pools")


async def test_a_ghl_location_of_another_account_exits_1(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--token", TOKEN, "--base-url", ghl_emu.url, "list", "--location", OTHER_LOCATION]

    code = await cli(ghl_main, *argv)

    assert code == 1
    message = assert_one_error_line(capsys.readouterr().err, "ghl-pools")
    assert message.startswith("Forbidden")
    assert "(HTTP 403)" in message
    assert [r.status for r in ghl_emu.requests] == [403]


async def test_an_unsupported_ghl_version_exits_1(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--token", TOKEN, "--base-url", ghl_emu.url, "list", "--api-version", "1999-01-01"]

    assert await cli(ghl_main, *argv) == 1

    message = assert_one_error_line(capsys.readouterr().err, "ghl-pools")
    assert "Unsupported Version header '1999-01-01'" in message


def test_ghl_403_with_the_emulator_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(ghl_main, ["--emulator", "list", "--location", "someoneElses"]) == 1

    assert "(HTTP 403)" in assert_one_error_line(capsys.readouterr().err, "ghl-pools")


@pytest.mark.parametrize(
    ("main", "prog", "credential"),
    [(bland_main, "bland-pools", "--api-key"), (ghl_main, "ghl-pools", "--token")],
)
async def test_nobody_listening_exits_1(
    main: Main, prog: str, credential: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as bound:  # bound but not listening: connections are refused
        bound.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{bound.getsockname()[1]}"
        argv = [credential, "secret", "--base-url", url, "--max-retries", "0", "list"]

        assert await cli(main, *argv) == 1

    assert assert_one_error_line(capsys.readouterr().err, prog).startswith("Connection failed")


# -- 2: usage ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("main", "prog", "argv", "says"),
    [
        (bland_main, "bland-pools", ["remove", SAMPLE_POOL_ID], "invalid choice: 'remove'"),
        (bland_main, "bland-pools", [], "the following arguments are required: COMMAND"),
        (bland_main, "bland-pools", ["get"], "the following arguments are required: POOL_ID"),
        (bland_main, "bland-pools", ["create"], "the following arguments are required: NUMBER"),
        (bland_main, "bland-pools", ["update", SAMPLE_POOL_ID], "required: NUMBER"),
        (
            bland_main,
            "bland-pools",
            [*UPDATE, "--remove-credentials", "--encrypted-key", SAMPLE_POOL_ID],
            "not allowed with argument",
        ),
        (bland_main, "bland-pools", ["--timeout", "soon", "list"], "invalid float value"),
        (bland_main, "bland-pools", ["list", "--max-retries", "two"], "invalid int value"),
        (bland_main, "bland-pools", ["list", "--frobnicate"], "unrecognized arguments"),
        (ghl_main, "ghl-pools", ["get", LOCATION], "invalid choice: 'get'"),
        (ghl_main, "ghl-pools", ["--timeout", "soon", "list"], "invalid float value"),
        (ghl_main, "ghl-pools", ["list", "--location"], "expected one argument"),
    ],
)
def test_argparse_usage_errors_exit_2(
    main: Main, prog: str, argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, argv) == 2

    out, err = capsys.readouterr()
    assert out == ""
    # argparse names the subcommand ("bland-pools get: error: ...") where one was given.
    lines = [x for x in err.splitlines() if x.startswith(prog) and ": error: " in x]
    assert len(lines) == 1
    assert says in lines[0]
    assert "Traceback" not in err


async def test_a_bad_phone_number_is_refused_before_sending_and_exits_2(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "create", "+13125550100", "312555"]

    assert await cli(bland_main, *argv) == 2

    message = assert_one_error_line(capsys.readouterr().err, "bland-pools")
    assert message.startswith("[INVALID_PHONE_NUMBERS] ")
    assert "phone number '312555' has 6 digits" in message
    assert bland_emu.requests == []  # nothing was sent


async def test_a_malformed_pool_id_or_key_is_refused_before_sending_and_exits_2(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    connect = ["--api-key", KEY, "--base-url", bland_emu.url]

    assert await cli(bland_main, *connect, "get", "pool-42") == 2
    assert "[INVALID_POOL_ID]" in assert_one_error_line(capsys.readouterr().err, "bland-pools")
    code = await cli(bland_main, *connect, "create", "+13125550100", "--encrypted-key", "AC12")
    assert code == 2
    assert "[INVALID_CREDENTIALS]" in assert_one_error_line(capsys.readouterr().err, "bland-pools")
    assert bland_emu.requests == []


async def test_a_ghl_location_that_cannot_be_an_id_exits_2(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--token", TOKEN, "--base-url", ghl_emu.url, "list", "--location", "two words"]

    assert await cli(ghl_main, *argv) == 2

    assert "location_id must be" in assert_one_error_line(capsys.readouterr().err, "ghl-pools")
    assert ghl_emu.requests == []


@pytest.mark.parametrize(
    ("main", "prog", "env"),
    [(bland_main, "bland-pools", "BLAND_API_KEY"), (ghl_main, "ghl-pools", "GHL_ACCESS_TOKEN")],
)
def test_a_missing_credential_exits_2(
    main: Main, prog: str, env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["list"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert env in assert_one_error_line(err, prog)


@pytest.mark.parametrize(("main", "prog"), [(bland_main, "bland-pools"), (ghl_main, "ghl-pools")])
@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--timeout", "-1", "timeout must be a positive number"),
        ("--timeout", "0", "timeout must be a positive number"),
        ("--timeout", "nan", "timeout must be a positive number"),
        ("--max-retries", "-1", "max_retries must be an integer from 0 to 20"),
        ("--max-retries", "99", "max_retries must be an integer from 0 to 20"),
    ],
)
def test_a_bad_option_value_exits_2(
    main: Main,
    prog: str,
    option: str,
    value: str,
    says: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(main, ["--emulator", f"{option}={value}", "list"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert says in assert_one_error_line(err, prog)


def test_an_infinite_timeout_exits_2_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(bland_main, ["--emulator", "--timeout", "inf", "list"]) == 2

    assert "timeout" in assert_one_error_line(capsys.readouterr().err, "bland-pools")


def test_a_plain_http_url_to_another_host_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--api-key", KEY, "--base-url", "http://api.example.com", "list"]

    assert run(bland_main, argv) == 2

    err = capsys.readouterr().err
    assert "plain http to a host that is not a loopback address" in assert_one_error_line(
        err, "bland-pools"
    )
    assert KEY not in err
