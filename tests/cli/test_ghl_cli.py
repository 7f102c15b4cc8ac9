"""``ghl-pools``: the list as a table and as JSON against what the emulator stores, options
before and after the command, and real runs against an emulator the test started (``--token``
/``--base-url``, or the environment)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ghl_pools._cli import main
from ghl_pools.testing import GHLEmulator

from ._support import (
    LOCATION,
    OTHER_LOCATION,
    OTHER_TOKEN,
    TOKEN,
    Embedded,
    ghl as cli,
    ghl_list_json,
    run,
    table,
)

HEADER = ["ID", "NAME", "ACTIVE", "FORWARDING", "INBOUND", "NUMBERS"]


def row(pool: dict[str, Any]) -> list[str]:
    """A pool's row of the table, built from its camelCase JSON."""
    numbers = ", ".join(n["phoneNumber"] for n in pool["numbers"][:3])
    if len(pool["numbers"]) > 3:
        numbers += f" (+{len(pool['numbers']) - 3} more)"
    service = pool.get("inboundCallService")
    active = pool.get("isActive")
    return [
        pool["id"],
        pool.get("name") or "-",
        "-" if active is None else ("yes" if active else "no"),
        pool.get("forwardingNumber") or "-",
        f"{service['type']}:{service['value']}" if service else "-",
        numbers or "-",
    ]


# -- --emulator -------------------------------------------------------------------------------


def test_list_prints_a_table_of_the_stored_pools(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["--emulator", "list"]) == 0

    out, err = capsys.readouterr()
    emu = embedded.only_ghl()
    pools = emu.pools(LOCATION)
    assert len(pools) == 3
    assert table(out) == [HEADER, *[row(p) for p in pools]]
    assert table(out)[1][1:] == [
        "Sales Team Pool",
        "yes",
        "+14155552671",
        "voice_ai:68e381b296a83800a27cd1",
        "+14155552671",
    ]
    assert table(out)[3][2] == "no"
    assert err.splitlines()[-1] == "3 pools shown, total 3"
    assert emu.requests[0].query == {"locationId": LOCATION}  # the emulator's, named


@pytest.mark.parametrize(
    "argv",
    [["--emulator", "--json", "list"], ["list", "--json", "--emulator"]],
    ids=["before", "after"],
)
def test_list_json_is_exactly_the_servers_answer(
    embedded: Embedded, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert run(main, argv) == 0

    stored = embedded.only_ghl().pools(LOCATION)
    assert json.loads(capsys.readouterr().out) == ghl_list_json(stored)


def test_list_with_the_emulators_location(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["--emulator", "list", "--location", LOCATION, "--json"]) == 0

    emu = embedded.only_ghl()
    assert json.loads(capsys.readouterr().out) == ghl_list_json(emu.pools(LOCATION))
    assert emu.requests[0].query == {"locationId": LOCATION}


def test_emulator_ignores_the_real_environment(
    embedded: Embedded, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GHL_ACCESS_TOKEN", "pit-real-token-of-the-user")
    monkeypatch.setenv("GHL_BASE_URL", "https://services.leadconnectorhq.com")
    monkeypatch.setenv("GHL_LOCATION_ID", "RealLocationOfTheUser")

    assert run(main, ["--emulator", "list", "--json"]) == 0

    emu = embedded.only_ghl()
    assert json.loads(capsys.readouterr().out) == ghl_list_json(emu.pools(LOCATION))
    (request,) = emu.requests
    assert request.query == {"locationId": LOCATION}
    assert request.status == 200  # the emulator's own token, not the real one


# -- real runs against an emulator the test started -------------------------------------------


async def test_a_real_run_with_base_url_and_token(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ghl_emu.seed_samples(LOCATION)
    busy = ghl_emu.add_pool(
        LOCATION, name="Busy", numbers=[(f"+1415555{n:04d}", f"Line {n}") for n in range(5)]
    )

    code = await cli("--token", TOKEN, "--base-url", ghl_emu.url, "list", "--location", LOCATION)

    out, err = capsys.readouterr()
    assert code == 0
    assert table(out) == [HEADER, *[row(p) for p in ghl_emu.pools(LOCATION)]]
    assert table(out)[-1] == [
        busy["id"],
        "Busy",
        "yes",
        "-",
        "-",
        "+14155550000, +14155550001, +14155550002 (+2 more)",
    ]
    assert err == "4 pools shown, total 4\n"
    request = ghl_emu.requests[0]
    assert request.query == {"locationId": LOCATION}
    assert request.headers["version"] == "2021-07-28"


async def test_options_after_the_command_work_the_same(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ghl_emu.seed_samples(OTHER_LOCATION)

    code = await cli("list", "--json", "--token", OTHER_TOKEN, "--base-url", ghl_emu.url)

    assert code == 0
    assert json.loads(capsys.readouterr().out) == ghl_list_json(ghl_emu.pools(OTHER_LOCATION))


async def test_a_real_run_from_the_environment(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ghl_emu.seed_samples(OTHER_LOCATION)
    monkeypatch.setenv("GHL_ACCESS_TOKEN", OTHER_TOKEN)
    monkeypatch.setenv("GHL_BASE_URL", ghl_emu.url)
    monkeypatch.setenv("GHL_LOCATION_ID", OTHER_LOCATION)

    code = await cli("list", "--json")

    assert code == 0
    stored = ghl_emu.pools(OTHER_LOCATION)
    assert json.loads(capsys.readouterr().out) == ghl_list_json(stored)
    assert ghl_emu.requests[0].query == {"locationId": OTHER_LOCATION}


async def test_api_version_is_sent(
    ghl_emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await cli("--token", TOKEN, "--base-url", ghl_emu.url, "list", "--api-version", "v3")

    assert code == 0
    assert ghl_emu.requests[0].headers["version"] == "v3"
    assert capsys.readouterr().err == "0 pools shown, total 0\n"
