"""The web-app recipes of the documentation site's testing guide (``# test_fastapi_app.py``,
``# test_aiohttp_app.py``) run as written: each block is saved under the name its first line
gives, next to the page's ``# pyproject.toml`` block, and run as a pytest session in a fresh
process with ``-W error``. (``# test_my_code.py`` needs an app of its own:
tests/emulator/test_pytest_plugin.py runs it.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "docs" / "guides" / "testing.md"]
FENCE = re.compile(r"```(?:python|toml)\n(.*?)```", flags=re.S)
TEST_FILE = re.compile(r"# (test_\w+\.py)\n")
RECIPE_NAMES = ["test_aiohttp_app.py", "test_fastapi_app.py"]


def _recipes(page: Path) -> tuple[dict[str, str], str]:
    """The page's recipe blocks by file name, and its ``# pyproject.toml`` block."""
    blocks = FENCE.findall(page.read_text(encoding="utf-8"))
    recipes = {
        match.group(1): block
        for block in blocks
        if (match := TEST_FILE.match(block)) and match.group(1) != "test_my_code.py"
    }
    pyproject = next(block for block in blocks if block.startswith("# pyproject.toml\n"))
    return recipes, pyproject


CASES = [(page, name) for page in PAGES for name in RECIPE_NAMES]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_page_has_both_recipes(page: Path) -> None:
    assert sorted(_recipes(page)[0]) == RECIPE_NAMES


@pytest.mark.parametrize(("page", "name"), CASES, ids=[f"{p.name}-{n}" for p, n in CASES])
def test_a_recipe_passes_as_written(pytester: pytest.Pytester, page: Path, name: str) -> None:
    recipes, pyproject = _recipes(page)
    block = recipes[name]
    (pytester.path / name).write_text(block, encoding="utf-8")
    pytester.makepyprojecttoml(pyproject)

    result = pytester.runpytest_subprocess("-W", "error", "-p", "no:cacheprovider", timeout=120)

    tests = len(re.findall(r"^(?:async )?def test_", block, flags=re.M))
    assert tests >= 1
    result.assert_outcomes(passed=tests)
