"""Helpers of the end-to-end tests: credentials, a recording fake clock, the JSON a pool model
stands for, and an emulator served from its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import attrs
from aiohttp import web

from bland_pools import DialingPool
from bland_pools._protocol import decode_pool
from bland_pools.testing import BlandEmulator
from ghl_pools import NumberPool
from ghl_pools.testing import GHLEmulator
from pools_core._convert import camel_case
from pools_core._protocol import Response
from pools_core.testing import FakeClock as FakeClock  # the tests import it from here

# Distinctive enough that a leak would be found by a plain substring search.
KEY_A = "sk-e2e-org-a-4c1f7d2b9e"
KEY_B = "sk-e2e-org-b-8a3e6c0f5d"
CRED_A = "550e8400-e29b-41d4-a716-446655440000"  # the docs' credentials, org A's
CRED_A2 = "0b7a4f7e-3f0a-4c55-9d1e-6c2f1b8e9a10"  # org A's second credentials
CRED_B = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"  # org B's only

TOKEN = "pit-e2e-token-1-7d2e9c"
OTHER_TOKEN = "pit-e2e-token-2-3b8f1a"
LOCATION = "ve9EPM428h8vShlRW1KT"  # the docs' location; TOKEN's own
SECOND_LOCATION = "loc123"  # TOKEN may see it too
OTHER_LOCATION = "otherLoc_9"  # OTHER_TOKEN's only

POOLS_PATH = "/v1/custom-dialing-pools"
GHL_PATH = "/phone-system/number-pools"


def numbers(index: int, count: int = 2) -> list[str]:
    """``count`` distinct valid numbers, different for every ``index`` below 10**6."""
    return [f"+1{index:06d}{n:04d}" for n in range(count)]


def posts(emu: BlandEmulator) -> int:
    """How many POSTs the emulator received."""
    return sum(1 for r in emu.requests if r.method == "POST")


class RecordingClock:
    """The real clock, recording how long each wait was asked to be."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(seconds)


async def send_past_the_sdk(
    base_url: str, api_key: str, method: str, path: str, body: Any = None
) -> DialingPool:
    """Send a request as the SDK would, but past its own checks, and decode the answer as the
    SDK does: the server's verdict on input the SDK refuses, as the SDK's error."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Authorization": api_key}
    if data is not None:
        headers["Content-Type"] = "application/json"
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, base_url + path, data=data, headers=headers) as resp,
    ):
        response = Response(resp.status, resp.headers, await resp.read(), method, str(resp.url))
    return decode_pool(response)


def pool_json(pool: DialingPool) -> dict[str, Any]:
    """The emulator's JSON for ``pool``, rebuilt from the model's fields."""
    return {
        "id": pool.id,
        "owner_id": pool.owner_id,
        "phone_numbers": list(pool.phone_numbers),
        "encrypted_key": pool.encrypted_key,
        "created_at": pool.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def number_pool_json(pool: NumberPool) -> dict[str, Any]:
    """GoHighLevel's camelCase JSON for ``pool``, rebuilt from the model's fields."""
    service = pool.inbound_call_service
    return {
        "id": pool.id,
        "name": pool.name,
        "locationId": pool.location_id,
        "numbers": [
            {"phoneNumber": n.phone_number, "friendlyName": n.friendly_name} for n in pool.numbers
        ],
        "forwardingNumber": pool.forwarding_number,
        "whisper": pool.whisper,
        "whisperMessage": pool.whisper_message,
        "callRecording": pool.call_recording,
        "isActive": pool.is_active,
        "inboundCallService": (
            None if service is None else {"type": service.type, "value": service.value}
        ),
    }


def with_defaults(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored GoHighLevel pool with every optional field the model knows, missing ones as
    ``None`` (what the model decodes a missing key to)."""
    keys = [camel_case(field.name) for field in attrs.fields(NumberPool) if field.name != "_raw"]
    return {key: stored.get(key) for key in keys}


class PeerLog:
    """Mixin: remember the client address and port of every API request (the connection it
    came on); the emulator's own log does not keep it."""

    peers: list[tuple[str, int]]

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport is not None else None
        if peer is not None:
            self.peers.append((peer[0], peer[1]))
        response: web.StreamResponse = await super()._middleware(  # type: ignore[misc]
            request, handler
        )
        return response


class PeerBlandEmulator(PeerLog, BlandEmulator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.peers = []


class PeerGHLEmulator(PeerLog, GHLEmulator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.peers = []
