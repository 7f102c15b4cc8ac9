"""``ghl-pools export`` writes all or nothing: when a location fails, standard output stays
empty (exit 1, each failure on stderr), so that ``export | bland-pools provision - --prune``
cannot read the missing location as pools removed in GoHighLevel; ``--partial`` writes the
locations that succeeded (still exit 1). Locations are checked before anything is sent: a
location that cannot be an id, or a ``--locations-file`` that is not UTF-8, is a one-line
error naming where it came from (the file and line), exit 2, with or without ``--emulator``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ghl_pools._cli import main as ghl_main
from ghl_pools.testing import GHLEmulator

from ._support import LOCATION, OTHER_LOCATION, OTHER_TOKEN, TOKEN, Embedded, run

SECOND = "exportLoc_2"


@pytest.fixture
async def emu() -> AsyncIterator[GHLEmulator]:
    """TOKEN sees LOCATION and SECOND (samples in each); OTHER_LOCATION is OTHER_TOKEN's."""
    tokens = {TOKEN: [LOCATION, SECOND], OTHER_TOKEN: [OTHER_LOCATION]}
    async with GHLEmulator(tokens=tokens) as emulator:
        for location in (LOCATION, SECOND, OTHER_LOCATION):
            emulator.seed_samples(location)
        yield emulator


async def export(emu: GHLEmulator, *argv: str) -> int:
    args = ["--token", TOKEN, "--base-url", emu.url, "export", *argv]
    return await asyncio.to_thread(run, ghl_main, args)


# A location the token may not see (403) between two it may.
FAILING = ["--location", LOCATION, "--location", OTHER_LOCATION, "--location", SECOND]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "provision"])
async def test_a_failed_location_writes_nothing_to_stdout(
    emu: GHLEmulator, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code = await export(emu, *FAILING, "--format", fmt)

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if " error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"ghl-pools: error: location {OTHER_LOCATION}: ")
    assert "nothing written: 1 of 3 locations failed (--partial writes the others)" in err
    # Every location was asked (the others' pools were there to write).
    assert sorted(r.query["locationId"] for r in emu.requests) == sorted(
        [LOCATION, OTHER_LOCATION, SECOND]
    )


async def test_partial_writes_the_locations_that_succeeded_and_still_exits_1(
    emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await export(emu, *FAILING, "--format", "provision", "--partial")

    out, err = capsys.readouterr()
    assert code == 1
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["pool", "phone_number"]
    expected = [
        [f"{loc}:{pool['id']}", number["phoneNumber"]]
        for loc in (LOCATION, SECOND)
        for pool in emu.pools(loc)
        for number in pool["numbers"]
    ]
    assert rows[1:] == expected
    assert f"ghl-pools: error: location {OTHER_LOCATION}: " in err
    assert "nothing written" not in err


async def test_partial_json_lists_the_failure_under_errors(
    emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await export(emu, *FAILING, "--format", "json", "--partial")

    out, _ = capsys.readouterr()
    assert code == 1
    shown = json.loads(out)
    assert [loc["location_id"] for loc in shown["locations"]] == [LOCATION, SECOND]
    assert [e["location_id"] for e in shown["errors"]] == [OTHER_LOCATION]


async def test_partial_changes_nothing_when_every_location_succeeds(
    emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await export(emu, "--location", LOCATION, "--format", "csv", "--partial")

    out, err = capsys.readouterr()
    assert code == 0, err
    assert len(list(csv.reader(io.StringIO(out)))) > 1


# -- locations refused before anything is sent ----------------------------------------------


async def test_a_location_that_cannot_be_an_id_is_refused_before_sending(
    emu: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await export(emu, "--location", LOCATION, "--location", "a b")

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("ghl-pools: error: --location: location_id must be")
    assert "'a b'" in err
    assert emu.requests == []


def test_with_emulator_a_bad_location_is_the_same_one_line_error(
    embedded: Embedded, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run(ghl_main, ["--emulator", "export", "--location", "a b"])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert err.startswith("ghl-pools: error: --location: location_id must be")
    assert embedded.ghl == []  # refused before an emulator was even made


async def test_a_bad_location_in_a_file_names_the_file_and_line(
    emu: GHLEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "locations.txt"
    listing.write_text(f"# ours\n{LOCATION}\n\nnot an id\n", encoding="utf-8")

    code = await export(emu, "--locations-file", str(listing))

    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"ghl-pools: error: {listing}:4: location_id must be")
    assert emu.requests == []


@pytest.mark.parametrize("emulated", [False, True], ids=["api", "emulator"])
def test_a_locations_file_that_is_not_utf8_names_the_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], embedded: Embedded, emulated: bool
) -> None:
    listing = tmp_path / "locations.txt"
    listing.write_bytes(f"{LOCATION}\n# Z\xfcrich\n".encode("latin-1") + b"loc\xff2\n")
    argv = ["--emulator"] if emulated else ["--token", TOKEN, "--base-url", "http://127.0.0.1:9"]

    code = run(ghl_main, [*argv, "export", "--locations-file", str(listing)])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err == (
        f"ghl-pools: error: {listing}:2: not UTF-8 text (byte 0xfc); "
        "save the locations file as UTF-8\n"
    )
    assert embedded.ghl == []


def test_locations_from_stdin_that_are_not_utf8_name_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, embedded: Embedded
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(f"{LOCATION}\n".encode() + b"\xffbad\n"))
    monkeypatch.setattr("sys.stdin", stdin)

    code = run(ghl_main, ["--emulator", "export", "--locations-file", "-"])

    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("ghl-pools: error: standard input:2: not UTF-8 text (byte 0xff)")
    assert embedded.ghl == []
