"""Each package lists its public names twice: statically (the ``TYPE_CHECKING`` imports, for
type checkers and IDEs) and at run time (``_EXPORTS``, for the lazy ``__getattr__``, or
``__all__``). These tests keep the two lists the same, so a name added to one is never
missing from the other."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("package", TESTING)
def test_a_testing_package_lists_what_it_imports_for_type_checkers(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(_type_checking_imports(package)) == sorted(module.__all__)
    for name in module.__all__:  # and each resolves at run time
        assert getattr(module, name) is not None


@pytest.mark.parametrize("package", LAZY + TESTING)
def test_every_public_name_resolves_and_is_shown_by_dir(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        getattr(module, name)
    assert set(module.__all__) <= set(dir(module))
