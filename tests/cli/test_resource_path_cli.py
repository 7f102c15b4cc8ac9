"""``bland-pools --resource-path NAME`` (and ``BLAND_RESOURCE_PATH``): one name of the resource,
never switched; without it the command line follows the name the server has, ``provision``
included."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bland_pools._cli import main
from bland_pools.testing import BlandEmulator

from ._support import KEY, bland as cli, run

OLD = "custom-dialing-pools"
NEW = "geospatial-dialing-pools"


@pytest.fixture
async def new_only() -> AsyncIterator[BlandEmulator]:
    async with BlandEmulator(api_keys=[KEY], paths=[NEW]) as emu:
        yield emu


def paths(emu: BlandEmulator) -> list[tuple[str, str, int | None]]:
    return [(r.method, r.path, r.status) for r in emu.requests]


async def test_without_the_option_the_command_follows_the_name_served(
    new_only: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await cli("--api-key", KEY, "--base-url", new_only.url, "create", "+13125550101")

    assert code == 0, capsys.readouterr().err
    assert len(new_only.pools(KEY)) == 1
    assert paths(new_only) == [("POST", f"/v1/{OLD}", 404), ("POST", f"/v1/{NEW}", 200)]


@pytest.mark.parametrize("where", ["before", "after"])
async def test_the_option_pins_the_name(
    new_only: BlandEmulator, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    connect = ["--api-key", KEY, "--base-url", new_only.url, "--resource-path", NEW]
    argv = [*connect, "list", "--json"] if where == "before" else ["list", "--json", *connect]

    assert await cli(*argv) == 0
    assert json.loads(capsys.readouterr().out) == {"pools": [], "total": 0}
    assert paths(new_only) == [("GET", f"/v1/{NEW}", 200)]


async def test_a_pinned_name_the_server_lacks_is_an_error_not_a_switch(
    new_only: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await cli("--api-key", KEY, "--base-url", new_only.url, "--resource-path", OLD, "list")

    err = capsys.readouterr().err
    assert code == 1
    assert "the URL looks wrong" in err
    assert paths(new_only) == [("GET", f"/v1/{OLD}", 404)]


async def test_the_environment_pins_the_name_too(
    new_only: BlandEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_RESOURCE_PATH", OLD)

    assert await cli("--api-key", KEY, "--base-url", new_only.url, "list") == 1
    assert paths(new_only) == [("GET", f"/v1/{OLD}", 404)]
    # The option wins over the environment.
    connect = ["--api-key", KEY, "--base-url", new_only.url]
    assert await cli(*connect, "--resource-path", NEW, "list") == 0
    assert paths(new_only)[-1] == ("GET", f"/v1/{NEW}", 200)


def test_an_unknown_name_is_refused_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(main, ["--api-key", KEY, "--resource-path", "geospatial", "list"]) == 2

    err = capsys.readouterr().err
    assert "argument --resource-path: invalid choice: 'geospatial'" in err
    assert "'custom-dialing-pools', 'geospatial-dialing-pools'" in err


def test_an_unknown_name_in_the_environment_is_refused_naming_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLAND_RESOURCE_PATH", "geospatial")

    assert run(main, ["--api-key", KEY, "--base-url", "http://127.0.0.1:9", "list"]) == 2

    err = capsys.readouterr().err
    assert "error: BLAND_RESOURCE_PATH must be 'custom-dialing-pools' or" in err
    assert "got 'geospatial'" in err


async def test_provision_follows_the_name_served(
    new_only: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    source.write_text("pool,phone_number\na,+13125550101\nb,+13125550102\n", encoding="utf-8")
    manifest = tmp_path / "pools.db"

    connect = ["--api-key", KEY, "--base-url", new_only.url]
    code = await cli(*connect, "provision", str(source), "--manifest", str(manifest))

    assert code == 0, capsys.readouterr().err
    assert sorted(p["phone_numbers"][0] for p in new_only.pools(KEY)) == [
        "+13125550101",
        "+13125550102",
    ]
    assert sum(path.startswith(f"/v1/{OLD}") for _, path, _ in paths(new_only)) == 1


async def test_provision_takes_the_option(
    new_only: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    source.write_text("pool,phone_number\na,+13125550101\n", encoding="utf-8")
    connect = ["--api-key", KEY, "--base-url", new_only.url, "--resource-path", NEW]

    code = await cli(*connect, "provision", str(source), "--manifest", str(tmp_path / "m.db"))

    assert code == 0, capsys.readouterr().err
    assert {path for _, path, _ in paths(new_only)} == {f"/v1/{NEW}"}


async def test_export_takes_the_option_and_manifest_does_not(
    new_only: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    connect = ["--api-key", KEY, "--base-url", new_only.url]

    assert await cli(*connect, "export", "--resource-path", NEW) == 0
    assert paths(new_only) == [("GET", f"/v1/{NEW}", 200)]
    capsys.readouterr()
    # A command that reads a local file has no client to pin.
    assert run(main, ["manifest", "m.db", "--resource-path", NEW]) == 2
    assert "unrecognized arguments: --resource-path" in capsys.readouterr().err
