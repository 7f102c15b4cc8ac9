"""``BlandEmulator(state_file=...)`` keeps its pools in a file that holds every change the API
made before that change's answer is sent; ``save()`` replaces its file atomically (a reader,
or a process killed with SIGKILL while saving, finds the old state or the new, never a torn
or empty file); a file
that is not a state is refused, naming it, and left as it was; organizations the emulator
does not have are written back as they were read."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bland_pools import AsyncBlandClient, BlandClient
from bland_pools.testing import BlandEmulator

KEY = "sk-state-file-3e2d1c"
OTHER = "sk-state-file-other-9f8e"
CRED = "550e8400-e29b-41d4-a716-446655440000"


def kept(path: Path, key: str = KEY) -> list[dict[str, Any]]:
    pools: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))[key]
    return pools


async def test_every_change_is_in_the_file_before_its_answer(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    async with (
        BlandEmulator(api_keys={KEY: [CRED]}, state_file=state) as emu,
        AsyncBlandClient(api_key=KEY, base_url=emu.url, max_retries=0) as bland,
    ):
        assert not state.exists()  # nothing changed yet: nothing written

        pool = await bland.pools.create(["+14155550101"], encrypted_key=CRED)
        # Read at once, while the emulator runs: the answer came after the write.
        assert kept(state) == emu.pools()
        assert [p["id"] for p in kept(state)] == [pool.id]

        await bland.pools.update(pool.id, ["+14155550102", "+14155550103"])
        assert kept(state)[0]["phone_numbers"] == ["+14155550102", "+14155550103"]
        assert kept(state)[0]["encrypted_key"] == CRED

        second = await bland.pools.create(["+14155550104"])
        await bland.pools.delete(pool.id)
        assert [p["id"] for p in kept(state)] == [second.id]
    assert state.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # noqa: ASYNC240 (no temporary file left)


def test_a_new_emulator_starts_from_the_file(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    emulator = BlandEmulator(api_keys=[KEY], state_file=state)
    with emulator.in_thread(), BlandClient(api_key=KEY, base_url=emulator.url) as bland:
        made = bland.pools.create(["+14155550111", "+14155550112"])

    again = BlandEmulator(api_keys=[KEY], state_file=state)

    (pool,) = again.pools()
    assert (pool["id"], pool["phone_numbers"]) == (made.id, list(made.phone_numbers))


def test_changes_made_directly_are_written_at_stop(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    emu = BlandEmulator(api_keys=[KEY], state_file=state)
    with emu.in_thread():
        added = emu.add_pool(KEY, ["+14155550121"])
    assert [p["id"] for p in kept(state)] == [added["id"]]


def test_organizations_it_does_not_have_are_written_back(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    theirs = [{"id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f", "phone_numbers": ["+13125550100"]}]
    state.write_text(json.dumps({OTHER: theirs, KEY: []}), encoding="utf-8")

    emulator = BlandEmulator(api_keys=[KEY], state_file=state)
    with emulator.in_thread(), BlandClient(api_key=KEY, base_url=emulator.url) as bland:
        bland.pools.create(["+14155550131"])

    assert kept(state, OTHER) == theirs
    assert len(kept(state)) == 1


@pytest.mark.parametrize(
    "text",
    ["", '{"sk-state-file-3e2d1c": [{"id": "x", "phone_', "[]", '{"sk-state-file-3e2d1c": [{}]}'],
    ids=["empty", "torn", "a list", "no pool fields"],
)
def test_a_file_that_is_not_a_state_is_refused_and_left_alone(tmp_path: Path, text: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(text, encoding="utf-8")

    with pytest.raises(ValueError, match=r"is not a state file of BlandEmulator\.save") as caught:
        BlandEmulator(api_keys=[KEY], state_file=state)

    assert str(state) in str(caught.value)
    assert state.read_text(encoding="utf-8") == text


# A process that saves two different states over one file, turn about, until killed.
SAVER = """
import sys
from bland_pools.testing import BlandEmulator

path = sys.argv[1]
emus = []
for size in (1500, 2000):
    emu = BlandEmulator(api_keys=["k"])
    for n in range(size):
        emu.add_pool("k", [f"+1415{n:07d}"])
    emus.append(emu)
emus[0].save(path)
print("saving", flush=True)
while True:
    for emu in emus:
        emu.save(path)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals (SIGKILL)")
def test_save_killed_at_random_moments_leaves_a_whole_state(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    rng = random.Random(1409)
    for _ in range(4):
        saver = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(state)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert saver.stdout is not None
            assert saver.stdout.readline() == "saving\n"
            # Read while it writes: a reader too finds one whole state, never a torn file.
            until = time.monotonic() + rng.uniform(0.05, 0.4)
            while time.monotonic() < until:
                assert len(kept(state, "k")) in (1500, 2000)
        finally:
            saver.send_signal(signal.SIGKILL)
            saver.wait(timeout=30)
            assert saver.stdout is not None
            saver.stdout.close()
        assert saver.returncode == -signal.SIGKILL
        assert len(kept(state, "k")) in (1500, 2000)  # whole JSON, one state or the other
