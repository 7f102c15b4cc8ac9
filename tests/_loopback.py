"""A throwaway HTTP server on 127.0.0.1 for tests that need answers no emulator gives."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]


@contextlib.asynccontextmanager
async def serve(answer: Answer | web.Application) -> AsyncIterator[str]:
    """Serves ``answer`` (one handler for every method and path, or a whole app) on a free
    loopback port; yields its base URL and shuts it down on exit."""
    if isinstance(answer, web.Application):
        app = answer
    else:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
