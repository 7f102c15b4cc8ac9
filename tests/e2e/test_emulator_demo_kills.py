"""The README's headline demo, ``bland-pools --emulator provision examples/pools.csv
--manifest M``, as real processes killed with SIGKILL and with SIGTERM at random moments: the
embedded emulator keeps its pools in ``M.emulator.json``, every change there before its answer
is sent, so after each kill every pool the manifest records is in that file; SIGTERM stops the
job the way Ctrl-C does (it says so, exit 143); and a last run ends with exactly the file's 320
pools, each once. SIGTERM stops any command that way (``list`` waiting on a slow answer)."""

from __future__ import annotations

import csv
import json
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bland_pools.provision import SQLiteManifest

from .test_provision_processes import BIN, KEY, logged, post_json, standalone_bland, wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pools.csv"


def read_examples() -> dict[str, tuple[str, ...]]:
    """Each key of examples/pools.csv and its numbers in Bland's form (the test's own
    reading: the digits, a leading 1 dropped), sorted."""
    wanted: dict[str, list[str]] = {}
    with EXAMPLES.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            digits = re.sub(r"\D", "", row["phone_number"])
            digits = digits[1:] if len(digits) == 11 else digits
            wanted.setdefault(row["pool"], []).append("+1" + digits)
    return {key: tuple(sorted(numbers)) for key, numbers in wanted.items()}


def demo_argv(manifest: Path) -> list[str]:
    """The README's demo command."""
    return [
        str(BIN / "bland-pools"),
        "--emulator",
        "provision",
        str(EXAMPLES),
        "--manifest",
        str(manifest),
    ]


def demo(manifest: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        demo_argv(manifest),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_serving(job: subprocess.Popen[str]) -> str:
    """Read stderr up to the emulator's first line (the job runs, its handlers are set)."""
    assert job.stderr is not None
    line = job.stderr.readline()
    assert line.startswith("(emulator at "), line
    return line


def kept_pools(state: Path) -> list[dict[str, Any]]:
    by_key = json.loads(state.read_text(encoding="utf-8"))
    assert len(by_key) == 1
    (pools,) = by_key.values()
    result: list[dict[str, Any]] = pools
    return result


def check_after_a_kill(manifest: Path, expected: dict[str, tuple[str, ...]]) -> int:
    """What any kill leaves: a whole state file of the file's pools, none twice, holding every
    pool the manifest records as done. Returns how many pools are kept."""
    state = Path(f"{manifest}.emulator.json")
    if not state.exists():
        return 0
    pools = kept_pools(state)
    shapes = Counter(tuple(sorted(p["phone_numbers"])) for p in pools)
    assert max(shapes.values(), default=1) == 1, "a pool made twice"
    assert set(shapes) <= set(expected.values())
    if manifest.exists():
        with SQLiteManifest(manifest, read_only=True) as store:
            recorded = {e.pool_id for e in store.entries() if e.status == "done"}
        missing = recorded - {p["id"] for p in pools}
        assert not missing, f"the manifest records pools the emulator lost: {missing}"
    return len(pools)


def test_the_demo_killed_with_sigkill_and_sigterm_ends_with_exactly_its_320_pools(
    tmp_path: Path,
) -> None:
    expected = read_examples()
    assert len(expected) == 320
    manifest = tmp_path / "demo.db"
    state = Path(f"{manifest}.emulator.json")
    rng = random.Random(20261207)
    kinds = [signal.SIGKILL] * 4 + [signal.SIGTERM] * 4
    rng.shuffle(kinds)
    landed: Counter[signal.Signals] = Counter()
    kept_after = []
    for round_, kind in enumerate(kinds):
        job = demo(manifest)
        try:
            if round_ == 0 and kind is signal.SIGKILL:
                time.sleep(rng.uniform(0.05, 0.5))  # by the clock: start-up, maybe later
            else:
                wait_until_serving(job)
                time.sleep(rng.uniform(0.0, 0.5))
        finally:
            job.send_signal(kind)
            _, err = job.communicate(timeout=60)
        assert "Traceback" not in err
        if job.returncode == 143:  # SIGTERM: the job stopped as on Ctrl-C and said so
            assert kind is signal.SIGTERM
            assert "bland-pools: terminated (SIGTERM)" in err
            assert "run the same command again to continue" in err
            assert re.search(r"\(emulator: \d+ requests, \d+ of them faults", err)
            landed[kind] += 1
        elif job.returncode == -signal.SIGKILL:
            assert kind is signal.SIGKILL
            landed[kind] += 1
        else:  # the job had finished (or was exiting) when the signal came
            assert job.returncode in (0, -signal.SIGTERM), (job.returncode, err)
            assert job.returncode == 0 or "(emulator: " in err, err
        kept_after.append(check_after_a_kill(manifest, expected))
    # Several of each landed in a running job, and the job made progress in between.
    assert landed[signal.SIGKILL] >= 2, landed
    assert landed[signal.SIGTERM] >= 2, landed
    assert kept_after == sorted(kept_after), kept_after  # a kill never lost a kept pool
    assert kept_after[-1] > 0, kept_after

    final = demo(manifest)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    assert "Traceback" not in err

    pools = kept_pools(state)
    assert Counter(tuple(sorted(p["phone_numbers"])) for p in pools) == Counter(expected.values())
    by_id = {p["id"]: p for p in pools}
    with SQLiteManifest(manifest, read_only=True) as store:
        entries = {e.key: e for e in store.entries()}
    assert set(entries) == set(expected)
    for key, entry in entries.items():
        assert (entry.status, entry.intent) == ("done", None), entry
        assert tuple(sorted(by_id[entry.pool_id or ""]["phone_numbers"])) == expected[key]

    again = subprocess.run(
        demo_argv(manifest),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "Nothing to do" in again.stdout
    assert len(kept_pools(state)) == 320


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_sigterm_stops_a_command_waiting_on_the_api_with_exit_143(as_json: bool) -> None:
    with standalone_bland() as url:
        # The listing is answered a minute late: the command is waiting when SIGTERM comes.
        post_json(
            url + "/_emulator/faults",
            {"fault": "slow", "times": 1, "method": "GET", "slow_seconds": 60},
        )
        job = subprocess.Popen(
            [str(BIN / "bland-pools"), "--api-key", KEY, "--base-url", url, "list"]
            + (["--json"] if as_json else []),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: len(logged(url)) == 1, "the listing")
        finally:
            job.send_signal(signal.SIGTERM)
            out, err = job.communicate(timeout=60)
    assert job.returncode == 143, err
    assert out == ""
    if as_json:
        shown = json.loads(err)["error"]
        assert (shown["type"], shown["message"]) == ("Terminated", "terminated (SIGTERM)")
    else:
        assert err == "bland-pools: terminated (SIGTERM)\n"
