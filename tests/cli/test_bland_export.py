"""``bland-pools export``: the organization's pools as CSV, JSON Lines, JSON, or the
provisioning CSV, and the import recipe (export, then provision into a new manifest: every
pool adopted, no write sent). Nothing reaches stdout when the listing fails. Expectations
are built from what the emulator stores."""

from __future__ import annotations

import csv
import io
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from bland_pools._cli import main as bland_main
from bland_pools.testing import BlandEmulator

from ._support import CRED, KEY, bland, bland_list_json, run

OTHER_CRED = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"


def connect(emu: BlandEmulator) -> list[str]:
    return ["--api-key", KEY, "--base-url", emu.url]


def seed(emu: BlandEmulator) -> list[dict[str, Any]]:
    """Four pools: with and without credentials, one of many numbers."""
    emu.add_credentials(KEY, OTHER_CRED)
    return [
        emu.add_pool(
            KEY, ["+13125550101", "+13125550102"], CRED, created_at="2025-01-01T00:00:00Z"
        ),
        emu.add_pool(KEY, ["+14155550103"], created_at="2025-01-02T00:00:00Z"),
        emu.add_pool(
            KEY, [f"+1212555{n:04d}" for n in range(12)], OTHER_CRED, created_at="2025-01-03"
        ),
        emu.add_pool(KEY, ["+16175550104"], CRED.upper(), created_at="2025-01-04T00:00:00Z"),
    ]


def provision_rows(stored: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [p["id"], number, p["encrypted_key"] or ""] for p in stored for number in p["phone_numbers"]
    ]


def held(emu: BlandEmulator) -> list[tuple[str, tuple[str, ...], str | None]]:
    return sorted(
        (p["id"], tuple(sorted(p["phone_numbers"])), p["encrypted_key"]) for p in emu.pools(KEY)
    )


# -- formats -----------------------------------------------------------------------------------


async def test_provision_format_is_each_pool_keyed_by_its_id_with_numbers_and_credentials(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = seed(bland_emu)

    code = await bland(*connect(bland_emu), "export", "--format", "provision")

    out, err = capsys.readouterr()
    assert code == 0, err
    header, *rows = list(csv.reader(io.StringIO(out)))
    assert header == ["pool", "phone_number", "encrypted_key"]
    assert rows == provision_rows(stored)
    assert [r.method for r in bland_emu.requests] == ["GET"]


async def test_csv_is_one_row_per_number(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = seed(bland_emu)

    code = await bland(*connect(bland_emu), "export")  # csv is the default

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["pool_id"], r["phone_number"], r["encrypted_key"]) for r in rows] == [
        tuple(row) for row in provision_rows(stored)
    ]
    owner = stored[0]["owner_id"]
    assert {r["owner_id"] for r in rows} == {owner}
    assert rows[0]["created_at"].startswith("2025-01-01T00:00:00")


async def test_jsonl_is_one_pool_per_line_and_json_the_list_form(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(bland_emu)
    stored = bland_emu.pools(KEY)

    assert await bland(*connect(bland_emu), "export", "--format", "jsonl") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [p["id"] for p in stored]
    assert [json.loads(line)["phone_numbers"] for line in lines] == [
        p["phone_numbers"] for p in stored
    ]

    for argv in (["--format", "json"], ["--json"]):
        assert await bland(*connect(bland_emu), "export", *argv) == 0
        shown = json.loads(capsys.readouterr().out)
        expected = bland_list_json(stored)
        assert [p["id"] for p in shown["pools"]] == [p["id"] for p in expected["pools"]]
        assert shown["total"] == expected["total"] == 4


# -- the import recipe --------------------------------------------------------------------------


async def test_export_then_provision_into_a_new_manifest_adopts_every_pool_and_writes_nothing(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = seed(bland_emu)
    before = held(bland_emu)
    org = tmp_path / "org.csv"

    assert await bland(*connect(bland_emu), "export", "--format", "provision") == 0
    org.write_text(capsys.readouterr().out, encoding="utf-8")
    sent = len(bland_emu.requests)
    manifest = tmp_path / "new.db"

    code = await bland(*connect(bland_emu), "provision", str(org), "--manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Plan: 0 to create, 0 to update, 4 to adopt, 0 to delete, 0 unchanged." in out
    assert {r.method for r in bland_emu.requests[sent:]} == {"GET"}
    assert held(bland_emu) == before
    assert await bland("manifest", str(manifest), "--json") == 0
    entries = json.loads(capsys.readouterr().out)["pools"]
    assert sorted((e["key"], e["pool_id"], e["status"]) for e in entries) == sorted(
        (p["id"], p["id"], "done") for p in stored
    )

    # Under the manifest now: a second run has nothing to do.
    code = await bland(*connect(bland_emu), "provision", str(org), "--manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Nothing to do" in out
    assert {r.method for r in bland_emu.requests[sent:]} == {"GET"}


async def test_pools_provision_cannot_take_as_they_are_are_skipped_and_reported(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = bland_emu.add_pool(KEY, ["+13125550101", "+13125550102"], created_at="2025-01-01")
    shares = bland_emu.add_pool(KEY, ["+13125550102", "+13125550199"], created_at="2025-01-02")
    empty = bland_emu.add_pool(KEY, [], created_at="2025-01-03")
    twice = bland_emu.add_pool(KEY, ["+14155550100", "+14155550100"], created_at="2025-01-04")
    odd = bland_emu.add_pool(KEY, ["+442071838750"], created_at="2025-01-05")
    plain = bland_emu.add_pool(KEY, ["+13125550199"], created_at="2025-01-06")
    before = held(bland_emu)

    code = await bland(*connect(bland_emu), "export", "--format", "provision")

    out, err = capsys.readouterr()
    assert code == 0, err
    _, *rows = list(csv.reader(io.StringIO(out)))
    # The oldest holder of a shared number keeps it; a skipped pool's numbers stay free.
    assert rows == provision_rows([first, plain])
    skipped = [line for line in err.splitlines() if "skipped pool" in line]
    assert [line.split()[3].rstrip(":") for line in skipped] == [
        shares["id"],
        empty["id"],
        twice["id"],
        odd["id"],
    ]
    assert "+13125550102 is also in pool " + first["id"] in err
    assert "2 of 6 pools exported" in err

    org = tmp_path / "org.csv"
    org.write_text(out, encoding="utf-8")
    sent = len(bland_emu.requests)
    code = await bland(
        *connect(bland_emu), "provision", str(org), "--manifest", str(tmp_path / "m")
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "2 to adopt" in out
    assert {r.method for r in bland_emu.requests[sent:]} == {"GET"}
    assert held(bland_emu) == before


async def test_a_pool_whose_credentials_are_not_a_uuid_is_skipped_not_the_whole_import(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Server text is untrusted: credentials provision would refuse (the whole file, exit 2)
    # make the pool one the input format cannot hold; the others are still adopted.
    odd = bland_emu.add_pool(KEY, ["+13125550101"], "\x1b]0;x\x07", created_at="2025-01-01")
    plain = bland_emu.add_pool(KEY, ["+13125550102"], created_at="2025-01-02")

    assert await bland(*connect(bland_emu), "export", "--format", "provision") == 0

    out, err = capsys.readouterr()
    _, *rows = list(csv.reader(io.StringIO(out)))
    assert rows == provision_rows([plain])
    (line,) = [line for line in err.splitlines() if "skipped pool" in line]
    assert odd["id"] in line
    assert "is not a UUID" in line
    assert "\x1b" not in err
    org = tmp_path / "org.csv"
    org.write_text(out, encoding="utf-8")

    code = await bland(
        *connect(bland_emu), "provision", str(org), "--manifest", str(tmp_path / "m")
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 to adopt" in out


# -- all or nothing -----------------------------------------------------------------------------


async def test_a_failed_listing_writes_nothing_to_stdout(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(bland_emu)

    code = await bland("--api-key", "sk-not-known", "--base-url", bland_emu.url, "export")

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert "UNAUTHORIZED" in err


def test_no_answer_writes_nothing_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as closed:  # a loopback port nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    argv = ["--api-key", KEY, "--base-url", url, "--max-retries", "0", "export"]

    code = run(bland_main, [*argv, "--format", "provision"])

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert "error:" in err


def test_emulator_export_is_the_samples(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(bland_main, ["--emulator", "export", "--format", "provision"])

    out, err = capsys.readouterr()
    assert code == 0, err
    keys = {row["pool"] for row in csv.DictReader(io.StringIO(out))}
    assert len(keys) == 3
    assert "550e8400-e29b-41d4-a716-446655440001" in keys
