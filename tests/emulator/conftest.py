"""Fixtures of the emulator tests: emulators on 127.0.0.1 and a raw aiohttp session.

These tests check the emulators themselves, so they talk raw HTTP (aiohttp, or ``requests``
in a thread), not the SDK; nothing reaches the internet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bland_pools.testing import BlandEmulator
from ghl_pools.testing import GHLEmulator

KEY_A = "key-a"
KEY_B = "key-b"
CRED_A = "550e8400-e29b-41d4-a716-446655440000"  # the docs' credentials, known to org A
CRED_B = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"  # known to org B only
TOKEN = "tok-1"
OTHER_TOKEN = "tok-2"
LOCATION = "ve9EPM428h8vShlRW1KT"
SECOND_LOCATION = "loc123"
OTHER_LOCATION = "otherLoc_9"
VERSION = "2021-07-28"


@pytest.fixture
async def bland() -> AsyncIterator[BlandEmulator]:
    """Two organizations (keys A and B), each with its own Twilio credentials."""
    async with BlandEmulator(api_keys={KEY_A: [CRED_A], KEY_B: [CRED_B]}) as emulator:
        yield emulator


@pytest.fixture
async def ghl() -> AsyncIterator[GHLEmulator]:
    """Token 1 sees two locations (its own first); token 2 sees a third."""
    tokens = {TOKEN: [LOCATION, SECOND_LOCATION], OTHER_TOKEN: [OTHER_LOCATION]}
    async with GHLEmulator(tokens=tokens) as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A raw HTTP session that opens a fresh connection for each request.

    Beware: aiohttp resends an idempotent request (GET) once when the connection drops, so a
    dropped GET shows as an error only when the retry is dropped too.
    """
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=10)
    ) as session:
        yield session
