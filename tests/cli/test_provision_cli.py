"""The bulk commands, run in process against emulators: ``bland-pools provision`` (the plan
before it applies, the summary, ``Nothing to do`` on a second run, ``--dry-run`` sending no
write, ``--json``/``--report``, bad rows reported with their lines and nothing sent, a failed
key exiting 1, ``--prune`` deleting only the manifest's pools, ``--rate``/``--concurrency``
refusing what is not positive, ``--emulator`` keeping its pools next to the manifest, plain
progress lines when stderr is not a terminal, a missing input file or an unwritable report
path reported without a traceback), ``bland-pools manifest`` (table, JSON, CSV, no API key, a
missing or busy manifest), ``bland-pools delete``, and ``ghl-pools export`` (CSV, JSON Lines,
JSON, the provisioning CSV, locations from a file or stdin, a location the token may not see,
a missing locations file; with ``--emulator``, standard input read only once). Every
expectation is built from what the emulators store or from the test's own reading of the
input, not from the SDK's."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bland_pools._cli import main as bland_main
from bland_pools.provision import SQLiteManifest
from bland_pools.testing import BlandEmulator
from ghl_pools._cli import main as ghl_main
from ghl_pools.testing import GHLEmulator

from ._support import (
    CRED,
    KEY,
    LOCATION,
    OTHER_LOCATION,
    OTHER_TOKEN,
    TOKEN,
    Embedded,
    bland,
    ghl,
    ghl_list_json,
    ghl_sdk_form,
    run,
    table,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pools.csv"
SECOND_LOCATION = "exportLoc_2"
UNKNOWN_CREDENTIALS = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"
PLAN_LINE = re.compile(r"^\s+([+~=\-!]) (\S+)  (\w+)(?: (.*))?$")
SUMMARY = re.compile(
    r"^Plan: (\d+) to create, (\d+) to update, (\d+) to adopt, (\d+) to delete, "
    r"(\d+) unchanged\."
)
NUMBERS = re.compile(r"\((\d+) numbers?\)")  # a create's detail
PROGRESS = re.compile(
    r"^bland-pools: (\d+)/(\d+) pools done, [0-9.]+ pools/s(?:, ETA [^,]+)?, (\d+) failed$"
)


# -- helpers ----------------------------------------------------------------------------------


def connect(emu: BlandEmulator) -> list[str]:
    return ["--api-key", KEY, "--base-url", emu.url]


def us(written: str) -> str:
    """A US number in Bland's form, by the test's own reading (digits; a leading 1 dropped)."""
    digits = re.sub(r"\D", "", written)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    assert len(digits) == 10, written
    return "+1" + digits


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """A provisioning CSV with a header; returns each key's numbers (Bland's form, sorted)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["pool", "phone_number", "encrypted_key"][: len(rows[0])])
        writer.writerows(rows)
    wanted: dict[str, list[str]] = {}
    for row in rows:
        wanted.setdefault(row[0], []).append(us(row[1]))
    return {key: tuple(sorted(numbers)) for key, numbers in wanted.items()}


def held(emu: BlandEmulator) -> list[tuple[str, ...]]:
    """The number sets the organization's pools hold, sorted (a duplicate shows twice)."""
    return sorted(tuple(sorted(p["phone_numbers"])) for p in emu.pools(KEY))


def writes(emu: BlandEmulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests if r.method != "GET"]


def plan_lines(out: str) -> list[tuple[str, str, str, str]]:
    found = []
    for line in out.splitlines():
        match = PLAN_LINE.match(line)
        if match:
            mark, key, kind, detail = match.groups()
            found.append((mark, key, kind, detail or ""))
    return found


def summary_of(out: str) -> tuple[int, ...]:
    (line,) = [line for line in out.splitlines() if line.startswith("Plan: ")]
    match = SUMMARY.match(line)
    assert match is not None, line
    return tuple(int(n) for n in match.groups())


def manifest_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """``bland-pools manifest PATH --json`` (from a plain test: no event loop running); what
    was printed before is discarded."""
    capsys.readouterr()
    assert run(bland_main, ["manifest", str(path), "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


async def shown_manifest(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """:func:`manifest_json` from an async test."""
    return await asyncio.to_thread(manifest_json, path, capsys)


FOUR = [
    ["east", "(312) 555-0101"],
    ["east", "+13125550102"],
    ["west", "415.555.0103"],
    ["north", "1 212 555 0104"],
    ["north", "+12125550105"],
    ["north", "+12125550106"],
    ["south", "+13055550107"],
]


# -- provision ----------------------------------------------------------------------------------


async def test_provision_prints_the_plan_then_the_summary_and_a_rerun_has_nothing_to_do(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    wanted = write_csv(source, FOUR)
    manifest = tmp_path / "pools.db"

    code = await bland(*connect(bland_emu), "provision", str(source), "--manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert held(bland_emu) == sorted(wanted.values())
    assert writes(bland_emu) == ["POST /v1/custom-dialing-pools"] * 4
    lines = out.splitlines()
    shown = [(m, k, kind, NUMBERS.fullmatch(d)) for m, k, kind, d in plan_lines(out)]
    assert sorted((m, k, kind, int(d.group(1)) if d else d) for m, k, kind, d in shown) == sorted(
        ("+", key, "create", len(numbers)) for key, numbers in wanted.items()
    )
    assert summary_of(out) == (4, 0, 0, 0, 0)
    # The plan comes first, then the summary table.
    plan_at = next(i for i, line in enumerate(lines) if line.startswith("Plan: "))
    table_at = lines.index(next(line for line in lines if line.startswith("OUTCOME")))
    assert max(i for i, line in enumerate(lines) if PLAN_LINE.match(line)) < plan_at < table_at
    counts = dict(row for row in table(out) if len(row) == 2)
    assert counts["OUTCOME"] == "POOLS"
    assert counts["created"] == "4"
    assert {counts[k] for k in ("adopted", "updated", "unchanged", "deleted", "failed")} == {"0"}
    assert "Traceback" not in err

    code = await bland(*connect(bland_emu), "provision", str(source), "--manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Nothing to do" in out
    assert summary_of(out) == (0, 0, 0, 0, 4)
    assert plan_lines(out) == []
    assert "OUTCOME" not in out
    assert len(writes(bland_emu)) == 4  # nothing more was written
    assert held(bland_emu) == sorted(wanted.values())


async def test_progress_is_plain_lines_when_stderr_is_not_a_terminal(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    write_csv(source, [[f"p{n:02d}", f"+1312555{n:04d}"] for n in range(30)])

    code = await bland(
        *connect(bland_emu), "provision", str(source), "--manifest", str(tmp_path / "m.db")
    )

    _, err = capsys.readouterr()
    assert code == 0, err
    progress = [line for line in err.splitlines() if line.startswith("bland-pools: ")]
    assert progress
    assert re.fullmatch(r"bland-pools: 30/30 pools done, [0-9.]+ pools/s, 0 failed", progress[-1])
    for line in progress:
        match = PROGRESS.match(line)
        assert match is not None, line
        assert int(match.group(2)) == 30
    # No bar: no carriage returns, block characters, or rates.
    assert "\r" not in err
    assert not re.search(r"[\u2580-\u259f]|it/s|pool/s|\|#", err), err


async def test_dry_run_prints_the_plan_and_sends_no_write(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    write_csv(source, FOUR)
    fresh = tmp_path / "fresh.db"

    # On a manifest that does not exist yet: the plan, nothing written, no file made.
    code = await bland(
        *connect(bland_emu), "provision", str(source), "--manifest", str(fresh), "--dry-run"
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    assert summary_of(out) == (4, 0, 0, 0, 0)
    assert [kind for _, _, kind, _ in plan_lines(out)] == ["create"] * 4
    assert "Dry run:" in out
    assert "OUTCOME" not in out
    assert writes(bland_emu) == []
    assert bland_emu.pools(KEY) == []
    assert not fresh.exists()

    # On a manifest with pools: one changed, one new, one gone from the file.
    manifest = tmp_path / "pools.db"
    assert (
        await bland(*connect(bland_emu), "provision", str(source), "--manifest", str(manifest)) == 0
    )
    capsys.readouterr()
    before_pools, before_manifest = bland_emu.pools(KEY), await shown_manifest(manifest, capsys)
    sent = len(bland_emu.requests)
    write_csv(
        source,
        [row for row in FOUR if row[0] != "south"]
        + [["west", "+14155550199"], ["extra", "+16175550100"]],
    )

    code = await bland(
        *connect(bland_emu), "provision", str(source), "--manifest", str(manifest), "--dry-run"
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    assert summary_of(out) == (1, 1, 0, 0, 2)
    assert "1 in the manifest but not in the input" in out
    marks = {key: (mark, kind) for mark, key, kind, _ in plan_lines(out)}
    assert marks == {"extra": ("+", "create"), "west": ("~", "update")}
    assert "Dry run:" in out
    assert {r.method for r in bland_emu.requests[sent:]} == {"GET"}
    assert bland_emu.pools(KEY) == before_pools
    assert await shown_manifest(manifest, capsys) == before_manifest


async def test_json_prints_the_full_report_and_report_writes_it(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    wanted = write_csv(source, FOUR)
    report = tmp_path / "report.json"
    argv = ["provision", str(source), "--manifest", str(tmp_path / "pools.db")]

    code = await bland(*connect(bland_emu), *argv, "--json", "--report", str(report))

    out, err = capsys.readouterr()
    assert code == 0, err
    shown = json.loads(out)  # only JSON on stdout: no plan lines, no table
    assert json.loads(report.read_text(encoding="utf-8")) == shown
    assert {"results", "counts", "plan"} <= set(shown)
    assert SUMMARY.match(shown["plan"])
    assert shown["counts"]["created"] == 4
    assert shown["counts"]["failed"] == 0
    by_id = {p["id"]: tuple(sorted(p["phone_numbers"])) for p in bland_emu.pools(KEY)}
    results = {r["key"]: r for r in shown["results"]}
    assert set(results) == set(wanted)
    for key, result in results.items():
        assert result["outcome"] == "created"
        assert result["error"] is None
        assert by_id[result["pool_id"]] == wanted[key]

    # --report without --json: the table on stdout, the same report in the file.
    code = await bland(*connect(bland_emu), *argv, "--report", str(report))

    out, err = capsys.readouterr()
    assert code == 0, err
    written = json.loads(report.read_text(encoding="utf-8"))
    assert {r["outcome"] for r in written["results"]} == {"unchanged"}
    assert {r["key"]: r["pool_id"] for r in written["results"]} == {
        k: r["pool_id"] for k, r in results.items()
    }
    assert "Nothing to do" in out


async def test_bad_rows_are_all_reported_with_their_lines_and_nothing_is_sent(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.csv"
    source.write_text(
        "pool,phone_number,encrypted_key\n"
        "a,+13125550101,\n"  # 2: fine
        "a,555-CALL-NOW,\n"  # 3: letters
        "b,+13125550101,\n"  # 4: a's number
        f"c,+13125550102,{CRED}\n"  # 5: fine
        f"c,+13125550103,{UNKNOWN_CREDENTIALS}\n"  # 6: a second encrypted_key for c
        "d,+44 20 7946 0958,\n"  # 7: not a US number
        "e,,\n"  # 8: no number
        "f,312555010,\n",  # 9: nine digits
        encoding="utf-8",
    )
    manifest = tmp_path / "pools.db"

    code = await bland(*connect(bland_emu), "provision", str(source), "--manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    problems = [line.strip() for line in err.splitlines() if line.strip().startswith(str(source))]
    lines = [int(p[len(str(source)) + 1 :].split(":", 1)[0]) for p in problems]
    assert lines == [3, 4, 6, 7, 8, 9]
    for problem in problems:
        assert re.fullmatch(re.escape(str(source)) + r":\d+: \S.*", problem), problem
    assert "555-CALL-NOW" in problems[0]
    assert "+13125550101" in problems[1]
    assert bland_emu.requests == []  # not even the listing
    assert not manifest.exists()


async def test_a_missing_input_file_is_a_usage_error_without_a_traceback(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.csv"
    manifest = tmp_path / "pools.db"

    code = await bland(*connect(bland_emu), "provision", str(missing), "--manifest", str(manifest))

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("bland-pools: error: ")
    assert str(missing) in err
    assert "Traceback" not in err
    assert bland_emu.requests == []
    assert not manifest.exists()


async def test_a_report_path_that_cannot_be_written_is_an_error_without_a_traceback(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    wanted = write_csv(source, FOUR)
    report = tmp_path / "no-such-dir" / "report.json"
    argv = ["provision", str(source), "--manifest", str(tmp_path / "pools.db")]

    code = await bland(*connect(bland_emu), *argv, "--report", str(report))

    _, err = capsys.readouterr()
    assert held(bland_emu) == []  # refused before anything was sent
    assert wanted
    assert code == 2
    assert str(report) in err
    assert "Traceback" not in err


async def test_a_failed_key_exits_1_and_the_others_are_done(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    wanted = write_csv(
        source,
        [
            ["good", "+13125550101", CRED],
            ["stranger", "+13125550102", UNKNOWN_CREDENTIALS],
            ["plain", "+13125550103", ""],
        ],
    )
    manifest = tmp_path / "pools.db"
    argv = [*connect(bland_emu), "provision", str(source), "--manifest", str(manifest)]

    code = await bland(*argv)

    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err
    (failed,) = [line for line in err.splitlines() if line.startswith("failed ")]
    assert failed.startswith("failed (permanent): stranger: ")
    assert "INVALID_CREDENTIALS" in failed
    counts = dict(row for row in table(out) if len(row) == 2)
    assert (counts["created"], counts["failed"]) == ("2", "1")
    assert held(bland_emu) == sorted([wanted["good"], wanted["plain"]])
    entries = {e["key"]: e for e in (await shown_manifest(manifest, capsys))["pools"]}
    assert entries["stranger"]["status"] == "failed"
    assert "INVALID_CREDENTIALS" in entries["stranger"]["last_error"]
    assert entries["stranger"]["pool_id"] is None

    # Once the organization knows the credentials, a rerun asked to retry the failed key
    # does only what is left (without --retry-failed the unchanged row is skipped).
    bland_emu.add_credentials(KEY, UNKNOWN_CREDENTIALS)
    sent = len(writes(bland_emu))

    code = await bland(*argv, "--retry-failed")

    out, err = capsys.readouterr()
    assert code == 0, err
    assert summary_of(out) == (1, 0, 0, 0, 2)
    assert writes(bland_emu)[sent:] == ["POST /v1/custom-dialing-pools"]
    assert held(bland_emu) == sorted(wanted.values())


async def test_prune_deletes_only_the_manifests_pools_that_left_the_file(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    by_hand = bland_emu.add_pool(KEY, ["+16175550100"])  # not the job's
    source = tmp_path / "pools.csv"
    wanted = write_csv(source, FOUR)
    manifest = tmp_path / "pools.db"
    argv = [*connect(bland_emu), "provision", str(source), "--manifest", str(manifest)]
    assert await bland(*argv) == 0
    ids = {e["key"]: e["pool_id"] for e in (await shown_manifest(manifest, capsys))["pools"]}
    capsys.readouterr()
    del wanted["south"]
    write_csv(source, [row for row in FOUR if row[0] != "south"])

    # Without --prune the key that left the file is kept, its pool too.
    assert await bland(*argv) == 0
    out, _ = capsys.readouterr()
    assert "1 in the manifest but not in the input (kept; --prune deletes)" in out
    assert len(bland_emu.pools(KEY)) == 5

    code = await bland(*argv, "--prune")

    out, err = capsys.readouterr()
    assert code == 0, err
    assert summary_of(out) == (0, 0, 0, 1, 3)
    assert plan_lines(out) == [("-", "south", "delete", f"pool {ids['south']}")]
    assert writes(bland_emu)[-1] == f"DELETE /v1/custom-dialing-pools/{ids['south']}"
    assert len([w for w in writes(bland_emu) if w.startswith("DELETE")]) == 1
    remaining = {p["id"] for p in bland_emu.pools(KEY)}
    assert remaining == {by_hand["id"], ids["east"], ids["west"], ids["north"]}
    keys = {e["key"] for e in (await shown_manifest(manifest, capsys))["pools"]}
    assert keys == set(wanted)


@pytest.mark.parametrize(
    "option",
    [
        ["--rate", "0"],
        ["--rate=-2"],
        ["--rate", "-0.5"],
        ["--rate", "nan"],
        ["--concurrency", "0"],
        ["--concurrency=-3"],
    ],
    ids=["rate-0", "rate-neg", "rate-neg-fraction", "rate-nan", "concurrency-0", "concurrency-neg"],
)
async def test_rate_and_concurrency_refuse_what_is_not_positive(
    bland_emu: BlandEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
) -> None:
    source = tmp_path / "pools.csv"
    write_csv(source, FOUR)
    manifest = tmp_path / "pools.db"

    code = await bland(
        *connect(bland_emu), "provision", str(source), "--manifest", str(manifest), *option
    )

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert f"argument {option[0].split('=')[0]}" in err
    assert "must be a positive number" in err
    assert "Traceback" not in err
    assert bland_emu.requests == []
    assert not manifest.exists()


async def test_a_manifest_another_job_holds_is_refused_and_nothing_is_sent(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    write_csv(source, FOUR)
    manifest = tmp_path / "pools.db"

    with SQLiteManifest(manifest):  # another job's, running
        code = await bland(
            *connect(bland_emu), "provision", str(source), "--manifest", str(manifest)
        )

    out, err = capsys.readouterr()
    assert code not in (0, 2)
    assert out == ""
    assert "in use" in err
    assert "Traceback" not in err
    assert bland_emu.requests == []


def read_examples() -> list[tuple[tuple[str, ...], str | None]]:
    """examples/pools.csv by the test's own reading: each pool's numbers and credentials."""
    numbers: dict[str, list[str]] = {}
    credentials: dict[str, str | None] = {}
    with EXAMPLES.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            numbers.setdefault(row["pool"], []).append(us(row["phone_number"]))
            credentials.setdefault(row["pool"], None)
            if (row.get("encrypted_key") or "").strip():
                credentials[row["pool"]] = row["encrypted_key"].strip()
    return sorted((tuple(sorted(n)), credentials[key]) for key, n in numbers.items())


def pool_shapes(pools: list[dict[str, Any]]) -> list[tuple[tuple[str, ...], str | None]]:
    return sorted((tuple(sorted(p["phone_numbers"])), p["encrypted_key"]) for p in pools)


def test_emulator_provisions_the_examples_and_a_second_run_has_nothing_to_do(
    embedded: Embedded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = read_examples()
    assert len(expected) == 320
    manifest = tmp_path / "pools.db"
    argv = ["--emulator", "provision", str(EXAMPLES), "--manifest", str(manifest)]

    code = run(bland_main, argv)

    out, err = capsys.readouterr()
    assert code == 0, err
    assert summary_of(out) == (320, 0, 0, 0, 0)
    (first,) = embedded.bland
    assert first.faults.active  # faults on, as promised
    assert any(r.fault for r in first.requests)
    assert pool_shapes(first.pools()) == expected  # exactly the file's, none twice
    state = Path(f"{manifest}.emulator.json")
    (kept,) = json.loads(state.read_text(encoding="utf-8")).values()
    assert pool_shapes(kept) == expected
    assert manifest_json(manifest, capsys)["total"] == 320

    code = run(bland_main, argv)

    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Nothing to do" in out
    assert summary_of(out) == (0, 0, 0, 0, 320)
    second = embedded.bland[1]
    assert {p["id"] for p in second.pools()} == {p["id"] for p in first.pools()}
    assert {r.method for r in second.requests} == {"GET"}  # it only looked


# -- manifest -----------------------------------------------------------------------------------


async def provisioned_with_a_failure(
    emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    source = tmp_path / "pools.csv"
    write_csv(
        source,
        [
            ["east", "+13125550101", CRED],
            ["east", "+13125550102", CRED],
            ["stranger", "+13125550103", UNKNOWN_CREDENTIALS],
            ["plain", "+13125550104", ""],
        ],
    )
    manifest = tmp_path / "pools.db"
    assert await bland(*connect(emu), "provision", str(source), "--manifest", str(manifest)) == 1
    capsys.readouterr()
    return manifest


@pytest.fixture
async def manifest_path(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Path:
    return await provisioned_with_a_failure(bland_emu, tmp_path, capsys)


def test_manifest_shows_a_table_without_an_api_key(
    manifest_path: Path, bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "BLAND_API_KEY" not in os.environ

    code = run(bland_main, ["manifest", str(manifest_path)])

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = table(out)
    assert rows[0] == ["KEY", "POOL ID", "STATUS", "NUMBERS", "LAST ERROR"]
    by_key = {row[0]: row for row in rows[1:]}
    assert set(by_key) == {"east", "stranger", "plain"}
    ids = {tuple(sorted(p["phone_numbers"])): p["id"] for p in bland_emu.pools(KEY)}
    assert by_key["east"][1:4] == [ids[("+13125550101", "+13125550102")], "done", "2"]
    assert by_key["plain"][1:] == [ids[("+13125550104",)], "done", "1", "-"]
    assert by_key["stranger"][1:3] == ["-", "failed (permanent)"]
    assert "INVALID_CREDENTIALS" in by_key["stranger"][-1]
    assert "Traceback" not in err


def test_manifest_json_gives_every_entry(
    manifest_path: Path, bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = manifest_json(manifest_path, capsys)

    assert set(shown) == {"pools", "total"}
    assert shown["total"] == len(shown["pools"]) == 3
    entries = {e["key"]: e for e in shown["pools"]}
    fields = {"key", "pool_id", "numbers", "encrypted_key", "origin", "status", "last_error"}
    for entry in entries.values():
        assert fields <= set(entry)
    (east,) = [p for p in bland_emu.pools(KEY) if p["encrypted_key"] == CRED]
    assert {name: entries["east"][name] for name in fields | {"intent"}} == {
        "key": "east",
        "pool_id": east["id"],
        "numbers": ["+13125550101", "+13125550102"],
        "encrypted_key": CRED,
        "origin": "created",
        "status": "done",
        "intent": None,
        "last_error": None,
    }
    assert entries["stranger"]["status"] == "failed"
    assert entries["stranger"]["pool_id"] is None
    assert entries["stranger"]["intent"] is None


def test_manifest_csv_gives_one_row_per_key(
    manifest_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = {e["key"]: e for e in manifest_json(manifest_path, capsys)["pools"]}

    code = run(bland_main, ["manifest", str(manifest_path), "--csv"])

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["key"] for row in rows] == list(entries)
    for row in rows:
        entry = entries[row["key"]]
        assert row["pool_id"] == (entry["pool_id"] or "")
        assert row["status"] == entry["status"]
        # Several numbers in a cell would be added up by a spreadsheet: neutralized ('+1... +1...).
        numbers = row["numbers"].removeprefix("'") if " " in row["numbers"] else row["numbers"]
        assert numbers.split() == (entry["numbers"] or [])


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_manifest_of_a_missing_file_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    missing = tmp_path / "nowhere.db"

    code = run(bland_main, ["manifest", str(missing), *(["--json"] if as_json else [])])

    out, err = capsys.readouterr()
    assert code != 0
    assert out == ""
    assert str(missing) in err
    assert "no manifest" in err
    assert "Traceback" not in err
    assert not missing.exists()  # looking made no file


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_manifest_while_a_job_holds_it_shows_it_or_says_it_is_busy(
    manifest_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    expected = manifest_json(manifest_path, capsys)

    with SQLiteManifest(manifest_path):  # a running job's
        code = run(bland_main, ["manifest", str(manifest_path), *(["--json"] if as_json else [])])

    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code == 0:
        if as_json:
            assert json.loads(out) == expected
        else:
            assert table(out)[0] == ["KEY", "POOL ID", "STATUS", "NUMBERS", "LAST ERROR"]
            assert len(table(out)) == 1 + expected["total"]
    else:
        assert out == ""
        assert "in use" in err
        assert str(manifest_path) in err


# -- delete -------------------------------------------------------------------------------------


async def test_delete_prints_the_deleted_id(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    doomed = bland_emu.add_pool(KEY, ["+13125550101"])
    kept = bland_emu.add_pool(KEY, ["+13125550102"])

    code = await bland(*connect(bland_emu), "delete", doomed["id"])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == f"deleted {doomed['id']}\n"
    assert [p["id"] for p in bland_emu.pools(KEY)] == [kept["id"]]
    assert writes(bland_emu) == [f"DELETE /v1/custom-dialing-pools/{doomed['id']}"]


async def test_delete_json(bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    doomed = bland_emu.add_pool(KEY, ["+13125550101"])

    code = await bland(*connect(bland_emu), "delete", doomed["id"], "--json")

    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out) == {"deleted_pool_id": doomed["id"]}
    assert bland_emu.pools(KEY) == []


async def test_delete_of_a_missing_pool_exits_1(
    bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    other = bland_emu.add_pool(KEY, ["+13125550101"])
    missing = str(uuid.uuid4())

    code = await bland(*connect(bland_emu), "delete", missing)

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.splitlines()[-1].startswith("bland-pools: error: [POOL_NOT_FOUND]")
    assert "Traceback" not in err
    assert [p["id"] for p in bland_emu.pools(KEY)] == [other["id"]]


# -- ghl-pools export ---------------------------------------------------------------------------


@pytest.fixture
async def two_locations() -> AsyncIterator[GHLEmulator]:
    """TOKEN sees LOCATION and SECOND_LOCATION, each with its samples and a pool of its own;
    OTHER_TOKEN sees OTHER_LOCATION."""
    tokens = {TOKEN: [LOCATION, SECOND_LOCATION], OTHER_TOKEN: [OTHER_LOCATION]}
    async with GHLEmulator(tokens=tokens) as emu:
        for location in (LOCATION, SECOND_LOCATION, OTHER_LOCATION):
            emu.seed_samples(location)
        emu.add_pool(
            SECOND_LOCATION,
            name="Mixed",
            numbers=[("+442079460958", "London"), ("+13125550142", "Chicago")],
        )
        emu.add_pool(LOCATION, name=None, numbers=[])
        yield emu


def export(emu: GHLEmulator, *argv: str) -> list[str]:
    return ["--token", TOKEN, "--base-url", emu.url, "export", *argv]


BOTH = ["--location", LOCATION, "--location", SECOND_LOCATION]


def csv_rows(emu: GHLEmulator, *locations: str) -> list[list[str]]:
    """What --format csv should print for ``locations``, built from the stored pools."""
    rows = [["location_id", "pool_id", "pool_name", "phone_number", "friendly_name", "is_active"]]
    for location in locations:
        for pool in emu.pools(location):
            active = str(pool["isActive"]).lower()
            for number in pool["numbers"] or [None]:
                rows.append(
                    [
                        pool["locationId"],
                        pool["id"],
                        pool["name"] or "",
                        number["phoneNumber"] if number else "",
                        (number["friendlyName"] if number else "") or "",
                        active,
                    ]
                )
    return rows


async def test_export_csv_is_one_row_per_number(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*export(two_locations, *BOTH, "--format", "csv"))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == csv_rows(two_locations, LOCATION, SECOND_LOCATION)
    listed = sorted(r.query["locationId"] for r in two_locations.requests)
    assert listed == sorted([LOCATION, SECOND_LOCATION])


async def test_export_a_number_without_a_friendly_name(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # GoHighLevel sends "friendlyName": null for a number nobody labelled.
    two_locations.add_pool(SECOND_LOCATION, name="Unlabelled", numbers=[("+13125550177", None)])

    code = await ghl(*export(two_locations, "--location", SECOND_LOCATION, "--format", "csv"))

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows == csv_rows(two_locations, SECOND_LOCATION)
    assert rows[-1][2:] == ["Unlabelled", "+13125550177", "", "true"]


async def test_export_csv_is_the_default(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*export(two_locations, "--location", SECOND_LOCATION))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == csv_rows(two_locations, SECOND_LOCATION)


async def test_export_jsonl_is_one_pool_per_line_in_snake_case(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*export(two_locations, *BOTH, "--format", "jsonl"))

    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    stored = two_locations.pools(LOCATION) + two_locations.pools(SECOND_LOCATION)
    assert [json.loads(line) for line in lines] == [ghl_sdk_form(p) for p in stored]
    assert all("locationId" not in line for line in lines)


async def test_export_json_gives_locations_and_errors(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*export(two_locations, *BOTH, "--format", "json"))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out) == {
        "locations": [
            {"location_id": loc, **ghl_list_json(two_locations.pools(loc))}
            for loc in (LOCATION, SECOND_LOCATION)
        ],
        "errors": [],
    }


async def test_export_provision_is_the_provisioning_csv(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*export(two_locations, *BOTH, "--format", "provision"))

    out, err = capsys.readouterr()
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["pool", "phone_number"]
    expected = [
        [f"{loc}:{pool['id']}", number["phoneNumber"]]
        for loc in (LOCATION, SECOND_LOCATION)
        for pool in two_locations.pools(loc)
        for number in pool["numbers"]
        if re.fullmatch(r"\+1\d{10}", number["phoneNumber"])
    ]
    assert rows[1:] == expected
    assert "skipped '+442079460958' of pool" in err
    assert "+442079460958" not in out
    assert "no number Bland can take" in err  # the pool without numbers


async def test_export_reads_a_locations_file_with_comments_and_blank_lines(
    two_locations: GHLEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "locations.txt"
    listing.write_text(
        f"# the team's locations\n\n{SECOND_LOCATION}   # second\n\n  {LOCATION}\n",
        encoding="utf-8",
    )

    code = await ghl(*export(two_locations, "--locations-file", str(listing)))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == csv_rows(two_locations, SECOND_LOCATION, LOCATION)


async def test_export_reads_locations_from_stdin(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{LOCATION}\n# nothing\n{SECOND_LOCATION}\n"))

    code = await ghl(*export(two_locations, "--locations-file", "-", "--format", "json"))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert [loc["location_id"] for loc in json.loads(out)["locations"]] == [
        LOCATION,
        SECOND_LOCATION,
    ]


@pytest.mark.parametrize("where", ["file", "stdin"])
def test_emulator_export_reads_the_locations_file_once(
    embedded: Embedded,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    # --emulator seeds every location named, then exports them: standard input can be read
    # only once, so both must use that one reading.
    text = f"{LOCATION}\n# a comment\n{SECOND_LOCATION}\n"
    listing = tmp_path / "locations.txt"
    listing.write_text(text, encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    source = "-" if where == "stdin" else str(listing)

    code = run(ghl_main, ["--emulator", "export", "--locations-file", source, "--format", "json"])

    out, err = capsys.readouterr()
    assert code == 0, err
    (emu,) = embedded.ghl
    assert json.loads(out) == {
        "locations": [
            {"location_id": loc, **ghl_list_json(emu.pools(loc))}
            for loc in (LOCATION, SECOND_LOCATION)
        ],
        "errors": [],
    }


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_export_reports_a_location_the_token_may_not_see_and_exports_the_rest(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    # --partial: without it nothing is written (tests/cli/test_export_all_or_nothing.py).
    argv = ["--location", OTHER_LOCATION, "--location", LOCATION, "--format", fmt, "--partial"]

    code = await ghl(*export(two_locations, *argv))

    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err
    (error,) = [line for line in err.splitlines() if "error" in line]
    assert error.startswith(f"ghl-pools: error: location {OTHER_LOCATION}: ")
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(out))) == csv_rows(two_locations, LOCATION)
    else:
        shown = json.loads(out)
        assert shown["locations"] == [
            {"location_id": LOCATION, **ghl_list_json(two_locations.pools(LOCATION))}
        ]
        (failed,) = shown["errors"]
        assert failed["location_id"] == OTHER_LOCATION


async def test_export_with_a_missing_locations_file_is_a_usage_error(
    two_locations: GHLEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "locations-typo.txt"

    code = await ghl(*export(two_locations, "--locations-file", str(missing)))

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert str(missing) in err
    assert "Traceback" not in err
    assert two_locations.requests == []


async def test_export_without_a_location_exits_2(
    two_locations: GHLEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await ghl(*export(two_locations))

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "--location" in err
    assert "Traceback" not in err
    assert two_locations.requests == []
