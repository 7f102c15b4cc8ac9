"""What the command lines say (issue 8): help that names the real environment variables and
gives every command a description and examples; a missing credential named as the option and
the variable; ``-v`` showing the SDK's request lines only; one ``--json`` shape for both commands
(``{"pools": [...], "total": N}``, the pool object, ``{"pool": ..., "created": ...}``) in the
SDK's field names; everyday phone numbers accepted; a Ctrl-C during a create that says the pool
may have been made and how to check; and ``--help``/``--version`` answering without importing
the network stack."""

from __future__ import annotations

import asyncio
import json
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import attrs
import pytest
from _interruptible import interruptible
from aiohttp import web

import bland_pools._cli
import ghl_pools._cli
from bland_pools import DialingPool
from bland_pools.testing import BlandEmulator, Fault
from ghl_pools import NumberPool, PoolNumber
from pools_core._cli import Command

from ._support import (
    KEY,
    SAMPLE_POOL_ID,
    Embedded,
    Main,
    bland_list_json,
    ghl_list_json,
    run,
)

BIN = Path(sys.executable).parent
POOLS_PATH = "/v1/custom-dialing-pools"


class Tool(NamedTuple):
    prog: str
    main: Main
    commands: Sequence[Command]
    credential_flag: str
    credential_env: str
    base_url_env: str
    request_line: str  # what -v logs for a list


BLAND = Tool(
    "bland-pools",
    bland_pools._cli.main,
    bland_pools._cli.COMMANDS,
    "--api-key",
    "BLAND_API_KEY",
    "BLAND_BASE_URL",
    "bland_pools DEBUG GET /v1/custom-dialing-pools -> 200",
)
GHL = Tool(
    "ghl-pools",
    ghl_pools._cli.main,
    ghl_pools._cli.COMMANDS,
    "--token",
    "GHL_ACCESS_TOKEN",
    "GHL_BASE_URL",
    "ghl_pools DEBUG GET /phone-system/number-pools?locationId=ve9EPM428h8vShlRW1KT -> 200",
)
TOOLS = pytest.mark.parametrize("tool", [BLAND, GHL], ids=[BLAND.prog, GHL.prog])
COMMANDS = [(tool, command) for tool in (BLAND, GHL) for command in tool.commands]


def field_names(model: type[Any]) -> set[str]:
    """The SDK's names of a model's fields (what ``to_dict`` and ``--json`` use)."""
    return {field.name for field in attrs.fields(model)} - {"_raw"}


def printed_json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def bland_thread_emu() -> Iterator[BlandEmulator]:
    """An emulator a plain test's command-line runs can share (it keeps its pools)."""
    with BlandEmulator(api_keys=[KEY]).in_thread() as emu:
        yield emu


def connect(emu: BlandEmulator) -> list[str]:
    return ["--api-key", KEY, "--base-url", emu.url]


# -- help --------------------------------------------------------------------------------------

HELP_SCREENS = [(tool, []) for tool in (BLAND, GHL)] + [
    (tool, [command.name]) for tool, command in COMMANDS if "base_url" in command.common
]


@pytest.mark.parametrize(
    ("tool", "command"),
    HELP_SCREENS,
    ids=[" ".join([tool.prog, *command, "--help"]) for tool, command in HELP_SCREENS],
)
def test_help_names_the_base_url_variable_itself(
    tool: Tool, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tool.main, [*command, "--help"]) == 0

    out = capsys.readouterr().out
    assert f"(default: ${tool.base_url_env})" in " ".join(out.split())
    assert "$..." not in out


@pytest.mark.parametrize(
    ("tool", "command"), COMMANDS, ids=[f"{t.prog} {c.name}" for t, c in COMMANDS]
)
def test_every_commands_help_has_a_description_and_examples(
    tool: Tool, command: Command, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tool.main, [command.name, "--help"]) == 0

    usage, description, *_, examples = capsys.readouterr().out.strip("\n").split("\n\n")
    assert usage.startswith(f"usage: {tool.prog} {command.name} ")
    assert " ".join(description.split()) == " ".join(command.description.split())
    assert len(description.split()) >= 5  # a sentence, not a header
    heading, *lines = examples.splitlines()
    assert heading == "examples:"
    assert lines
    assert lines == [f"  {tool.prog} {example}" for example in command.examples]
    for line in lines:
        prog, *words = shlex.split(line)
        assert (prog, command.name in words) == (tool.prog, True)  # options may come first


# -- messages ----------------------------------------------------------------------------------


@TOOLS
def test_a_missing_credential_is_one_line_naming_the_option_and_the_variable(
    tool: Tool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tool.main, ["list"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"{tool.prog}: error: ")
    assert f"pass {tool.credential_flag} or set {tool.credential_env}" in line
    assert "=..." not in line  # not the SDK's keyword-argument advice


@TOOLS
def test_verbose_logs_the_sdks_request_lines_but_not_asyncios(tool: Tool) -> None:
    done = subprocess.run(
        [str(BIN / tool.prog), "--emulator", "-v", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert tool.request_line in done.stderr
    assert "Using selector" not in done.stderr
    assert " asyncio " not in done.stderr
    assert set(json.loads(done.stdout)) == {"pools", "total"}  # the log stays off stdout


# -- --json ------------------------------------------------------------------------------------


def test_bland_list_json_is_pools_and_total_in_the_sdks_field_names(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(BLAND.main, ["--emulator", "list", "--json"]) == 0

    printed = printed_json(capsys)
    (emu,) = embedded.bland
    assert printed == bland_list_json(emu.pools())
    assert printed["total"] == len(printed["pools"]) == 3
    for pool in printed["pools"]:
        assert set(pool) == field_names(DialingPool)


def test_ghl_list_json_is_pools_and_total_in_the_sdks_field_names(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(GHL.main, ["--emulator", "list", "--json"]) == 0

    printed = printed_json(capsys)
    (emu,) = embedded.ghl
    assert printed == ghl_list_json(emu.pools())
    assert printed["total"] == len(printed["pools"]) == 3
    for pool in printed["pools"]:
        assert set(pool) == field_names(NumberPool)
        for number in pool["numbers"]:
            assert set(number) == field_names(PoolNumber)


def test_get_create_and_update_json_print_the_pool_object_that_list_json_shows(
    bland_thread_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = bland_thread_emu
    assert run(BLAND.main, [*connect(emu), "--json", "create", "+13125550101"]) == 0
    created = printed_json(capsys)
    assert run(BLAND.main, [*connect(emu), "--json", "get", created["id"]]) == 0
    fetched = printed_json(capsys)
    update = ["update", created["id"], "+13125550102", "+13125550103"]
    assert run(BLAND.main, [*connect(emu), "--json", *update]) == 0
    updated = printed_json(capsys)
    assert run(BLAND.main, [*connect(emu), "--json", "list"]) == 0
    listed = printed_json(capsys)

    assert set(created) == field_names(DialingPool)
    assert fetched == created
    assert updated == {**created, "phone_numbers": ["+13125550102", "+13125550103"]}
    assert listed == {"pools": [updated], "total": 1}
    assert emu.pools() == [updated]
    assert [(r.method, r.path) for r in emu.requests] == [
        ("POST", POOLS_PATH),
        ("GET", f"{POOLS_PATH}/{created['id']}"),
        ("POST", f"{POOLS_PATH}/{created['id']}/update"),
        ("GET", POOLS_PATH),
    ]


def test_create_if_absent_json_says_whether_it_created_the_pool(
    bland_thread_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = bland_thread_emu
    argv = [*connect(emu), "create", "+13125550101", "+13125550102", "--if-absent", "--json"]

    assert run(BLAND.main, argv) == 0
    first = printed_json(capsys)
    assert run(BLAND.main, argv) == 0
    second = printed_json(capsys)

    (stored,) = emu.pools()
    assert first == {"pool": stored, "created": True}
    assert second == {"pool": stored, "created": False}
    assert [r.method for r in emu.requests] == ["GET", "POST", "GET"]  # one create only


# -- phone numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["create", "update"])
def test_everyday_us_numbers_are_turned_into_blands_form(
    embedded: Embedded, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    typed = ["(555) 123-4567", "555.123.4568", " +1 555 123 4569"]
    target = [SAMPLE_POOL_ID] if command == "update" else []

    assert run(bland_pools._cli.main, ["--emulator", "--json", command, *target, *typed]) == 0

    normalized = ["+15551234567", "+15551234568", "+15551234569"]
    printed = printed_json(capsys)
    (emu,) = embedded.bland
    (post,) = [r for r in emu.requests if r.method == "POST"]
    assert post.json["phone_numbers"] == normalized
    assert printed["phone_numbers"] == normalized
    assert printed in emu.pools()


# -- Ctrl-C during a create --------------------------------------------------------------------


class CreateAnnouncingEmulator(BlandEmulator):
    """Sets ``created`` when a create reaches the handler (with the SLOW fault: the pool is
    stored, and its answer is still to come)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.created = asyncio.Event()

    async def _create(self, request: web.Request) -> web.Response:
        response = await super()._create(request)
        self.created.set()
        return response


async def test_ctrl_c_during_create_says_the_pool_may_exist_and_how_to_check() -> None:
    async with CreateAnnouncingEmulator(api_keys=[KEY]) as emu:
        emu.inject(Fault.SLOW, method="POST", slow_seconds=600)
        process = await asyncio.create_subprocess_exec(
            *interruptible(
                [str(BIN / "bland-pools"), *connect(emu), "create", "+13125550101"],
            ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        await asyncio.wait_for(emu.created.wait(), 120)  # stored; the answer is 600 s away
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(process.communicate(), 120)
        stored = emu.pools()

    assert process.returncode == 130
    assert out == b""
    interrupted, advice = err.decode().splitlines()
    assert interrupted == "bland-pools: interrupted"
    assert advice.startswith("bland-pools: ")
    assert "may have been created" in advice
    assert "'bland-pools list'" in advice
    assert "--if-absent" in advice
    assert [p["phone_numbers"] for p in stored] == [["+13125550101"]]  # it was, indeed


# -- start-up ----------------------------------------------------------------------------------

_START = """
import json, sys
import {module}
try:
    {module}.main([{flag!r}])
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in ("aiohttp", "asyncio") if m in sys.modules)
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


@pytest.mark.parametrize("flag", ["--version", "--help"])
@pytest.mark.parametrize("module", ["bland_pools._cli", "ghl_pools._cli"])
def test_help_and_version_answer_without_importing_the_network_stack(
    module: str, flag: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _START.format(module=module, flag=flag)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stderr.splitlines()[-1]) == {"code": 0, "loaded": []}
    prog = "bland-pools" if module.startswith("bland") else "ghl-pools"
    assert done.stdout.startswith(f"{prog} " if flag == "--version" else f"usage: {prog} ")
