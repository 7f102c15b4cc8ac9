"""The examples run as the README says, against the embedded emulators, and say what they did."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _examples import run_example

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(script: str, *args: str) -> str:
    done = run_example([sys.executable, "-W", "error", str(EXAMPLES / script), "--emulator", *args])
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_bulk_provision_leaves_no_duplicate_under_faults() -> None:
    out = _run("bulk_provision.py", "--pools", "300", "--concurrency", "16")

    assert "created 300 pools" in out
    assert "0 failed" in out
    assert "300 pools stored" in out  # the script also asserts ids match one for one
    faults = int(out.split("emulator: ")[1].split(" faults")[0])
    assert faults > 0


def test_sync_quickstart() -> None:
    out = _run("sync_quickstart.py")

    assert "updated ('+12345678901', '+15551234567') key: None" in out
    assert "the organization has 1 pools" in out
    assert "as expected: POOL_NOT_FOUND - Geospatial dialing pool not found" in out


def test_ghl_token_refresh() -> None:
    out = _run("ghl_token_refresh.py")

    assert "Sales Team Pool: +14155552671 (active: True)" in out
    assert "3 pools, the server says total=3" in out
    assert "called 2 times" in out


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_is_tested(script: str) -> None:
    tested = {"bulk_provision.py", "sync_quickstart.py", "ghl_token_refresh.py"}
    assert script in tested, f"examples/{script} has no test in tests/test_examples.py"
