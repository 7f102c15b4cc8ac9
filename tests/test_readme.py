"""Every Python example of the README runs as written: each fenced ``python`` block is saved
as a script and run in a fresh interpreter, with the environment pointing at the emulators
(served from their own threads), and must exit 0. The README is the front page: its shell
examples run in tests/test_docs.py with the documentation site's, and the pytest-file
recipes (a first line such as ``# test_my_code.py``) live in docs/guides/testing.md, run by
tests/emulator/test_pytest_plugin.py and tests/emulator/test_readme_test_files.py."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _examples import emulated_environment, run_example

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
#: A block whose first line is ``# test_<name>.py`` is a pytest file, not a script.
TEST_FILE = re.compile(r"# (test_\w+\.py)\n")
TEST_FILES = [block for block in BLOCKS if TEST_FILE.match(block)]
SCRIPTS = [block for block in BLOCKS if not TEST_FILE.match(block)]
KEY = "sk-readme-5e4d3c"
CRED = "550e8400-e29b-41d4-a716-446655440000"
TOKEN = "pit-readme-7a6b5c"
LOCATION = "ve9EPM428h8vShlRW1KT"


def _name(block: str) -> str:
    first = next(
        line for line in block.splitlines() if line and not line.startswith(("import", "from"))
    )
    return re.sub(r"\W+", "-", first)[:40].strip("-")


@pytest.fixture(scope="module")
def environment() -> Iterator[dict[str, str]]:
    with emulated_environment(KEY, CRED, TOKEN, [LOCATION]) as env:
        yield env


def test_the_readme_has_the_examples_this_test_runs() -> None:
    # The three quick starts (async client, blocking client, provisioning from Python); a
    # regex that stopped matching would make every test vacuous.
    assert len(SCRIPTS) >= 3
    assert not TEST_FILES  # the pytest-file recipes are in docs/guides/testing.md
    assert len(BLOCKS) == len(SCRIPTS)


@pytest.mark.parametrize("block", SCRIPTS, ids=[_name(b) for b in SCRIPTS])
def test_a_readme_example_runs_as_written(
    block: str, environment: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(block, encoding="utf-8")

    done = run_example([sys.executable, "-W", "error", str(script)], tmp_path, environment)

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
