"""Fixtures of the command-line tests: the root logger restored after
``-v``, emulators the tests start themselves, and the emulator a ``--emulator`` run embeds."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import bland_pools.testing
import ghl_pools.testing
from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator

from ._support import CRED, KEY, LOCATION, OTHER_LOCATION, OTHER_TOKEN, TOKEN, Embedded


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    """``-v`` configures logging; leave the root logger as it was for the next test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
async def bland_emu() -> AsyncIterator[BlandEmulator]:
    async with BlandEmulator(api_keys={KEY: [CRED]}) as emu:
        yield emu


@pytest.fixture
async def ghl_emu() -> AsyncIterator[GHLEmulator]:
    async with GHLEmulator(tokens={TOKEN: [LOCATION], OTHER_TOKEN: [OTHER_LOCATION]}) as emu:
        yield emu


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> Embedded:
    """Record the emulator each ``--emulator`` run embeds, so a test can compare the output
    with exactly what that emulator stores (it keeps its state after it stops)."""
    seen = Embedded()

    class RecordedBland(BlandEmulator):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            seen.bland.append(self)

    class RecordedGHL(GHLEmulator):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            seen.ghl.append(self)

    # The command lines import the class from the testing package when they need it.
    monkeypatch.setattr(bland_pools.testing, "BlandEmulator", RecordedBland, raising=False)
    monkeypatch.setattr(ghl_pools.testing, "GHLEmulator", RecordedGHL, raising=False)
    return seen
