"""Shared test fixtures. No test talks to the internet: HTTP is mocked with aioresponses or
served by the in-package emulators on 127.0.0.1; no test sees the developer's own
credentials or base URLs in the environment."""

from __future__ import annotations

import inspect
import types
from collections.abc import Iterator
from typing import Any

import aiohttp
import aioresponses.core as aioresponses_core
import pytest
from aioresponses import aioresponses


def _patch_aioresponses_for_aiohttp_314() -> None:
    # aiohttp 3.14 added a required ``stream_writer`` argument to ClientResponse, which
    # aioresponses 0.7.x does not pass (pnuckowski/aioresponses#289). Supply a stand-in whose
    # ``output_size`` is all ClientResponse reads from it for an already-sent request.
    params = inspect.signature(aiohttp.ClientResponse.__init__).parameters
    if "stream_writer" not in params:
        return

    class _ClientResponse(aiohttp.ClientResponse):
        def __init__(self, *args: object, **kwargs: object) -> None:
            kwargs.setdefault("stream_writer", types.SimpleNamespace(output_size=0))
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    aioresponses_core.ClientResponse = _ClientResponse  # type: ignore[misc]


_patch_aioresponses_for_aiohttp_314()


_ENV_VARS = (
    "BLAND_API_KEY",
    "BLAND_BASE_URL",
    "BLAND_RESOURCE_PATH",
    "GHL_ACCESS_TOKEN",
    "GHL_BASE_URL",
    "GHL_LOCATION_ID",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own credentials or base URLs never leak into a test."""
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def opened_sessions(monkeypatch: pytest.MonkeyPatch) -> list[aiohttp.ClientSession]:
    """Every aiohttp session opened during the test, in order (recorded by wrapping aiohttp's
    own constructor: the SDK's sessions are its business, but whether they close is ours)."""
    sessions: list[aiohttp.ClientSession] = []
    original = aiohttp.ClientSession.__init__

    def record(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        sessions.append(self)

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", record)
    return sessions


@pytest.fixture
def mock_http() -> Iterator[aioresponses]:
    """aioresponses, with every unmatched request refused (nothing reaches the network)."""
    with aioresponses() as mocked:
        yield mocked
