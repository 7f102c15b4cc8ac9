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
import re
import socket
import sqlite3
import stat
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from json import encoder, loads
from pathlib import Path
from typing import Any, Final, Literal, Protocol

import attrs

from bland_pools._exceptions import BlandError
from pools_core._text import display

__all__ = [
    "Failure",
    "ManifestEntry",
    "ManifestError",
    "ManifestLockedError",
    "ManifestStore",
    "ManifestUnusableError",
    "SQLiteManifest",
    "manifest_path",
]

Status = Literal["done", "failed", "pending"]
Intent = Literal["create", "update", "delete"]
Origin = Literal["created", "adopted"]
#: How a failure is expected to go on the next attempt: ``"retryable"`` (a 5xx, a timeout, a
#: 429 given up, no connection) may succeed, ``"permanent"`` (a 4xx) will fail the same way.
Failure = Literal["retryable", "permanent"]

#: 2 (0.3.0) adds what a failure was (its class, code and the input it failed with); a
#: schema 1 manifest is migrated when it is opened for a run.
SCHEMA_VERSION: Final = 2
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
    updated_at TEXT NOT NULL,
    failure TEXT,
    failure_code TEXT,
    failed_numbers TEXT,
    failed_key TEXT
)
"""
#: What schema 2 added to schema 1's ``pools`` table.
_ADDED_IN_2: Final = ("failure", "failure_code", "failed_numbers", "failed_key")
#: The columns a schema 1 ``pools`` table has: a table without them is not a manifest's.
_COLUMNS_1: Final = frozenset(
    [
        "key",
        "pool_id",
        "numbers",
        "encrypted_key",
        "origin",
        "status",
        "intent",
        "intent_numbers",
        "intent_key",
        "intent_at",
        "last_error",
        "updated_at",
    ]
)


class ManifestError(BlandError):
    """The manifest cannot be used: not a manifest, a newer schema, another organization's."""


class ManifestLockedError(ManifestError):
    """Another process is running a job on this manifest (it holds the run lock)."""


class ManifestUnusableError(ManifestError, ValueError):
    """The manifest path or file cannot be a manifest: not a regular file or a new one in an
    existing directory, not writable, another application's database, a newer schema, or
    an entry edited into something unreadable. Nothing was changed; a ``ValueError`` (a
    usage error: exit 2 on the command line)."""


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
        failure: with ``status == "failed"``: ``"retryable"`` or ``"permanent"``.
        failure_code: the API's error code of that failure (``"INVALID_CREDENTIALS"``).
        failed_numbers, failed_key: the input the failure was for (a permanent failure is
            sent again only when the input changed, or with ``retry_failed``).
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
    failure: Failure | None = None
    failure_code: str | None = None
    failed_numbers: tuple[str, ...] | None = None
    failed_key: str | None = None


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
        self,
        key: str,
        error: str,
        *,
        outcome_unknown: bool,
        forget_pool: bool = False,
        failure: Failure | None = None,
        code: str | None = None,
        numbers: tuple[str, ...] | None = None,
        encrypted_key: str | None = None,
    ) -> None:
        """The last attempt failed: an unknown outcome keeps the intent open (settled on the
        next run); ``forget_pool`` drops a pool id that no longer exists. ``failure``,
        ``code``, ``numbers`` and ``encrypted_key`` record what failed, and with what input."""

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


#: The text :func:`_json` writes for numbers in Bland's form: read by splitting, not by a
#: JSON parser (a re-run reads every entry: 100,000 parses were a third of its time).
_CANONICAL: Final = re.compile(r'\["\+1[0-9]{10}"(?:,"\+1[0-9]{10}")*\]')


def _numbers(value: str | None) -> tuple[str, ...] | None:
    """A list of numbers as stored; a ``ValueError`` or ``TypeError`` unless it is a JSON list
    of strings (a hand edit)."""
    if value is None:
        return None
    if _CANONICAL.fullmatch(value):
        return tuple(value[2:-2].split('","'))
    parsed = loads(value)
    if type(parsed) is not list:
        raise TypeError("not a list")
    "".join(parsed)  # a TypeError unless every item is a string (one C call)
    return tuple(parsed)


_QUOTE: Final = encoder.encode_basestring_ascii  # one C call per string (json.dumps: three frames)


def _json(numbers: tuple[str, ...] | None) -> str | None:
    return None if numbers is None else f"[{','.join(map(_QUOTE, numbers))}]"


#: Lock files and new manifests are opened without following a symbolic link (planted next
#: to the manifest, it would point the write elsewhere), and made private: a manifest holds
#: the organization's credential ids. SQLite gives the -wal and -shm files the database's mode.
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)
_PRIVATE: Final = 0o600
_HOLDER: Final = re.compile(rb"pid \d+ on [^\n]*\n?")  # what _RunLock writes in its file
_FIX_PATH: Final = "give the path of a manifest file, or of a new file in an existing directory"


def _place(path: Path, *, must_exist: bool) -> Path:
    """The manifest's own file, whatever the spelling (symbolic links and ``..`` resolved):
    a regular file, or (unless ``must_exist``) a new one in an existing directory."""
    real = Path(os.path.realpath(path))
    shown = display(path)
    try:
        info = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):
        info = None
    except OSError as exc:
        raise ManifestUnusableError(
            f"the manifest {shown} cannot be used: {exc.strerror}; {_FIX_PATH}"
        ) from None
    if info is not None:
        if stat.S_ISREG(info.st_mode):
            return real
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ManifestUnusableError(f"the manifest {shown} is {kind}; {_FIX_PATH}")
    if must_exist:
        raise ManifestUnusableError(
            f"no manifest at {shown}; give the path a provisioning run wrote (--manifest)"
        )
    parent = real.parent
    if not parent.is_dir():
        state = "is not a directory" if parent.exists() else "does not exist"
        raise ManifestUnusableError(
            f"the manifest {shown} cannot be made: {display(parent)} {state}; "
            "create the directory, or give another path"
        )
    return real


def manifest_path(path: str | Path) -> Path:
    """The file a manifest at ``path`` is (symbolic links and ``..`` resolved), checked to be
    a regular file or a new one in an existing directory.

    Raises:
        ManifestUnusableError: it cannot be a manifest (a directory, a device, no directory).
    """
    return _place(Path(path), must_exist=False)


def _create(real: Path, shown: str) -> None:
    """Make the new manifest's (empty) file, private, before SQLite opens it."""
    try:
        fd = os.open(real, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, _PRIVATE)
    except FileExistsError:  # appeared meanwhile: used only if it is a regular file
        if not stat.S_ISREG(os.lstat(real).st_mode):
            raise ManifestUnusableError(f"the manifest {shown} is not a regular file") from None
        return
    except OSError as exc:
        raise ManifestUnusableError(
            f"cannot make the manifest {shown}: {exc.strerror}; give a path in a directory "
            "this user may write to"
        ) from None
    os.close(fd)


class _RunLock:
    """One run at a time: an exclusive lock on ``<manifest>.lock`` next to the database's
    real file (so every spelling of one manifest, a symbolic link or ``..``, takes the same
    lock), held while the store is open. The kernel releases it when the process dies, even
    by SIGKILL, so a killed run never leaves a stale lock. (A file of its own, not the
    database: closing a second descriptor of the database would drop SQLite's own POSIX
    locks.) Opened without following a symbolic link and never truncated unless it holds
    only what a run writes there: a planted link or hard link cannot make it overwrite
    another file."""

    def __init__(self, manifest: Path, shown: str) -> None:
        self.path = manifest.with_name(manifest.name + ".lock")
        where = display(self.path)
        flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC | getattr(os, "O_NONBLOCK", 0)
        try:
            self._fd: int | None = os.open(self.path, flags, _PRIVATE)
        except OSError as exc:
            if os.path.islink(self.path):
                raise ManifestUnusableError(
                    f"the manifest's lock file {where} is a symbolic link; remove it (a lock "
                    "file is never followed)"
                ) from None
            raise ManifestUnusableError(
                f"cannot make the lock file {where} of the manifest {shown}: {exc.strerror}; "
                "a manifest needs a directory this user may write to"
            ) from None
        fd = self._fd
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise ManifestUnusableError(
                    f"the manifest's lock file {where} is not a regular file; remove it"
                )
            try:
                _lock(fd)
            except OSError:
                holder = _head(fd).decode("utf-8", "replace").strip()
                raise ManifestLockedError(
                    f"the manifest {shown} is in use by another provisioning run "
                    f"({display(holder) or 'it holds ' + where}); wait for it to finish, "
                    "or stop it, and run again"
                ) from None
            content = _head(fd)
            if info.st_nlink == 1 and (not content or _HOLDER.fullmatch(content)):
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # the lock goes with the descriptor


def _head(fd: int) -> bytes:
    """The first bytes of the lock file (what a run wrote there), or none if unreadable."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200)
    except OSError:  # Windows: the holder's locked byte cannot be read
        return b""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only

    def _lock(fd: int) -> None:
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)  # the lock is on the first byte
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

else:

    def _lock(fd: int) -> None:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


class SQLiteManifest:
    """The manifest in one SQLite file (WAL mode, one short transaction per change).

    ``path`` is a plain file path, never read as a SQLite URI (``m#1.db`` is that file).
    Opened for a run it takes the run lock (:class:`_RunLock`): a second run on the same
    manifest is refused at once with :class:`ManifestLockedError`, and a process that dies
    (even by SIGKILL) releases it. ``read_only`` opens without it, for looking, also while a
    run writes (WAL lets a reader see the last commit). What is not a manifest (a
    directory, a device, another application's database, a newer schema) is refused with
    :class:`ManifestUnusableError` before anything is written to it.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, wait: float = 5.0) -> None:
        if sqlite3.sqlite_version_info < (3, 24):  # UPSERT (ON CONFLICT ... DO UPDATE)
            raise ManifestError(
                f"the manifest needs SQLite 3.24 or later; this Python has {sqlite3.sqlite_version}"
            )
        self.path = Path(path)
        self._shown = shown = display(self.path)
        self._lock: _RunLock | None = None
        self._depth = 0  # nesting of _Transaction
        self._stamp = ""  # updated_at of the open transaction
        self._columns = _COLUMNS
        real = _place(self.path, must_exist=read_only)
        if not read_only:
            self._lock = _RunLock(real, shown)
            if not real.exists():
                _create(real, shown)
        # A URI built from the absolute path, every special character escaped: SQLite
        # reads the file name given, and the mode is ours (the file exists by now: "rw").
        uri = real.as_uri() + ("?mode=ro" if read_only else "?mode=rw")
        try:
            self._db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=wait)
        except sqlite3.Error as exc:
            self._release()
            raise ManifestUnusableError(
                f"cannot open the manifest {shown}: {exc}; {_FIX_PATH}"
            ) from None
        try:
            version = self._version()
            if read_only:
                if version == 0:
                    raise ManifestUnusableError(f"{shown} is empty, not a manifest")
                if version == 1:  # not migrated by looking: what schema 2 adds is empty
                    self._columns = _COLUMNS_1_AS_2
            else:
                self._db.execute("PRAGMA journal_mode=WAL")
                # NORMAL is durable under WAL when a process dies; only an OS crash can lose
                # the last commits (sqlite.org/pragma.html#pragma_synchronous).
                self._db.execute("PRAGMA synchronous=NORMAL")
                with self.batch():
                    self._upgrade(version)
        except sqlite3.OperationalError as exc:
            self.close()
            raise ManifestUnusableError(
                f"cannot use the manifest {shown}: {exc}; a manifest must be readable and "
                "writable by this user, in a directory it may write to"
            ) from None
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ManifestUnusableError(
                f"{shown} is not a manifest ({exc}); it was left as it was. {_FIX_PATH}"
            ) from None
        except BaseException:
            self.close()  # a refused schema too: the lock must not outlive the refusal
            raise

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def _version(self) -> int:
        """This file's schema version, 0 for an empty file; reads only, so that another
        application's database is refused as it is."""
        shown = self._shown
        tables = {
            str(name)
            for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables:
            return 0
        columns = {str(row[1]) for row in self._db.execute("PRAGMA table_info(pools)")}
        if "meta" not in tables or not columns >= _COLUMNS_1:
            raise ManifestUnusableError(
                f"{shown} is another application's database, not a bland-pools manifest "
                f"(its tables: {display(', '.join(sorted(tables)))}); it was left as it was. "
                "Give the path of a manifest, or of a new file"
            )
        row = self._db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        value = None if row is None else row[0]
        try:
            version = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            version = 0
        if version < 1:
            raise ManifestUnusableError(
                f"{shown} has no readable schema version (meta 'schema' is "
                f"{display(repr(value)):.40}): edited by hand? Restore it from a copy, or "
                "start over with a new manifest"
            )
        if version > SCHEMA_VERSION:
            raise ManifestUnusableError(
                f"{shown} was written by a newer version of bland-pools (schema {version}); "
                "upgrade bland-pools to use it"
            )
        if version >= 2 and not set(_ADDED_IN_2) <= columns:
            raise ManifestUnusableError(
                f"{shown} says schema {version} but lacks its columns: edited by hand? "
                "Restore it from a copy, or start over with a new manifest"
            )
        return version

    def _upgrade(self, version: int) -> None:
        """Make an empty file a manifest, or migrate an older schema (in one transaction)."""
        if version == 0:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)
        elif version == 1:
            for column in _ADDED_IN_2:
                self._db.execute(f"ALTER TABLE pools ADD COLUMN {column} TEXT")
        if version < SCHEMA_VERSION:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
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
        stamps: dict[str, str] = {}  # one string per transaction's updated_at, not one per row
        for row in self._db.execute(f"SELECT {self._columns} FROM pools ORDER BY rowid"):
            yield _entry(row, self._shown, stamps)

    def _entries_sharing(
        self, wanted: Mapping[str, Any], ids: Mapping[str, str]
    ) -> Iterator[ManifestEntry]:
        """:meth:`entries`, holding the objects a run holds already instead of copies: the
        key and, when the stored text is theirs, the numbers of ``wanted`` (key to an object
        with ``key`` and ``phone_numbers``), the pool id of ``ids`` (the listing's). At
        100,000 keys, a third of what the entries weigh."""
        stamps: dict[str, str] = {}
        shown = self._shown
        for row in self._db.execute(f"SELECT {self._columns} FROM pools ORDER BY rowid"):
            pool = wanted.get(row[0])
            if pool is None:
                yield _entry(row, shown, stamps)
                continue
            numbers = pool.phone_numbers
            if row[2] != _json(numbers):
                numbers = _UNSHARED
            yield _entry(row, shown, stamps, pool.key, ids.get(row[1], row[1]), numbers)

    def get(self, key: str) -> ManifestEntry | None:
        sql = f"SELECT {self._columns} FROM pools WHERE key = ?"
        row = self._db.execute(sql, (key,)).fetchone()
        return None if row is None else _entry(row, self._shown)

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
        self._change(_INTEND, (key, intent, _json(numbers), encrypted_key, time.time()))

    def applied(
        self,
        key: str,
        pool_id: str,
        numbers: tuple[str, ...],
        encrypted_key: str | None,
        origin: Origin | None = None,
    ) -> None:
        self._change(_APPLIED, (key, pool_id, _json(numbers), encrypted_key, origin))

    def _write_many(self, name: str, calls: list[tuple[Any, ...]]) -> None:
        """Several :meth:`intend` (``name``) or :meth:`applied` calls' writes in one
        ``executemany``, inside a batch (the engine's group commit: per call, the statement
        is prepared and bound in C, not dispatched from Python)."""
        assert self._depth, "inside a batch only"
        stamp = self._stamp
        if name == "intend":
            now = time.time()
            intents = [(k, i, _json(n), e, now, stamp) for k, i, n, e in calls]
            self._db.executemany(_INTEND, intents)
        else:
            outcomes = [(k, p, _json(n), e, o[0] if o else None, stamp) for k, p, n, e, *o in calls]
            self._db.executemany(_APPLIED, outcomes)

    def failed(
        self,
        key: str,
        error: str,
        *,
        outcome_unknown: bool,
        forget_pool: bool = False,
        failure: Failure | None = None,
        code: str | None = None,
        numbers: tuple[str, ...] | None = None,
        encrypted_key: str | None = None,
    ) -> None:
        keep = "intent" if outcome_unknown else "NULL"
        status = "pending" if outcome_unknown else "failed"
        self._change(
            "INSERT INTO pools (key, status, last_error, failure, failure_code, failed_numbers, "
            "failed_key, updated_at) VALUES (?1, ?2, ?3, ?6, ?7, ?8, ?9, ?10) "
            f"ON CONFLICT (key) DO UPDATE SET status = ?2, last_error = ?3, intent = {keep}, "
            "intent_numbers = CASE WHEN ?4 THEN intent_numbers END, "
            "intent_key = CASE WHEN ?4 THEN intent_key END, "
            "intent_at = CASE WHEN ?4 THEN intent_at END, "
            "pool_id = CASE WHEN ?5 THEN NULL ELSE pool_id END, failure = ?6, "
            "failure_code = ?7, failed_numbers = ?8, failed_key = ?9, updated_at = ?10",
            (
                key,
                status,
                error,
                outcome_unknown,
                forget_pool,
                failure,
                code,
                _json(numbers),
                encrypted_key,
            ),
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


_INTEND: Final = (
    "INSERT INTO pools (key, status, intent, intent_numbers, intent_key, intent_at, "
    "updated_at) VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6) ON CONFLICT (key) DO "
    "UPDATE SET status = 'pending', intent = ?2, intent_numbers = ?3, "
    "intent_key = ?4, intent_at = ?5, updated_at = ?6"
)
_APPLIED: Final = (
    "INSERT INTO pools (key, pool_id, numbers, encrypted_key, origin, status, "
    "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'done', ?6) ON CONFLICT (key) DO "
    "UPDATE SET pool_id = ?2, numbers = ?3, encrypted_key = ?4, "
    "origin = coalesce(?5, origin), status = 'done', intent = NULL, "
    "intent_numbers = NULL, intent_key = NULL, intent_at = NULL, last_error = NULL, "
    "failure = NULL, failure_code = NULL, failed_numbers = NULL, failed_key = NULL, "
    "updated_at = ?6"
)
_COLUMNS: Final = (
    "key, pool_id, numbers, encrypted_key, origin, status, intent, intent_numbers, intent_key, "
    "intent_at, last_error, updated_at, failure, failure_code, failed_numbers, failed_key"
)
_COLUMNS_1_AS_2: Final = _COLUMNS.replace(
    "failure, failure_code, failed_numbers, failed_key", "NULL, NULL, NULL, NULL"
)
_STATUSES: Final = frozenset({"done", "failed", "pending"})
_INTENTS: Final = frozenset({None, "create", "update", "delete"})
_FAILURES: Final = frozenset({None, "retryable", "permanent"})


def _listed(value: object) -> bool:
    try:
        _numbers(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False
    return True


#: The few values of the status-like columns, each one shared string (sqlite3 makes a new
#: string per row: at 100,000 entries that was megabytes of copies of "done").
_SHARED: Final = {
    value: value for value in (*_STATUSES, "create", "update", "delete", "created", "adopted")
} | {value: value for value in _FAILURES if value}


_UNSHARED: Final[Any] = object()  # _entry: the stored numbers are read from the row


def _entry(
    row: tuple[Any, ...],
    shown: str,
    stamps: dict[str, str] | None = None,
    same_key: str | None = None,
    same_id: str | None = None,
    same_numbers: Any = _UNSHARED,
) -> ManifestEntry:
    """The entry of ``row``; ``same_*``: an equal object the caller holds, used instead."""
    (key, pool_id, numbers, encrypted_key, origin, status, intent, intent_numbers, intent_key,
     intent_at, last_error, updated_at, failure, failure_code, failed_numbers,
     failed_key) = row  # fmt: skip
    if status not in _STATUSES or intent not in _INTENTS or failure not in _FAILURES:
        raise _damaged(row, shown)
    shared = _SHARED.get
    if stamps is not None:
        updated_at = stamps.setdefault(updated_at, updated_at)
    try:
        return ManifestEntry(
            key if same_key is None else same_key,
            pool_id if same_id is None else same_id,
            _numbers(numbers) if same_numbers is _UNSHARED else same_numbers,
            encrypted_key,
            shared(origin, origin),
            shared(status, status),
            shared(intent, intent),
            None if intent_numbers is None else _numbers(intent_numbers),
            intent_key,
            intent_at,
            last_error,
            updated_at,
            shared(failure, failure),
            failure_code,
            None if failed_numbers is None else _numbers(failed_numbers),
            failed_key,
        )
    except (ValueError, TypeError):  # a list of numbers a hand edit broke
        raise _damaged(row, shown) from None


def _damaged(row: tuple[Any, ...], shown: str) -> ManifestUnusableError:
    """The error for an entry a hand edit broke, naming its key and the first bad column."""
    values = dict(zip(_COLUMNS.split(", "), row, strict=True))
    checks = {
        "status": values["status"] in _STATUSES,
        "intent": values["intent"] in _INTENTS,
        "failure": values["failure"] in _FAILURES,
        "numbers": _listed(values["numbers"]),
        "intent_numbers": _listed(values["intent_numbers"]),
        "failed_numbers": _listed(values["failed_numbers"]),
    }
    column = next(name for name, fine in checks.items() if not fine)
    return ManifestUnusableError(
        f"the manifest {shown} has a damaged entry, key {display(repr(values['key']))}: its "
        f"{column} is {display(repr(values[column])):.60}; edited by hand? Fix that row, "
        "delete it (the pool is adopted again by its numbers), or start over with a new "
        "manifest"
    )
