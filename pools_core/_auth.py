"""The transport's auth step: the headers that carry the credentials, and their refresh.

A fixed credential (Bland's API key, a GoHighLevel token given as a string) is rendered into
headers once; :attr:`Auth.headers` then holds them and the transport uses them as they are. A
token provider (a callable returning the current OAuth token) is asked per request, and once
more after a 401: the request is sent again only if the token changed.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeAlias

from ._config import check_header_value, conceal, refused_type
from ._exceptions import ConfigurationError, ErrorTree
from ._types import RedactedHeaders, Secret

__all__ = ["Auth", "ProviderAuth", "TokenProvider"]

#: A callable returning the current credential; it may be async (``async def``) or plain.
TokenProvider: TypeAlias = Callable[[], Awaitable[str] | str]


class Auth:
    """Fixed credentials: the same :attr:`headers` on every request, never refreshed."""

    __slots__ = ("headers",)

    def __init__(self, headers: RedactedHeaders | None) -> None:
        #: The headers of every request, or ``None`` when they are made per request.
        self.headers = headers

    async def current(self, wait: float | None) -> RedactedHeaders:
        """The headers for the next request; ``wait`` bounds the time to get them."""
        assert self.headers is not None
        return self.headers

    async def refreshed(self, stale: RedactedHeaders, wait: float | None) -> RedactedHeaders | None:
        """Headers to send again with after a 401, or ``None`` when nothing changed."""
        return None


class ProviderAuth(Auth):
    """Credentials from a :data:`TokenProvider`, rendered into headers by ``render``."""

    __slots__ = ("_errors", "_provider", "_render")

    def __init__(
        self,
        provider: TokenProvider,
        render: Callable[[Secret], RedactedHeaders],
        errors: ErrorTree,
    ) -> None:
        super().__init__(None)
        self._provider = provider
        self._render = render
        self._errors = errors

    async def current(self, wait: float | None) -> RedactedHeaders:
        return self._render(await self._token(wait))

    async def refreshed(self, stale: RedactedHeaders, wait: float | None) -> RedactedHeaders | None:
        fresh = self._render(await self._token(wait))
        return None if fresh == stale else fresh

    async def _token(self, wait: float | None) -> Secret:
        try:
            async with asyncio.timeout(wait):
                result = self._provider()
                token = await result if inspect.isawaitable(result) else result
        except TimeoutError:
            raise self._errors.timeout(
                f"The token provider gave no token within {wait:g} s (the call's timeout); "
                "nothing was sent",
                request_sent=False,
            ) from None
        # Wrapped at once, and the plain value dropped before any error below: tools that
        # print a traceback's locals (Sentry, rich) must not show the token.
        given = conceal(token)
        del token, result
        wrong = "NoneType" if given is None else refused_type(given)
        if given is None or wrong is not None:
            raise self._errors.configuration(f"the token provider returned {wrong}, not a string")
        try:
            check_header_value(given, "the token from the token provider")
        except ConfigurationError as exc:
            raise self._errors.configuration(str(exc)) from None
        return given
