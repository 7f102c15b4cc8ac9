"""The manifest: what a provisioning job made, so it can be killed at any instant and run again.

For each of the user's pool keys: the Bland pool id, what was last applied (numbers and
credentials), a status, the last error, and an *intent*: committed before a request is sent
and cleared with its outcome. A run that finds an open create intent (the process died
between sending and recording) settles it by content before anything else is sent
(``_engine.py``), as Pulumi settles pending creates.

:class:`ManifestStore` is the interface the engine uses; :class:`SQLiteManifest` (the standard
library's sqlite3, WAL mode, one short transaction per change) is the embedded default. A
shared server database could implement the same few methods for several workers.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from json import encoder, loads
from pathlib import Path
from typing import IO, Any, Final, Literal, Protocol

import attrs

from bland_pools._exceptions import BlandError

__all__ = [
    "ManifestEntry",
    "ManifestError",
    "ManifestLockedError",
    "ManifestStore",
    "SQLiteManifest",
]

Status = Literal["done", "failed", "pending"]
Intent = Literal["create", "update", "delete"]
Origin = Literal["created", "adopted"]

SCHEMA_VERSION: Final = 1
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pools (
    key TEXT PRIMARY KEY,
    pool_id TEXT,
    numbers TEXT,
    encrypted_key TEXT,
    origin TEXT,
    status TEXT NOT NULL,
    intent TEXT,
    intent_numbers TEXT,
    intent_key TEXT,
    intent_at REAL,
    last_error TEXT,
    updated_at TEXT NOT NULL
);
"""


class ManifestError(BlandError):
    """The manifest cannot be used: not a manifest, a newer schema, another organization's."""


class ManifestLockedError(ManifestError):
    """Another process is running a job on this manifest (it holds the run lock)."""


@attrs.frozen
class ManifestEntry:
    """One pool key as the manifest holds it.

    Attributes:
        key: the user's pool key.
        pool_id: Bland's pool id, once the pool exists.
        numbers, encrypted_key: what was last applied (``None`` before anything was).
        origin: ``"created"`` by a job, or ``"adopted"`` (found in the organization).
        status: ``"done"``, ``"failed"`` (see ``last_error``), or ``"pending"`` (an intent
            is open: a request was, or was about to be, sent).
        intent, intent_numbers, intent_key, intent_at: the open intent, if any, and when it
            was committed (wall-clock seconds).
        last_error: the error of the last attempt, if it failed.
        updated_at: when the entry last changed (ISO 8601, UTC).
    """

    key: str
    pool_id: str | None
    numbers: tuple[str, ...] | None
    encrypted_key: str | None
    origin: Origin | None
    status: Status
    intent: Intent | None = None
    intent_numbers: tuple[str, ...] | None = None
    intent_key: str | None = None
    intent_at: float | None = None
    last_error: str | None = None
    updated_at: str = ""


class ManifestStore(Protocol):
    """What the engine needs of a manifest; every write is durable when it returns."""

    def entries(self) -> Iterator[ManifestEntry]: ...

    def get(self, key: str) -> ManifestEntry | None: ...

    def meta(self, name: str) -> str | None: ...

    def set_meta(self, name: str, value: str) -> None: ...

    def intend(
        self, key: str, intent: Intent, numbers: tuple[str, ...] | None, encrypted_key: str | None
    ) -> None:
        """Commit an intent before its request is sent."""

    def applied(
        self,
        key: str,
        pool_id: str,
        numbers: tuple[str, ...],
        encrypted_key: str | None,
        origin: Origin | None = None,
    ) -> None:
        """The pool ``key`` stands for exists as given; any intent is closed."""

    def failed(
        self, key: str, error: str, *, outcome_unknown: bool, forget_pool: bool = False
    ) -> None:
        """The last attempt failed: an unknown outcome keeps the intent open (settled on the
        next run); ``forget_pool`` drops a pool id that no longer exists."""

    def forget(self, key: str) -> None:
        """``key`` is gone (its pool deleted)."""

    def batch(self) -> AbstractContextManager[object]:
        """The writes made inside commit together, durable when it exits (the engine's
        group commit: a chunk of intents, or up to 50 ms of outcomes, per transaction). A
        store without transactions returns ``contextlib.nullcontext()``: each write commits
        alone."""

    def has_intent(self, intent: Intent) -> bool:
        """Whether any key has this intent open."""

    def close(self) -> None: ...


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _numbers(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(loads(value))


_QUOTE: Final = encoder.encode_basestring_ascii  # one C call per string (json.dumps: three frames)


def _json(numbers: tuple[str, ...] | None) -> str | None:
    return None if numbers is None else f"[{','.join(map(_QUOTE, numbers))}]"


class _RunLock:
    """One run at a time: an exclusive lock on ``<manifest>.lock``, held while the store is
    open. The kernel releases it when the process dies, even by SIGKILL, so a killed run
    never leaves a stale lock. (A file of its own, not the database: closing a second
    descriptor of the database would drop SQLite's own POSIX locks.)"""

    def __init__(self, manifest: Path) -> None:
        self.path = manifest.with_name(manifest.name + ".lock")
        self._file = open(self.path, "a+")  # noqa: SIM115 - held until release()
        try:
            _lock(self._file)
        except OSError:
            holder = self._file.read() if self._file.seek(0) == 0 else ""
            self._file.close()
            raise ManifestLockedError(
                f"the manifest {manifest} is in use by another provisioning run "
                f"({holder.strip() or 'it holds ' + str(self.path)}); wait for it to finish, "
                "or stop it, and run again"
            ) from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        self._file.flush()

    def release(self) -> None:
        if not self._file.closed:
            self._file.close()  # the lock goes with the descriptor


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only

    def _lock(file: IO[str]) -> None:
        import msvcrt

        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)

else:

    def _lock(file: IO[str]) -> None:
        import fcntl

        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


class SQLiteManifest:
    """The manifest in one SQLite file (WAL mode, one short transaction per change).

    Opened for a run it takes the run lock (:class:`_RunLock`): a second run on the same
    manifest is refused at once with :class:`ManifestLockedError`, and a process that dies
    (even by SIGKILL) releases it. ``read_only`` opens without it, for looking, also while a
    run writes (WAL lets a reader see the last commit).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, wait: float = 5.0) -> None:
        if sqlite3.sqlite_version_info < (3, 24):  # UPSERT (ON CONFLICT ... DO UPDATE)
            raise ManifestError(
                f"the manifest needs SQLite 3.24 or later; this Python has {sqlite3.sqlite_version}"
            )
        self.path = Path(path)
        self._lock: _RunLock | None = None
        self._depth = 0  # nesting of _Transaction
        self._stamp = ""  # updated_at of the open transaction
        if read_only and not self.path.exists():
            raise ManifestError(f"no manifest at {self.path}")
        if not read_only:
            self._lock = _RunLock(self.path)
        uri = f"file:{self.path}?mode=ro" if read_only else f"file:{self.path}"
        try:
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=wait)
        except sqlite3.Error as exc:
            self._release()
            raise ManifestError(f"cannot open the manifest {self.path}: {exc}") from None
        try:
            if not read_only:
                self._db.execute("PRAGMA journal_mode=WAL")
                # NORMAL is durable under WAL when a process dies; only an OS crash can lose
                # the last commits (sqlite.org/pragma.html#pragma_synchronous).
                self._db.execute("PRAGMA synchronous=NORMAL")
                with self.batch():
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        self._db.execute(statement)
                    self._check_schema()
            else:
                self._db.execute("SELECT count(*) FROM pools").fetchone()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ManifestError(f"{self.path} is not a manifest ({exc})") from None
        except BaseException:
            self.close()  # a refused schema too: the lock must not outlive the refusal
            raise

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def _check_schema(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise ManifestError(
                f"{self.path} was written by a newer version of bland-pools (schema {row[0]})"
            )

    class _Transaction:
        """One transaction; nested ones join the outer (a batch of writes commits once)."""

        def __init__(self, manifest: SQLiteManifest) -> None:
            self._manifest = manifest

        def __enter__(self) -> None:
            manifest = self._manifest
            if manifest._depth == 0:
                manifest._db.execute("BEGIN IMMEDIATE")
                manifest._stamp = _now()  # one updated_at for the whole transaction
            manifest._depth += 1

        def __exit__(self, exc_type: object, *rest: object) -> None:
            manifest = self._manifest
            manifest._depth -= 1
            if manifest._depth == 0:
                manifest._db.execute("COMMIT" if exc_type is None else "ROLLBACK")

    def batch(self) -> SQLiteManifest._Transaction:
        """Writes inside commit together, in one transaction, when it exits."""
        return SQLiteManifest._Transaction(self)

    # -- reading -------------------------------------------------------------------------

    def entries(self) -> Iterator[ManifestEntry]:
        for row in self._db.execute(f"SELECT {_COLUMNS} FROM pools ORDER BY rowid"):
            yield _entry(row)

    def get(self, key: str) -> ManifestEntry | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM pools WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry(row)

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    # -- writing: one short transaction each, or part of a batch -------------------------

    def _change(self, sql: str, params: tuple[object, ...], stamped: bool = True) -> None:
        """Run one write; ``stamped``: ``updated_at`` is the statement's last parameter."""
        if self._depth:  # inside a batch: its transaction and its time
            self._db.execute(sql, (*params, self._stamp) if stamped else params)
            return
        with self.batch():
            self._db.execute(sql, (*params, self._stamp) if stamped else params)

    def set_meta(self, name: str, value: str) -> None:
        self._change("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value), stamped=False)

    def intend(
        self, key: str, intent: Intent, numbers: tuple[str, ...] | None, encrypted_key: str | None
    ) -> None:
        self._change(
            "INSERT INTO pools (key, status, intent, intent_numbers, intent_key, intent_at, "
            "updated_at) VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO "
            "UPDATE SET status = 'pending', intent = ?2, intent_numbers = ?3, "
            "intent_key = ?4, intent_at = ?5, updated_at = ?6",
            (key, intent, _json(numbers), encrypted_key, time.time()),
        )

    def applied(
        self,
        key: str,
        pool_id: str,
        numbers: tuple[str, ...],
        encrypted_key: str | None,
        origin: Origin | None = None,
    ) -> None:
        self._change(
            "INSERT INTO pools (key, pool_id, numbers, encrypted_key, origin, status, "
            "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'done', ?6) ON CONFLICT (key) DO "
            "UPDATE SET pool_id = ?2, numbers = ?3, encrypted_key = ?4, "
            "origin = coalesce(?5, origin), status = 'done', intent = NULL, "
            "intent_numbers = NULL, intent_key = NULL, intent_at = NULL, last_error = NULL, "
            "updated_at = ?6",
            (key, pool_id, _json(numbers), encrypted_key, origin),
        )

    def failed(
        self, key: str, error: str, *, outcome_unknown: bool, forget_pool: bool = False
    ) -> None:
        keep = "intent" if outcome_unknown else "NULL"
        status = "pending" if outcome_unknown else "failed"
        self._change(
            "INSERT INTO pools (key, status, last_error, updated_at) VALUES (?1, ?2, ?3, ?6) "
            f"ON CONFLICT (key) DO UPDATE SET status = ?2, last_error = ?3, intent = {keep}, "
            "intent_numbers = CASE WHEN ?4 THEN intent_numbers END, "
            "intent_key = CASE WHEN ?4 THEN intent_key END, "
            "intent_at = CASE WHEN ?4 THEN intent_at END, "
            "pool_id = CASE WHEN ?5 THEN NULL ELSE pool_id END, updated_at = ?6",
            (key, status, error, outcome_unknown, forget_pool),
        )

    def forget(self, key: str) -> None:
        self._change("DELETE FROM pools WHERE key = ?", (key,), stamped=False)

    def has_intent(self, intent: Intent) -> bool:
        row = self._db.execute("SELECT 1 FROM pools WHERE intent = ? LIMIT 1", (intent,))
        return row.fetchone() is not None

    def close(self) -> None:
        self._db.close()
        self._release()

    def __enter__(self) -> SQLiteManifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_COLUMNS: Final = (
    "key, pool_id, numbers, encrypted_key, origin, status, intent, intent_numbers, intent_key, "
    "intent_at, last_error, updated_at"
)


def _entry(row: tuple[Any, ...]) -> ManifestEntry:
    (key, pool_id, numbers, encrypted_key, origin, status, intent, intent_numbers, intent_key,
     intent_at, last_error, updated_at) = row  # fmt: skip
    return ManifestEntry(
        key=key,
        pool_id=pool_id,
        numbers=_numbers(numbers),
        encrypted_key=encrypted_key,
        origin=origin,
        status=status,
        intent=intent,
        intent_numbers=_numbers(intent_numbers),
        intent_key=intent_key,
        intent_at=intent_at,
        last_error=last_error,
        updated_at=updated_at,
    )
