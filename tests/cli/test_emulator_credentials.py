"""The Twilio credentials the ``--emulator`` mode accepts are said where a user looks: in
``bland-pools --help``, in the line that announces the emulator, in the README, and they are
the ones examples/pools.csv uses."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bland_pools._cli import main
from bland_pools.testing import SAMPLE_CREDENTIALS

from ._support import run

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_name_is_the_emulators_own() -> None:
    import bland_pools.testing._emulator as emulator

    assert emulator.SAMPLE_CREDENTIALS == SAMPLE_CREDENTIALS


def test_help_names_them(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(main, ["--help"]) == 0
    assert (
        f"(its Twilio credentials: {SAMPLE_CREDENTIALS}, for --encrypted-key)"
        in capsys.readouterr().out
    )


def test_the_emulator_announces_them_and_accepts_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(
        main,
        ["--emulator", "--json", "create", "+12345678901", "--encrypted-key", SAMPLE_CREDENTIALS],
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f'"encrypted_key": "{SAMPLE_CREDENTIALS}"' in out
    assert f"; its Twilio credentials: {SAMPLE_CREDENTIALS})" in err


def test_the_provision_emulator_announces_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "pools.csv"
    source.write_text(f"pool,phone_number,encrypted_key\nk,+12345678901,{SAMPLE_CREDENTIALS}\n")
    code = run(
        main,
        ["--emulator", "provision", str(source), "--manifest", str(tmp_path / "m.db")],
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"its Twilio credentials: {SAMPLE_CREDENTIALS};" in err


def test_the_readme_and_the_example_file_use_the_same() -> None:
    readme = (ROOT / "docs" / "guides" / "cli.md").read_text(encoding="utf-8")
    assert f"`--emulator` mode accepts the Twilio credentials `{SAMPLE_CREDENTIALS}`" in readme
    with (ROOT / "examples" / "pools.csv").open(newline="") as file:
        keys = {row["encrypted_key"] for row in csv.DictReader(file)} - {""}
    assert keys == {SAMPLE_CREDENTIALS}
