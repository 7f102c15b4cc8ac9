"""Fixtures of the end-to-end tests: the SDK against the in-package emulators on 127.0.0.1
(real sockets, no mocks, nothing reaches the internet)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator

from ._support import (
    CRED_A,
    CRED_A2,
    CRED_B,
    KEY_A,
    KEY_B,
    LOCATION,
    OTHER_LOCATION,
    OTHER_TOKEN,
    SECOND_LOCATION,
    TOKEN,
    FakeClock,
)


@pytest.fixture
async def bland_emu() -> AsyncIterator[BlandEmulator]:
    """Two organizations: key A with two Twilio credentials, key B with one of its own."""
    async with BlandEmulator(api_keys={KEY_A: [CRED_A, CRED_A2], KEY_B: [CRED_B]}) as emulator:
        yield emulator


@pytest.fixture
async def ghl_emu() -> AsyncIterator[GHLEmulator]:
    """TOKEN sees LOCATION (its own) and SECOND_LOCATION; OTHER_TOKEN sees OTHER_LOCATION."""
    tokens = {TOKEN: [LOCATION, SECOND_LOCATION], OTHER_TOKEN: [OTHER_LOCATION]}
    async with GHLEmulator(tokens=tokens) as emulator:
        yield emulator


@pytest.fixture
def fake() -> FakeClock:
    """A clock whose waits are recorded, not slept."""
    return FakeClock()
