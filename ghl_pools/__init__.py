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
    )
    from pools_core import (
        Clock as Clock,
    )
    from pools_core import (
        RateLimitInfo as RateLimitInfo,
    )
    from pools_core import (
        RetryPolicy as RetryPolicy,
    )
    from pools_core import (
        Secret as Secret,
    )
    from pools_core import (
        Timeout as Timeout,
    )
    from pools_core import (
        __version__ as __version__,
    )

    from ._client import (
        DEFAULT_BASE_URL as DEFAULT_BASE_URL,
    )
    from ._client import (
        AsyncGHLClient as AsyncGHLClient,
    )
    from ._client import (
        AsyncNumberPools as AsyncNumberPools,
    )
    from ._client import (
        GHLClient as GHLClient,
    )
    from ._client import (
        NumberPools as NumberPools,
    )
    from ._client import (
        TokenProvider as TokenProvider,
    )
    from ._exceptions import (
        APIConnectionError as APIConnectionError,
    )
    from ._exceptions import (
        APIError as APIError,
    )
    from ._exceptions import (
        APITimeoutError as APITimeoutError,
    )
    from ._exceptions import (
        AuthenticationError as AuthenticationError,
    )
    from ._exceptions import (
        BadRequestError as BadRequestError,
    )
    from ._exceptions import (
        ClientClosedError as ClientClosedError,
    )
    from ._exceptions import (
        ConfigurationError as ConfigurationError,
    )
    from ._exceptions import (
        GHLError as GHLError,
    )
    from ._exceptions import (
        NotFoundError as NotFoundError,
    )
    from ._exceptions import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from ._exceptions import (
        RateLimitError as RateLimitError,
    )
    from ._exceptions import (
        ServerError as ServerError,
    )
    from ._exceptions import (
        UnexpectedResponseError as UnexpectedResponseError,
    )
    from ._models import (
        InboundCallService as InboundCallService,
    )
    from ._models import (
        NumberPool as NumberPool,
    )
    from ._models import (
        NumberPoolPage as NumberPoolPage,
    )
    from ._models import (
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
