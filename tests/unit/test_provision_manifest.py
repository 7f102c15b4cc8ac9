"""The SQLite manifest: intents, outcomes (an unknown outcome keeps the intent open, a known
failure closes it), forgetting, metadata and insertion order, all durable across a reopen;
the lock (a second store on the same file, in this process or in another, is refused at once
with ``ManifestLockedError``, and works again once the first is closed or its process killed);
and refusals of what is not a usable manifest (no file with ``read_only``, not a database, a
newer schema), which leave the file usable for the next open."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bland_pools.provision import (
    ManifestEntry,
    ManifestError,
    ManifestLockedError,
    SQLiteManifest,
)

from ._manifest_processes import held_by_another_process, opened_by_another_process

POOL_1 = "550e8400-e29b-41d4-a716-446655440001"
POOL_2 = "550e8400-e29b-41d4-a716-446655440002"
CRED = "550e8400-e29b-41d4-a716-446655440000"
NUMS = ("+15551234567", "+15551234568")
OTHER = ("+15559876543",)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "pools.db"


@pytest.fixture
def store(path: Path) -> Iterator[SQLiteManifest]:
    manifest = SQLiteManifest(path)
    try:
        yield manifest
    finally:
        manifest.close()


def keys(store: SQLiteManifest) -> list[str]:
    return [e.key for e in store.entries()]


# -- intents and outcomes --------------------------------------------------------------------


def test_an_intent_is_pending_with_what_it_will_send(store: SQLiteManifest) -> None:
    before = time.time()
    store.intend("west", "create", NUMS, CRED)

    entry = store.get("west")
    assert entry is not None
    assert (entry.status, entry.intent, entry.intent_numbers, entry.intent_key) == (
        "pending",
        "create",
        NUMS,
        CRED,
    )
    assert entry.pool_id is None
    assert entry.numbers is None
    assert entry.origin is None
    assert entry.intent_at is not None
    assert entry.intent_at >= before - 1
    assert entry.updated_at.endswith("Z")


def test_applied_closes_the_intent_and_records_the_pool(store: SQLiteManifest) -> None:
    store.intend("west", "create", NUMS, CRED)
    store.applied("west", POOL_1, NUMS, CRED, "created")

    assert store.get("west") == ManifestEntry(
        key="west",
        pool_id=POOL_1,
        numbers=NUMS,
        encrypted_key=CRED,
        origin="created",
        status="done",
        updated_at=store.get("west").updated_at,  # type: ignore[union-attr]
    )


def test_applied_without_an_origin_keeps_the_earlier_one(store: SQLiteManifest) -> None:
    store.applied("west", POOL_1, NUMS, None, "adopted")
    store.intend("west", "update", OTHER, CRED)
    store.applied("west", POOL_1, OTHER, CRED)

    entry = store.get("west")
    assert entry is not None
    assert (entry.origin, entry.numbers, entry.encrypted_key, entry.intent) == (
        "adopted",
        OTHER,
        CRED,
        None,
    )


def test_a_failure_of_unknown_outcome_keeps_the_intent_pending(store: SQLiteManifest) -> None:
    store.intend("west", "create", NUMS, CRED)
    opened = store.get("west")
    assert opened is not None

    store.failed("west", "connection dropped", outcome_unknown=True)

    entry = store.get("west")
    assert entry is not None
    assert entry.status == "pending"
    assert (entry.intent, entry.intent_numbers, entry.intent_key, entry.intent_at) == (
        "create",
        NUMS,
        CRED,
        opened.intent_at,
    )
    assert entry.last_error == "connection dropped"


def test_a_failure_of_known_outcome_clears_the_intent(store: SQLiteManifest) -> None:
    store.intend("west", "create", NUMS, CRED)

    store.failed("west", "400 invalid", outcome_unknown=False)

    entry = store.get("west")
    assert entry is not None
    assert entry.status == "failed"
    assert (entry.intent, entry.intent_numbers, entry.intent_key, entry.intent_at) == (
        None,
        None,
        None,
        None,
    )
    assert entry.last_error == "400 invalid"


def test_a_failed_update_keeps_the_pool_unless_told_it_is_gone(store: SQLiteManifest) -> None:
    store.applied("a", POOL_1, NUMS, None, "created")
    store.applied("b", POOL_2, OTHER, None, "created")
    store.intend("a", "update", OTHER, None)
    store.intend("b", "update", NUMS, None)

    store.failed("a", "500", outcome_unknown=False)
    store.failed("b", "not found", outcome_unknown=False, forget_pool=True)

    a, b = store.get("a"), store.get("b")
    assert a is not None
    assert b is not None
    assert (a.pool_id, a.numbers, a.status) == (POOL_1, NUMS, "failed")
    assert (b.pool_id, b.numbers, b.status) == (None, OTHER, "failed")


def test_a_failure_of_a_key_never_seen_is_recorded(store: SQLiteManifest) -> None:
    store.failed("new", "ambiguous", outcome_unknown=False)

    entry = store.get("new")
    assert entry is not None
    assert (entry.status, entry.last_error, entry.pool_id) == ("failed", "ambiguous", None)


def test_applied_clears_a_last_error(store: SQLiteManifest) -> None:
    store.failed("west", "boom", outcome_unknown=False)
    store.applied("west", POOL_1, NUMS, None, "created")

    entry = store.get("west")
    assert entry is not None
    assert (entry.status, entry.last_error) == ("done", None)


def test_forget_removes_the_key(store: SQLiteManifest) -> None:
    store.applied("a", POOL_1, NUMS, None, "created")
    store.applied("b", POOL_2, OTHER, None, "created")

    store.forget("a")
    store.forget("never-there")

    assert store.get("a") is None
    assert keys(store) == ["b"]


def test_entries_come_in_insertion_order(store: SQLiteManifest) -> None:
    for key in ["zeta", "alpha", "mid"]:
        store.intend(key, "create", (f"+1555000{len(key):04d}",), None)
    store.applied("alpha", POOL_1, NUMS, None, "created")  # a change keeps the place
    store.failed("zeta", "x", outcome_unknown=True)
    store.applied("omega", POOL_2, OTHER, None, "adopted")

    assert keys(store) == ["zeta", "alpha", "mid", "omega"]
    store.forget("alpha")
    store.intend("alpha", "create", NUMS, None)
    assert keys(store) == ["zeta", "mid", "omega", "alpha"]


def test_meta_values(store: SQLiteManifest) -> None:
    assert store.meta("owner_id") is None
    assert store.meta("schema") == "2"

    store.set_meta("owner_id", "org-1")
    store.set_meta("owner_id", "org-2")

    assert store.meta("owner_id") == "org-2"


def test_everything_survives_a_reopen_and_is_visible_read_only(path: Path) -> None:
    with SQLiteManifest(path) as first:
        first.applied("a", POOL_1, NUMS, CRED, "created")
        first.intend("b", "create", OTHER, None)
        first.set_meta("owner_id", "org-1")
        written = list(first.entries())

    with SQLiteManifest(path) as again:
        assert list(again.entries()) == written
        assert again.meta("owner_id") == "org-1"
    with SQLiteManifest(path, read_only=True) as looking:
        assert list(looking.entries()) == written
        assert looking.get("b") == written[1]


# -- the lock --------------------------------------------------------------------------------


def test_a_second_store_in_this_process_is_refused_at_once(path: Path) -> None:
    first = SQLiteManifest(path)
    try:
        started = time.monotonic()
        with pytest.raises(ManifestLockedError, match="in use by another provisioning run"):
            SQLiteManifest(path)
        assert time.monotonic() - started < 3.0  # a safety net: the wait is about a second
        first.intend("a", "create", NUMS, None)  # the first still works
    finally:
        first.close()

    with SQLiteManifest(path) as second:
        assert keys(second) == ["a"]


def test_a_locked_error_is_a_manifest_error(path: Path) -> None:
    with SQLiteManifest(path), pytest.raises(ManifestError):
        SQLiteManifest(path)


def test_a_second_process_is_refused_while_this_one_holds_it(path: Path) -> None:
    with SQLiteManifest(path) as store:
        store.applied("a", POOL_1, NUMS, None, "created")
        assert opened_by_another_process(path) == "ManifestLockedError"
        assert keys(store) == ["a"]  # still ours
    assert opened_by_another_process(path) == "opened"


def test_a_killed_process_releases_the_lock(path: Path) -> None:
    SQLiteManifest(path).close()
    with held_by_another_process(path) as holder:
        with pytest.raises(ManifestLockedError):
            SQLiteManifest(path)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=60)

    with SQLiteManifest(path) as store:
        assert store.meta("schema") == "2"


# -- what is not a usable manifest -----------------------------------------------------------


def test_read_only_on_a_missing_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"

    with pytest.raises(ManifestError, match="no manifest"):
        SQLiteManifest(missing, read_only=True)

    assert not missing.exists()  # nothing was created by looking


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "pools.csv"
    junk.write_text("pool,phone_number\n" * 500)

    with pytest.raises(ManifestError, match="not a manifest"):
        SQLiteManifest(junk)
    with pytest.raises(ManifestError):
        SQLiteManifest(junk, read_only=True)

    assert junk.read_text() == "pool,phone_number\n" * 500  # untouched


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError):
        SQLiteManifest(tmp_path)


def _newer(path: Path) -> None:
    SQLiteManifest(path).close()
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema'")
    db.close()


def test_a_newer_schema_is_refused(path: Path) -> None:
    _newer(path)

    with pytest.raises(ManifestError, match="newer version") as caught:
        SQLiteManifest(path)

    assert not isinstance(caught.value, ManifestLockedError)


def test_a_refused_newer_schema_does_not_leave_the_file_locked(path: Path) -> None:
    # The refusal must close what it opened: the next open (say, after the user read the
    # message and retried) says "newer version" again, not "in use by another run".
    _newer(path)
    with pytest.raises(ManifestError, match="newer version"):
        SQLiteManifest(path)

    with pytest.raises(ManifestError) as again:
        SQLiteManifest(path)

    assert not isinstance(again.value, ManifestLockedError), again.value
    assert "newer version" in str(again.value)
