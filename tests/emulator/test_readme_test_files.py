"""The README's web-app recipes (``# test_fastapi_app.py``, ``# test_aiohttp_app.py``) run as
written: each block is saved under the name its first line gives, next to the README's
``# pyproject.toml`` block, and run as a pytest session in a fresh process with ``-W error``.
(``# test_my_code.py`` needs an app of its own: tests/emulator/test_pytest_plugin.py runs it.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```(?:python|toml)\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
TEST_FILE = re.compile(r"# (test_\w+\.py)\n")
RECIPES = {
    match.group(1): block
    for block in BLOCKS
    if (match := TEST_FILE.match(block)) and match.group(1) != "test_my_code.py"
}
PYPROJECT = next(block for block in BLOCKS if block.startswith("# pyproject.toml\n"))


def test_the_readme_has_both_recipes() -> None:
    assert sorted(RECIPES) == ["test_aiohttp_app.py", "test_fastapi_app.py"]


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_a_readme_recipe_passes_as_written(pytester: pytest.Pytester, name: str) -> None:
    block = RECIPES[name]
    (pytester.path / name).write_text(block, encoding="utf-8")
    pytester.makepyprojecttoml(PYPROJECT)

    result = pytester.runpytest_subprocess("-W", "error", "-p", "no:cacheprovider", timeout=120)

    tests = len(re.findall(r"^(?:async )?def test_", block, flags=re.M))
    assert tests >= 1
    result.assert_outcomes(passed=tests)
