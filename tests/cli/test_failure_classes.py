"""Failures, classified: the report and the summary separate retryable failures (a 5xx, a
429 given up) from permanent ones (a 4xx), show the fix of each permanent code, and advise a
rerun only for the retryable; a rerun does not send again a permanent failure whose row is
unchanged (the plan shows it skipped, and how to retry it) unless ``--retry-failed``
(``retry_failed=True``); a changed row is sent again."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from bland_pools import AsyncBlandClient
from bland_pools.provision import SQLiteManifest, provision
from bland_pools.testing import BlandEmulator, Fault

from ._support import CRED, KEY, bland, table

UNKNOWN = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"  # not one of the organization's credentials
CREATE = "POST /v1/custom-dialing-pools"


def write(path: Path, rows: Sequence[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["pool", "phone_number", "encrypted_key"])
        writer.writerows(rows)


def creates(emu: BlandEmulator, since: int = 0) -> int:
    return sum(1 for r in emu.requests[since:] if f"{r.method} {r.path}" == CREATE)


def counts(out: str) -> dict[str, str]:
    return {row[0]: row[1] for row in table(out) if len(row) == 2}


def rows_200() -> list[list[str]]:
    strangers = [[f"s{n:03d}", f"+1312555{n:04d}", UNKNOWN] for n in range(200)]
    return [*strangers, ["good", "+14155550001", CRED], ["plain", "+14155550002", ""]]


async def test_200_permanent_failures_are_classified_fixed_and_not_sent_again(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, manifest = tmp_path / "pools.csv", tmp_path / "pools.db"
    write(source, rows_200())
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source)]
    argv += ["--manifest", str(manifest)]

    code = await bland(*argv)

    out, err = capsys.readouterr()
    assert code == 1
    assert creates(bland_emu) == 202
    shown = counts(out)
    assert (shown["created"], shown["failed"]) == ("2", "200")
    assert (shown["retryable"], shown["permanent"], shown["skipped"]) == ("0", "200", "0")
    failed = [line for line in err.splitlines() if line.startswith("failed (")]
    assert len(failed) == 21
    assert all(line.startswith("failed (permanent): s") for line in failed[:20])
    assert failed[20] == "failed (permanent): ... and 180 more (see --report)"
    (fix,) = [line for line in err.splitlines() if line.startswith("fix ")]
    assert fix.startswith(
        "fix INVALID_CREDENTIALS (200 pools): the encrypted_key is not one of the "
        "organization's Twilio credentials"
    )
    assert "--retry-failed" in fix
    assert "run the same command again" not in err
    assert "200 failed permanently" in err
    with SQLiteManifest(manifest, read_only=True) as store:
        entry = store.get("s007")
    assert entry is not None
    assert (entry.status, entry.failure, entry.failure_code) == (
        "failed",
        "permanent",
        "INVALID_CREDENTIALS",
    )
    assert (entry.failed_numbers, entry.failed_key) == (("+13125550007",), UNKNOWN)

    # The rerun sends no create for them: each is skipped, and the plan says how to retry.
    mark = len(bland_emu.requests)
    code = await bland(*argv)

    out, err = capsys.readouterr()
    assert code == 1
    assert creates(bland_emu, mark) == 0
    assert re.search(r"^  \? s000  skip \(failed with INVALID_CREDENTIALS before, same input; "
                     r"--retry-failed sends it again\)$", out, re.M)  # fmt: skip
    assert "... and 190 more to skip" in out
    assert "200 skipped (failed permanently with the same input before; --retry-failed" in out
    assert counts(out)["skipped"] == "200"
    assert "200 skipped" in err
    assert "--retry-failed" in err
    assert "run the same command again" not in err

    # With --retry-failed they are sent again (and fail again: nothing changed).
    mark = len(bland_emu.requests)
    assert await bland(*argv, "--retry-failed") == 1
    assert creates(bland_emu, mark) == 200
    capsys.readouterr()

    # A changed row is sent again without the flag; the unchanged ones stay skipped.
    rows = rows_200()
    rows[7][2] = CRED
    write(source, rows)
    mark = len(bland_emu.requests)

    code = await bland(*argv)

    out, _ = capsys.readouterr()
    assert code == 1
    assert creates(bland_emu, mark) == 1
    (made,) = [r for r in bland_emu.requests[mark:] if r.method == "POST"]
    assert made.json == {"phone_numbers": ["+13125550007"], "encrypted_key": CRED}
    assert (counts(out)["created"], counts(out)["skipped"]) == ("1", "199")


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.RATE_LIMITED], ids=["503", "429"])
async def test_retryable_failures_are_advised_a_rerun_which_sends_them(
    bland_emu: BlandEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fault: Fault,
) -> None:
    source, manifest = tmp_path / "pools.csv", tmp_path / "pools.db"
    write(source, [[f"p{n}", f"+1312555{n:04d}", ""] for n in range(5)])
    if fault is Fault.SERVER_ERROR:
        bland_emu.inject(fault, times=3, method="POST", status=503)
    else:  # a 429 the client gives up on (no retries)
        bland_emu.inject(fault, times=3, method="POST", retry_after=0.01)
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "--max-retries", "0", "provision"]
    argv += [str(source), "--manifest", str(manifest)]

    code = await bland(*argv)

    out, err = capsys.readouterr()
    assert code == 1
    shown = counts(out)
    assert (shown["created"], shown["retryable"], shown["permanent"]) == ("2", "3", "0")
    assert len([line for line in err.splitlines() if line.startswith("failed (retryable): ")]) == 3
    assert "fix " not in err
    assert "3 failed on a server error, a timeout or the rate limit: run the same command " in err

    mark = len(bland_emu.requests)
    assert await bland(*argv) == 0
    assert creates(bland_emu, mark) == 3
    assert len(bland_emu.pools(KEY)) == 5


async def test_the_api_reports_classes_and_retry_failed_sends_them_again(
    bland_emu: BlandEmulator, tmp_path: Path
) -> None:
    manifest = tmp_path / "pools.db"
    wanted = [  # one at a time: busy's create meets the 503
        {"pool": "busy", "phone_numbers": ["+13125550002"]},
        {"pool": "stranger", "phone_numbers": ["+13125550001"], "encrypted_key": UNKNOWN},
    ]
    bland_emu.inject(Fault.SERVER_ERROR, method="POST", status=503)
    async with AsyncBlandClient(api_key=KEY, base_url=bland_emu.url, max_retries=0) as client:
        first = await provision(wanted, manifest=manifest, client=client, concurrency=1)
        mark = len(bland_emu.requests)
        second = await provision(wanted, manifest=manifest, client=client)
        sent_second = [json.dumps(r.json) for r in bland_emu.requests[mark:] if r.json]
        third = await provision(wanted, manifest=manifest, client=client, retry_failed=True)

    by_key = {r.key: r for r in first.results}
    assert (by_key["stranger"].failure, by_key["stranger"].code) == (
        "permanent",
        "INVALID_CREDENTIALS",
    )
    assert by_key["stranger"].fix is not None
    assert "Twilio credentials" in by_key["stranger"].fix
    assert (by_key["busy"].failure, by_key["busy"].fix) == ("retryable", None)
    assert [r.key for r in first.permanent] == ["stranger"]
    assert [r.key for r in first.retryable] == ["busy"]
    assert first.to_dict()["counts"]["failed_permanent"] == 1
    # The rerun sends only the retryable one; the permanent one is skipped, not sent.
    assert [(r.key, r.outcome) for r in second.results] == [
        ("busy", "created"),
        ("stranger", "skipped"),
    ]
    assert sent_second == [json.dumps({"phone_numbers": ["+13125550002"]})]
    assert not second.ok
    assert [(r.key, r.outcome, r.failure) for r in third.results] == [
        ("busy", "unchanged", None),
        ("stranger", "failed", "permanent"),
    ]
