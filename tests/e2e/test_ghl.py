"""GoHighLevel end to end: the list returns exactly what the emulator stores for the location
asked for (explicit, the client's default, or none), every documented error arrives as its
class, a token provider recovers from a 401, and faults are retried."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import ghl_pools
import pools_core
from ghl_pools import AsyncGHLClient, NumberPoolPage
from ghl_pools.testing import Fault, GHLEmulator

from ._support import (
    GHL_PATH,
    LOCATION,
    OTHER_LOCATION,
    OTHER_TOKEN,
    SECOND_LOCATION,
    TOKEN,
    FakeClock,
    number_pool_json,
    with_defaults,
)


@pytest.fixture
async def client(ghl_emu: GHLEmulator, fake: FakeClock) -> AsyncIterator[AsyncGHLClient]:
    """A client whose retry and rate-limiter waits are recorded, not slept."""
    async with AsyncGHLClient(token=TOKEN, base_url=ghl_emu.url, clock=fake) as client:
        yield client


def assert_page_is_stored(page: NumberPoolPage, emu: GHLEmulator, location: str) -> None:
    stored = emu.pools(location)
    assert [number_pool_json(p) for p in page] == [with_defaults(p) for p in stored]
    assert [p.raw for p in page] == stored
    assert page.raw == {"success": True, "data": stored, "total": len(stored)}
    assert page.total == len(page) == len(stored)


# -- the list ---------------------------------------------------------------------------------


async def test_list_with_an_explicit_location_returns_its_stored_pools(
    ghl_emu: GHLEmulator, client: AsyncGHLClient
) -> None:
    ghl_emu.seed_samples(LOCATION)
    ghl_emu.seed_samples(SECOND_LOCATION)
    ghl_emu.add_pool(SECOND_LOCATION, name="Bare pool")  # optional fields left out

    page = await client.pools.list(location_id=SECOND_LOCATION)

    assert_page_is_stored(page, ghl_emu, SECOND_LOCATION)
    assert {p.location_id for p in page} == {SECOND_LOCATION}
    (request,) = ghl_emu.requests
    assert (request.method, request.path, request.query) == (
        "GET",
        GHL_PATH,
        {"locationId": SECOND_LOCATION},
    )
    assert request.headers["version"] == "2021-07-28"
    assert request.headers["authorization"] == "***"


async def test_the_sample_pools_decode_field_by_field(
    ghl_emu: GHLEmulator, client: AsyncGHLClient
) -> None:
    first, second, third = ghl_emu.seed_samples(LOCATION)

    page = await client.pools.list(location_id=LOCATION)

    sales = page.pools[0]
    assert (sales.id, sales.name, sales.location_id) == (first["id"], "Sales Team Pool", LOCATION)
    assert [(n.phone_number, n.friendly_name) for n in sales.numbers] == [
        ("+14155552671", "Sales Line 1")
    ]
    assert (sales.whisper, sales.whisper_message, sales.call_recording, sales.is_active) == (
        True,
        "Incoming call from sales line",
        True,
        True,
    )
    assert sales.inbound_call_service is not None
    assert (sales.inbound_call_service.type, sales.inbound_call_service.value) == (
        "voice_ai",
        "68e381b296a83800a27cd1",
    )
    assert page.pools[1].inbound_call_service is None
    assert page.pools[2].is_active is False
    assert [p.id for p in page] == [first["id"], second["id"], third["id"]]


async def test_list_defaults_to_the_clients_location(ghl_emu: GHLEmulator) -> None:
    ghl_emu.seed_samples(SECOND_LOCATION)
    async with AsyncGHLClient(
        token=TOKEN, base_url=ghl_emu.url, location_id=SECOND_LOCATION
    ) as client:
        page = await client.pools.list()

    assert_page_is_stored(page, ghl_emu, SECOND_LOCATION)
    assert ghl_emu.requests[0].query == {"locationId": SECOND_LOCATION}


async def test_list_defaults_to_the_location_in_the_environment(
    ghl_emu: GHLEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    ghl_emu.seed_samples(SECOND_LOCATION)
    monkeypatch.setenv("GHL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("GHL_BASE_URL", ghl_emu.url)
    monkeypatch.setenv("GHL_LOCATION_ID", SECOND_LOCATION)
    async with AsyncGHLClient() as client:
        page = await client.pools.list()

    assert_page_is_stored(page, ghl_emu, SECOND_LOCATION)


async def test_list_with_none_sends_no_location_and_gets_the_tokens_own(
    ghl_emu: GHLEmulator,
) -> None:
    ghl_emu.seed_samples(LOCATION)
    ghl_emu.seed_samples(SECOND_LOCATION)
    async with AsyncGHLClient(
        token=TOKEN, base_url=ghl_emu.url, location_id=SECOND_LOCATION
    ) as client:
        page = await client.pools.list(location_id=None)  # overrides the client's default

    assert_page_is_stored(page, ghl_emu, LOCATION)
    assert ghl_emu.requests[0].query == {}


async def test_a_location_without_pools_is_an_empty_page(client: AsyncGHLClient) -> None:
    page = await client.pools.list(location_id=SECOND_LOCATION)

    assert (page.pools, page.total, len(page)) == ((), 0, 0)


async def test_version_v3_is_sent_when_asked_for(ghl_emu: GHLEmulator) -> None:
    async with AsyncGHLClient(token=TOKEN, base_url=ghl_emu.url, version="v3") as client:
        await client.pools.list(location_id=LOCATION)

    assert ghl_emu.requests[0].headers["version"] == "v3"


# -- errors -----------------------------------------------------------------------------------


async def test_a_wrong_token_raises_authentication_error(ghl_emu: GHLEmulator) -> None:
    wrong = "pit-e2e-wrong-token-5a5a"
    async with AsyncGHLClient(token=wrong, base_url=ghl_emu.url, clock=FakeClock()) as client:
        with pytest.raises(ghl_pools.AuthenticationError) as caught:
            await client.pools.list(location_id=LOCATION)

    err = caught.value
    assert (err.status, err.code, err.body) == (401, None, None)  # 401 comes without a body
    assert "Unauthorized" in err.message
    assert isinstance(err, pools_core.AuthenticationError)
    assert wrong not in f"{err} {err!r}"
    assert [r.status for r in ghl_emu.requests] == [401]  # not retried


async def test_another_location_raises_permission_denied(
    ghl_emu: GHLEmulator, client: AsyncGHLClient
) -> None:
    ghl_emu.seed_samples(OTHER_LOCATION)

    with pytest.raises(ghl_pools.PermissionDeniedError) as caught:
        await client.pools.list(location_id=OTHER_LOCATION)

    err = caught.value
    assert (err.status, err.code, err.body) == (403, None, None)
    assert "Forbidden" in err.message
    assert isinstance(err, pools_core.PermissionDeniedError)
    assert [r.status for r in ghl_emu.requests] == [403]


async def test_each_token_sees_only_its_own_locations(ghl_emu: GHLEmulator) -> None:
    ghl_emu.seed_samples(LOCATION)
    ghl_emu.seed_samples(OTHER_LOCATION)
    async with AsyncGHLClient(token=OTHER_TOKEN, base_url=ghl_emu.url) as other:
        own = await other.pools.list(location_id=None)
        with pytest.raises(ghl_pools.PermissionDeniedError):
            await other.pools.list(location_id=LOCATION)

    assert_page_is_stored(own, ghl_emu, OTHER_LOCATION)


async def test_an_unsupported_version_raises_bad_request(ghl_emu: GHLEmulator) -> None:
    async with AsyncGHLClient(token=TOKEN, base_url=ghl_emu.url, version="1999-01-01") as client:
        with pytest.raises(ghl_pools.BadRequestError) as caught:
            await client.pools.list(location_id=LOCATION)

    err = caught.value
    assert (err.status, err.code) == (400, "Bad Request")
    assert err.message == "Unsupported Version header '1999-01-01'; use 2021-07-28 or v3"
    assert err.body == {"message": err.message, "error": "Bad Request", "statusCode": 400}
    assert ghl_emu.requests[0].headers["version"] == "1999-01-01"


async def test_a_malformed_location_raises_the_documented_bad_request(
    ghl_emu: GHLEmulator, client: AsyncGHLClient
) -> None:
    with pytest.raises(ghl_pools.BadRequestError) as caught:
        await client.pools.list(location_id="loc.with.dots")

    assert (caught.value.status, caught.value.message) == (400, "Invalid locationId format")


async def test_a_location_that_cannot_be_an_id_is_refused_before_sending(
    ghl_emu: GHLEmulator, client: AsyncGHLClient
) -> None:
    with pytest.raises(ghl_pools.BadRequestError) as caught:
        await client.pools.list(location_id="two words")

    assert caught.value.status is None
    assert ghl_emu.requests == []


async def test_a_staged_429_raises_rate_limit_error_with_retry_after(
    ghl_emu: GHLEmulator, client: AsyncGHLClient, fake: FakeClock
) -> None:
    ghl_emu.inject(Fault.RATE_LIMITED, retry_after=7)

    with pytest.raises(ghl_pools.RateLimitError) as caught:
        await client.pools.list(location_id=LOCATION, max_retries=0)

    err = caught.value
    assert (err.status, err.retry_after, err.code) == (429, 7.0, "Too Many Requests")
    assert err.body == {
        "message": "Too Many Requests",
        "error": "Too Many Requests",
        "statusCode": 429,
    }
    assert err.headers["X-RateLimit-Max"] == "100"


async def test_the_burst_limit_of_the_server_raises_rate_limit_error() -> None:
    async with GHLEmulator(tokens={TOKEN: [LOCATION]}, rate_limit=1, rate_interval=60) as emu:
        async with AsyncGHLClient(token=TOKEN, base_url=emu.url) as first:
            await first.pools.list(location_id=LOCATION)
        # A second client has not seen the first one's figures: the server refuses it.
        async with AsyncGHLClient(token=TOKEN, base_url=emu.url, clock=FakeClock()) as second:
            with pytest.raises(ghl_pools.RateLimitError) as caught:
                await second.pools.list(location_id=LOCATION, max_retries=0)

    err = caught.value
    assert (err.status, err.retry_after, err.message) == (429, None, "Too Many Requests")
    info = second.rate_limit
    assert info is not None
    assert (info.limit, info.remaining, info.interval) == (1, 0, 60.0)
    assert [r.status for r in emu.requests] == [200, 429]


async def test_a_used_up_daily_quota_fails_fast_without_retrying() -> None:
    async with (
        GHLEmulator(tokens={TOKEN: [LOCATION]}, daily_limit=2) as emu,
        AsyncGHLClient(token=TOKEN, base_url=emu.url, clock=(fake := FakeClock())) as client,
    ):
        await client.pools.list(location_id=LOCATION)
        await client.pools.list(location_id=LOCATION)
        with pytest.raises(ghl_pools.RateLimitError) as caught:
            await client.pools.list(location_id=LOCATION)

    err = caught.value
    assert err.status == 429
    assert "daily limit (2 requests) is used up" in err.message
    assert err.retry_after is not None
    assert 0 < err.retry_after <= 24 * 3600  # until the next UTC midnight
    assert [r.status for r in emu.requests] == [200, 200, 429]
    assert fake.sleeps == []


# -- token provider ---------------------------------------------------------------------------


async def test_a_token_provider_recovers_from_a_401_with_a_fresh_token(
    ghl_emu: GHLEmulator,
) -> None:
    ghl_emu.seed_samples(LOCATION)
    tokens = iter(["pit-e2e-expired-token", TOKEN])
    asked: list[str] = []

    async def provider() -> str:
        token = next(tokens)
        asked.append(token)
        return token

    async with AsyncGHLClient(token=provider, base_url=ghl_emu.url) as client:
        page = await client.pools.list(location_id=LOCATION)

    assert_page_is_stored(page, ghl_emu, LOCATION)
    assert asked == ["pit-e2e-expired-token", TOKEN]
    assert [r.status for r in ghl_emu.requests] == [401, 200]


async def test_a_token_provider_is_asked_for_every_request(ghl_emu: GHLEmulator) -> None:
    asked = 0

    async def provider() -> str:
        nonlocal asked
        asked += 1
        return TOKEN

    async with AsyncGHLClient(token=provider, base_url=ghl_emu.url) as client:
        for _ in range(3):
            await client.pools.list(location_id=LOCATION)

    assert asked == 3
    assert [r.status for r in ghl_emu.requests] == [200, 200, 200]


async def test_a_provider_whose_tokens_all_fail_raises_after_one_fresh_try(
    ghl_emu: GHLEmulator,
) -> None:
    tokens = iter(["pit-e2e-bad-1", "pit-e2e-bad-2", "pit-e2e-bad-3"])

    async def provider() -> str:
        return next(tokens)

    async with AsyncGHLClient(token=provider, base_url=ghl_emu.url) as client:
        with pytest.raises(ghl_pools.AuthenticationError):
            await client.pools.list(location_id=LOCATION)

    assert [r.status for r in ghl_emu.requests] == [401, 401]


# -- faults -----------------------------------------------------------------------------------


async def test_a_429_with_retry_after_is_waited_once_then_succeeds(
    ghl_emu: GHLEmulator, client: AsyncGHLClient, fake: FakeClock
) -> None:
    ghl_emu.seed_samples(LOCATION)
    ghl_emu.inject(Fault.RATE_LIMITED, retry_after=4)

    page = await client.pools.list(location_id=LOCATION)

    assert_page_is_stored(page, ghl_emu, LOCATION)
    # The retry's wait, then at most the limiter's jitter (a quarter): not a second full wait.
    assert fake.sleeps[0] == 4.0
    assert 4.0 <= sum(fake.sleeps) <= 5.0
    assert [r.status for r in ghl_emu.requests] == [429, 200]


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Fault.SERVER_ERROR, 500),
        (Fault.SERVER_ERROR, 502),
        (Fault.SERVER_ERROR, 503),
        (Fault.HTML_ERROR, 502),
    ],
    ids=["500", "502", "503", "html-502"],
)
async def test_server_errors_are_retried_then_raised_when_they_persist(
    ghl_emu: GHLEmulator, client: AsyncGHLClient, fake: FakeClock, fault: Fault, status: int
) -> None:
    ghl_emu.seed_samples(LOCATION)
    ghl_emu.inject(fault, times=2, status=status)

    page = await client.pools.list(location_id=LOCATION)

    assert_page_is_stored(page, ghl_emu, LOCATION)
    assert [r.status for r in ghl_emu.requests] == [status, status, 200]

    ghl_emu.inject(fault, times=3, status=status)
    with pytest.raises(ghl_pools.ServerError) as caught:
        await client.pools.list(location_id=LOCATION)
    assert caught.value.status == status
    assert [r.status for r in ghl_emu.requests][3:] == [status] * 3
    assert len(fake.sleeps) == 4


async def test_a_slow_answer_times_out_and_is_retried(ghl_emu: GHLEmulator) -> None:
    ghl_emu.seed_samples(LOCATION)
    ghl_emu.inject(Fault.SLOW, slow_seconds=5)
    async with AsyncGHLClient(
        token=TOKEN, base_url=ghl_emu.url, timeout=0.25, clock=FakeClock()
    ) as client:
        page = await client.pools.list(location_id=LOCATION)

        assert_page_is_stored(page, ghl_emu, LOCATION)
        assert [(r.fault, r.status) for r in ghl_emu.requests] == [("slow", None), (None, 200)]

        ghl_emu.inject(Fault.SLOW, times=2, slow_seconds=5)
        with pytest.raises(ghl_pools.APITimeoutError):
            await client.pools.list(location_id=LOCATION, max_retries=1)
