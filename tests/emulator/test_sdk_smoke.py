"""Smoke tests: the SDK clients work end to end against the emulators, faults included.
(The emulators' own behaviour is tested with raw HTTP in the other modules.)"""

from __future__ import annotations

import asyncio
import uuid

import pytest

import bland_pools
import ghl_pools
from bland_pools import AsyncBlandClient, BlandClient
from bland_pools.testing import BlandEmulator, FakeClock, Fault
from ghl_pools import AsyncGHLClient
from ghl_pools.testing import GHLEmulator

from .conftest import CRED_A, KEY_A, KEY_B, LOCATION, OTHER_LOCATION, TOKEN

NUMBERS = ["+12345678901", "+19876543210"]


async def test_bland_client_fixture_full_cycle(
    bland_client: AsyncBlandClient, bland_emulator: BlandEmulator
) -> None:
    bland_emulator.add_credentials(bland_emulator.api_key, CRED_A)
    pool = await bland_client.pools.create(NUMBERS, encrypted_key=CRED_A)
    assert pool.owner_id == bland_emulator.owner_id(bland_emulator.api_key)
    assert pool.created_at.tzinfo is not None
    assert await bland_client.pools.get(pool.id) == pool
    kept = await bland_client.pools.update(pool.id, ["+15551234567"])
    assert (kept.phone_numbers, kept.encrypted_key) == (("+15551234567",), CRED_A)
    removed = await bland_client.pools.update(pool.id, ["+15551234567"], encrypted_key=None)
    assert removed.encrypted_key is None
    assert await bland_client.pools.list() == [removed]
    with pytest.raises(bland_pools.InvalidCredentialsError) as caught:
        await bland_client.pools.create(NUMBERS, encrypted_key=str(uuid.uuid4()))
    assert (caught.value.status, caught.value.code) == (400, "INVALID_CREDENTIALS")
    with pytest.raises(bland_pools.PoolNotFoundError):
        await bland_client.pools.get(str(uuid.uuid4()))


async def test_bland_errors_and_tenancy(bland: BlandEmulator) -> None:
    other = bland.add_pool(KEY_B, NUMBERS)
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland.url) as client:
        with pytest.raises(bland_pools.PoolNotFoundError) as caught:
            await client.pools.get(other["id"])
        assert caught.value.status == 404
    async with AsyncBlandClient(api_key="wrong", base_url=bland.url) as client:
        with pytest.raises(bland_pools.AuthenticationError):
            await client.pools.list()


@pytest.mark.parametrize(
    "fault", [Fault.DROP_AFTER, Fault.DROP_BEFORE, Fault.SERVER_ERROR, Fault.HTML_ERROR]
)
async def test_bland_create_survives_a_lost_answer_without_duplicates(
    bland: BlandEmulator, fault: Fault
) -> None:
    bland.inject(fault, method="POST")
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland.url, clock=FakeClock()) as client:
        pool = await client.pools.create(NUMBERS)
    assert [p["id"] for p in bland.pools(KEY_A)] == [pool.id]


async def test_bland_create_adopts_the_pool_of_a_timed_out_attempt(bland: BlandEmulator) -> None:
    bland.inject(Fault.SLOW, method="POST", slow_seconds=5)
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland.url, timeout=0.3) as client:
        pool = await client.pools.create(NUMBERS)
    assert [p["id"] for p in bland.pools(KEY_A)] == [pool.id]
    assert [r.method for r in bland.requests] == ["POST", "GET"]  # create, then the list


async def test_bland_retries_staged_failures(bland: BlandEmulator) -> None:
    bland.inject(Fault.SERVER_ERROR, status=503)
    bland.inject(Fault.RATE_LIMITED, retry_after=0.01)
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland.url, clock=FakeClock()) as client:
        assert await client.pools.list() == []
        bland.inject(Fault.HTML_ERROR)
        with pytest.raises(bland_pools.ServerError) as caught:
            await client.pools.list(max_retries=0)
    assert caught.value.status == 502
    assert [r.status for r in bland.requests] == [503, 429, 200, 502]


async def test_the_blocking_client_works_against_the_emulator(bland: BlandEmulator) -> None:
    def blocking() -> list[str]:
        with BlandClient(api_key=KEY_A, base_url=bland.url) as client:
            created = client.pools.create(NUMBERS)
            return [p.id for p in client.pools.list()] + [created.id]

    ids = await asyncio.to_thread(blocking)
    assert ids[0] == ids[1] == bland.pools(KEY_A)[0]["id"]


async def test_ghl_client_fixture(ghl_client: AsyncGHLClient, ghl_emulator: GHLEmulator) -> None:
    ghl_emulator.seed_samples()
    page = await ghl_client.pools.list()
    assert page.total == len(page) == 3
    first = page.pools[0]
    assert first.name == "Sales Team Pool"
    assert first.location_id == ghl_emulator.location_id
    assert first.numbers[0].friendly_name == "Sales Line 1"
    assert first.inbound_call_service is not None
    assert first.inbound_call_service.type == "voice_ai"
    assert page.pools[1].inbound_call_service is None
    info = ghl_client.rate_limit
    assert info is not None
    assert (info.limit, info.remaining, info.daily_limit) == (100, 99, 200_000)
    with pytest.raises(ghl_pools.BadRequestError):
        await ghl_client.pools.list(location_id="loc.with.dots")  # the SDK lets it through


async def test_ghl_errors(ghl: GHLEmulator) -> None:
    async with AsyncGHLClient(token=TOKEN, base_url=ghl.url) as client:
        with pytest.raises(ghl_pools.PermissionDeniedError) as caught:
            await client.pools.list(location_id=OTHER_LOCATION)
        assert caught.value.status == 403
    async with AsyncGHLClient(token="wrong", base_url=ghl.url) as client:
        with pytest.raises(ghl_pools.AuthenticationError):
            await client.pools.list(location_id=LOCATION)
    async with AsyncGHLClient(token=TOKEN, base_url=ghl.url, version="v3") as client:
        assert (await client.pools.list(location_id=None)).total == 0
    assert ghl.requests[-1].headers["version"] == "v3"
    assert "locationid" not in {k.lower() for k in ghl.requests[-1].query}


async def test_ghl_client_stays_under_the_burst_limit() -> None:
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}, rate_limit=3, rate_interval=0.3) as ghl:
        async with AsyncGHLClient(token=TOKEN, base_url=ghl.url, location_id=LOCATION) as client:
            for _ in range(7):
                await client.pools.list()
        assert 429 not in [r.status for r in ghl.requests]  # paced by the headers


async def test_ghl_client_retries_a_staged_rate_limit(ghl: GHLEmulator) -> None:
    ghl.inject(Fault.RATE_LIMITED, retry_after=0.05)
    ghl.inject(Fault.SERVER_ERROR, status=502)
    async with AsyncGHLClient(
        token=TOKEN, base_url=ghl.url, location_id=LOCATION, clock=FakeClock()
    ) as client:
        assert (await client.pools.list()).total == 0
    assert [r.status for r in ghl.requests] == [429, 502, 200]


async def test_a_dropped_get_reaches_the_sdk_after_aiohttps_own_resend(
    bland: BlandEmulator,
) -> None:
    bland.inject(Fault.DROP_BEFORE, times=2, method="GET")
    async with AsyncBlandClient(api_key=KEY_A, base_url=bland.url) as client:
        with pytest.raises(bland_pools.APIConnectionError) as caught:
            await client.pools.list(max_retries=0)
        assert caught.value.request_sent
        assert await client.pools.list() == []


async def test_ghl_429_waits_the_servers_interval_not_the_default() -> None:
    tokens = {TOKEN: [LOCATION]}
    async with GHLEmulator(tokens=tokens, rate_limit=2, rate_interval=0.5) as ghl:
        async with (
            AsyncGHLClient(token=TOKEN, base_url=ghl.url, location_id=LOCATION) as first,
            AsyncGHLClient(token=TOKEN, base_url=ghl.url, location_id=LOCATION) as second,
        ):
            await first.pools.list()
            await first.pools.list()
            # The second client has seen no headers yet: its first answer is a 429 saying
            # the window is 500 ms long. A retry within a second or two is expected.
            page = await asyncio.wait_for(second.pools.list(), 3)
        assert page.total == 0
        assert [r.status for r in ghl.requests] == [200, 200, 429, 200]
