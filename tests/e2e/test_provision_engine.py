"""``bland_pools.provision.provision()`` against the emulator on real sockets, every wait on a
fake clock: 1,000 pools under a seeded plan failing 30% of requests every way it knows end as
exactly the pools asked for, once each, with a complete manifest; a lost manifest is rebuilt
by adoption without a create; a dry run writes nothing; bad rows stop the job before any
request; ``prune`` deletes only what the manifest holds; interrupted creates are settled by
content (found, made again once, or reported when ambiguous); a held manifest is refused;
the plan and progress callbacks; updates in place; and a manifest of another organization
is refused."""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from bland_pools import AsyncBlandClient
from bland_pools.provision import (
    InputError,
    ManifestEntry,
    ManifestError,
    ManifestLockedError,
    Plan,
    Progress,
    Report,
    SQLiteManifest,
    provision,
)
from bland_pools.testing import BlandEmulator, FakeClock, FaultPlan

from ._support import CRED_A, CRED_A2, KEY_A, KEY_B, POOLS_PATH

Desired = Mapping[str, Iterable[str]] | list[dict[str, Any]]


def nums(i: int, count: int = 3) -> list[str]:
    return [f"+1555{i:04d}{n:03d}" for n in range(count)]


def wanted(count: int, start: int = 0) -> dict[str, list[str]]:
    return {f"pool-{i:04d}": nums(i) for i in range(start, start + count)}


def client(emu: BlandEmulator, key: str = KEY_A) -> AsyncBlandClient:
    return AsyncBlandClient(
        api_key=key, base_url=emu.url, max_retries=8, max_rate=math.inf, clock=FakeClock()
    )


async def run(
    emu: BlandEmulator, desired: Desired | str | Path, manifest: Path, **options: Any
) -> Report:
    key = options.pop("key", KEY_A)
    async with client(emu, key) as bland:
        return await provision(desired, manifest=manifest, client=bland, **options)


def stored(emu: BlandEmulator, key: str = KEY_A) -> Counter[tuple[str, ...]]:
    """How many pools the organization holds of each set of numbers."""
    return Counter(tuple(sorted(p["phone_numbers"])) for p in emu.pools(key))


def ids_by_numbers(emu: BlandEmulator, key: str = KEY_A) -> dict[tuple[str, ...], str]:
    return {tuple(sorted(p["phone_numbers"])): p["id"] for p in emu.pools(key)}


def methods(emu: BlandEmulator, since: int = 0) -> list[str]:
    return [r.method for r in emu.requests[since:]]


def file_bytes(path: Path) -> bytes | None:
    """The file's content, or ``None`` when there is no such file."""
    return path.read_bytes() if path.exists() else None


def entries(path: Path) -> dict[str, Any]:
    with SQLiteManifest(path, read_only=True) as store:
        return {e.key: e for e in store.entries()}


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return tmp_path / "pools.db"


# -- 1,000 pools under faults ----------------------------------------------------------------


async def test_a_thousand_pools_under_faults_end_exactly_as_asked(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    desired = [
        {"pool": f"pool-{i:04d}", "phone_numbers": nums(i)}
        | ({"encrypted_key": CRED_A} if i % 10 == 0 else {})
        for i in range(1000)
    ]
    expected = Counter(tuple(sorted(d["phone_numbers"])) for d in desired)
    bland_emu.faults = FaultPlan(
        seed=20240115,
        server_error=0.06,
        html_error=0.05,
        drop_before=0.05,
        drop_after=0.05,
        rate_limited=0.05,
        slow=0.04,
        retry_after=1.0,
        slow_seconds=0.02,  # real time; the client's timeout (30 s) is far above it
    )

    reports = []
    for _ in range(5):
        reports.append(await run(bland_emu, desired, manifest))
        if reports[-1].ok:
            break

    assert reports[-1].ok, [r.to_dict()["counts"] for r in reports]
    faults = Counter(r.fault for r in bland_emu.requests)
    assert all(faults[kind] > 0 for kind in ("server_error", "html_error", "drop_before"))
    assert all(faults[kind] > 0 for kind in ("drop_after", "rate_limited", "slow"))
    # Exactly the pools the input asks for, each once.
    assert stored(bland_emu) == expected
    assert max(stored(bland_emu).values()) == 1
    with_credentials = {p["id"] for p in bland_emu.pools(KEY_A) if p["encrypted_key"] == CRED_A}
    assert len(with_credentials) == 100
    # The manifest: every key done, with the pool that has its numbers.
    pool_of = ids_by_numbers(bland_emu)
    held = entries(manifest)
    assert sorted(held) == sorted(d["pool"] for d in desired)
    for item in desired:
        entry = held[item["pool"]]
        assert (entry.status, entry.intent) == ("done", None)
        assert entry.pool_id == pool_of[tuple(sorted(item["phone_numbers"]))]
        assert entry.numbers == tuple(sorted(item["phone_numbers"]))
    # A last run, faults off: nothing to do, nothing written.
    bland_emu.faults = FaultPlan()
    mark = len(bland_emu.requests)
    final = await run(bland_emu, desired, manifest)
    assert final.plan.count("unchanged") == 1000
    assert final.plan.changes == 0
    assert final.count("unchanged") == 1000
    assert methods(bland_emu, mark) == ["GET"]


# -- a lost manifest -------------------------------------------------------------------------


async def test_a_deleted_manifest_is_rebuilt_by_adoption_without_a_create(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    desired = wanted(40)
    first = await run(bland_emu, desired, manifest)
    assert first.count("created") == 40
    made = ids_by_numbers(bland_emu)
    for leftover in manifest.parent.glob(manifest.name + "*"):
        leftover.unlink()
    mark = len(bland_emu.requests)

    again = await run(bland_emu, desired, manifest)

    assert again.plan.count("adopt") == 40
    assert again.plan.count("create") == 0
    assert again.count("adopted") == 40
    assert "POST" not in methods(bland_emu, mark)
    assert methods(bland_emu, mark) == ["GET"]
    assert ids_by_numbers(bland_emu) == made
    held = entries(manifest)
    assert {k: (e.pool_id, e.origin) for k, e in held.items()} == {
        key: (made[tuple(numbers)], "adopted") for key, numbers in desired.items()
    }
    third = await run(bland_emu, desired, manifest)
    assert third.plan.count("unchanged") == 40


# -- dry run ---------------------------------------------------------------------------------


async def test_a_dry_run_sends_no_write_and_creates_no_manifest(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    report = await run(bland_emu, wanted(20), manifest, dry_run=True, prune=True)

    assert report.dry_run
    assert report.plan.count("create") == 20
    assert report.results == []
    assert report.ok
    assert methods(bland_emu) == ["GET"]
    assert bland_emu.pools(KEY_A) == []
    assert list(manifest.parent.iterdir()) == []


async def test_a_dry_run_on_an_existing_manifest_changes_nothing(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    await run(bland_emu, wanted(6), manifest)
    before_pools = bland_emu.pools(KEY_A)
    before_entries = entries(manifest)
    # Another earlier run's create left open: a dry run settles it in memory only.
    with SQLiteManifest(manifest) as store:
        store.intend("pool-0099", "create", tuple(nums(99)), None)
    bland_emu.add_pool(KEY_A, nums(99))
    with_intent = entries(manifest)
    before_bytes = file_bytes(manifest)
    changed = wanted(6)
    changed["pool-0001"] = nums(1, 2)
    del changed["pool-0002"]
    changed["pool-0007"] = nums(7)
    changed["pool-0099"] = nums(99)
    mark = len(bland_emu.requests)

    report = await run(bland_emu, changed, manifest, dry_run=True, prune=True)

    assert [(a.kind, a.key) for a in report.plan.actions if a.kind != "unchanged"] == [
        ("update", "pool-0001"),
        ("create", "pool-0007"),
        ("delete", "pool-0002"),
    ]
    assert any("pool-0099" in note for note in report.settled)
    assert methods(bland_emu, mark) == ["GET"]
    assert bland_emu.pools(KEY_A)[:6] == before_pools
    assert entries(manifest) == with_intent
    assert {k: v for k, v in with_intent.items() if k != "pool-0099"} == before_entries
    assert file_bytes(manifest) == before_bytes


# -- bad input -------------------------------------------------------------------------------


async def test_bad_rows_are_all_reported_and_nothing_is_sent(
    bland_emu: BlandEmulator, manifest: Path, tmp_path: Path
) -> None:
    path = tmp_path / "pools.csv"
    path.write_text(
        "pool,phone_number,encrypted_key\n"  # 1
        "a,(555) 123-4567,\n"  # 2
        "a,555-123-45,\n"  # 3 too short
        "b,555 123 4567,\n"  # 4 a's number
        f"c,5551230001,{CRED_A}\n"  # 5
        f"c,5551230002,{CRED_A2}\n"  # 6 two credentials
        "d,5551230003,nope\n"  # 7 not a UUID
        "e,,\n"  # 8 no number
        "f,5551230004,\n",  # 9 fine
        encoding="utf-8",
    )

    with pytest.raises(InputError) as caught:
        await run(bland_emu, path, manifest)

    assert [(p.source, p.line) for p in caught.value.problems] == [
        (str(path), line) for line in (3, 4, 6, 7, 8)
    ]
    for problem in caught.value.problems:
        assert f"{path}:{problem.line}: {problem.message}" in str(caught.value)
    assert bland_emu.requests == []
    assert file_bytes(manifest) is None


async def test_bad_objects_are_refused_before_any_request(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    with pytest.raises(InputError) as caught:
        await run(bland_emu, {"a": ["5551234567"], "b": ["5551234567"], "c": []}, manifest)

    assert len(caught.value.problems) == 2
    assert bland_emu.requests == []


@pytest.mark.parametrize(
    "options", [{"concurrency": 0}, {"concurrency": 257}, {"concurrency": True}, {"rate": 0}]
)
async def test_bad_options_are_refused_before_any_request(
    bland_emu: BlandEmulator, manifest: Path, options: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=r"concurrency|rate"):
        await run(bland_emu, wanted(2), manifest, **options)

    assert bland_emu.requests == []


# -- prune -----------------------------------------------------------------------------------


async def test_prune_deletes_only_pools_the_manifest_holds(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    by_hand = [bland_emu.add_pool(KEY_A, nums(900 + i)) for i in range(3)]
    theirs = bland_emu.add_pool(KEY_B, nums(1))
    await run(bland_emu, wanted(5), manifest)
    made = ids_by_numbers(bland_emu)
    remaining = {k: v for k, v in wanted(5).items() if k not in ("pool-0001", "pool-0003")}

    kept = await run(bland_emu, remaining, manifest)  # without prune: nothing deleted
    assert kept.plan.kept == ("pool-0001", "pool-0003")
    assert "DELETE" not in methods(bland_emu)
    mark = len(bland_emu.requests)

    report = await run(bland_emu, remaining, manifest, prune=True)

    assert report.count("deleted") == 2
    deletes = [r.path for r in bland_emu.requests[mark:] if r.method == "DELETE"]
    assert sorted(deletes) == sorted(f"{POOLS_PATH}/{made[tuple(nums(i))]}" for i in (1, 3))
    left = {p["id"] for p in bland_emu.pools(KEY_A)}
    assert {p["id"] for p in by_hand} <= left  # made by hand: untouched
    assert left == {p["id"] for p in by_hand} | {made[tuple(nums(i))] for i in (0, 2, 4)}
    assert bland_emu.pools(KEY_B) == [theirs]
    assert sorted(entries(manifest)) == ["pool-0000", "pool-0002", "pool-0004"]


async def _two_made_then_one_deleted_by_hand(
    bland_emu: BlandEmulator, manifest: Path, key: str
) -> str:
    """A run makes two pools, then someone deletes ``key``'s outside the manifest; its id."""
    await run(bland_emu, wanted(2), manifest)
    pool_id = entries(manifest)[key].pool_id
    assert pool_id is not None
    async with client(bland_emu) as bland:
        await bland.pools.delete(pool_id)
    return pool_id


async def test_prune_of_a_pool_already_gone_forgets_it(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    await _two_made_then_one_deleted_by_hand(bland_emu, manifest, "pool-0001")
    mark = len(bland_emu.requests)

    report = await run(bland_emu, wanted(1), manifest, prune=True)

    assert [(a.kind, a.key) for a in report.plan.actions] == [
        ("unchanged", "pool-0000"),
        ("forget", "pool-0001"),
    ]
    assert "DELETE" not in methods(bland_emu, mark)
    assert sorted(entries(manifest)) == ["pool-0000"]


async def test_an_adopted_pool_is_the_manifests_and_is_pruned(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    adopted = bland_emu.add_pool(KEY_A, nums(5))
    first = await run(bland_emu, {"mine": nums(5)}, manifest)
    assert first.results[0].outcome == "adopted"

    await run(bland_emu, {"other": nums(6)}, manifest, prune=True)

    assert [p["phone_numbers"] for p in bland_emu.pools(KEY_A)] == [nums(6)]
    assert adopted["id"] in bland_emu.requests[-1].path


# -- interrupted creates ---------------------------------------------------------------------


async def test_an_interrupted_create_that_went_through_is_recorded_not_sent_again(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    with SQLiteManifest(manifest) as store:
        store.intend("west", "create", tuple(nums(1)), None)
    made = bland_emu.add_pool(KEY_A, nums(1))  # the create that went through

    report = await run(bland_emu, {"west": nums(1), "east": nums(2)}, manifest)

    assert report.ok
    assert any("west" in note and made["id"] in note for note in report.settled)
    assert [r.method for r in bland_emu.requests if r.method == "POST"] == ["POST"]  # east's
    posted = [r.json for r in bland_emu.requests if r.method == "POST"]
    assert posted == [{"phone_numbers": nums(2)}]
    entry = entries(manifest)["west"]
    assert (entry.pool_id, entry.status, entry.intent, entry.origin) == (
        made["id"],
        "done",
        None,
        "created",
    )
    assert stored(bland_emu) == Counter({tuple(nums(1)): 1, tuple(nums(2)): 1})


async def test_an_interrupted_create_with_credentials_is_matched_with_them(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    with SQLiteManifest(manifest) as store:
        store.intend("west", "create", tuple(nums(1)), CRED_A)
    bland_emu.add_pool(KEY_A, nums(1))  # the same numbers, no credentials: not it
    made = bland_emu.add_pool(KEY_A, nums(1), CRED_A.upper())

    report = await run(
        bland_emu, [{"pool": "west", "phone_numbers": nums(1), "encrypted_key": CRED_A}], manifest
    )

    assert report.ok
    assert entries(manifest)["west"].pool_id == made["id"]
    assert "POST" not in methods(bland_emu)


async def test_an_interrupted_create_that_made_nothing_is_created_once(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    with SQLiteManifest(manifest) as store:
        store.intend("west", "create", tuple(nums(1)), None)

    report = await run(bland_emu, {"west": nums(1)}, manifest)

    assert report.ok
    assert any("west" in note and "made no pool" in note for note in report.settled)
    assert [r.outcome for r in report.results] == ["created"]
    assert methods(bland_emu).count("POST") == 1
    assert stored(bland_emu) == Counter({tuple(nums(1)): 1})
    assert entries(manifest)["west"].pool_id == bland_emu.pools(KEY_A)[0]["id"]


async def test_an_interrupted_create_with_two_identical_pools_is_reported_not_guessed(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    with SQLiteManifest(manifest) as store:
        store.intend("west", "create", tuple(nums(1)), None)
    twins = [bland_emu.add_pool(KEY_A, nums(1)) for _ in range(2)]

    report = await run(bland_emu, {"west": nums(1), "east": nums(2)}, manifest)

    assert not report.ok
    (failed,) = report.failed
    assert failed.key == "west"
    assert failed.pool_id is None
    assert all(t["id"] in failed.error for t in twins)  # type: ignore[operator]
    assert any("west" in n and all(t["id"] in n for t in twins) for n in report.settled)
    assert [r.json for r in bland_emu.requests if r.method == "POST"] == [
        {"phone_numbers": nums(2)}
    ]
    assert stored(bland_emu)[tuple(nums(1))] == 2  # both left as they were
    entry = entries(manifest)["west"]
    assert (entry.pool_id, entry.status, entry.intent) == (None, "failed", None)


async def test_an_interrupted_create_settled_then_updated_to_a_changed_input(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    with SQLiteManifest(manifest) as store:
        store.intend("west", "create", tuple(nums(1)), None)
    made = bland_emu.add_pool(KEY_A, nums(1))

    report = await run(bland_emu, {"west": nums(1, 2)}, manifest)

    assert [(r.key, r.outcome, r.pool_id) for r in report.results] == [
        ("west", "updated", made["id"])
    ]
    assert "POST" in methods(bland_emu)
    assert all(r.path.endswith("/update") for r in bland_emu.requests if r.method == "POST")
    assert bland_emu.pools(KEY_A)[0]["phone_numbers"] == nums(1, 2)


# -- the lock --------------------------------------------------------------------------------


async def test_a_second_run_on_a_held_manifest_is_refused(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    with SQLiteManifest(manifest) as held:
        with pytest.raises(ManifestLockedError):
            await run(bland_emu, wanted(3), manifest)
        assert list(held.entries()) == []

    assert bland_emu.requests == []
    report = await run(bland_emu, wanted(3), manifest)
    assert report.count("created") == 3


# -- callbacks -------------------------------------------------------------------------------


async def test_on_plan_comes_first_and_on_progress_once_per_key(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    await run(bland_emu, wanted(3), manifest)
    bland_emu.add_pool(KEY_A, nums(50))  # to adopt
    desired = wanted(8)
    desired["pool-0001"] = nums(1, 2)  # to update
    desired["pool-0050"] = nums(50)
    mark = len(bland_emu.requests)
    plans: list[tuple[Plan, list[str]]] = []
    progress: list[Progress] = []

    report = await run(
        bland_emu,
        desired,
        manifest,
        concurrency=3,
        on_plan=lambda plan: plans.append((plan, methods(bland_emu, mark))),
        on_progress=progress.append,
    )

    ((plan, sent_before),) = plans
    assert sent_before == ["GET"]  # the listing only: nothing applied before the plan
    assert plan is report.plan
    assert len(progress) == len(plan.actions) == 9
    assert [p.done for p in progress] == list(range(1, 10))
    assert {p.total for p in progress} == {9}
    assert sorted(p.result.key for p in progress) == sorted(desired)
    assert Counter(p.result.outcome for p in progress) == Counter(
        {"created": 5, "unchanged": 2, "updated": 1, "adopted": 1}
    )
    assert next(p.result for p in progress if p.result.key == "pool-0050").pool_id


async def test_the_workers_are_a_fixed_few_not_a_task_per_key(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    most = 0

    def count(_: Progress) -> None:
        nonlocal most
        most = max(most, len(asyncio.all_tasks()))

    report = await run(bland_emu, wanted(300), manifest, concurrency=4, on_progress=count)

    assert report.count("created") == 300
    # This test, four workers, the server's handlers of four connections, and a few more.
    assert most <= 30, most


# -- updates ---------------------------------------------------------------------------------


async def test_changed_numbers_update_the_pool_in_place_and_drop_credentials(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    first = await run(
        bland_emu,
        [{"pool": "west", "phone_numbers": nums(1), "encrypted_key": CRED_A}],
        manifest,
    )
    (pool_id,) = [r.pool_id for r in first.results]
    mark = len(bland_emu.requests)

    report = await run(bland_emu, {"west": [*nums(1, 2), "(555) 999-0000"]}, manifest)

    assert [(r.outcome, r.pool_id) for r in report.results] == [("updated", pool_id)]
    (pool,) = bland_emu.pools(KEY_A)
    assert pool["id"] == pool_id
    assert pool["phone_numbers"] == sorted([*nums(1, 2), "+15559990000"])
    assert pool["encrypted_key"] is None
    updates = [r for r in bland_emu.requests[mark:] if r.method == "POST"]
    assert [r.path for r in updates] == [f"{POOLS_PATH}/{pool_id}/update"]
    assert updates[0].json == {
        "phone_numbers": sorted([*nums(1, 2), "+15559990000"]),
        "encrypted_key": None,
    }
    entry = entries(manifest)["west"]
    assert (entry.numbers, entry.encrypted_key, entry.origin) == (
        tuple(pool["phone_numbers"]),
        None,
        "created",
    )


async def test_changed_credentials_alone_update_the_pool(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    await run(bland_emu, {"west": nums(1)}, manifest)

    report = await run(
        bland_emu, [{"pool": "west", "phone_numbers": nums(1), "encrypted_key": CRED_A2}], manifest
    )

    assert [r.outcome for r in report.results] == ["updated"]
    assert bland_emu.pools(KEY_A)[0]["encrypted_key"] == CRED_A2


async def test_a_pool_deleted_by_hand_is_created_again(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    old = await _two_made_then_one_deleted_by_hand(bland_emu, manifest, "pool-0000")

    report = await run(bland_emu, wanted(2), manifest)

    assert [r.outcome for r in report.results] == ["created", "unchanged"]
    assert report.results[0].pool_id != old
    assert stored(bland_emu) == Counter({tuple(nums(0)): 1, tuple(nums(1)): 1})


# -- another organization --------------------------------------------------------------------


@pytest.mark.parametrize(
    "known_by_its_pools",
    [
        pytest.param(True, id="organization-known-from-its-pools"),
        # The usual first run: the organization has no pool yet when the job starts.
        pytest.param(False, id="organization-empty-when-the-job-started"),
    ],
)
async def test_a_manifest_of_another_organization_is_refused(
    bland_emu: BlandEmulator, manifest: Path, known_by_its_pools: bool
) -> None:
    if known_by_its_pools:
        bland_emu.add_pool(KEY_A, nums(500))
    await run(bland_emu, wanted(3), manifest)
    bland_emu.add_pool(KEY_B, nums(600))
    mark = len(bland_emu.requests)

    with pytest.raises(ManifestError, match="organization"):
        await run(bland_emu, wanted(3), manifest, key=KEY_B)

    assert methods(bland_emu, mark) == ["GET"]
    assert stored(bland_emu, KEY_B) == Counter({tuple(nums(600)): 1})


# -- the manifest's writes: intents before sends, group commits, a store of your own ---------


class RecordingStore:
    """An SQLite manifest that notes, at each commit, the keys whose intents it made durable
    and how many requests the emulator had received by then."""

    def __init__(self, path: Path, emu: BlandEmulator) -> None:
        self.inner = SQLiteManifest(path)
        self.emu = emu
        self.open_intents: list[str] = []
        self.committed_at: dict[str, int] = {}  # key -> requests received when committed
        self.commits = 0
        self.depth = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def intend(self, key: str, *args: Any) -> None:
        self.inner.intend(key, *args)
        self.open_intents.append(key)
        if self.depth == 0:
            self._committed()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        self.depth += 1
        try:
            with self.inner.batch():
                yield
        finally:
            self.depth -= 1
        self._committed()

    def _committed(self) -> None:
        self.commits += 1
        for key in self.open_intents:
            self.committed_at[key] = len(self.emu.requests)
        self.open_intents.clear()


async def test_every_intent_is_committed_before_its_create_is_sent(
    bland_emu: BlandEmulator, manifest: Path
) -> None:
    desired = wanted(200)
    store = RecordingStore(manifest, bland_emu)
    try:
        report = await run(bland_emu, desired, store, concurrency=8)  # type: ignore[arg-type]
    finally:
        store.close()

    assert report.count("created") == 200
    key_of = {tuple(numbers): key for key, numbers in desired.items()}
    creates = [
        (index, key_of[tuple(sorted(r.json["phone_numbers"]))])
        for index, r in enumerate(bland_emu.requests)
        if r.method == "POST" and r.path == POOLS_PATH
    ]
    assert len(creates) == 200
    for index, key in creates:
        # Durable before the server saw the create: at most `index` requests had arrived.
        assert store.committed_at[key] <= index, key
    # Grouped: far fewer transactions than the 400 writes of 200 creates.
    assert store.commits < 100, store.commits


class MemoryStore:
    """A ManifestStore of one's own: a dict, each write "durable" at once."""

    def __init__(self) -> None:
        self.rows: dict[str, ManifestEntry] = {}
        self.metas: dict[str, str] = {}
        self.writes: list[tuple[str, str]] = []

    def entries(self) -> Iterator[ManifestEntry]:
        return iter(list(self.rows.values()))

    def get(self, key: str) -> ManifestEntry | None:
        return self.rows.get(key)

    def meta(self, name: str) -> str | None:
        return self.metas.get(name)

    def set_meta(self, name: str, value: str) -> None:
        self.metas[name] = value

    def intend(
        self, key: str, intent: Any, numbers: tuple[str, ...] | None, encrypted_key: str | None
    ) -> None:
        self.writes.append(("intend", key))
        old = self.rows.get(key) or ManifestEntry(key, None, None, None, None, "pending")
        self.rows[key] = attrs.evolve(
            old, status="pending", intent=intent, intent_numbers=numbers, intent_key=encrypted_key
        )

    def applied(
        self,
        key: str,
        pool_id: str,
        numbers: tuple[str, ...],
        encrypted_key: str | None,
        origin: Any = None,
    ) -> None:
        self.writes.append(("applied", key))
        old = self.rows.get(key)
        self.rows[key] = ManifestEntry(
            key, pool_id, numbers, encrypted_key, origin or (old and old.origin), "done"
        )

    def failed(
        self,
        key: str,
        error: str,
        *,
        outcome_unknown: bool,
        forget_pool: bool = False,
        failure: Any = None,
        code: str | None = None,
        numbers: tuple[str, ...] | None = None,
        encrypted_key: str | None = None,
    ) -> None:
        self.writes.append(("failed", key))
        old = self.rows.get(key) or ManifestEntry(key, None, None, None, None, "failed")
        self.rows[key] = attrs.evolve(
            old,
            status="failed",
            last_error=error,
            failure=failure,
            failure_code=code,
            failed_numbers=numbers,
            failed_key=encrypted_key,
        )

    def forget(self, key: str) -> None:
        self.rows.pop(key, None)

    def batch(self) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext()

    def has_intent(self, intent: Any) -> bool:
        return any(e.intent == intent for e in self.rows.values())

    def close(self) -> None:
        pass


async def test_a_store_of_ones_own_serves_runs_like_the_sqlite_one(
    bland_emu: BlandEmulator,
) -> None:
    store = MemoryStore()

    first = await run(bland_emu, wanted(30), store)
    mark = len(bland_emu.requests)
    second = await run(bland_emu, wanted(30), store)

    assert first.count("created") == 30
    assert {e.status for e in store.rows.values()} == {"done"}
    assert sorted(e.pool_id for e in store.rows.values()) == sorted(
        p["id"] for p in bland_emu.pools(KEY_A)
    )
    # Every create's intent came before its outcome.
    for key in wanted(30):
        assert store.writes.index(("intend", key)) < store.writes.index(("applied", key))
    assert second.count("unchanged") == 30
    assert methods(bland_emu, mark) == ["GET"]


class FailingStore(MemoryStore):
    """A store whose disk fills up after ``good`` intents."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good

    def intend(self, key: str, *args: Any) -> None:
        if sum(1 for w in self.writes if w[0] == "intend") >= self.good:
            raise sqlite3.OperationalError("database or disk is full")
        super().intend(key, *args)


async def test_a_manifest_that_cannot_be_written_stops_the_run_and_sends_nothing_unrecorded(
    bland_emu: BlandEmulator,
) -> None:
    store = FailingStore(good=16)

    with pytest.raises(ManifestError, match="disk is full") as caught:
        await run(bland_emu, wanted(100), store, concurrency=8)

    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    sent = [r for r in bland_emu.requests if r.method == "POST"]
    recorded = [key for kind, key in store.writes if kind == "intend"]
    # Only the creates whose intents were recorded went out, each once; the rest never did.
    assert len(recorded) == 16
    assert len(sent) == 16
    assert len(bland_emu.pools(KEY_A)) == 16
