"""Answers larger than anything the APIs send: read only as far as needed, never whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

import bland_pools
from bland_pools import AsyncBlandClient

POOL_ID = "550e8400-e29b-41d4-a716-446655440001"
MEGABYTES = 8


class Proxy:
    """A "proxy" answering every request with a many-megabyte HTML 502 page, streamed."""

    def __init__(self) -> None:
        self.url = ""
        self.sent_whole_page = False
        self.finished = asyncio.Event()

    async def huge_page(self, request: web.Request) -> web.StreamResponse:
        try:
            response = web.StreamResponse(status=502, headers={"Content-Type": "text/html"})
            await response.prepare(request)
            await response.write(b"<html><body><h1>502 Bad Gateway</h1>")
            for _ in range(MEGABYTES * 16):
                await response.write(b"x" * 65536)
            await response.write_eof()
            self.sent_whole_page = True
            return response
        finally:
            self.finished.set()


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    proxy = Proxy()

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.huge_page)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    proxy.url = f"http://127.0.0.1:{port}"
    try:
        yield proxy
    finally:
        await runner.cleanup()


async def test_a_huge_error_page_is_read_only_as_far_as_its_message(proxy: Proxy) -> None:
    async with AsyncBlandClient(api_key="key", base_url=proxy.url, max_retries=0) as bland:
        with pytest.raises(bland_pools.ServerError) as caught:
            await bland.pools.get(POOL_ID)

    assert caught.value.status == 502
    assert "502 Bad Gateway" in caught.value.message
    await asyncio.wait_for(proxy.finished.wait(), 10)
    # The client hung up after the first 64 KiB: the proxy could not send its 8 MB.
    assert not proxy.sent_whole_page
