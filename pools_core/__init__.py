"""Shared core of ``bland_pools`` and ``ghl_pools``: transport, retry policy, rate limiter,
blocking facade, conversion helpers and the common error base. Users import the API packages;
the names here are public for ``except pools_core.RateLimitError`` across both."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from ._clock import (
        Clock as Clock,
        SystemClock as SystemClock,
    )
    from ._config import (
        Timeout as Timeout,
    )
    from ._exceptions import (
        APIConnectionError as APIConnectionError,
        APIError as APIError,
        APITimeoutError as APITimeoutError,
        AuthenticationError as AuthenticationError,
        BadRequestError as BadRequestError,
        ClientClosedError as ClientClosedError,
        ConfigurationError as ConfigurationError,
        ErrorDetail as ErrorDetail,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        PoolsError as PoolsError,
        RateLimitError as RateLimitError,
        ServerError as ServerError,
        UnexpectedResponseError as UnexpectedResponseError,
    )
    from ._headers import (
        RateLimitInfo as RateLimitInfo,
    )
    from ._retry import (
        RetryPolicy as RetryPolicy,
    )
    from ._types import (
        NOT_GIVEN as NOT_GIVEN,
        NotGiven as NotGiven,
        Secret as Secret,
    )
    from ._version import (
        __version__ as __version__,
    )

_EXPORTS = {
    "Clock": "._clock",
    "SystemClock": "._clock",
    "Timeout": "._config",
    "APIConnectionError": "._exceptions",
    "APIError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ClientClosedError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "ErrorDetail": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "PoolsError": "._exceptions",
    "RateLimitError": "._exceptions",
    "ServerError": "._exceptions",
    "UnexpectedResponseError": "._exceptions",
    "RateLimitInfo": "._headers",
    "RetryPolicy": "._retry",
    "NOT_GIVEN": "._types",
    "NotGiven": "._types",
    "Secret": "._types",
    "__version__": "._version",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
