"""Shared core of ``bland_pools`` and ``ghl_pools``: transport, retry policy, rate limiter,
blocking facade, conversion helpers and the common error base. Users import the API packages;
the names here are public for ``except pools_core.RateLimitError`` across both."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:
    from ._clock import (
        Clock as Clock,
    )
    from ._clock import (
        SystemClock as SystemClock,
    )
    from ._config import (
        Timeout as Timeout,
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
        ErrorDetail as ErrorDetail,
    )
    from ._exceptions import (
        NotFoundError as NotFoundError,
    )
    from ._exceptions import (
        PermissionDeniedError as PermissionDeniedError,
    )
    from ._exceptions import (
        PoolsError as PoolsError,
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
    from ._ratelimit import (
        RateLimitInfo as RateLimitInfo,
    )
    from ._retry import (
        RetryPolicy as RetryPolicy,
    )
    from ._types import (
        NOT_GIVEN as NOT_GIVEN,
    )
    from ._types import (
        NotGiven as NotGiven,
    )
    from ._types import (
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
    "RateLimitInfo": "._ratelimit",
    "RetryPolicy": "._retry",
    "NOT_GIVEN": "._types",
    "NotGiven": "._types",
    "Secret": "._types",
    "__version__": "._version",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
