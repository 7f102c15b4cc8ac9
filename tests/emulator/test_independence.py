"""The emulators are test oracles: each carries its own copy of its API's rules and imports
nothing of the SDK (its validators, limiter, converters or constants). A bug in an SDK rule then
shows up as a disagreement in the differential tests, not as two sides agreeing."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import bland_pools.testing._emulator
import ghl_pools.testing._emulator
import pools_core.testing._clock
import pools_core.testing._emulator

EMULATOR_MODULES = [
    bland_pools.testing._emulator,
    ghl_pools.testing._emulator,
    pools_core.testing._emulator,
    pools_core.testing._clock,
]
# What an emulator may build on: the standard library, its web server, attrs, and the shared
# emulator machinery (which follows the same rule).
ALLOWED = {"aiohttp", "attrs", "pools_core.testing", "__future__"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add(f"relative:{node.module}")
    return names


def _allowed(name: str) -> bool:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names:
        return True
    return any(name == a or name.startswith(a + ".") for a in ALLOWED)


@pytest.mark.parametrize("module", EMULATOR_MODULES, ids=lambda m: m.__name__)
def test_an_emulator_imports_nothing_of_the_sdk(module: object) -> None:
    path = Path(module.__file__)  # type: ignore[attr-defined]
    names = _imports(path)

    relative = {n for n in names if n.startswith("relative:")}
    # Within pools_core.testing, its own modules; nowhere else relative imports at all.
    if module.__name__.startswith("pools_core.testing"):  # type: ignore[attr-defined]
        assert relative <= {"relative:_emulator", "relative:_clock"}
    else:
        assert relative == set()
    assert [n for n in names - relative if not _allowed(n)] == []
