"""Each package lists its public names twice: statically (the ``TYPE_CHECKING`` imports, for
type checkers and IDEs) and at run time (``_EXPORTS``, for the lazy ``__getattr__``, or
``__all__``). These tests keep the two lists the same, so a name added to one is never
missing from the other. And the lazily loaded packages show every public name to ``dir()``
without importing aiohttp or asyncio."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import bland_pools.testing
import ghl_pools.testing
import pools_core.testing
from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator

ROOT = Path(__file__).resolve().parents[2]
LAZY = ("bland_pools", "ghl_pools", "pools_core")
TESTING = ("bland_pools.testing", "ghl_pools.testing")


def _type_checking_imports(package: str) -> dict[str, str]:
    """``{name: module}`` of the ``X as X`` imports under ``if TYPE_CHECKING:``, modules
    written as ``_EXPORTS`` writes them (``"._client"``, ``"pools_core"``)."""
    source = (ROOT / package.replace(".", "/") / "__init__.py").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"):
            continue
        for statement in node.body:
            assert isinstance(statement, ast.ImportFrom), ast.unparse(statement)
            module = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                found[alias.asname or alias.name] = module
    return found


@pytest.mark.parametrize("package", LAZY)
def test_the_static_and_the_lazy_export_lists_are_the_same(package: str) -> None:
    module = importlib.import_module(package)
    static = _type_checking_imports(package)
    assert static, "no TYPE_CHECKING imports found: the parser no longer sees the block"
    assert static == module._EXPORTS
    assert module.__all__ == sorted(static)


def _constants(package: str) -> set[str]:
    """The public names a package's ``__init__`` assigns itself (``SAMPLE_CREDENTIALS``)."""
    source = (ROOT / package.replace(".", "/") / "__init__.py").read_text(encoding="utf-8")
    names = set()
    for node in ast.parse(source).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else []
        targets += node.targets if isinstance(node, ast.Assign) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")}
    return names


@pytest.mark.parametrize("package", TESTING)
def test_a_testing_package_lists_what_it_imports_for_type_checkers(package: str) -> None:
    module = importlib.import_module(package)
    # What it imports for type checkers, and the constants it defines itself.
    expected = {*_type_checking_imports(package), *_constants(package)}
    assert sorted(expected) == sorted(module.__all__)
    for name in module.__all__:  # and each resolves at run time
        assert getattr(module, name) is not None


@pytest.mark.parametrize("package", LAZY + TESTING)
def test_every_public_name_resolves_and_is_shown_by_dir(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        getattr(module, name)
    assert set(module.__all__) <= set(dir(module))


# -- what the packages show to dir() ---------------------------------------------------------


@pytest.mark.parametrize(
    ("package", "emulator"),
    [(bland_pools.testing, "BlandEmulator"), (ghl_pools.testing, "GHLEmulator")],
    ids=["bland_pools.testing", "ghl_pools.testing"],
)
def test_the_testing_packages_show_their_exports_to_dir(package: object, emulator: str) -> None:
    shared = ["FakeClock", "Fault", "FaultPlan", "RecordedRequest"]

    shown = dir(package)

    assert {emulator, *shared} <= set(shown)
    for name in shared:
        assert getattr(package, name) is getattr(pools_core.testing, name)
    expected = BlandEmulator if emulator == "BlandEmulator" else GHLEmulator
    assert getattr(package, emulator) is expected


_DIR_OF_A_FRESH_IMPORT = """
import json, sys
import {package} as package
loaded = sorted(m for m in ("aiohttp", "asyncio") if m in sys.modules)
shown = set(dir(package))
missing = sorted(set(package.__all__) - shown)
unresolved = []
for name in package.__all__:
    try:
        getattr(package, name)
    except AttributeError:
        unresolved.append(name)
print(json.dumps({{"loaded": loaded, "missing": missing, "unresolved": unresolved,
                  "count": len(package.__all__)}}))
"""


@pytest.mark.parametrize("package", ["bland_pools", "ghl_pools"])
def test_a_fresh_import_is_lazy_yet_dir_shows_and_getattr_resolves_every_public_name(
    package: str,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _DIR_OF_A_FRESH_IMPORT.format(package=package)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["loaded"] == []  # dir() was asked of the lazy module, before any import
    assert found["missing"] == []
    assert found["unresolved"] == []
    assert found["count"] > 20
