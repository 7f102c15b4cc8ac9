"""Reading a manifest: numbers stored in the engine's own form are split, not parsed, and
any other spelling of a list (a hand edit) still reads the same; ``bland-pools manifest
--json`` is one JSON document, every entry's fields, non-ASCII text escaped."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bland_pools._cli import main as bland_main
from bland_pools.provision import ManifestUnusableError, SQLiteManifest

from ._support import run

POOL = "550e8400-e29b-41d4-a716-446655440001"
NUMBERS = ("+12025550100", "+12025550101")


def _written(path: Path, numbers_text: str) -> None:
    with SQLiteManifest(path) as store:
        store.applied("west", POOL, NUMBERS, None, "created")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE pools SET numbers = ? WHERE key = 'west'", (numbers_text,))
    db.close()


@pytest.mark.parametrize(
    "text",
    [
        '["+12025550100","+12025550101"]',  # as the engine writes it
        '[ "+12025550100", "+12025550101" ]',  # spaced by a hand edit
        '["\\u002b12025550100","+12025550101"]',  # an escape
    ],
)
def test_stored_numbers_read_the_same_however_spelled(tmp_path: Path, text: str) -> None:
    _written(tmp_path / "m.db", text)
    with SQLiteManifest(tmp_path / "m.db", read_only=True) as store:
        (entry,) = store.entries()
    assert entry.numbers == NUMBERS


@pytest.mark.parametrize(
    "text", ['["+12025550100",]', '["+12025550100" "+12025550101"]', '["+12025550100",7]']
)
def test_a_broken_list_is_still_a_damaged_entry(tmp_path: Path, text: str) -> None:
    _written(tmp_path / "m.db", text)
    with (
        SQLiteManifest(tmp_path / "m.db", read_only=True) as store,
        pytest.raises(ManifestUnusableError, match="damaged entry, key 'west': its numbers"),
    ):
        list(store.entries())


def test_manifest_json_is_one_document_of_every_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.db"
    with SQLiteManifest(path) as store:
        store.applied("west", POOL, NUMBERS, None, "created")
        store.failed("café\x1b", "refusé", outcome_unknown=False, failure="permanent")
    capsys.readouterr()

    assert run(bland_main, ["manifest", str(path), "--json"]) == 0

    out = capsys.readouterr().out
    assert out.isascii()
    document = json.loads(out)
    assert document["total"] == 2
    west, other = document["pools"]
    assert west["numbers"] == list(NUMBERS)
    assert (west["pool_id"], west["origin"], west["status"]) == (POOL, "created", "done")
    assert (other["key"], other["last_error"], other["failure"]) == (
        "café\x1b",
        "refusé",
        "permanent",
    )
    assert list(west) == list(other) == [
        "key", "pool_id", "numbers", "encrypted_key", "origin", "status", "intent",
        "intent_numbers", "intent_key", "intent_at", "last_error", "updated_at", "failure",
        "failure_code", "failed_numbers", "failed_key",
    ]  # fmt: skip


def test_manifest_json_of_an_empty_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SQLiteManifest(tmp_path / "m.db").close()
    capsys.readouterr()
    assert run(bland_main, ["manifest", str(tmp_path / "m.db"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"pools": [], "total": 0}
