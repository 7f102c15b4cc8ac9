"""Shared core of ``bland_pools`` and ``ghl_pools``: transport, retry policy, rate limiter,
blocking facade, conversion helpers and the common error base. Users import the API packages;
the names here are public for ``except pools_core.RateLimitError`` across both."""

from ._clock import Clock, SystemClock
from ._config import Timeout
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConfigurationError,
    ErrorDetail,
    NotFoundError,
    PermissionDeniedError,
    PoolsError,
    RateLimitError,
    ServerError,
    UnexpectedResponseError,
)
from ._ratelimit import RateLimitInfo
from ._retry import RetryPolicy
from ._types import NOT_GIVEN, NotGiven, Secret
from ._version import __version__

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "Clock",
    "ConfigurationError",
    "ErrorDetail",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "PoolsError",
    "RateLimitError",
    "RateLimitInfo",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "SystemClock",
    "Timeout",
    "UnexpectedResponseError",
    "__version__",
]
