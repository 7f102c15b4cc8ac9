"""The documentation site cannot drift from the code.

- Every ``python`` block of ``docs/`` runs as a script, as ``tests/test_readme.py`` runs the
  README's (a block starting with ``# test_`` is a pytest file, run by the plugin tests).
- Every ``bash`` block of ``docs/`` and of the README runs in a scratch directory against
  the emulators, with the command lines on ``PATH``, the README's sample ``pools.csv``, a
  call list and the repository's ``examples/``. Shell that is not run says so by its fence:
  ``shell`` for install and CI commands (they need the network or a fresh machine); synopses
  and transcripts are ``text``.
- ``mkdocs build --strict`` succeeds, and the built site documents every public name of the
  three packages and every command of both command lines.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _examples import emulated_environment, run_example

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", flags=re.S | re.M)
KEY = "sk-docs-5e4d3c"
CRED = "550e8400-e29b-41d4-a716-446655440000"
TOKEN = "pit-docs-7a6b5c"
LOCATIONS = ["ve9EPM428h8vShlRW1KT", "loc123"]
#: A call list for the coverage examples that read one from standard input.
CALLS_TXT = "+12125550147\n(646) 555-0101\n415.555.0104\nn/a\n"


def _readme_pools_csv() -> str:
    """The provision input the README shows (a ``text`` block), as the shell examples use it."""
    text = README.read_text(encoding="utf-8")
    for fence, body in FENCE.findall(text):
        if fence == "text" and body.startswith("pool,phone_number"):
            return str(body)
    raise AssertionError("the README shows no pools.csv")


def _blocks(language: str, pages: list[Path]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for page in pages:
        for fence, body in FENCE.findall(page.read_text(encoding="utf-8")):
            if fence == language:
                found.append((f"{page.relative_to(ROOT)}:{len(found)}", body))
    return found


PYTHON = [(n, body) for n, body in _blocks("python", PAGES) if not body.startswith("# test_")]
BASH = _blocks("bash", [*PAGES, README])


@pytest.fixture(scope="module")
def environment() -> Iterator[dict[str, str]]:
    with emulated_environment(KEY, CRED, TOKEN, LOCATIONS) as env:
        yield env


def test_the_docs_have_the_examples_these_tests_run() -> None:
    assert len(PYTHON) >= 8  # a fence regex that stopped matching would make them vacuous
    assert len(BASH) >= 2


def test_no_shell_block_escapes_the_fence_rule() -> None:
    pages = [*PAGES, README]
    fences = {fence for page in pages for fence, _ in FENCE.findall(page.read_text("utf-8"))}
    assert not fences & {"sh", "console", "zsh", "shell-session"}, fences


@pytest.mark.parametrize(("name", "block"), PYTHON, ids=[name for name, _ in PYTHON])
def test_a_python_example_runs_as_written(
    name: str, block: str, environment: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")
    done = run_example([sys.executable, "-W", "error", str(script)], tmp_path, environment)
    assert done.returncode == 0, f"{name}: {done.stderr}"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("name", "block"), BASH, ids=[name for name, _ in BASH])
def test_a_shell_example_runs_as_written(
    name: str, block: str, environment: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "pools.csv").write_text(_readme_pools_csv(), encoding="utf-8")
    (tmp_path / "calls.txt").write_text(CALLS_TXT, encoding="utf-8")
    shutil.copy(ROOT / "examples" / "calls.csv", tmp_path / "calls.csv")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    done = run_example(["bash", "-euo", "pipefail", "-c", block], tmp_path, environment)
    assert done.returncode == 0, f"{name}: {done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="the [docs] extra builds the site")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def _public_modules() -> list[str]:
    """Every public module of the three packages, found by walking them (not from the site's
    own list, so a new public module the site forgets fails here); the pytest plugins are
    documented in the testing guide."""
    found = []
    for package in ("bland_pools", "ghl_pools", "pools_core"):
        found.append(package)
        path = importlib.import_module(package).__path__
        for module in pkgutil.walk_packages(path, package + "."):
            parts = module.name.split(".")
            if not any(part.startswith("_") for part in parts) and parts[-1] != "pytest_plugin":
                found.append(module.name)
    return sorted(found)


PUBLIC = _public_modules()


@pytest.mark.parametrize("module", PUBLIC)
def test_the_site_documents_every_public_name(module: str, site: Path) -> None:
    """Each name has its own entry on its module's page, or (re-exported from another of
    the project's modules) a link there to an entry that exists."""
    reference = site / "reference"
    ids = set(
        re.findall(
            r'id="([\w.]+)"', "".join(p.read_text("utf-8") for p in reference.rglob("*.html"))
        )
    )
    page = (reference / module.replace(".", "_") / "index.html").read_text("utf-8")
    links = set(re.findall(r'href="[^"#]*#([\w.]+)"', page))
    names = [n for n in importlib.import_module(module).__all__ if not n.startswith("_")]
    missing = [
        name
        for name in names
        if f"{module}.{name}" not in ids
        and not any(link.endswith(f".{name}") and link in ids for link in links)
    ]
    assert not missing


def test_the_site_documents_every_command(site: Path) -> None:
    from bland_pools._cli import BLAND_CLI
    from ghl_pools._cli import GHL_CLI

    html = (site / "reference" / "cli" / "index.html").read_text("utf-8")
    for cli in (BLAND_CLI, GHL_CLI):
        for command in cli.commands:
            assert f"{cli.prog} {command.name}</code>" in html, command.name
            assert f"usage: {cli.prog} {command.name}" in html, command.name
