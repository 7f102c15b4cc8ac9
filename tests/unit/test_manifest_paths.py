"""The manifest's path is a plain file path and its lock belongs to the database file.

A name SQLite would read as a URI (``m#1.db``, ``q?mode=memory``, ``alias%41.db``) is that
very file; two spellings of one database (a symbolic link, ``..``) contend for one lock,
held by another process; the lock file is never followed through a symbolic link nor
truncated when it is not the run's own; what is not a regular file (or a new one in an
existing directory) is refused, and so is another application's SQLite file, unchanged;
new manifests, their lock, -wal and -shm files are private (0600); a 0.2.0 manifest (schema
1, ``tests/fixtures/bland/manifest-0.2.0.db``, written by the 0.2.0 code) opens and is
migrated; a hand-edited manifest is refused with the key and the fix."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from bland_pools.provision import (
    ManifestError,
    ManifestLockedError,
    ManifestUnusableError,
    SQLiteManifest,
)

from ._manifest_processes import held_by_another_process, opened_by_another_process

POOL = "550e8400-e29b-41d4-a716-446655440001"
NUMS = ("+15551234567",)
OLD = Path(__file__).resolve().parents[1] / "fixtures" / "bland" / "manifest-0.2.0.db"

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX files")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


# -- a plain path, never a URI ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["m#1.db", "q?mode=memory", "alias%41.db", "file:x.db"])
def test_a_name_sqlite_would_read_as_a_uri_is_that_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with SQLiteManifest(path) as store:
        store.applied("east", POOL, NUMS, None, "created")

    assert files(tmp_path) == {name, name + ".lock"}
    with SQLiteManifest(path, read_only=True) as again:
        assert [e.pool_id for e in again.entries()] == [POOL]
    db = sqlite3.connect(path)  # the file itself holds the entry
    assert db.execute("SELECT key FROM pools").fetchall() == [("east",)]
    db.close()


@posix
@pytest.mark.parametrize("spelling", ["symlink", "dotdot", "symlinked-directory"])
def test_two_spellings_of_one_manifest_contend_for_one_lock(tmp_path: Path, spelling: str) -> None:
    (tmp_path / "sub").mkdir()
    real = tmp_path / "pools.db"
    SQLiteManifest(real).close()
    if spelling == "symlink":
        other: Path = tmp_path / "link.db"
        other.symlink_to(real)
    elif spelling == "dotdot":
        other = tmp_path / "sub" / ".." / "pools.db"
    else:
        (tmp_path / "alias").symlink_to(tmp_path)
        other = tmp_path / "alias" / "pools.db"
    with held_by_another_process(real):
        assert opened_by_another_process(other) == "ManifestLockedError"
        with pytest.raises(ManifestLockedError):
            SQLiteManifest(other)

    assert opened_by_another_process(other) == "opened"
    assert not (tmp_path / "link.db.lock").exists()


def test_an_escaped_name_and_its_unescaped_twin_are_two_files(tmp_path: Path) -> None:
    # alias%41.db is not aliasA.db: each its own file and lock, neither touches the other.
    with SQLiteManifest(tmp_path / "alias%41.db") as first:
        first.applied("one", POOL, NUMS, None, "created")
        with SQLiteManifest(tmp_path / "aliasA.db") as second:
            assert list(second.entries()) == []
    assert files(tmp_path) == {"alias%41.db", "alias%41.db.lock", "aliasA.db", "aliasA.db.lock"}


# -- the lock file ---------------------------------------------------------------------------


@posix
def test_a_lock_file_that_is_a_symlink_is_refused_and_its_target_untouched(
    tmp_path: Path,
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "v.db.lock").symlink_to(victim)

    with pytest.raises(ManifestUnusableError, match="symbolic link"):
        SQLiteManifest(tmp_path / "v.db")

    assert victim.read_text() == "precious\n"
    assert not (tmp_path / "v.db").exists()


@posix
def test_a_lock_file_hard_linked_to_another_file_is_never_truncated(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    os.link(victim, tmp_path / "v.db.lock")

    with SQLiteManifest(tmp_path / "v.db") as store:
        store.applied("a", POOL, NUMS, None)

    assert victim.read_text() == "precious\n"


def test_a_lock_file_with_foreign_content_is_locked_but_not_rewritten(tmp_path: Path) -> None:
    lock = tmp_path / "v.db.lock"
    lock.write_text("someone else's notes\n")

    with SQLiteManifest(tmp_path / "v.db"):
        assert lock.read_text() == "someone else's notes\n"
        with pytest.raises(ManifestLockedError):
            SQLiteManifest(tmp_path / "v.db")


def test_the_run_writes_its_pid_in_its_own_lock_file(tmp_path: Path) -> None:
    with SQLiteManifest(tmp_path / "v.db"):
        assert (tmp_path / "v.db.lock").read_text().startswith(f"pid {os.getpid()} on ")


# -- what is not a manifest ------------------------------------------------------------------


@posix
@pytest.mark.parametrize("kind", ["device", "directory", "fifo", "parent-is-a-file", "missing-dir"])
def test_a_path_that_is_not_a_file_or_a_new_one_is_refused(tmp_path: Path, kind: str) -> None:
    if kind == "device":
        path = Path("/dev/null")
    elif kind == "directory":
        path = tmp_path
    elif kind == "fifo":
        path = tmp_path / "pipe.db"
        os.mkfifo(path)
    elif kind == "parent-is-a-file":
        (tmp_path / "plain").write_text("x")
        path = tmp_path / "plain" / "x.db"
    else:
        path = tmp_path / "nonexistent" / "x.db"
    before = files(tmp_path)

    with pytest.raises(ManifestUnusableError) as caught:
        SQLiteManifest(path)

    assert isinstance(caught.value, ValueError)  # a usage error: exit 2
    assert str(path) in str(caught.value)
    assert files(tmp_path) == before  # no lock file, no manifest made anywhere
    assert not Path("/dev/null.lock").exists()


@pytest.mark.parametrize("with_pools_table", [False, True])
def test_another_applications_database_is_refused_unchanged(
    tmp_path: Path, with_pools_table: bool
) -> None:
    other = tmp_path / "app.db"
    db = sqlite3.connect(other)
    with db:
        db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO customers (name) VALUES ('Ada')")
        if with_pools_table:
            db.execute("CREATE TABLE pools (id INTEGER PRIMARY KEY, size INTEGER)")
    db.close()
    before = digest(other)

    with pytest.raises(ManifestUnusableError, match="another application's database"):
        SQLiteManifest(other)
    with pytest.raises(ManifestUnusableError, match="another application's database"):
        SQLiteManifest(other, read_only=True)

    assert digest(other) == before
    db = sqlite3.connect(other)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # not switched to WAL
    db.close()
    assert tables == ({"customers", "pools"} if with_pools_table else {"customers"})


# -- private files ---------------------------------------------------------------------------


@posix
def test_a_new_manifest_its_lock_and_its_wal_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual umask, which would make 0644 files
    try:
        with SQLiteManifest(tmp_path / "pools.db") as store:
            store.applied("a", POOL, NUMS, None, "created")
            made = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        os.umask(old)

    assert made == {
        "pools.db": 0o600,
        "pools.db.lock": 0o600,
        "pools.db-wal": 0o600,
        "pools.db-shm": 0o600,
    }


# -- a 0.2.0 manifest, migrated --------------------------------------------------------------


def test_a_0_2_0_manifest_is_read_as_it_is_and_migrated_by_a_run(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    shutil.copyfile(OLD, path)
    before = digest(path)

    with SQLiteManifest(path, read_only=True) as looked:
        entries = {e.key: e for e in looked.entries()}
        assert looked.meta("schema") == "1"
    assert digest(path) == before  # looking does not migrate
    assert {k: e.status for k, e in entries.items()} == {
        "east": "done",
        "west": "done",
        "stranger": "failed",
        "north": "pending",
    }
    assert entries["east"].numbers == ("+13125550101", "+13125550102")
    assert entries["stranger"].failure is None
    assert entries["north"].intent_numbers == ("+12125550104",)

    with SQLiteManifest(path) as store:
        assert store.meta("schema") == "2"
        assert [e.key for e in store.entries()] == ["east", "west", "stranger", "north"]
        store.failed(
            "stranger",
            "[INVALID_CREDENTIALS] no",
            outcome_unknown=False,
            failure="permanent",
            code="INVALID_CREDENTIALS",
            numbers=("+13125550109",),
            encrypted_key=POOL,
        )
    with SQLiteManifest(path, read_only=True) as again:
        stranger = again.get("stranger")
    assert stranger is not None
    assert (stranger.failure, stranger.failure_code, stranger.failed_numbers) == (
        "permanent",
        "INVALID_CREDENTIALS",
        ("+13125550109",),
    )


# -- hand-edited manifests -------------------------------------------------------------------


def edited(tmp_path: Path, sql: str) -> Path:
    path = tmp_path / "pools.db"
    with SQLiteManifest(path) as store:
        store.applied("east", POOL, NUMS, None, "created")
    db = sqlite3.connect(path)
    with db:
        db.execute(sql)
    db.close()
    return path


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("UPDATE meta SET value = 'two' WHERE name = 'schema'", "no readable schema version"),
        ("DELETE FROM meta WHERE name = 'schema'", "no readable schema version"),
        ("UPDATE pools SET numbers = '[\"+1555' WHERE key = 'east'", "key 'east': its numbers"),
        ("UPDATE pools SET numbers = '[1, 2]' WHERE key = 'east'", "key 'east': its numbers"),
        ("UPDATE pools SET status = 'great' WHERE key = 'east'", "key 'east': its status"),
    ],
    ids=["schema-word", "schema-gone", "numbers-cut", "numbers-ints", "status"],
)
def test_a_hand_edited_manifest_is_refused_with_the_key_and_the_fix(
    tmp_path: Path, sql: str, says: str
) -> None:
    path = edited(tmp_path, sql)

    for read_only in (False, True):
        with (
            pytest.raises(ManifestUnusableError, match=says) as caught,
            SQLiteManifest(path, read_only=read_only) as store,
        ):
            list(store.entries())
        assert str(path) in str(caught.value)
        assert "edited by hand" in str(caught.value)
        assert isinstance(caught.value, ManifestError)
