"""``bland-pools completion bash|zsh|fish`` and ``ghl-pools completion ...``: a script made from
the command line's own parser, naming every command of its table, which the shell accepts and
which completes commands and options when sourced (bash, and fish where installed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bland_pools._cli import COMMANDS as BLAND_COMMANDS, main as bland_main
from ghl_pools._cli import COMMANDS as GHL_COMMANDS, main as ghl_main

from ._support import Main, run

CLIS = {
    "bland-pools": (bland_main, BLAND_COMMANDS),
    "ghl-pools": (ghl_main, GHL_COMMANDS),
}
SHELLS = ("bash", "zsh", "fish")


def _script(prog: str, shell: str, capsys: pytest.CaptureFixture[str]) -> str:
    main: Main = CLIS[prog][0]
    assert run(main, ["completion", shell]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


# How each shell's script offers a command, and an option of every command.
OFFERS_COMMAND = {
    "bash": lambda var, name: f"_shtab_{var}_{name}_option_strings=(",
    "zsh": lambda var, name: f"\n    {name}:'",
    "fish": lambda var, name: f"_npos -eq 0' -a {name} -d ",
}
OFFERS_OPTION = {"bash": " --{} ", "zsh": '"--{}[', "fish": "-l {} "}


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("prog", CLIS)
def test_the_script_offers_every_command_and_option(
    prog: str, shell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # No credential in the environment (conftest clears it): completion needs none.
    script = _script(prog, shell, capsys)

    var = prog.replace("-", "_")
    names = [command.name for command in CLIS[prog][1]]
    assert "completion" in names
    for name in names:
        assert OFFERS_COMMAND[shell](var, name) in script, name
    for option in ("emulator", "json", "base-url", "timeout", "max-retries"):
        assert OFFERS_OPTION[shell].format(option) in script, option


@pytest.mark.parametrize("prog", CLIS)
def test_bashs_list_of_commands_is_the_table(prog: str, capsys: pytest.CaptureFixture[str]) -> None:
    script = _script(prog, "bash", capsys)
    var = prog.replace("-", "_")
    line = next(x for x in script.splitlines() if x.startswith(f"_shtab_{var}_subparsers="))
    assert line.split("=", 1)[1] == "(" + " ".join(c.name for c in CLIS[prog][1]) + ")"


def _shell(argv: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``argv`` (a shell) run to a successful end; its output."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done


def _check_syntax(shell: str, flag: str, script: str, tmp_path: Path) -> None:
    path = tmp_path / f"completion.{shell}"
    path.write_text(script)
    assert _shell([shell, flag, str(path)]).stderr == ""


@pytest.mark.parametrize(
    ("shell", "flag"),
    [("bash", "-n"), ("zsh", "-n"), ("fish", "--no-execute")],
    ids=["bash", "zsh", "fish"],
)
@pytest.mark.parametrize("prog", CLIS)
def test_the_shell_accepts_the_script(
    prog: str, shell: str, flag: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    _check_syntax(shell, flag, _script(prog, shell, capsys), tmp_path)


def _files(tmp_path: Path) -> Path:
    where = tmp_path / "files"
    where.mkdir()
    (where / "pools.csv").touch()
    (where / "other.db").touch()
    return where


BASH_CASES = [
    ("bland-pools", ["pro"], ["provision"]),
    ("bland-pools", ["m"], ["manifest"]),
    ("bland-pools", ["comp"], ["completion"]),
    ("bland-pools", ["create", "--if"], ["--if-absent"]),
    ("bland-pools", ["update", "POOL", "+12345678901", "--rem"], ["--remove-credentials"]),
    ("bland-pools", ["completion", ""], ["bash", "fish", "zsh"]),
    ("ghl-pools", ["ex"], ["export"]),
    ("ghl-pools", ["export", "--format", ""], ["csv", "json", "jsonl", "provision"]),
    # Arguments shown as FILE or PATH complete file names (tmp_path has pools.csv, other.db).
    ("bland-pools", ["provision", "p"], ["pools.csv"]),
    ("bland-pools", ["provision", "pools.csv", "--manifest", "o"], ["other.db"]),
    ("bland-pools", ["manifest", "o"], ["other.db"]),
    ("ghl-pools", ["export", "--locations-file", "p"], ["pools.csv"]),
]


@pytest.mark.parametrize(("prog", "words", "expected"), BASH_CASES)
def test_bash_completes_commands_options_and_choices(
    prog: str,
    words: list[str],
    expected: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path = tmp_path / "completion.bash"
    path.write_text(_script(prog, "bash", capsys))
    line = " ".join([prog, *words])
    # What bash does on TAB: fill COMP_WORDS and COMP_CWORD, call the function `complete`
    # registered for the command, read COMPREPLY.
    code = (
        f'source "$1"; COMP_WORDS=("$2" "${{@:3}}"); COMP_CWORD=$(( $# - 2 )); '
        f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; '
        "fn=$(complete -p \"$2\" | sed -E 's/.* -F ([^ ]+) .*/\\1/'); "
        '"$fn" "$2" "${@: -1}" "${@: -2:1}"; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = _shell(["bash", "-c", code, "bash", str(path), prog, *words], _files(tmp_path))
    assert sorted(x.strip() for x in done.stdout.splitlines() if x.strip()) == expected


FISH_CASES = [
    ("bland-pools", "bland-pools pro", ["provision"]),
    ("bland-pools", "bland-pools create --if", ["--if-absent"]),
    ("ghl-pools", "ghl-pools export --format ", ["csv", "json", "jsonl", "provision"]),
    ("bland-pools", "bland-pools provision p", ["pools.csv"]),
    ("bland-pools", "bland-pools provision pools.csv --manifest o", ["other.db"]),
    ("ghl-pools", "ghl-pools export --locations-file p", ["pools.csv"]),
]


@pytest.mark.parametrize(("prog", "line", "expected"), FISH_CASES)
def test_fish_completes_commands_options_and_choices(
    prog: str, line: str, expected: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed (apt-get install fish)")
    path = tmp_path / "completion.fish"
    path.write_text(_script(prog, "fish", capsys))
    fish = ["fish", "--no-config", "-c", "source $argv[1]; complete -C $argv[2]"]
    done = _shell([*fish, str(path), line], _files(tmp_path))
    assert sorted(x.split("\t")[0] for x in done.stdout.splitlines()) == expected


@pytest.mark.parametrize("main", [bland_main, ghl_main])
def test_an_unknown_shell_is_refused_naming_it(
    main: Main, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(main, ["completion", "powershell"]) == 2
    err = capsys.readouterr().err
    assert "'powershell'" in err
    assert "bash" in err
    assert "fish" in err


def test_help_says_how_to_install_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(bland_main, ["completion", "--help"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for line in (
        "bland-pools completion bash > ~/.local/share/bash-completion/completions/bland-pools",
        "bland-pools completion zsh > ~/.zfunc/_bland-pools",
        "bland-pools completion fish > ~/.config/fish/completions/bland-pools.fish",
    ):
        assert "  " + line in lines


def test_the_installed_command_prints_it() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ghl-pools"), "completion", "zsh"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("#compdef ghl-pools")
