"""What ``bland-pools provision`` and ``bland-pools manifest`` refuse, each as one
``error:`` line naming the file (and the line, where there is one) and the fix, exit 2, no
traceback, nothing sent: a manifest path that cannot be one (no directory, a parent that is
a file, ``/dev/null``, a place this user may not write to even as root), another
application's SQLite file (left unchanged), a hand-edited manifest; input bytes that are not
UTF-8 (CSV, JSON Lines, standard input), a CSV cell over the csv module's 128 KiB limit,
JSON Lines nested 100,000 deep. And names SQLite would read as URIs are the very files the
job writes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from bland_pools._cli import main as bland_main
from bland_pools.provision import SQLiteManifest
from bland_pools.testing import BlandEmulator

from ._support import KEY, bland, run

POOL = "550e8400-e29b-41d4-a716-446655440001"
CSV = "pool,phone_number\neast,+13125550101\nwest,+13125550102\n"


def connect(emu: BlandEmulator) -> list[str]:
    return ["--api-key", KEY, "--base-url", emu.url]


def writes(emu: BlandEmulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests if r.method != "GET"]


def exists(path: str) -> bool:
    return Path(path).exists()


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("bland-pools: error: "), err
    return lines[0]


def source(tmp_path: Path) -> Path:
    path = tmp_path / "pools.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


# -- manifest paths ---------------------------------------------------------------------------


def _unwritable_for_root() -> Path:
    """A new file in a directory no one may create files in, root included (sysfs)."""
    candidate = Path("/sys/bland-pools-test.db")
    try:
        fd = os.open(candidate, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    except OSError:
        return candidate
    os.close(fd)
    os.unlink(candidate)
    pytest.skip("/sys takes new files here")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
@pytest.mark.parametrize("kind", ["missing-dir", "parent-is-a-file", "dev-null", "unwritable"])
async def test_a_manifest_path_that_cannot_be_one_is_one_error_line_and_exit_2(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    if kind == "missing-dir":
        manifest, fix = Path("/nonexistent/x.db"), "create the directory"
    elif kind == "parent-is-a-file":
        (tmp_path / "plain").write_text("x")
        manifest, fix = tmp_path / "plain" / "x.db", "is not a directory"
    elif kind == "dev-null":
        manifest, fix = Path("/dev/null"), "give the path of a manifest file"
    else:
        manifest, fix = _unwritable_for_root(), "a directory this user may write to"

    # A dry run writes nothing, so it cannot know a directory refuses writes; the rest it sees.
    for dry_run in ([], ["--dry-run"]) if kind != "unwritable" else ([],):
        code = await bland(
            *connect(bland_emu), "provision", str(source(tmp_path)), "--manifest", str(manifest),
            *dry_run,
        )  # fmt: skip
        out, err = capsys.readouterr()
        assert code == 2, err
        line = one_error_line(err)
        assert str(manifest) in line
        assert fix in line
        assert out == ""
    assert writes(bland_emu) == []
    assert not exists("/dev/null.lock")
    assert not exists("/nonexistent")


async def test_another_applications_database_is_refused_and_left_as_it_was(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "app.db"
    db = sqlite3.connect(other)
    with db:
        db.execute("CREATE TABLE pools (id INTEGER PRIMARY KEY, owner TEXT)")
        db.execute("INSERT INTO pools (owner) VALUES ('someone')")
    db.close()
    before = hashlib.sha256(other.read_bytes()).hexdigest()

    code = await bland(
        *connect(bland_emu), "provision", str(source(tmp_path)), "--manifest", str(other)
    )
    _, err = capsys.readouterr()
    looked = await bland("manifest", str(other))
    _, looked_err = capsys.readouterr()

    assert (code, looked) == (2, 2)
    for text in (err, looked_err):
        line = one_error_line(text)
        assert str(other) in line
        assert "another application's database" in line
        assert "left as it was" in line
    assert hashlib.sha256(other.read_bytes()).hexdigest() == before
    assert writes(bland_emu) == []


@pytest.mark.parametrize(
    ("sql", "says"),
    [
        ("UPDATE meta SET value = 'x' WHERE name = 'schema'", "no readable schema version"),
        ("UPDATE pools SET numbers = 'not json' WHERE key = 'east'", "key 'east': its numbers"),
    ],
    ids=["schema", "numbers"],
)
async def test_a_hand_edited_manifest_is_one_error_line_and_exit_2(
    bland_emu: BlandEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sql: str,
    says: str,
) -> None:
    manifest = tmp_path / "pools.db"
    pool = bland_emu.add_pool(KEY, ["+13125550101"])
    with SQLiteManifest(manifest) as store:
        store.applied("east", pool["id"], ("+13125550101",), None, "created")
    db = sqlite3.connect(manifest)
    with db:
        db.execute(sql)
    db.close()

    code = await bland(
        *connect(bland_emu), "provision", str(source(tmp_path)), "--manifest", str(manifest)
    )
    _, err = capsys.readouterr()
    looked = await bland("manifest", str(manifest))
    _, looked_err = capsys.readouterr()

    assert (code, looked) == (2, 2)
    for text in (err, looked_err):
        line = one_error_line(text)
        assert str(manifest) in line
        assert says in line
        assert "edited by hand" in line
    assert writes(bland_emu) == []


@pytest.mark.parametrize("name", ["m#1.db", "q?mode=memory", "alias%41.db"])
async def test_a_manifest_name_sqlite_would_read_as_a_uri_is_the_file_written(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    manifest = work / name

    code = await bland(
        *connect(bland_emu), "provision", str(source(tmp_path)), "--manifest", str(manifest)
    )

    _, err = capsys.readouterr()
    assert code == 0, err
    assert {p.name for p in work.iterdir()} == {name, name + ".lock"}
    assert await bland("manifest", str(manifest), "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert sorted(e["key"] for e in shown["pools"]) == ["east", "west"]
    # A rerun reads that same file: nothing more to do.
    assert (
        await bland(
            *connect(bland_emu), "provision", str(source(tmp_path)), "--manifest", str(manifest)
        )
        == 0
    )
    assert "Nothing to do" in capsys.readouterr().out
    assert len(writes(bland_emu)) == 2


# -- input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "line", "says"),
    [
        (
            "latin1.csv",
            b"pool,phone_number\neast,+13125550101\nsa\xefd,+13125550102\n",
            3,
            "byte 0xef is not UTF-8",
        ),
        (
            "latin1.jsonl",
            b'{"pool": "east", "phone_numbers": ["+13125550101"]}\n'
            b'{"pool": "w\xe9st", "phone_numbers": ["+13125550102"]}\n',
            2,
            "byte 0xe9 is not UTF-8",
        ),
        (
            "huge.csv",
            b'pool,phone_number\neast,+13125550101\nwest,"' + b"9" * (129 * 1024) + b'"\n',
            3,
            "a cell is longer than 131,072 characters",
        ),
        (
            "deep.jsonl",
            b'{"pool": "east", "phone_numbers": ["+13125550101"]}\n'
            + b"[" * 100_000
            + b"]" * 100_000
            + b"\n",
            2,
            "nested too deeply",
        ),
    ],
    ids=["csv-not-utf8", "jsonl-not-utf8", "csv-cell-over-128k", "jsonl-100k-deep"],
)
async def test_input_that_cannot_be_read_is_reported_with_its_line_and_exit_2(
    bland_emu: BlandEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    line: int,
    says: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    manifest = tmp_path / "pools.db"

    code = await bland(*connect(bland_emu), "provision", str(path), "--manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert f"{path}:{line}: {says}" in err
    assert bland_emu.requests == []
    assert not manifest.exists()


def test_standard_input_that_is_not_utf8_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = b"pool,phone_number\neast,+13125550101\n\xff\xfe,+13125550102\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    manifest = tmp_path / "pools.db"

    # Refused before the client is used: the base URL is never reached.
    code = run(
        bland_main,
        ["--api-key", KEY, "--base-url", "http://127.0.0.1:9", "provision", "-", "--manifest",
         str(manifest)],
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert "<stdin>:3: byte 0xff is not UTF-8" in err
    assert "save the file as UTF-8" in err
    assert not manifest.exists()


@pytest.mark.parametrize("kind", ["directory", "missing-dir"])
def test_with_emulator_a_bad_manifest_path_is_refused_before_the_emulator_keeps_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    manifest = tmp_path / "adir" if kind == "directory" else tmp_path / "nowhere" / "x.db"
    if kind == "directory":
        manifest.mkdir()

    code = run(bland_main, ["--emulator", "provision", str(source(tmp_path)), "--manifest",
                            str(manifest)])  # fmt: skip

    _, err = capsys.readouterr()
    assert code == 2
    line = one_error_line(err)
    assert str(manifest) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        ["adir", "pools.csv"] if kind == "directory" else ["pools.csv"]
    )
