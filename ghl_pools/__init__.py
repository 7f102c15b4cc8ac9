"""Python SDK for GoHighLevel number pools.

    from ghl_pools import AsyncGHLClient

    async with AsyncGHLClient(location_id="ve9EPM428h8vShlRW1KT") as ghl:  # GHL_ACCESS_TOKEN
        page = await ghl.pools.list()
        for pool in page.pools:
            print(pool.name, [n.phone_number for n in pool.numbers])

The blocking :class:`GHLClient` has the same methods without ``await``.
"""

from pools_core import NOT_GIVEN, Clock, RateLimitInfo, RetryPolicy, Secret, Timeout, __version__

from ._client import (
    DEFAULT_BASE_URL,
    AsyncGHLClient,
    AsyncNumberPools,
    GHLClient,
    NumberPools,
    TokenProvider,
)
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    GHLError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from ._models import InboundCallService, NumberPool, NumberPoolPage, PoolNumber
from ._protocol import API_VERSION

__all__ = [
    "API_VERSION",
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncGHLClient",
    "AsyncNumberPools",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "Clock",
    "ConfigurationError",
    "GHLClient",
    "GHLError",
    "InboundCallService",
    "NotFoundError",
    "NumberPool",
    "NumberPoolPage",
    "NumberPools",
    "PermissionDeniedError",
    "PoolNumber",
    "RateLimitError",
    "RateLimitInfo",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "Timeout",
    "TokenProvider",
    "UnexpectedResponseError",
    "__version__",
]
