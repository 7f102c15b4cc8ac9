"""``close()`` with calls in flight, end to end against the emulator on 127.0.0.1: every one of
them raises ``ClientClosedError`` (a ``RuntimeError``), none a bare ``CancelledError`` that
``except Exception`` misses and a ``TaskGroup`` mistakes for a cancellation; a call its caller
cancels still gets ``CancelledError``."""

from __future__ import annotations

import asyncio

import pytest

import bland_pools
from bland_pools import AsyncBlandClient
from bland_pools.testing import BlandEmulator, Fault

from ._support import KEY_A


async def first_request_arrived(emu: BlandEmulator) -> None:
    """Returns once the emulator received a request (polled; bounded as a safety net)."""
    async with asyncio.timeout(30):
        while not emu.requests:  # noqa: ASYNC110 - the emulator's log offers no event
            await asyncio.sleep(0.01)


async def test_close_gives_every_call_in_flight_the_closed_error(bland_emu: BlandEmulator) -> None:
    bland_emu.inject(Fault.SLOW, times=2, slow_seconds=5)
    client = AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, max_connections=1)
    sent = asyncio.create_task(client.pools.list())  # holds the only connection
    waiting = asyncio.create_task(client.pools.list())  # waits for it
    await first_request_arrived(bland_emu)

    await client.close()
    outcomes = await asyncio.gather(sent, waiting, return_exceptions=True)

    assert [type(o) for o in outcomes] == [bland_pools.ClientClosedError] * 2, outcomes
    assert all(isinstance(o, RuntimeError) for o in outcomes)
    assert [sent.cancelling(), waiting.cancelling()] == [0, 0]


async def test_close_is_not_a_cancellation_of_a_task_group_waiting_on_a_call(
    bland_emu: BlandEmulator,
) -> None:
    bland_emu.inject(Fault.SLOW, times=2, slow_seconds=5)
    client = AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url, max_connections=1)
    sent = asyncio.create_task(client.pools.list())  # holds the only connection
    await first_request_arrived(bland_emu)

    async def close_soon() -> None:
        for _ in range(10):  # let the group's call reach the pool's queue
            await asyncio.sleep(0)
        await client.close()

    async def call_in_a_group() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(client.pools.list())  # waits for the connection
            group.create_task(close_soon())

    with pytest.raises(ExceptionGroup) as caught:
        await call_in_a_group()

    # Before, the call's bare CancelledError was taken for a cancellation and dropped: the
    # group ended as if the call had succeeded.
    assert [type(e) for e in caught.value.exceptions] == [bland_pools.ClientClosedError]
    with pytest.raises(bland_pools.ClientClosedError):
        await sent


async def test_a_call_its_caller_cancels_still_gets_cancelled_error_when_the_client_closes(
    bland_emu: BlandEmulator,
) -> None:
    bland_emu.inject(Fault.SLOW, slow_seconds=5)
    client = AsyncBlandClient(api_key=KEY_A, base_url=bland_emu.url)
    call = asyncio.create_task(client.pools.list())
    await first_request_arrived(bland_emu)

    call.cancel()
    await client.close()

    with pytest.raises(asyncio.CancelledError):
        await call
