"""Progress off a terminal: plain lines with done/total, rate, ETA and failures so far
(``--progress-every 0``: one after each pool, so no test depends on timing), and
``--log-format json``: one JSON object per event on stderr (the plan, each key's outcome, the
summary), each checked against what the run reports and the emulator stores."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from bland_pools._cli import main as bland_main
from bland_pools.testing import BlandEmulator

from ._support import KEY, bland, run

UNKNOWN_CREDENTIALS = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"
LINE = re.compile(
    r"bland-pools: (\d+)/(\d+) pools done, (\d+\.\d) pools/s(?:, ETA (\d+ s|\d+ min \d+ s|"
    r"\d+ h \d+ min))?, (\d+) failed"
)


def write(path: Path, count: int, bad: frozenset[int] = frozenset()) -> list[str]:
    """``count`` one-number pools; those in ``bad`` have credentials the organization does
    not know (they fail). Returns the keys."""
    rows = ["pool,phone_number,encrypted_key"]
    keys = [f"p{n:02d}" for n in range(count)]
    rows += [
        f"{key},+1312555{n:04d},{UNKNOWN_CREDENTIALS if n in bad else ''}"
        for n, key in enumerate(keys)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return keys


async def test_plain_progress_lines_give_rate_eta_and_failures_so_far(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    write(source, 12, bad=frozenset({3, 7}))

    code = await bland(
        "--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source),
        "--manifest", str(tmp_path / "m.db"), "--progress-every", "0", "--concurrency", "1",
    )  # fmt: skip

    _, err = capsys.readouterr()
    assert code == 1  # two keys failed
    matches = [LINE.fullmatch(line) for line in err.splitlines() if "pools done" in line]
    assert all(matches), err
    shown = [(int(m[1]), int(m[2]), m[4], int(m[5])) for m in matches if m]
    assert [(done, total) for done, total, _, _ in shown] == [(n, 12) for n in range(1, 13)]
    # One worker: keys finish in input order, so failures so far are known per line.
    assert [failed for *_, failed in shown] == [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2]
    assert shown[-1][2] is None  # no ETA once done
    assert "\r" not in err


async def test_json_log_is_one_object_per_event(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    keys = write(source, 10, bad=frozenset({4}))
    report = tmp_path / "report.json"

    code = await bland(
        "--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source),
        "--manifest", str(tmp_path / "m.db"), "--log-format", "json", "--report", str(report),
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 1
    events: list[dict[str, Any]] = [json.loads(line) for line in err.splitlines()]
    assert [e["event"] for e in events] == ["plan"] + ["outcome"] * 10 + ["summary"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", e["time"]) for e in events)
    plan, *outcomes, summary = events
    assert plan["counts"]["create"] == 10
    assert plan["total"] == 10
    assert plan["summary"].startswith("Plan: 10 to create")

    full = json.loads(report.read_text(encoding="utf-8"))
    by_key = {r["key"]: r for r in full["results"]}
    assert sorted(e["key"] for e in outcomes) == keys
    assert [e["done"] for e in outcomes] == list(range(1, 11))
    for event in outcomes:
        result = by_key[event["key"]]
        assert (event["outcome"], event["pool_id"], event["error"]) == (
            result["outcome"],
            result["pool_id"],
            result["error"],
        )
    (failed,) = [e for e in outcomes if e["outcome"] == "failed"]
    assert failed["key"] == "p04"
    assert "INVALID_CREDENTIALS" in failed["error"]
    assert outcomes[-1]["failed"] == 1
    assert summary["counts"] == full["counts"]
    assert (summary["ok"], summary["dry_run"]) == (False, False)
    stored = {p["phone_numbers"][0] for p in bland_emu.pools(KEY)}
    assert len(stored) == summary["counts"]["created"] == 9
    # stdout keeps the human plan and table: the log is stderr's alone.
    assert "Plan: 10 to create" in out
    assert "OUTCOME" in out


async def test_json_log_of_a_dry_run_is_the_plan_and_the_summary(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    write(source, 3)

    code = await bland(
        "--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source),
        "--manifest", str(tmp_path / "m.db"), "--log-format", "json", "--dry-run",
    )  # fmt: skip

    _, err = capsys.readouterr()
    assert code == 0, err
    events = [json.loads(line) for line in err.splitlines()]
    assert [e["event"] for e in events] == ["plan", "summary"]
    assert events[1]["dry_run"] is True
    assert bland_emu.pools(KEY) == []


def test_progress_every_refuses_a_negative_interval(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--emulator", "provision", "x.csv", "--manifest", "m.db", "--progress-every", "-1"]

    assert run(bland_main, argv) == 2
    assert "--progress-every" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "abc", "nan", "inf"])
def test_progress_every_names_its_rule_for_any_bad_value(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--emulator", "provision", "x.csv", "--manifest", "m.db", "--progress-every", value]

    assert run(bland_main, argv) == 2

    err = capsys.readouterr().err
    assert f"must be a number of seconds, 0 or more, got {value}" in err
    assert "_not_negative" not in err
