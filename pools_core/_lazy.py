"""Public names imported on first use (PEP 562), so that ``bland-pools --version`` and
``--help`` answer without loading aiohttp: an SDK's import time is its users' start-up time."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports", "testing_exports"]


#: A package's ``__getattr__`` and ``__dir__``.
Hooks = tuple[Callable[[str], Any], Callable[[], list[str]]]


def lazy_exports(package: str, exports: Mapping[str, str]) -> Hooks:
    """``__getattr__`` and ``__dir__`` for ``package``, whose public name ``N`` lives in the
    module ``exports[N]`` (relative to the package, ``"._client"``)."""
    namespace = importlib.import_module(package).__dict__

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value  # found once; later lookups do not come here
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *exports})

    return getattr_, dir_


def testing_exports(package: str, emulator: str) -> Hooks:
    """``__getattr__`` and ``__dir__`` for an API's testing ``package``: its emulator class
    ``emulator`` (from its ``._emulator``) and the shared helpers of ``pools_core.testing``.
    On first use, because the pytest plugin imports the package in every test session and the
    emulators need aiohttp.web."""
    shared = dict.fromkeys(
        ("FakeClock", "Fault", "FaultPlan", "RecordedRequest"), "pools_core.testing"
    )
    return lazy_exports(package, {emulator: "._emulator", **shared})
