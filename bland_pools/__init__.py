"""Python SDK for Bland AI custom dialing pools: list, get, create and update.

    from bland_pools import AsyncBlandClient

    async with AsyncBlandClient() as bland:          # api key from BLAND_API_KEY
        pool = await bland.pools.create(["+12345678901", "+19876543210"])

The blocking :class:`BlandClient` has the same methods without ``await``.
"""

from pools_core import NOT_GIVEN, Clock, RetryPolicy, Secret, Timeout, __version__

from ._client import DEFAULT_BASE_URL, AsyncBlandClient, AsyncPools, BlandClient, Pools
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BlandError,
    ClientClosedError,
    ConfigurationError,
    InvalidCredentialsError,
    InvalidPhoneNumbersError,
    InvalidPoolIdError,
    NotFoundError,
    PermissionDeniedError,
    PoolNotFoundError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from ._models import DialingPool
from ._validation import normalize_phone_number

__all__ = [
    "DEFAULT_BASE_URL",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncBlandClient",
    "AsyncPools",
    "AuthenticationError",
    "BadRequestError",
    "BlandClient",
    "BlandError",
    "ClientClosedError",
    "Clock",
    "ConfigurationError",
    "DialingPool",
    "InvalidCredentialsError",
    "InvalidPhoneNumbersError",
    "InvalidPoolIdError",
    "NotFoundError",
    "PermissionDeniedError",
    "PoolNotFoundError",
    "Pools",
    "RateLimitError",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "Timeout",
    "UnexpectedResponseError",
    "__version__",
    "normalize_phone_number",
]
