"""``bland-pools``: every command's table and JSON output against what the emulator stores,
options before and after the command, and real runs against an emulator the test started
(``--base-url``/``--api-key``, or the environment)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bland_pools._cli import main
from bland_pools.testing import BlandEmulator, Fault

from ._support import (
    CRED,
    KEY,
    SAMPLE_CREDENTIALS,
    SAMPLE_POOL_ID,
    Embedded,
    bland as cli,
    bland_list_json,
    record,
    run,
    table,
)

BANNER = "(emulator at http://127.0.0.1:"
HEADER = ["ID", "CREATED", "ENCRYPTED KEY", "NUMBERS"]
NEW_NUMBERS = ["+13125550101", "+13125550102"]


def row(pool: dict[str, Any]) -> list[str]:
    """A pool's row of the list table, built from its JSON."""
    numbers = ", ".join(pool["phone_numbers"][:3])
    if len(pool["phone_numbers"]) > 3:
        numbers += f" (+{len(pool['phone_numbers']) - 3} more)"
    created = pool["created_at"][:16].replace("T", " ")
    return [pool["id"], created, pool["encrypted_key"] or "-", numbers]


def shown(pool: dict[str, Any]) -> dict[str, str]:
    """A pool as ``get``/``create``/``update`` print it without ``--json``."""
    return {
        "id": pool["id"],
        "owner_id": pool["owner_id"],
        "created_at": pool["created_at"].replace("Z", "+00:00"),
        "encrypted_key": pool["encrypted_key"] or "-",
        "phone_numbers": " ".join(pool["phone_numbers"]),
    }


# -- --emulator: every command ----------------------------------------------------------------


def test_list_prints_a_table_of_the_stored_pools(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["--emulator", "list"]) == 0

    out, err = capsys.readouterr()
    pools = embedded.only_bland().pools()
    assert len(pools) == 3
    assert table(out) == [HEADER, *[row(p) for p in pools]]
    assert table(out)[1] == [
        SAMPLE_POOL_ID,
        "2024-01-15 10:30",
        SAMPLE_CREDENTIALS,
        "+12345678901, +19876543210, +15551234567",
    ]
    assert err.startswith(BANNER)
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["--emulator", "--json", "list"],
        ["list", "--emulator", "--json"],
        ["--json", "list", "--emulator"],
    ],
    ids=["before", "after", "both-sides"],
)
def test_list_json_is_exactly_the_stored_pools(
    embedded: Embedded, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert run(main, argv) == 0

    assert json.loads(capsys.readouterr().out) == bland_list_json(embedded.only_bland().pools())


def test_get_prints_the_pool(embedded: Embedded, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(main, ["--emulator", "get", SAMPLE_POOL_ID]) == 0

    (stored,) = [p for p in embedded.only_bland().pools() if p["id"] == SAMPLE_POOL_ID]
    assert record(capsys.readouterr().out) == shown(stored)


def test_get_json_is_exactly_the_stored_pool(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["get", SAMPLE_POOL_ID, "--json", "--emulator"]) == 0

    (stored,) = [p for p in embedded.only_bland().pools() if p["id"] == SAMPLE_POOL_ID]
    assert json.loads(capsys.readouterr().out) == stored
    assert embedded.only_bland().requests[0].path == f"/v1/custom-dialing-pools/{SAMPLE_POOL_ID}"


def test_create_json_is_exactly_the_new_stored_pool(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--emulator", "--json", "create", *NEW_NUMBERS, "--encrypted-key", SAMPLE_CREDENTIALS]

    assert run(main, argv) == 0

    emu = embedded.only_bland()
    *_, created = emu.pools()
    assert len(emu.pools()) == 4
    assert json.loads(capsys.readouterr().out) == created
    assert (created["phone_numbers"], created["encrypted_key"]) == (
        NEW_NUMBERS,
        SAMPLE_CREDENTIALS,
    )
    (post,) = [r for r in emu.requests if r.method == "POST"]
    assert post.json == {"phone_numbers": NEW_NUMBERS, "encrypted_key": SAMPLE_CREDENTIALS}


def test_create_prints_the_new_pool(embedded: Embedded, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(main, ["--emulator", "create", *NEW_NUMBERS]) == 0

    *_, created = embedded.only_bland().pools()
    assert record(capsys.readouterr().out) == shown(created)
    assert created["encrypted_key"] is None


def test_update_without_a_key_option_keeps_the_key(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["--emulator", "update", SAMPLE_POOL_ID, *NEW_NUMBERS, "--json"]) == 0

    emu = embedded.only_bland()
    stored = emu.pools()[0]
    assert json.loads(capsys.readouterr().out) == stored
    assert (stored["phone_numbers"], stored["encrypted_key"]) == (NEW_NUMBERS, SAMPLE_CREDENTIALS)
    (post,) = [r for r in emu.requests if r.method == "POST"]
    assert post.json == {"phone_numbers": NEW_NUMBERS}


def test_update_remove_credentials_sends_null(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--emulator", "update", SAMPLE_POOL_ID, *NEW_NUMBERS, "--remove-credentials"]

    assert run(main, argv) == 0

    emu = embedded.only_bland()
    stored = emu.pools()[0]
    assert record(capsys.readouterr().out) == shown(stored)
    assert stored["encrypted_key"] is None
    (post,) = [r for r in emu.requests if r.method == "POST"]
    assert post.json == {"phone_numbers": NEW_NUMBERS, "encrypted_key": None}


def test_update_encrypted_key_sets_the_key(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["--emulator", "list", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)["pools"][1]
    assert second["encrypted_key"] is None
    argv = ["--emulator", "--json", "update", second["id"], *NEW_NUMBERS]

    assert run(main, [*argv, "--encrypted-key", SAMPLE_CREDENTIALS]) == 0

    emu = embedded.bland[-1]
    (stored,) = [p for p in emu.pools() if p["id"] == second["id"]]
    assert json.loads(capsys.readouterr().out) == stored
    assert stored["encrypted_key"] == SAMPLE_CREDENTIALS


def test_the_emulator_shows_the_same_sample_pools_every_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(main, ["--emulator", "list", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert run(main, ["--emulator", "list", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)

    assert [p["id"] for p in first["pools"]] == [p["id"] for p in second["pools"]]


# -- real runs against an emulator the test started -------------------------------------------


async def test_a_real_run_with_base_url_and_api_key(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = bland_emu.add_pool(KEY, [f"+1312555{n:04d}" for n in range(5)], CRED)

    code = await cli("--base-url", bland_emu.url, "--api-key", KEY, "list")

    out, err = capsys.readouterr()
    assert code == 0
    assert table(out) == [HEADER, row(stored)]
    assert table(out)[1][-1] == "+13125550000, +13125550001, +13125550002 (+2 more)"
    assert err == ""  # no emulator banner: this is not --emulator
    assert bland_emu.requests[0].headers["user-agent"].startswith("bland-pools/")


async def test_options_after_the_command_work_the_same(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = bland_emu.add_pool(KEY, ["+13125550000"])

    code = await cli("get", stored["id"], "--json", "--api-key", KEY, "--base-url", bland_emu.url)

    assert code == 0
    assert json.loads(capsys.readouterr().out) == stored


async def test_a_real_run_from_the_environment(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_API_KEY", KEY)
    monkeypatch.setenv("BLAND_BASE_URL", bland_emu.url)

    code = await cli("create", *NEW_NUMBERS, "--json")

    assert code == 0
    (stored,) = bland_emu.pools(KEY)
    assert json.loads(capsys.readouterr().out) == stored
    assert stored["phone_numbers"] == NEW_NUMBERS


async def test_an_explicit_api_key_beats_the_environment(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_API_KEY", "sk-cli-not-this-one")
    monkeypatch.setenv("BLAND_BASE_URL", bland_emu.url)

    assert await cli("list", "--api-key", KEY, "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"pools": [], "total": 0}


@pytest.mark.parametrize(
    "where", ["before", "after"], ids=["options-before-command", "options-after-command"]
)
async def test_max_retries_is_honored_before_and_after_the_command(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    connect = ["--api-key", KEY, "--base-url", bland_emu.url]
    bland_emu.inject(Fault.RATE_LIMITED, retry_after=0)
    assert await cli(*connect, "list") == 0  # retried by default
    bland_emu.inject(Fault.RATE_LIMITED, retry_after=0)
    options = ["--max-retries", "0"]
    argv = [*options, *connect, "list"] if where == "before" else [*connect, "list", *options]

    code = await cli(*argv)

    assert code == 1
    assert [r.status for r in bland_emu.requests] == [429, 200, 429]
    assert "Too Many Requests" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["before", "after"])
async def test_timeout_is_honored_before_and_after_the_command(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    bland_emu.inject(Fault.SLOW, slow_seconds=5)
    connect = ["--api-key", KEY, "--base-url", bland_emu.url]
    options = ["--timeout", "0.2", "--max-retries", "0"]
    argv = [*options, *connect, "list"] if where == "before" else [*connect, "list", *options]

    code = await cli(*argv)

    err = capsys.readouterr().err
    assert code == 1
    assert "Timed out" in err
    assert "total 0.2s" in err
    assert len(bland_emu.requests) == 1
