"""A run reads the manifest once: a re-run with nothing to do, and a run that settles an
earlier run's open intents first, each call ``entries()`` of the store one time (and never
``get``), through a store of the user's own wrapping the SQLite manifest."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

from bland_pools import AsyncBlandClient
from bland_pools.provision import ManifestEntry, Report, SQLiteManifest, provision
from bland_pools.testing import BlandEmulator, FakeClock

from ._support import KEY_A


def nums(i: int) -> list[str]:
    return [f"+1555{i:04d}{n:03d}" for n in range(2)]


class CountingStore:
    """The SQLite manifest, through the public ``ManifestStore`` methods, counting reads."""

    def __init__(self, path: Path) -> None:
        self.inner = SQLiteManifest(path)
        self.reads: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def entries(self) -> Any:
        self.reads["entries"] += 1
        return self.inner.entries()

    def get(self, key: str) -> ManifestEntry | None:
        self.reads["get"] += 1
        return self.inner.get(key)


async def run(emu: BlandEmulator, desired: dict[str, list[str]], manifest: Any) -> Report:
    async with AsyncBlandClient(
        api_key=KEY_A, base_url=emu.url, max_rate=math.inf, clock=FakeClock()
    ) as bland:
        return await provision(desired, manifest=manifest, client=bland)


async def test_a_rerun_with_nothing_to_do_reads_the_manifest_once_and_writes_nothing(
    bland_emu: BlandEmulator, tmp_path: Path
) -> None:
    desired = {f"pool-{i}": nums(i) for i in range(30)}
    assert (await run(bland_emu, desired, tmp_path / "m.db")).ok
    sent = len(bland_emu.requests)
    store = CountingStore(tmp_path / "m.db")
    before = list(store.inner.entries())
    try:
        report = await run(bland_emu, desired, store)
    finally:
        store.close()

    assert store.reads == Counter({"entries": 1})
    assert [r.outcome for r in report.results] == ["unchanged"] * 30
    assert [r.method for r in bland_emu.requests[sent:]] == ["GET"]  # the listing only
    with SQLiteManifest(tmp_path / "m.db", read_only=True) as looking:
        assert list(looking.entries()) == before


async def test_settling_open_intents_does_not_read_the_manifest_again(
    bland_emu: BlandEmulator, tmp_path: Path
) -> None:
    """Settled in memory as in the store: the plan is the one a fresh read would make."""
    desired = {"made": nums(1), "lost": nums(2), "moved": nums(3), "kept": nums(4)}
    assert (await run(bland_emu, {"moved": nums(3), "kept": nums(4)}, tmp_path / "m.db")).ok
    made = bland_emu.add_pool(KEY_A, nums(1))  # a create that went through, unrecorded
    with SQLiteManifest(tmp_path / "m.db") as store:
        store.intend("made", "create", tuple(nums(1)), None)
        store.intend("lost", "create", tuple(nums(2)), None)  # never reached the server
        store.intend("moved", "update", tuple(nums(3)), None)  # an update cut short
    sent = len(bland_emu.requests)
    store = CountingStore(tmp_path / "m.db")
    try:
        report = await run(bland_emu, desired, store)
    finally:
        store.close()

    assert store.reads == Counter({"entries": 1})
    outcomes = {r.key: (r.outcome, r.pool_id) for r in report.results}
    assert outcomes["made"] == ("unchanged", made["id"])
    assert outcomes["lost"][0] == "created"
    assert outcomes["moved"][0] == "unchanged"
    assert outcomes["kept"][0] == "unchanged"
    assert [r.method for r in bland_emu.requests[sent:]] == ["GET", "POST"]  # lost's create
    with SQLiteManifest(tmp_path / "m.db", read_only=True) as looking:
        entries = {e.key: e for e in looking.entries()}
    assert {k: (e.status, e.intent, e.last_error) for k, e in entries.items()} == dict.fromkeys(
        desired, ("done", None, None)
    )
    assert entries["made"].origin == "created"
