"""Answers larger than anything the APIs send: read only as far as needed, never whole."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from _loopback import serve
from aiohttp import web

import bland_pools
import pools_core._transport
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


# -- compressed answers: Content-Length counts the compressed bytes ---------------------------

POOL_JSON = (Path(__file__).parent.parent / "fixtures" / "bland" / "get_success.json").read_bytes()


@pytest.fixture
async def gzip_server() -> AsyncIterator[tuple[str, dict[str, tuple[int, bytes]]]]:
    """Answers each path with the gzip of the body staged for it (``Content-Length`` set)."""
    staged: dict[str, tuple[int, bytes]] = {}

    async def answer(request: web.Request) -> web.Response:
        status, body = staged[request.path]
        return web.Response(
            status=status,
            body=gzip.compress(body),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    async with serve(answer) as url:
        yield url, staged


SMALL_CAP = 2**20


async def test_a_compressed_answer_is_capped_by_its_decoded_size(
    gzip_server: tuple[str, dict[str, tuple[int, bytes]]],
) -> None:
    url, staged = gzip_server
    path = f"/v1/custom-dialing-pools/{POOL_ID}"
    bomb = b" " * (4 * SMALL_CAP) + POOL_JSON  # valid JSON, 4x the cap once decoded
    staged[path] = (200, bomb)
    assert len(gzip.compress(bomb)) < SMALL_CAP  # small on the wire

    async with AsyncBlandClient(
        api_key="key", base_url=url, max_retries=0, max_response_bytes=SMALL_CAP
    ) as bland:
        with pytest.raises(bland_pools.UnexpectedResponseError, match="larger than"):
            await bland.pools.get(POOL_ID)


async def test_a_compressed_answer_under_the_cap_decodes(
    gzip_server: tuple[str, dict[str, tuple[int, bytes]]],
) -> None:
    url, staged = gzip_server
    staged[f"/v1/custom-dialing-pools/{POOL_ID}"] = (200, b" " * (SMALL_CAP // 2) + POOL_JSON)

    async with AsyncBlandClient(api_key="key", base_url=url, max_response_bytes=SMALL_CAP) as bland:
        pool = await bland.pools.get(POOL_ID)

    assert pool.raw == json.loads(POOL_JSON)["data"]


async def test_a_compressed_error_is_read_only_as_far_as_its_message(
    gzip_server: tuple[str, dict[str, tuple[int, bytes]]],
) -> None:
    url, staged = gzip_server
    page = b"<html><h1>503 Service Unavailable</h1>" + b"x" * (8 * 2**20)
    staged[f"/v1/custom-dialing-pools/{POOL_ID}"] = (503, page)

    async with AsyncBlandClient(api_key="key", base_url=url, max_retries=0) as bland:
        with pytest.raises(bland_pools.ServerError) as caught:
            await bland.pools.get(POOL_ID)

    assert caught.value.status == 503
    assert "503 Service Unavailable" in caught.value.message
    assert len(caught.value.body or b"") <= pools_core._transport.MAX_ERROR_BODY


async def test_an_error_body_is_kept_only_up_to_its_cap(
    gzip_server: tuple[str, dict[str, tuple[int, bytes]]],
) -> None:
    url, staged = gzip_server
    cap = pools_core._transport.MAX_ERROR_BODY
    staged["/error"] = (503, b"e" * (4 * cap))

    async with aiohttp.ClientSession() as session, session.get(url + "/error") as resp:
        body = await pools_core._transport._read_body(resp, pools_core._transport.MAX_BODY)

    assert body == b"e" * cap  # an error's first part is all the SDK needs
