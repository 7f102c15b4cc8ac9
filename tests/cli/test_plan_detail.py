"""The plan says what an update changes: the numbers it adds and removes (the first three of
each, then a count) and ``credentials set|removed|changed``, in the plan lines and, with
``--dry-run --json``, in ``changes``. Expected numbers are computed by the test from what the
emulator stores and what the file says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bland_pools.testing import BlandEmulator

from ._support import CRED, KEY, bland

OTHER_CRED = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
UPDATE = re.compile(r"^\s+~ (\S+)  update \((.*)\) pool (\S+)$")


def write(path: Path, pools: dict[str, tuple[list[str], str | None]]) -> None:
    lines = ["pool,phone_number,encrypted_key"]
    for key, (numbers, cred) in pools.items():
        lines += [f"{key},{n},{cred or ''}" for n in numbers]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
async def managed(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, Path]:
    """Three pools under a manifest: ``grow`` (2 numbers), ``swap`` (with credentials),
    ``bare`` (one number); returns the input file and the manifest."""
    bland_emu.add_credentials(KEY, OTHER_CRED)
    source, manifest = tmp_path / "pools.csv", tmp_path / "pools.db"
    write(
        source,
        {
            "grow": (["+13125550101", "+13125550102"], None),
            "swap": (["+14155550101"], CRED),
            "bare": (["+12125550101"], None),
        },
    )
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source)]
    assert await bland(*argv, "--manifest", str(manifest)) == 0
    capsys.readouterr()
    return source, manifest


async def test_plan_lines_name_added_and_removed_numbers_and_credential_changes(
    bland_emu: BlandEmulator, managed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, manifest = managed
    added = [f"+1312555{n:04d}" for n in range(200, 207)]  # seven: three shown, "4 more"
    write(
        source,
        {
            "grow": (["+13125550101", *added], OTHER_CRED),
            "swap": (["+14155550101", "+14155550199"], None),
            "bare": (["+12125550101"], CRED),
        },
    )
    sent = len(bland_emu.requests)

    code = await bland(
        "--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source),
        "--manifest", str(manifest), "--dry-run",
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 0, err
    ids = {p["phone_numbers"][0]: p["id"] for p in bland_emu.pools(KEY)}
    details = {m[1]: (m[2], m[3]) for m in map(UPDATE.match, out.splitlines()) if m}
    assert details == {
        "grow": (
            f"+7 -1 numbers; adds {' '.join(added[:3])} and 4 more; removes +13125550102; "
            "credentials set",
            ids["+13125550101"],
        ),
        "swap": ("+1 -0 numbers; adds +14155550199; credentials removed", ids["+14155550101"]),
        "bare": ("credentials set", ids["+12125550101"]),
    }
    assert {r.method for r in bland_emu.requests[sent:]} == {"GET"}


async def test_dry_run_json_lists_each_change_in_full(
    bland_emu: BlandEmulator, managed: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    source, manifest = managed
    added = [f"+1312555{n:04d}" for n in range(200, 207)]
    write(
        source,
        {
            "grow": (["+13125550101", *added], None),
            "swap": (["+14155550101"], OTHER_CRED),
            "bare": (["+12125550101"], None),
            "new": (["+16175550101"], None),
        },
    )

    code = await bland(
        "--api-key", KEY, "--base-url", bland_emu.url, "--json", "provision", str(source),
        "--manifest", str(manifest), "--dry-run",
    )  # fmt: skip

    out, err = capsys.readouterr()
    assert code == 0, err
    shown = json.loads(out)
    assert shown["dry_run"] is True
    changes = {c["key"]: c for c in shown["changes"]}
    assert set(changes) == {"grow", "swap", "new"}  # "bare" is unchanged: not listed
    grow, swap, new = changes["grow"], changes["swap"], changes["new"]
    assert (grow["kind"], grow["added"], grow["removed"], grow["credentials"]) == (
        "update",
        added,  # all of them, sorted
        ["+13125550102"],
        None,
    )
    assert (swap["kind"], swap["added"], swap["removed"], swap["credentials"]) == (
        "update",
        [],
        [],
        "changed",
    )
    assert (new["kind"], new["pool_id"], new["phone_numbers"]) == ("create", None, ["+16175550101"])
    assert (swap["phone_numbers"], swap["encrypted_key"]) == (["+14155550101"], OTHER_CRED)
    by_numbers = {p["phone_numbers"][0]: p["id"] for p in bland_emu.pools(KEY)}
    assert grow["pool_id"] == by_numbers["+13125550101"]


async def test_a_key_with_control_characters_is_shown_escaped_in_the_plan(
    bland_emu: BlandEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "pools.csv"
    write(source, {"\x1b[2J\x1b]0;pwned\x07sales": (["+13125550101"], None)})
    argv = ["--api-key", KEY, "--base-url", bland_emu.url, "provision", str(source)]

    assert await bland(*argv, "--manifest", str(tmp_path / "m.db"), "--dry-run") == 0

    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "  + \\x1b[2J\\x1b]0;pwned\\x07sales  create (1 number)" in out.splitlines()
