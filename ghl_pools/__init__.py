"""Python SDK for GoHighLevel number pools.

    from ghl_pools import AsyncGHLClient

    async with AsyncGHLClient(location_id="ve9EPM428h8vShlRW1KT") as ghl:  # GHL_ACCESS_TOKEN
        page = await ghl.pools.list()
        for pool in page.pools:
            print(pool.name, [n.phone_number for n in pool.numbers])

The blocking :class:`GHLClient` has the same methods without ``await``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pools_core._lazy import lazy_exports

if TYPE_CHECKING:
    from pools_core import (
        NOT_GIVEN as NOT_GIVEN,
        Clock as Clock,
        RateLimitInfo as RateLimitInfo,
        RetryPolicy as RetryPolicy,
        Secret as Secret,
        Timeout as Timeout,
        __version__ as __version__,
    )

    from ._client import (
        DEFAULT_BASE_URL as DEFAULT_BASE_URL,
        AsyncGHLClient as AsyncGHLClient,
        AsyncNumberPools as AsyncNumberPools,
        GHLClient as GHLClient,
        NumberPools as NumberPools,
        TokenProvider as TokenProvider,
    )
    from ._exceptions import (
        APIConnectionError as APIConnectionError,
        APIError as APIError,
        APITimeoutError as APITimeoutError,
        AuthenticationError as AuthenticationError,
        BadRequestError as BadRequestError,
        ClientClosedError as ClientClosedError,
        ConfigurationError as ConfigurationError,
        GHLError as GHLError,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        RateLimitError as RateLimitError,
        ServerError as ServerError,
        UnexpectedResponseError as UnexpectedResponseError,
    )
    from ._models import (
        InboundCallService as InboundCallService,
        NumberPool as NumberPool,
        NumberPoolPage as NumberPoolPage,
        PoolNumber as PoolNumber,
    )
    from ._protocol import (
        API_VERSION as API_VERSION,
    )

_EXPORTS = {
    "Clock": "pools_core",
    "NOT_GIVEN": "pools_core",
    "RateLimitInfo": "pools_core",
    "RetryPolicy": "pools_core",
    "Secret": "pools_core",
    "Timeout": "pools_core",
    "__version__": "pools_core",
    "AsyncGHLClient": "._client",
    "AsyncNumberPools": "._client",
    "DEFAULT_BASE_URL": "._client",
    "GHLClient": "._client",
    "NumberPools": "._client",
    "TokenProvider": "._client",
    "APIConnectionError": "._exceptions",
    "APIError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ClientClosedError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "GHLError": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "RateLimitError": "._exceptions",
    "ServerError": "._exceptions",
    "UnexpectedResponseError": "._exceptions",
    "InboundCallService": "._models",
    "NumberPool": "._models",
    "NumberPoolPage": "._models",
    "PoolNumber": "._models",
    "API_VERSION": "._protocol",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
