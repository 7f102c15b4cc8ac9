"""A small local server for the blocking-facade tests: an ``aiohttp.web`` app on 127.0.0.1 in a
background thread with its own event loop. It answers the documented envelopes of both APIs,
records what it received, and counts the distinct client connections (by peer address)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
from aiohttp import web

from ._support import API_KEY, GHL_TOKEN, OWNER_ID, fixture_json

#: A pool id whose GET never answers in time (for per-call timeouts).
SLOW_POOL_ID = "00000000-0000-4000-8000-00000000510e"


@attrs.frozen
class Received:
    method: str
    path_qs: str
    headers: Mapping[str, str]
    body: bytes
    peer: tuple[Any, ...]


class LocalServer:
    """Start with :meth:`start`, stop with :meth:`stop`; :attr:`base_url` is where it listens."""

    def __init__(self) -> None:
        self.pools: dict[str, dict[str, Any]] = {}
        self.received: list[Received] = []
        self.slow_cancelled = threading.Event()  # a client gave up on a SLOW_POOL_ID request
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def connections(self) -> int:
        """How many distinct client connections (peer address and port) sent requests."""
        with self._lock:
            return len({r.peer for r in self.received})

    def open_connections(self, expected: int | None = None, wait: float = 5.0) -> int:
        """How many client connections are open now; with ``expected``, waits up to ``wait``
        seconds for that count (a client's close reaches the server a moment later)."""
        deadline = time.monotonic() + wait
        while True:
            count = self._open_now()
            if expected is None or count == expected or time.monotonic() > deadline:
                return count
            time.sleep(0.01)

    def _open_now(self) -> int:
        loop, runner = self._loop, self._runner
        assert loop is not None
        assert runner is not None
        server = runner.server
        assert server is not None

        async def count() -> int:  # read on the server's own loop, which changes it
            return len(server.connections)

        return asyncio.run_coroutine_threadsafe(count(), loop).result(timeout=10)

    def add_pool(self, numbers: list[str], key: str | None = None) -> dict[str, Any]:
        pool: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "owner_id": OWNER_ID,
            "phone_numbers": numbers,
            "encrypted_key": key,
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        self.pools[pool["id"]] = pool
        return pool

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # pragma: no cover - reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="local-test-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:  # pragma: no cover
            raise failure[0]

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/v1/custom-dialing-pools", self._list)
        app.router.add_post("/v1/custom-dialing-pools", self._create)
        app.router.add_get("/v1/custom-dialing-pools/{pool_id}", self._get)
        app.router.add_post("/v1/custom-dialing-pools/{pool_id}/update", self._update)
        app.router.add_get("/phone-system/number-pools", self._ghl_list)
        # A client that gives up (a per-call timeout) cancels its handler; shutdown is quick.
        self._runner = web.AppRunner(app, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    def stop(self) -> None:
        loop, runner, thread = self._loop, self._runner, self._thread
        if loop is None or runner is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)

    # -- handlers --------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> None:
        body = await request.read()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        with self._lock:
            self.received.append(
                Received(
                    request.method, request.path_qs, dict(request.headers), body, tuple(peer or ())
                )
            )

    @staticmethod
    def _bland(data: Any, status: int = 200) -> web.Response:
        return web.json_response({"status": "success", "data": data, "errors": None}, status=status)

    @staticmethod
    def _bland_error(code: str, message: str, status: int) -> web.Response:
        body = {"status": "error", "data": None, "errors": [{"error": code, "message": message}]}
        return web.json_response(body, status=status)

    def _bland_auth(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != API_KEY:
            return self._bland_error(
                "UNAUTHORIZED", "Invalid API key or insufficient permissions", 401
            )
        return None

    async def _list(self, request: web.Request) -> web.Response:
        await self._record(request)
        return self._bland_auth(request) or self._bland(list(self.pools.values()))

    async def _get(self, request: web.Request) -> web.Response:
        await self._record(request)
        if denied := self._bland_auth(request):
            return denied
        pool_id = request.match_info["pool_id"]
        if pool_id == SLOW_POOL_ID:
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                self.slow_cancelled.set()  # the client closed the connection
                raise
        pool = self.pools.get(pool_id)
        if pool is None:
            return self._bland_error("POOL_NOT_FOUND", "Geospatial dialing pool not found", 404)
        return self._bland(pool)

    async def _create(self, request: web.Request) -> web.Response:
        await self._record(request)
        if denied := self._bland_auth(request):
            return denied
        body = await request.json()
        return self._bland(self.add_pool(body["phone_numbers"], body.get("encrypted_key")))

    async def _update(self, request: web.Request) -> web.Response:
        await self._record(request)
        if denied := self._bland_auth(request):
            return denied
        pool = self.pools.get(request.match_info["pool_id"])
        if pool is None:
            return self._bland_error("POOL_NOT_FOUND", "Geospatial dialing pool not found", 404)
        body = await request.json()
        pool["phone_numbers"] = body["phone_numbers"]
        if "encrypted_key" in body:
            pool["encrypted_key"] = body["encrypted_key"]
        return self._bland(pool)

    async def _ghl_list(self, request: web.Request) -> web.Response:
        await self._record(request)
        if request.headers.get("Authorization") != f"Bearer {GHL_TOKEN}":
            return web.Response(status=401)  # GoHighLevel sends 401 without a body
        return web.json_response(
            fixture_json("ghl/list_success.json"),
            headers={
                "X-RateLimit-Max": "100",
                "X-RateLimit-Remaining": "99",
                "X-RateLimit-Interval-Milliseconds": "10000",
                "X-RateLimit-Limit-Daily": "200000",
                "X-RateLimit-Daily-Remaining": "199999",
            },
        )
