"""``bland-pools --emulator provision`` and its state file ``<manifest>.emulator.json``: when
every pool the manifest holds is missing (the state file deleted), the error names the likely
causes, that file included, and the failed run writes no state (an empty one would hide the
real pools for good); a state file that is not one is a one-line error (exit 2) and is left as
it was. The command line sets its SIGTERM handler only while a command runs."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from bland_pools._cli import main as bland_main

from ._support import run

POOLS = "pool,phone_number\nwest,+14155550101\nwest,+14155550102\neast,+12125550199\n"


def provision(source: Path, manifest: Path) -> int:
    return run(bland_main, ["--emulator", "provision", str(source), "--manifest", str(manifest)])


@pytest.fixture
def made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """An input of two pools, provisioned once with --emulator; (input, manifest)."""
    source = tmp_path / "pools.csv"
    source.write_text(POOLS, encoding="utf-8")
    manifest = tmp_path / "pools.db"
    assert provision(source, manifest) == 0, capsys.readouterr().err
    capsys.readouterr()
    return source, manifest


def test_every_pool_missing_names_the_state_file_and_writes_no_state(
    made: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, manifest = made
    state = Path(f"{manifest}.emulator.json")
    kept = state.read_bytes()
    state.unlink()

    code = provision(source, manifest)

    _, err = capsys.readouterr()
    assert code == 1
    (error,) = [line for line in err.splitlines() if line.startswith("bland-pools: error:")]
    assert "none of the 2 pools this manifest holds exists" in error
    assert "another organization's key" in error
    assert "deleted outside this job" in error
    assert f"with --emulator, the pools are the ones kept in {state}" in error
    assert not state.exists()  # the failed run did not write an empty state over them

    state.write_bytes(kept)  # the file found again: all is well
    assert provision(source, manifest) == 0
    assert "Nothing to do" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["", "{not json", '{"bland-cli-emulator-key": 3}'])
def test_a_state_file_that_is_not_one_is_refused_and_left_alone(
    made: tuple[Path, Path], capsys: pytest.CaptureFixture[str], text: str
) -> None:
    source, manifest = made
    state = Path(f"{manifest}.emulator.json")
    state.write_text(text, encoding="utf-8")

    code = provision(source, manifest)

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    assert err.startswith(f"bland-pools: error: the emulator cannot use {state}: ")
    assert state.read_text(encoding="utf-8") == text


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_the_previous_sigterm_handler_is_restored(capsys: pytest.CaptureFixture[str]) -> None:
    def mine(signum: int, frame: Any) -> None:
        raise AssertionError("not expected to be called")

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        assert run(bland_main, ["--emulator", "list", "--json"]) == 0
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert json.loads(capsys.readouterr().out)["total"] == 3
