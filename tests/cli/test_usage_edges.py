"""Command-line usage at its edges: ``--emulator`` with ``--base-url`` is refused (exit 2,
nothing run); a missing or non-manifest file given to ``manifest`` is a bad file (exit 2);
``manifest`` takes only the common options that do something there, and its help lists
only those; the README's error tree names ``InputError``."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bland_pools._cli import COMMANDS, main as bland_main
from bland_pools.testing import BlandEmulator
from ghl_pools._cli import main as ghl_main

from ._support import KEY, run

README = Path(__file__).resolve().parents[2] / "docs" / "guides" / "errors.md"


@pytest.mark.parametrize(
    "argv",
    [["--emulator", "--base-url", "{url}", "list"], ["list", "--emulator", "--base-url", "{url}"]],
)
async def test_emulator_with_base_url_is_refused(
    argv: list[str], bland_emu: BlandEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{url}", bland_emu.url) for a in argv]

    code = await asyncio.to_thread(run, bland_main, ["--api-key", KEY, *argv])

    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert "--emulator" in err
    assert "--base-url" in err
    assert "emulator at" not in err  # no emulator was started
    assert bland_emu.requests == []  # nor the given URL asked


def test_ghl_emulator_with_base_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(ghl_main, ["--emulator", "--base-url", "http://127.0.0.1:9", "list"]) == 2
    assert "cannot be used with --base-url" in capsys.readouterr().err


def test_manifest_of_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.db"

    assert run(bland_main, ["manifest", str(missing)]) == 2

    err = capsys.readouterr().err
    assert f"no manifest at {missing}" in err
    assert not missing.exists()


def test_manifest_of_a_file_that_is_not_one_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes.db"
    other.write_text("not a database at all\n" * 100, encoding="utf-8")

    assert run(bland_main, ["manifest", str(other)]) == 2
    assert "not a manifest" in capsys.readouterr().err


def test_manifest_help_lists_only_options_that_do_something_there(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(bland_main, ["manifest", "--help"]) == 0

    out = capsys.readouterr().out
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", out))
    assert options == {"--help", "--json", "--csv"}
    (manifest,) = [c for c in COMMANDS if c.name == "manifest"]
    assert manifest.common == {"json"}


@pytest.mark.parametrize("option", [["--api-key", KEY], ["--emulator"], ["--timeout", "3"]])
def test_manifest_refuses_options_it_would_ignore(
    option: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(bland_main, ["manifest", str(tmp_path / "m.db"), *option]) == 2
    assert "unrecognized arguments" in capsys.readouterr().err


def test_the_other_commands_still_take_every_common_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(bland_main, ["export", "--help"]) == 0

    out = capsys.readouterr().out
    for option in ("--api-key", "--base-url", "--timeout", "--max-retries", "--json", "--emulator"):
        assert option in out


def test_readme_error_tree_names_input_error() -> None:
    text = README.read_text(encoding="utf-8")
    tree = text[text.index("BlandError / GHLError\n") :]
    tree = tree[: tree.index("```")]
    assert re.search(r"^\+-- InputError\s+\(Bland\) ", tree, re.MULTILINE), tree
