"""``BlandEmulator(rate_limit=N)``: past N requests per sliding second per API key, a 429 with
``Retry-After`` in whole seconds (until the oldest request leaves the second) and Bland's
error envelope, nothing applied; a refused request does not count; each key has its own
second; the limit counts by the emulator's ``clock``. Also from ``python -m
bland_pools.testing --rate-limit N`` and the pytest marker ``bland_emulator(rate_limit=N)``.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
from _interruptible import interruptible

from bland_pools.testing import BlandEmulator, FakeClock

from .conftest import KEY_A, KEY_B

pytest_plugins = ["pytester"]

POOLS = "/v1/custom-dialing-pools"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def _list(
    session: aiohttp.ClientSession, emu: BlandEmulator, key: str = KEY_A
) -> tuple[int, dict[str, str], object]:
    async with session.get(emu.url + POOLS, headers={"authorization": key}) as resp:
        return resp.status, dict(resp.headers), await resp.json()


async def test_the_request_past_the_limit_in_a_second_gets_a_429_with_retry_after(
    session: aiohttp.ClientSession,
) -> None:
    clock = FakeClock()
    async with BlandEmulator(api_keys=[KEY_A], rate_limit=3, clock=clock) as emu:
        answers = [await _list(session, emu) for _ in range(3)]
        clock.advance(0.4)
        status, headers, body = await _list(session, emu)

    assert [a[0] for a in answers] == [200, 200, 200]
    assert status == 429
    assert headers["Retry-After"] == "1"  # 0.6 s until the first leaves, in whole seconds
    assert body == {
        "status": "error",
        "data": None,
        "errors": [{"error": "TOO_MANY_REQUESTS", "message": "Too Many Requests"}],
    }
    assert [r.status for r in emu.requests] == [200, 200, 200, 429]


async def test_after_the_second_the_next_request_succeeds(session: aiohttp.ClientSession) -> None:
    clock = FakeClock()
    async with BlandEmulator(api_keys=[KEY_A], rate_limit=2, clock=clock) as emu:
        for _ in range(2):
            await _list(session, emu)
        clock.advance(0.5)
        await _list(session, emu)  # refused: does not count
        clock.advance(0.4)
        refused_still = (await _list(session, emu))[0]
        clock.advance(0.1)  # a full second after the first two
        statuses = [(await _list(session, emu))[0] for _ in range(3)]

    assert refused_still == 429
    assert statuses == [200, 200, 429]


async def test_a_refused_create_is_not_applied(session: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A], rate_limit=1, clock=FakeClock()) as emu:
        for number in ("+12345678901", "+12345678902"):
            async with session.post(
                emu.url + POOLS,
                json={"phone_numbers": [number]},
                headers={"authorization": KEY_A},
            ) as resp:
                await resp.read()

        assert [p["phone_numbers"] for p in emu.pools()] == [["+12345678901"]]
        assert [r.status for r in emu.requests] == [200, 429]


async def test_each_key_has_its_own_second_and_a_bad_key_is_401_first(
    session: aiohttp.ClientSession,
) -> None:
    async with BlandEmulator(api_keys=[KEY_A, KEY_B], rate_limit=1, clock=FakeClock()) as emu:
        statuses = [
            (await _list(session, emu, key))[0] for key in (KEY_A, KEY_B, KEY_A, "nope", KEY_B)
        ]

    assert statuses == [200, 200, 429, 401, 429]


async def test_reset_forgets_the_second(session: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A], rate_limit=1, clock=FakeClock()) as emu:
        await _list(session, emu)
        emu.reset()
        status = (await _list(session, emu))[0]

    assert status == 200


async def test_without_a_limit_nothing_is_refused(session: aiohttp.ClientSession) -> None:
    async with BlandEmulator(api_keys=[KEY_A], clock=FakeClock()) as emu:
        statuses = {(await _list(session, emu))[0] for _ in range(50)}

    assert statuses == {200}
    assert emu.rate_limit is None


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "5"])
def test_the_limit_must_be_a_whole_number(bad: object) -> None:
    with pytest.raises(ValueError, match="rate_limit must be a whole number"):
        BlandEmulator(rate_limit=bad)  # type: ignore[arg-type]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_the_standalone_emulator_takes_rate_limit(session: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        *interruptible(
            [sys.executable, "-m", "bland_pools.testing", "--port", "0", "--rate-limit", "2"]
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not lines or not lines[-1].startswith("Press Ctrl-C"):
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, lines
            lines.append(line.decode().rstrip())
        url = lines[0].rsplit(" ", 1)[1]
        statuses = []
        for _ in range(3):
            async with session.get(
                url + POOLS, headers={"authorization": "bland-emulator-key"}
            ) as resp:
                statuses.append(resp.status)
    finally:
        proc.terminate()
        await proc.communicate()

    assert any("rate limit:" in line and "2 requests per second" in line for line in lines)
    # Three at once: the third within the second of the first two.
    assert statuses == [200, 200, 429]


MARKED = """
import pytest
from bland_pools import AsyncBlandClient, BlandClient

@pytest.mark.bland_emulator(rate_limit=2)
@pytest.mark.asyncio
async def test_async(bland_emulator, bland_client):
    for _ in range(3):
        try:
            await bland_client.pools.list(max_retries=0)
        except Exception:
            pass
    assert [r.status for r in bland_emulator.requests] == [200, 200, 429]

@pytest.mark.bland_emulator(rate_limit=2)
def test_blocking(bland_emulator_in_thread):
    emu = bland_emulator_in_thread
    with BlandClient(api_key=emu.api_key, base_url=emu.url, max_rate=2) as bland:
        for _ in range(5):
            bland.pools.list()
    assert [r.status for r in emu.requests] == [200] * 5

@pytest.mark.asyncio
async def test_unmarked(bland_emulator):
    assert bland_emulator.rate_limit is None

@pytest.mark.bland_emulator(5)
@pytest.mark.asyncio
async def test_bad_marker(bland_emulator):
    pass
"""


def test_the_pytest_marker_sets_the_fixtures_limit(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKED)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-W", "error", "--strict-markers", timeout=120)

    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*bland_emulator takes only keyword options (rate_limit)*"])
