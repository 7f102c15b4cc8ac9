"""What the transport's connections are made of: its settings, checked once when a client is
built, the per-attempt timeout in aiohttp's form, and the resolver that keeps plain http to
``localhost`` on loopback."""

from __future__ import annotations

import ipaddress
import platform
import socket
from typing import Any, Final

import aiohttp
import attrs
import yarl

from ._clock import SYSTEM_CLOCK, Clock
from ._config import Timeout, as_timeout
from ._exceptions import ConfigurationError
from ._retry import RetryPolicy
from ._version import __version__

__all__ = [
    "MAX_BODY",
    "MAX_ERROR_BODY",
    "LoopbackResolver",
    "Settings",
    "needs_loopback_resolver",
    "to_client_timeout",
    "user_agent",
]

#: The default of the largest success answer read (``max_response_bytes``): an organization's
#: every pool is far less. An error answer is read up to MAX_ERROR_BODY, enough for its
#: message, whatever a proxy sends.
MAX_BODY: Final = 64 * 2**20
MAX_ERROR_BODY: Final = 64 * 2**10


_SESSION: Final = "be an aiohttp.ClientSession"


def _kind(name: str, kind: Any, what: str) -> Any:
    def check(_: Any, __: Any, value: object) -> None:
        if not isinstance(value, kind):
            raise ConfigurationError(f"{name} must {what}, got {type(value).__name__}")

    return check


def _connections(_: Any, __: Any, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigurationError(f"max_connections must be an integer, got {value!r}")
    if value < 1:
        raise ConfigurationError(f"max_connections must be at least 1, got {value}")


def _response_bytes(_: Any, __: Any, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < MAX_ERROR_BODY:
        raise ConfigurationError(
            f"max_response_bytes must be a whole number of bytes, at least {MAX_ERROR_BODY}, "
            f"got {value!r}"
        )


@attrs.frozen(kw_only=True)
class Settings:
    """A transport's options, each checked here (a bad one raises ConfigurationError naming
    it); ``timeout`` given as a number becomes a :class:`Timeout`."""

    session: aiohttp.ClientSession | None = attrs.field(
        default=None, validator=_kind("session", (aiohttp.ClientSession, type(None)), _SESSION)
    )
    max_connections: int = attrs.field(default=100, validator=_connections)
    max_response_bytes: int = attrs.field(default=MAX_BODY, validator=_response_bytes)
    retry_policy: RetryPolicy = attrs.field(
        factory=RetryPolicy, validator=_kind("retry_policy", RetryPolicy, "be a RetryPolicy")
    )
    clock: Clock = attrs.field(
        default=SYSTEM_CLOCK,
        validator=_kind("clock", Clock, "have monotonic() and async sleep()"),
    )
    timeout: Timeout = attrs.field(factory=Timeout, converter=as_timeout)


def to_client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=timeout.total, sock_connect=timeout.connect, sock_read=timeout.read
    )


class LoopbackResolver(aiohttp.abc.AbstractResolver):
    """aiohttp's resolver, keeping only loopback addresses: plain http to ``localhost`` must
    not carry the key to another machine when a hosts file or DNS says otherwise. Created on
    the loop that uses it."""

    def __init__(self, inner: aiohttp.abc.AbstractResolver | None = None) -> None:
        self._inner = inner or aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        kept = [r for r in found if ipaddress.ip_address(r["host"]).is_loopback]
        if not kept:
            raise OSError(f"{host} resolves to no loopback address; plain http is not sent")
        return kept

    async def close(self) -> None:
        await self._inner.close()


def needs_loopback_resolver(base_url: str) -> bool:
    """Plain http by the name ``localhost``: only a resolver that keeps loopback addresses
    may connect it (:class:`LoopbackResolver`)."""
    url = yarl.URL(base_url)
    return url.scheme == "http" and url.host == "localhost"


def user_agent(sdk: str) -> str:
    return (
        f"{sdk}/{__version__} (bland-ghl-pools) aiohttp/{aiohttp.__version__} "
        f"{platform.python_implementation()}/{platform.python_version()}"
    )
